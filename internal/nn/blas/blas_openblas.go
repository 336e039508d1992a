//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc);
extern void openblas_set_num_threads(int n);
*/
import "C"

import "unsafe"

// Backend names the GEMM implementation [New] returns in this build.
const Backend = "openblas"

// New returns the default GEMM of this build: OpenBLAS's cblas_sgemm through
// cgo. threads sets OpenBLAS's thread count, which is process-wide state of
// the C library (values below 1 mean 1).
func New(threads int) Gemm {
	if threads < 1 {
		threads = 1
	}
	C.openblas_set_num_threads(C.int(threads))
	return OpenBLAS{}
}

// OpenBLAS is the [Gemm] backed by OpenBLAS's cblas_sgemm.
type OpenBLAS struct{}

const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// Sgemm implements [Gemm] by calling cblas_sgemm.
func (OpenBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	ta, tb := C.int(cblasNoTrans), C.int(cblasNoTrans)
	if transA {
		ta = cblasTrans
	}
	if transB {
		tb = cblasTrans
	}
	var pa, pb *float32
	if k > 0 {
		pa, pb = &a[0], &b[0]
	} else {
		// OpenBLAS requires valid pointers; use C for both.
		pa, pb = &c[0], &c[0]
		if lda < 1 {
			lda = 1
		}
		if ldb < 1 {
			ldb = 1
		}
	}
	C.cblas_sgemm(cblasRowMajor, ta, tb, C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(pa)), C.int(lda),
		(*C.float)(unsafe.Pointer(pb)), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}
