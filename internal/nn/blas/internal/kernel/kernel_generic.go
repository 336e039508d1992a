//go:build !amd64 || noasm

package kernel

// Accelerated is false: this build has no assembly micro-kernel.
const Accelerated = false

// Kernel computes C[0:MR, 0:NR] += alpha * A*B over kb packed steps (C =
// alpha * A*B when overwrite is set): a holds kb groups of MR values, b kb
// groups of NR values, c has row stride ldc.
func Kernel(kb int, a, b, c []float32, ldc int, alpha float32, overwrite bool) {
	Go(kb, a, b, c, ldc, alpha, overwrite)
}
