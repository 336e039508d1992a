//go:build !amd64 || noasm

package vec

// Accelerated is false: this build has no assembly kernels.
const Accelerated = false

func geluTanh8(n int, x, th, y *float32)                        { panic("vec: no assembly") }
func expSum8(n int, x *float32, shift float32) float32          { panic("vec: no assembly") }
func expScaleAdd8(n int, dst, x *float32, shift, scale float32) { panic("vec: no assembly") }
func expStore8(n int, x *float32, shift float32) float32        { panic("vec: no assembly") }

func matVec8(rows, cols int, a, x, y *float32) { panic("vec: no assembly") }

func axpy8(n int, alpha float32, x, y *float32) { panic("vec: no assembly") }
