//go:build amd64 && !noasm

#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

DATA log2e<>+0(SB)/4, $0x3fb8aa3b
DATA log2e<>+4(SB)/4, $0x3fb8aa3b
DATA log2e<>+8(SB)/4, $0x3fb8aa3b
DATA log2e<>+12(SB)/4, $0x3fb8aa3b
DATA log2e<>+16(SB)/4, $0x3fb8aa3b
DATA log2e<>+20(SB)/4, $0x3fb8aa3b
DATA log2e<>+24(SB)/4, $0x3fb8aa3b
DATA log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $32

DATA magic<>+0(SB)/4, $0x4b400000
DATA magic<>+4(SB)/4, $0x4b400000
DATA magic<>+8(SB)/4, $0x4b400000
DATA magic<>+12(SB)/4, $0x4b400000
DATA magic<>+16(SB)/4, $0x4b400000
DATA magic<>+20(SB)/4, $0x4b400000
DATA magic<>+24(SB)/4, $0x4b400000
DATA magic<>+28(SB)/4, $0x4b400000
GLOBL magic<>(SB), RODATA|NOPTR, $32

DATA ln2hi<>+0(SB)/4, $0x3f317200
DATA ln2hi<>+4(SB)/4, $0x3f317200
DATA ln2hi<>+8(SB)/4, $0x3f317200
DATA ln2hi<>+12(SB)/4, $0x3f317200
DATA ln2hi<>+16(SB)/4, $0x3f317200
DATA ln2hi<>+20(SB)/4, $0x3f317200
DATA ln2hi<>+24(SB)/4, $0x3f317200
DATA ln2hi<>+28(SB)/4, $0x3f317200
GLOBL ln2hi<>(SB), RODATA|NOPTR, $32

DATA ln2lo<>+0(SB)/4, $0x35bfbe8e
DATA ln2lo<>+4(SB)/4, $0x35bfbe8e
DATA ln2lo<>+8(SB)/4, $0x35bfbe8e
DATA ln2lo<>+12(SB)/4, $0x35bfbe8e
DATA ln2lo<>+16(SB)/4, $0x35bfbe8e
DATA ln2lo<>+20(SB)/4, $0x35bfbe8e
DATA ln2lo<>+24(SB)/4, $0x35bfbe8e
DATA ln2lo<>+28(SB)/4, $0x35bfbe8e
GLOBL ln2lo<>(SB), RODATA|NOPTR, $32

DATA c6<>+0(SB)/4, $0x3ab60b61
DATA c6<>+4(SB)/4, $0x3ab60b61
DATA c6<>+8(SB)/4, $0x3ab60b61
DATA c6<>+12(SB)/4, $0x3ab60b61
DATA c6<>+16(SB)/4, $0x3ab60b61
DATA c6<>+20(SB)/4, $0x3ab60b61
DATA c6<>+24(SB)/4, $0x3ab60b61
DATA c6<>+28(SB)/4, $0x3ab60b61
GLOBL c6<>(SB), RODATA|NOPTR, $32

DATA c5<>+0(SB)/4, $0x3c088889
DATA c5<>+4(SB)/4, $0x3c088889
DATA c5<>+8(SB)/4, $0x3c088889
DATA c5<>+12(SB)/4, $0x3c088889
DATA c5<>+16(SB)/4, $0x3c088889
DATA c5<>+20(SB)/4, $0x3c088889
DATA c5<>+24(SB)/4, $0x3c088889
DATA c5<>+28(SB)/4, $0x3c088889
GLOBL c5<>(SB), RODATA|NOPTR, $32

DATA c4<>+0(SB)/4, $0x3d2aaaab
DATA c4<>+4(SB)/4, $0x3d2aaaab
DATA c4<>+8(SB)/4, $0x3d2aaaab
DATA c4<>+12(SB)/4, $0x3d2aaaab
DATA c4<>+16(SB)/4, $0x3d2aaaab
DATA c4<>+20(SB)/4, $0x3d2aaaab
DATA c4<>+24(SB)/4, $0x3d2aaaab
DATA c4<>+28(SB)/4, $0x3d2aaaab
GLOBL c4<>(SB), RODATA|NOPTR, $32

DATA c3<>+0(SB)/4, $0x3e2aaaab
DATA c3<>+4(SB)/4, $0x3e2aaaab
DATA c3<>+8(SB)/4, $0x3e2aaaab
DATA c3<>+12(SB)/4, $0x3e2aaaab
DATA c3<>+16(SB)/4, $0x3e2aaaab
DATA c3<>+20(SB)/4, $0x3e2aaaab
DATA c3<>+24(SB)/4, $0x3e2aaaab
DATA c3<>+28(SB)/4, $0x3e2aaaab
GLOBL c3<>(SB), RODATA|NOPTR, $32

DATA c2<>+0(SB)/4, $0x3f000000
DATA c2<>+4(SB)/4, $0x3f000000
DATA c2<>+8(SB)/4, $0x3f000000
DATA c2<>+12(SB)/4, $0x3f000000
DATA c2<>+16(SB)/4, $0x3f000000
DATA c2<>+20(SB)/4, $0x3f000000
DATA c2<>+24(SB)/4, $0x3f000000
DATA c2<>+28(SB)/4, $0x3f000000
GLOBL c2<>(SB), RODATA|NOPTR, $32

DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32

DATA expbias<>+0(SB)/4, $0x4b3fff81
DATA expbias<>+4(SB)/4, $0x4b3fff81
DATA expbias<>+8(SB)/4, $0x4b3fff81
DATA expbias<>+12(SB)/4, $0x4b3fff81
DATA expbias<>+16(SB)/4, $0x4b3fff81
DATA expbias<>+20(SB)/4, $0x4b3fff81
DATA expbias<>+24(SB)/4, $0x4b3fff81
DATA expbias<>+28(SB)/4, $0x4b3fff81
GLOBL expbias<>(SB), RODATA|NOPTR, $32

DATA geluA<>+0(SB)/4, $0x3d372713
DATA geluA<>+4(SB)/4, $0x3d372713
DATA geluA<>+8(SB)/4, $0x3d372713
DATA geluA<>+12(SB)/4, $0x3d372713
DATA geluA<>+16(SB)/4, $0x3d372713
DATA geluA<>+20(SB)/4, $0x3d372713
DATA geluA<>+24(SB)/4, $0x3d372713
DATA geluA<>+28(SB)/4, $0x3d372713
GLOBL geluA<>(SB), RODATA|NOPTR, $32

DATA gelu2C<>+0(SB)/4, $0x3fcc422a
DATA gelu2C<>+4(SB)/4, $0x3fcc422a
DATA gelu2C<>+8(SB)/4, $0x3fcc422a
DATA gelu2C<>+12(SB)/4, $0x3fcc422a
DATA gelu2C<>+16(SB)/4, $0x3fcc422a
DATA gelu2C<>+20(SB)/4, $0x3fcc422a
DATA gelu2C<>+24(SB)/4, $0x3fcc422a
DATA gelu2C<>+28(SB)/4, $0x3fcc422a
GLOBL gelu2C<>(SB), RODATA|NOPTR, $32

DATA hi18<>+0(SB)/4, $0x41900000
DATA hi18<>+4(SB)/4, $0x41900000
DATA hi18<>+8(SB)/4, $0x41900000
DATA hi18<>+12(SB)/4, $0x41900000
DATA hi18<>+16(SB)/4, $0x41900000
DATA hi18<>+20(SB)/4, $0x41900000
DATA hi18<>+24(SB)/4, $0x41900000
DATA hi18<>+28(SB)/4, $0x41900000
GLOBL hi18<>(SB), RODATA|NOPTR, $32

DATA lo18<>+0(SB)/4, $0xc1900000
DATA lo18<>+4(SB)/4, $0xc1900000
DATA lo18<>+8(SB)/4, $0xc1900000
DATA lo18<>+12(SB)/4, $0xc1900000
DATA lo18<>+16(SB)/4, $0xc1900000
DATA lo18<>+20(SB)/4, $0xc1900000
DATA lo18<>+24(SB)/4, $0xc1900000
DATA lo18<>+28(SB)/4, $0xc1900000
GLOBL lo18<>(SB), RODATA|NOPTR, $32

DATA half<>+0(SB)/4, $0x3f000000
DATA half<>+4(SB)/4, $0x3f000000
DATA half<>+8(SB)/4, $0x3f000000
DATA half<>+12(SB)/4, $0x3f000000
DATA half<>+16(SB)/4, $0x3f000000
DATA half<>+20(SB)/4, $0x3f000000
DATA half<>+24(SB)/4, $0x3f000000
DATA half<>+28(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $32

DATA lo87<>+0(SB)/4, $0xc2ae0000
DATA lo87<>+4(SB)/4, $0xc2ae0000
DATA lo87<>+8(SB)/4, $0xc2ae0000
DATA lo87<>+12(SB)/4, $0xc2ae0000
DATA lo87<>+16(SB)/4, $0xc2ae0000
DATA lo87<>+20(SB)/4, $0xc2ae0000
DATA lo87<>+24(SB)/4, $0xc2ae0000
DATA lo87<>+28(SB)/4, $0xc2ae0000
GLOBL lo87<>(SB), RODATA|NOPTR, $32

DATA hi88<>+0(SB)/4, $0x42b00000
DATA hi88<>+4(SB)/4, $0x42b00000
DATA hi88<>+8(SB)/4, $0x42b00000
DATA hi88<>+12(SB)/4, $0x42b00000
DATA hi88<>+16(SB)/4, $0x42b00000
DATA hi88<>+20(SB)/4, $0x42b00000
DATA hi88<>+24(SB)/4, $0x42b00000
DATA hi88<>+28(SB)/4, $0x42b00000
GLOBL hi88<>(SB), RODATA|NOPTR, $32

// func geluTanh8(n int, x, th, y *float32)
TEXT ·geluTanh8(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ th+16(FP), DI
	MOVQ y+24(FP), DX
	SHRQ $3, CX
	JEQ geludone
geluloop:
	VMOVUPS (SI), Y4
	VMULPS Y4, Y4, Y5
	VMULPS geluA<>(SB), Y5, Y5
	VADDPS one<>(SB), Y5, Y5
	VMULPS Y4, Y5, Y5
	VMULPS gelu2C<>(SB), Y5, Y0
	VMINPS hi18<>(SB), Y0, Y0
	VMAXPS lo18<>(SB), Y0, Y0
	VMULPS log2e<>(SB), Y0, Y1
	VADDPS magic<>(SB), Y1, Y1
	VSUBPS magic<>(SB), Y1, Y2
	VFNMADD231PS ln2hi<>(SB), Y2, Y0
	VFNMADD231PS ln2lo<>(SB), Y2, Y0
	VMOVUPS c6<>(SB), Y3
	VFMADD213PS c5<>(SB), Y0, Y3
	VFMADD213PS c4<>(SB), Y0, Y3
	VFMADD213PS c3<>(SB), Y0, Y3
	VFMADD213PS c2<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VPSUBD expbias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y3, Y0
	VSUBPS one<>(SB), Y0, Y6
	VADDPS one<>(SB), Y0, Y7
	VDIVPS Y7, Y6, Y6
	VMOVUPS Y6, (DI)
	VADDPS one<>(SB), Y6, Y6
	VMULPS half<>(SB), Y4, Y4
	VMULPS Y6, Y4, Y4
	VMOVUPS Y4, (DX)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNE geluloop
geludone:
	VZEROUPPER
	RET

// func expSum8(n int, x *float32, shift float32) float32
TEXT ·expSum8(SB), NOSPLIT, $0-28
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	VBROADCASTSS shift+16(FP), Y8
	VXORPS Y5, Y5, Y5
	SHRQ $3, CX
	JEQ sumdone
sumloop:
	VMOVUPS (SI), Y0
	VSUBPS Y8, Y0, Y0
	VMINPS hi88<>(SB), Y0, Y0
	VMAXPS lo87<>(SB), Y0, Y0
	VMULPS log2e<>(SB), Y0, Y1
	VADDPS magic<>(SB), Y1, Y1
	VSUBPS magic<>(SB), Y1, Y2
	VFNMADD231PS ln2hi<>(SB), Y2, Y0
	VFNMADD231PS ln2lo<>(SB), Y2, Y0
	VMOVUPS c6<>(SB), Y3
	VFMADD213PS c5<>(SB), Y0, Y3
	VFMADD213PS c4<>(SB), Y0, Y3
	VFMADD213PS c3<>(SB), Y0, Y3
	VFMADD213PS c2<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VPSUBD expbias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y3, Y0
	VADDPS Y0, Y5, Y5
	ADDQ $32, SI
	DECQ CX
	JNE sumloop
sumdone:
	VEXTRACTF128 $1, Y5, X6
	VADDPS X6, X5, X5
	VMOVHLPS X5, X6, X6
	VADDPS X6, X5, X5
	VMOVSHDUP X5, X6
	VADDSS X6, X5, X5
	VMOVSS X5, ret+24(FP)
	VZEROUPPER
	RET

// func expStore8(n int, x *float32, shift float32) float32
// x[i] = exp(x[i]-shift); returns the sum.
TEXT ·expStore8(SB), NOSPLIT, $0-28
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	VBROADCASTSS shift+16(FP), Y8
	VXORPS Y5, Y5, Y5
	SHRQ $3, CX
	JEQ storedone
storeloop:
	VMOVUPS (SI), Y0
	VSUBPS Y8, Y0, Y0
	VMINPS hi88<>(SB), Y0, Y0
	VMAXPS lo87<>(SB), Y0, Y0
	VMULPS log2e<>(SB), Y0, Y1
	VADDPS magic<>(SB), Y1, Y1
	VSUBPS magic<>(SB), Y1, Y2
	VFNMADD231PS ln2hi<>(SB), Y2, Y0
	VFNMADD231PS ln2lo<>(SB), Y2, Y0
	VMOVUPS c6<>(SB), Y3
	VFMADD213PS c5<>(SB), Y0, Y3
	VFMADD213PS c4<>(SB), Y0, Y3
	VFMADD213PS c3<>(SB), Y0, Y3
	VFMADD213PS c2<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VPSUBD expbias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y3, Y0
	VMOVUPS Y0, (SI)
	VADDPS Y0, Y5, Y5
	ADDQ $32, SI
	DECQ CX
	JNE storeloop
storedone:
	VEXTRACTF128 $1, Y5, X6
	VADDPS X6, X5, X5
	VMOVHLPS X5, X6, X6
	VADDPS X6, X5, X5
	VMOVSHDUP X5, X6
	VADDSS X6, X5, X5
	VMOVSS X5, ret+24(FP)
	VZEROUPPER
	RET

// func expScaleAdd8(n int, dst, x *float32, shift, scale float32)
TEXT ·expScaleAdd8(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ x+16(FP), SI
	VBROADCASTSS shift+24(FP), Y8
	VBROADCASTSS scale+28(FP), Y9
	SHRQ $3, CX
	JEQ esadone
esaloop:
	VMOVUPS (SI), Y0
	VSUBPS Y8, Y0, Y0
	VMINPS hi88<>(SB), Y0, Y0
	VMAXPS lo87<>(SB), Y0, Y0
	VMULPS log2e<>(SB), Y0, Y1
	VADDPS magic<>(SB), Y1, Y1
	VSUBPS magic<>(SB), Y1, Y2
	VFNMADD231PS ln2hi<>(SB), Y2, Y0
	VFNMADD231PS ln2lo<>(SB), Y2, Y0
	VMOVUPS c6<>(SB), Y3
	VFMADD213PS c5<>(SB), Y0, Y3
	VFMADD213PS c4<>(SB), Y0, Y3
	VFMADD213PS c3<>(SB), Y0, Y3
	VFMADD213PS c2<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VFMADD213PS one<>(SB), Y0, Y3
	VPSUBD expbias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y3, Y0
	VFMADD213PS (DI), Y9, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE esaloop
esadone:
	VZEROUPPER
	RET

// func matVec8(rows, cols int, a, x, y *float32)
// y[r] = sum_c a[r*cols+c]*x[c] for cols a positive multiple of 8.
TEXT ·matVec8(SB), NOSPLIT, $0-40
	MOVQ rows+0(FP), R8
	MOVQ cols+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ x+24(FP), R10
	MOVQ y+32(FP), DI
	TESTQ R8, R8
	JEQ mvdone
mvrow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVQ R10, DX
	MOVQ R9, CX
mv16:
	CMPQ CX, $16
	JLT mv8
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VFMADD231PS (DX), Y2, Y0
	VFMADD231PS 32(DX), Y3, Y1
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP mv16
mv8:
	TESTQ CX, CX
	JEQ mvsum
	VMOVUPS (SI), Y2
	VFMADD231PS (DX), Y2, Y0
	ADDQ $32, SI
mvsum:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X6
	VADDPS X6, X0, X0
	VMOVHLPS X0, X6, X6
	VADDPS X6, X0, X0
	VMOVSHDUP X0, X6
	VADDSS X6, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	DECQ R8
	JNE mvrow
mvdone:
	VZEROUPPER
	RET

// func axpy8(n int, alpha float32, x, y *float32)
// y[i] += alpha*x[i] for n a multiple of 8.
TEXT ·axpy8(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	VBROADCASTSS alpha+8(FP), Y8
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DI
axpy32:
	CMPQ CX, $32
	JLT axpy8b
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS 32(SI), Y8, Y1
	VFMADD231PS 64(SI), Y8, Y2
	VFMADD231PS 96(SI), Y8, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP axpy32
axpy8b:
	TESTQ CX, CX
	JEQ axpydone
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y8, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP axpy8b
axpydone:
	VZEROUPPER
	RET
