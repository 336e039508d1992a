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

import (
	"sync"
	"unsafe"
)

// Backend names the GEMM implementation [New] returns in this build.
const Backend = "openblas"

// New returns the default GEMM of this build: OpenBLAS's cblas_sgemm through
// cgo. OpenBLAS itself is set to one thread (process-wide state of the C
// library); large products are split over threads goroutines by rows of C
// (or columns when C is short), each calling single-threaded cblas_sgemm.
// This keeps results independent of OpenBLAS's own threading and avoids
// its spinning worker threads on a busy machine.
func New(threads int) Gemm {
	C.openblas_set_num_threads(1)
	return &OpenBLAS{threads: max(threads, 1)}
}

// OpenBLAS is the [Gemm] backed by OpenBLAS's cblas_sgemm.
type OpenBLAS struct {
	threads int
}

const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// Sgemm implements [Gemm] by calling cblas_sgemm.
func (o *OpenBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	t := o.threads
	if t <= 1 || m*n*k < parallelThreshold || k == 0 {
		sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < t; w++ {
		var lo, hi int
		var part func()
		if m >= n || m >= 4*t {
			lo, hi = split(m, t, w)
			if lo == hi {
				continue
			}
			part = func() {
				aoff := lo * lda // rows of op(A)
				if transA {
					aoff = lo // columns of stored A
				}
				sgemm(transA, transB, hi-lo, n, k, alpha, a[aoff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
			}
		} else {
			lo, hi = split(n, t, w)
			if lo == hi {
				continue
			}
			part = func() {
				boff := lo // columns of op(B)
				if transB {
					boff = lo * ldb // rows of stored B
				}
				sgemm(transA, transB, m, hi-lo, k, alpha, a, lda, b[boff:], ldb, beta, c[lo:], ldc)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			part()
		}()
	}
	wg.Wait()
}

// sgemm calls cblas_sgemm once.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
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
