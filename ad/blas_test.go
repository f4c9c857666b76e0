package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// TestBLAS checks that BLAS names the implementation this build uses and
// that matrix products through it are right (compared with a plain loop).
func TestBLAS(t *testing.T) {
	name := BLAS()
	impl := fmt.Sprintf("%T", blas64.Implementation())
	switch {
	case name == "gonum (pure Go)" && impl == "gonum.Implementation":
	case name == "OpenBLAS (netlib)" && (impl == "netlib.Implementation" || impl == "ad.sizedThreads"):
	default:
		t.Fatalf("BLAS() = %q but gonum's BLAS implementation is %s", name, impl)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	a := extRandDense(rng, 37, 53)
	b := extRandDense(rng, 53, 29)
	var c mat.Dense
	c.Mul(a, b)
	for i := 0; i < 37; i++ {
		for j := 0; j < 29; j++ {
			s := 0.0
			for k := 0; k < 53; k++ {
				s += a.At(i, k) * b.At(k, j)
			}
			if math.Abs(c.At(i, j)-s) > 1e-12*math.Max(1, math.Abs(s)) {
				t.Fatalf("%s: (AB)[%d,%d] = %v, want %v", name, i, j, c.At(i, j), s)
			}
		}
	}
}

func extRandDense(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewDense(r, c, d)
}

// BenchmarkDGEMM measures the matrix–matrix product rate of the BLAS in
// use (see BLAS) and reports it as GFLOP/s (2·n³ floating-point operations
// per n×n product). Compare builds with and without -tags openblas.
func BenchmarkDGEMM(b *testing.B) {
	for _, n := range []int{128, 512} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			x, y := extRandDense(rng, n, n), extRandDense(rng, n, n)
			z := mat.NewDense(n, n, nil)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				z.Mul(x, y)
			}
			b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestBLASThreads checks the rule by which an OpenBLAS build picks its
// thread count: one thread for the products of a batch-1 step, all cores
// for the first-layer product of a batch-128 step.
func TestBLASThreads(t *testing.T) {
	for _, c := range []struct {
		name       string
		work, want int
	}{
		{"batch-1 784×300 MatVec", 784 * 300, 1},
		{"batch-128 100×300 MatMul", 100 * 300 * 128, 1},
		{"batch-128 300×784 MatMul", 300 * 784 * 128, 2},
		{"one core", 300 * 784 * 128 * 4, 1},
	} {
		max := 2
		if c.name == "one core" {
			max = 1
		}
		if got := blasThreads(c.work, max); got != c.want {
			t.Errorf("%s: %d threads, want %d", c.name, got, c.want)
		}
	}
}
