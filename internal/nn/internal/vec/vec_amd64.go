//go:build amd64 && !noasm

package vec

// Accelerated is true when the CPU and OS support AVX2 and FMA, and the
// assembly kernels are in use.
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
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

//go:noescape
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

//go:noescape
func xgetbv() (eax, edx uint32)

//go:noescape
func geluTanh8(n int, x, th, y *float32)

//go:noescape
func expSum8(n int, x *float32, shift float32) float32

//go:noescape
func expScaleAdd8(n int, dst, x *float32, shift, scale float32)

//go:noescape
func expStore8(n int, x *float32, shift float32) float32

//go:noescape
func matVec8(rows, cols int, a, x, y *float32)

//go:noescape
func axpy8(n int, alpha float32, x, y *float32)
