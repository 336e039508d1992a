package blas

import "github.com/moviegenie/genie/internal/nn/internal/vec"

// MatVec sets y = A·x for the row-major matrix a of len(y) rows and len(x)
// columns: one dot product per row, with AVX2/FMA assembly on amd64 when the
// width is a multiple of 8 (plain Go otherwise). It serves the one-query
// scoring of embedding tables (a user against every item), where a GEMM's
// packing would cost more than the product. It panics if a is too short.
func MatVec(y, a, x []float32) { vec.MatVec(y, a, x) }
