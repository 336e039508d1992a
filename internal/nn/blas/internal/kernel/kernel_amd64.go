//go:build amd64 && !noasm

package kernel

// Accelerated is true when the CPU and OS support AVX2 and FMA.
var Accelerated = detectAVX2FMA()

func detectAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&fma == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}

//go:noescape
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

//go:noescape
func xgetbv() (eax, edx uint32)

//go:noescape
func kernel6x16(k int, a, b, c *float32, ldc int, add int, alpha float32)

// Kernel computes C[0:MR, 0:NR] += alpha * A*B over kb packed steps (C =
// alpha * A*B when overwrite is set): a holds kb groups of MR values, b kb
// groups of NR values, c has row stride ldc.
func Kernel(kb int, a, b, c []float32, ldc int, alpha float32, overwrite bool) {
	if !Accelerated {
		Go(kb, a, b, c, ldc, alpha, overwrite)
		return
	}
	_ = a[kb*MR-1]
	_ = b[kb*NR-1]
	_ = c[(MR-1)*ldc+NR-1]
	add := 1
	if overwrite {
		add = 0
	}
	kernel6x16(kb, &a[0], &b[0], &c[0], ldc, add, alpha)
}
