package blas

import (
	"fmt"
	"sync"

	"github.com/moviegenie/genie/internal/nn/blas/internal/kernel"
)

// Blocking parameters of the packed GEMM (BLIS loop order: jc, pc, ic, jr, ir).
const (
	mr = kernel.MR // rows of the micro-tile
	nr = kernel.NR // columns of the micro-tile
	kc = 256       // depth of a packed block
	mc = 96        // rows of a packed A block (multiple of mr)
	nc = 2048      // columns of a packed B panel (multiple of nr)
)

// parallelThreshold is the m*n*k below which PureGo runs on one goroutine.
const parallelThreshold = 64 * 64 * 64

// PureGo is a blocked, packed float32 GEMM in Go (with an AVX2/FMA assembly
// micro-kernel on amd64). It is safe for concurrent use.
type PureGo struct {
	threads int
	apool   sync.Pool // *[]float32 of mc*kc
	bpool   sync.Pool // *[]float32 of kc*nc
}

// NewPureGo returns a pure-Go GEMM that splits large products over threads
// goroutines (values below 1 mean 1).
func NewPureGo(threads int) *PureGo {
	if threads < 1 {
		threads = 1
	}
	p := &PureGo{threads: threads}
	p.apool.New = func() any { s := make([]float32, mc*kc); return &s }
	p.bpool.New = func() any { s := make([]float32, kc*nc); return &s }
	return p
}

// Threads reports the number of goroutines p uses for large products.
func (p *PureGo) Threads() int { return p.threads }

// Accelerated reports whether the assembly micro-kernel is in use.
func Accelerated() bool { return kernel.Accelerated }

func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("blas: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, s []float32, rows, cols, ld int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("blas: ld%s=%d < %d columns", name, ld, cols))
		}
		if len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("blas: %s has %d elements, need %d (%dx%d, ld %d)", name, len(s), (rows-1)*ld+cols, rows, cols, ld))
		}
	}
	need("a", a, ar, ac, lda)
	need("b", b, br, bc, ldb)
	need("c", c, m, n, ldc)
}

// Sgemm implements [Gemm].
func (p *PureGo) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if k == 0 || alpha == 0 {
		scaleC(c, ldc, 0, m, 0, n, beta)
		return
	}
	threads := p.threads
	if m*n*k < parallelThreshold {
		threads = 1
	}
	bbuf := p.bpool.Get().(*[]float32)
	defer p.bpool.Put(bbuf)
	var wg sync.WaitGroup
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		strips := (nb + nr - 1) / nr
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(*bbuf, transB, b, ldb, pc, kb, jc, nb)
			first := pc == 0
			// Split the block of C among workers: over rows when there
			// are enough of them, else over column strips.
			rowStrips := (m + mr - 1) / mr
			t := threads
			splitRows := rowStrips >= 2*t || rowStrips >= strips
			for w := 0; w < t; w++ {
				var r0, r1, s0, s1 int
				if splitRows {
					r0, r1 = split(rowStrips, t, w)
					r0, r1 = r0*mr, min(r1*mr, m)
					s0, s1 = 0, strips
				} else {
					s0, s1 = split(strips, t, w)
					r0, r1 = 0, m
				}
				if r0 >= r1 || s0 >= s1 {
					continue
				}
				if w == t-1 {
					p.job(*bbuf, transA, a, lda, c, ldc, alpha, beta, first, r0, r1, s0, s1, jc, nb, pc, kb)
				} else {
					wg.Add(1)
					go func() {
						defer wg.Done()
						p.job(*bbuf, transA, a, lda, c, ldc, alpha, beta, first, r0, r1, s0, s1, jc, nb, pc, kb)
					}()
				}
			}
			wg.Wait()
		}
	}
}

// split returns the w-th of t contiguous, near-equal parts of [0, n).
func split(n, t, w int) (int, int) {
	q, r := n/t, n%t
	lo := w*q + min(w, r)
	hi := lo + q
	if w < r {
		hi++
	}
	return lo, hi
}

// job runs block with a pooled A buffer.
func (p *PureGo) job(bbuf []float32, transA bool, a []float32, lda int, c []float32, ldc int, alpha, beta float32, first bool, r0, r1, s0, s1, jc, nb, pc, kb int) {
	abuf := p.apool.Get().(*[]float32)
	p.block(*abuf, bbuf, transA, a, lda, c, ldc, alpha, beta, first, r0, r1, s0, s1, jc, nb, pc, kb)
	p.apool.Put(abuf)
}

// block computes rows [r0, r1) and column strips [s0, s1) of the packed panel.
func (p *PureGo) block(abuf, bbuf []float32, transA bool, a []float32, lda int, c []float32, ldc int, alpha, beta float32, first bool, r0, r1, s0, s1, jc, nb, pc, kb int) {
	c0, c1 := jc+s0*nr, jc+min(s1*nr, nb)
	overwrite := first && beta == 0 // the first k block stores instead of adding
	if first && beta != 1 && beta != 0 {
		scaleC(c, ldc, r0, r1, c0, c1, beta)
	}
	var tile [mr * nr]float32
	for ic := r0; ic < r1; ic += mc {
		mb := min(mc, r1-ic)
		packA(abuf, transA, a, lda, ic, mb, pc, kb)
		for s := s0; s < s1; s++ {
			j := jc + s*nr
			nw := min(nr, jc+nb-j)
			bp := bbuf[s*kb*nr : (s+1)*kb*nr]
			for ir := 0; ir < mb; ir += mr {
				mh := min(mr, mb-ir)
				ap := abuf[(ir/mr)*kb*mr : (ir/mr+1)*kb*mr]
				i := ic + ir
				if mh == mr && nw == nr {
					kernel.Kernel(kb, ap, bp, c[i*ldc+j:], ldc, alpha, overwrite)
					continue
				}
				kernel.Kernel(kb, ap, bp, tile[:], nr, alpha, true)
				for r := 0; r < mh; r++ {
					row := c[(i+r)*ldc+j : (i+r)*ldc+j+nw]
					if overwrite {
						copy(row, tile[r*nr:r*nr+nw])
						continue
					}
					for q := range row {
						row[q] += tile[r*nr+q]
					}
				}
			}
		}
	}
}

// scaleC multiplies C[r0:r1, c0:c1] by beta (zeroing it when beta is 0).
func scaleC(c []float32, ldc, r0, r1, c0, c1 int, beta float32) {
	if beta == 1 {
		return
	}
	for i := r0; i < r1; i++ {
		row := c[i*ldc+c0 : i*ldc+c1]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into buf as mr-row strips, each
// laid out p-major (mr values per p), zero-padding the last strip.
func packA(buf []float32, trans bool, a []float32, lda, i0, mb, p0, kb int) {
	full := mb / mr // strips without padding
	if trans {
		// op(A) rows are contiguous in each stored row of A: stream
		// through A once, scattering into the strips.
		for q := 0; q < kb; q++ {
			src := a[(p0+q)*lda+i0 : (p0+q)*lda+i0+mb]
			for s := 0; s < full; s++ {
				d, v := (*[mr]float32)(buf[s*kb*mr+q*mr:]), (*[mr]float32)(src[s*mr:])
				d[0], d[1], d[2], d[3], d[4], d[5] = v[0], v[1], v[2], v[3], v[4], v[5]
			}
		}
	} else {
		for s := 0; s < full; s++ {
			dst := buf[s*kb*mr : (s+1)*kb*mr]
			i := i0 + s*mr
			r0 := a[i*lda+p0 : i*lda+p0+kb]
			r1 := a[(i+1)*lda+p0 : (i+1)*lda+p0+kb]
			r2 := a[(i+2)*lda+p0 : (i+2)*lda+p0+kb]
			r3 := a[(i+3)*lda+p0 : (i+3)*lda+p0+kb]
			r4 := a[(i+4)*lda+p0 : (i+4)*lda+p0+kb]
			r5 := a[(i+5)*lda+p0 : (i+5)*lda+p0+kb]
			for q := range kb {
				d := (*[mr]float32)(dst[q*mr:])
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[q], r1[q], r2[q], r3[q], r4[q], r5[q]
			}
		}
	}
	rows := mb - full*mr
	if rows == 0 {
		return
	}
	dst := buf[full*kb*mr : (full+1)*kb*mr]
	clear(dst)
	i := i0 + full*mr
	for r := 0; r < rows; r++ {
		for q := 0; q < kb; q++ {
			if trans {
				dst[q*mr+r] = a[(p0+q)*lda+i+r]
			} else {
				dst[q*mr+r] = a[(i+r)*lda+p0+q]
			}
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into buf as nr-column strips, each
// laid out p-major (nr values per p), zero-padding the last strip.
func packB(buf []float32, trans bool, b []float32, ldb, p0, kb, j0, nb int) {
	for s := 0; s*nr < nb; s++ {
		dst := buf[s*kb*nr : (s+1)*kb*nr]
		cols := min(nr, nb-s*nr)
		if !trans && cols == nr {
			for q := 0; q < kb; q++ {
				off := (p0+q)*ldb + j0 + s*nr
				d, v := (*[nr]float32)(dst[q*nr:]), (*[nr]float32)(b[off:])
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
				d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15] = v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
			}
		} else if !trans {
			for q := 0; q < kb; q++ {
				off := (p0+q)*ldb + j0 + s*nr
				copy(dst[q*nr:q*nr+cols], b[off:off+cols])
			}
		} else if cols == nr {
			// Read the strip's nr rows of B side by side, write dst in order.
			var rows [nr][]float32
			for cc := range rows {
				off := (j0+s*nr+cc)*ldb + p0
				rows[cc] = b[off : off+kb : off+kb]
			}
			for q := 0; q < kb; q++ {
				d := (*[nr]float32)(dst[q*nr:])
				d[0], d[1], d[2], d[3] = rows[0][q], rows[1][q], rows[2][q], rows[3][q]
				d[4], d[5], d[6], d[7] = rows[4][q], rows[5][q], rows[6][q], rows[7][q]
				d[8], d[9], d[10], d[11] = rows[8][q], rows[9][q], rows[10][q], rows[11][q]
				d[12], d[13], d[14], d[15] = rows[12][q], rows[13][q], rows[14][q], rows[15][q]
			}
		} else {
			for cc := 0; cc < cols; cc++ {
				off := (j0+s*nr+cc)*ldb + p0
				src := b[off : off+kb]
				for q, v := range src {
					dst[q*nr+cc] = v
				}
			}
		}
		if cols < nr {
			for q := 0; q < kb; q++ {
				clear(dst[q*nr+cols : (q+1)*nr])
			}
		}
	}
}
