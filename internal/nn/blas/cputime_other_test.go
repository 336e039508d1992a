//go:build !unix

package blas

// cpuSeconds returns 0: CPU time is not measured on this platform.
func cpuSeconds() float64 { return 0 }
