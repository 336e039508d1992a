//go:build !openblas

package blas

// Backend names the GEMM implementation [New] returns in this build.
const Backend = "purego"

// New returns the default GEMM of this build, using the given number of
// threads (values below 1 mean 1). Without the openblas build tag it is the
// pure-Go [PureGo] kernel.
func New(threads int) Gemm { return NewPureGo(threads) }
