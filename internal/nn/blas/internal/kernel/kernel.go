// Package kernel holds the GEMM micro-kernel: AVX2/FMA assembly on amd64
// (kept apart from package blas because a cgo package cannot hold Go
// assembly), plain Go elsewhere.
package kernel

// Micro-tile size: the kernel updates an MR x NR block of C.
const (
	MR = 6
	NR = 16
)

// Go is the portable micro-kernel: C[0:MR, 0:NR] += alpha * A*B over
// kb packed steps.
func Go(kb int, a, b, c []float32, ldc int, alpha float32, overwrite bool) {
	var acc [MR * NR]float32
	for q := 0; q < kb; q++ {
		bq := b[q*NR : q*NR+NR : q*NR+NR]
		aq := a[q*MR : q*MR+MR : q*MR+MR]
		for r := 0; r < MR; r++ {
			av := aq[r]
			row := acc[r*NR : r*NR+NR : r*NR+NR]
			for j := range row {
				row[j] += av * bq[j]
			}
		}
	}
	for r := 0; r < MR; r++ {
		row := c[r*ldc : r*ldc+NR]
		for j := range row {
			if overwrite {
				row[j] = alpha * acc[r*NR+j]
			} else {
				row[j] += alpha * acc[r*NR+j]
			}
		}
	}
}
