//go:build openblas && cgo

package ad

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// This file is compiled with the build tag openblas (and cgo): it makes
// gonum's matrix code call OpenBLAS through gonum.org/v1/netlib. On Debian
// it needs the libopenblas-dev package.

func init() {
	blas64.Use(netlib.Implementation{})
}

// BLAS names the BLAS implementation gonum uses in this binary, so that
// notebooks and benchmarks can say which is in use: "OpenBLAS (netlib)" in
// a build with the openblas tag (go build -tags openblas, which needs cgo
// and Debian's libopenblas-dev), "gonum (pure Go)" otherwise.
func BLAS() string { return "OpenBLAS (netlib)" }
