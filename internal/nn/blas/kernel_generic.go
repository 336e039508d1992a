//go:build !amd64 || noasm

package blas

// useAsm is false: this build has no assembly micro-kernel.
const useAsm = false

// kernel computes C[0:mr, 0:nr] += alpha * A*B over kb packed steps.
func kernel(kb int, a, b, c []float32, ldc int, alpha float32) {
	kernelGo(kb, a, b, c, ldc, alpha)
}
