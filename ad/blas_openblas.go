//go:build openblas && cgo

package ad

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"os"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// This file is compiled with the build tag openblas (and cgo): it makes
// gonum's matrix code call OpenBLAS through gonum.org/v1/netlib. On Debian
// it needs the libopenblas-dev package.
//
// OpenBLAS threads by problem size. OpenBLAS splits a product over all its
// threads once it passes a small fixed size, and the 784×300 matrix–vector
// product of a batch-1 training step is past it: on two cores that made the
// step 2.6× slower than on one thread (the threads' start and join cost more
// than the product). So products below blasParallelWork multiply–adds run
// on one thread and larger ones on all of OpenBLAS's threads. Setting
// OPENBLAS_NUM_THREADS in the environment turns this off: OpenBLAS then
// uses that many threads for everything, as it documents.

func init() {
	if _, set := os.LookupEnv("OPENBLAS_NUM_THREADS"); set {
		blas64.Use(netlib.Implementation{})
		return
	}
	blasMaxThreads = int(C.openblas_get_num_threads())
	blas64.Use(sizedThreads{})
}

// BLAS names the BLAS implementation gonum uses in this binary, so that
// notebooks and benchmarks can say which is in use: "OpenBLAS (netlib)" in
// a build with the openblas tag (go build -tags openblas, which needs cgo
// and Debian's libopenblas-dev), "gonum (pure Go)" otherwise.
func BLAS() string { return "OpenBLAS (netlib)" }

// blasMaxThreads is the number of threads OpenBLAS started with (all
// cores); blasThreadsNow the number it is set to now.
var (
	blasMaxThreads int
	blasThreadsNow atomic.Int32
)

// sizedThreads is OpenBLAS with the thread count chosen per call by the
// size of the product.
type sizedThreads struct{ netlib.Implementation }

// useThreads sets OpenBLAS's thread count for a product of work
// multiply–adds (a cgo call only when the count changes).
func useThreads(work int) {
	n := int32(blasThreads(work, blasMaxThreads))
	if blasThreadsNow.Load() != n {
		blasThreadsNow.Store(n)
		C.openblas_set_num_threads(C.int(n))
	}
}

// Dgemm is netlib's Dgemm on a thread count chosen by m·n·k.
func (b sizedThreads) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, bm []float64, ldb int, beta float64, c []float64, ldc int) {
	useThreads(m * n * k)
	b.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
}

// Dgemv is netlib's Dgemv on a thread count chosen by m·n.
func (b sizedThreads) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	useThreads(m * n)
	b.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
}

// Dger is netlib's Dger on a thread count chosen by m·n.
func (b sizedThreads) Dger(m, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	useThreads(m * n)
	b.Implementation.Dger(m, n, alpha, x, incX, y, incY, a, lda)
}
