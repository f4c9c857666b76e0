//go:build !(openblas && cgo)

package ad

// BLAS names the BLAS implementation gonum uses in this binary, so that
// notebooks and benchmarks can say which is in use: "gonum (pure Go)" in the
// default build, or "OpenBLAS (netlib)" in a build with the openblas tag
// (go build -tags openblas, which needs cgo and Debian's libopenblas-dev).
func BLAS() string { return "gonum (pure Go)" }
