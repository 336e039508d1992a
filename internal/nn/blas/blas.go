// Package blas provides the single-precision matrix multiply (GEMM) that the
// nn package is built on.
//
// One small interface, [Gemm], has two implementations chosen by build file,
// in the style of Gorse's common/blas:
//
//   - [PureGo]: a blocked, packed GEMM with a 6x16 register-tiled micro-kernel
//     (AVX2/FMA assembly on amd64, plain Go elsewhere or under the noasm tag),
//     parallelized over a fixed number of goroutines. It always builds.
//   - OpenBLAS through cgo, under the build tag openblas (Debian
//     libopenblas-dev), returned by [New] in that build.
//
// All matrices are row-major. Results of [PureGo] are bit-identical for any
// thread count: every element of C is computed by one goroutine, summing over
// k in a fixed order.
package blas

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, where op(X) is X or its transpose. op(A) is m x k, op(B) is k x n,
// C is m x n; lda, ldb and ldc are the row strides of A, B and C as stored.
// When beta is zero C need not be initialized.
type Gemm interface {
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// Naive computes the same product as [Gemm.Sgemm] with a triple loop,
// accumulating in float64. It is the reference the tests compare against.
func Naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			old := float32(0)
			if beta != 0 {
				old = beta * c[i*ldc+j]
			}
			c[i*ldc+j] = alpha*float32(s) + old
		}
	}
}
