package ad

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkParallelGrad measures the speed-up of data-parallel gradients
// (ParallelGrad with GOMAXPROCS workers) over the serial gradient (Grad on
// the whole batch) for the 784-300-100-10 MNIST network of BenchmarkMLP
// (logistic hidden layers, softmax + cross-entropy, loss summed over the
// batch). Two ways of writing the loss:
//
//	examples  one example at a time (vector ops, as a notebook user
//	          translating a per-sample formula would): gonum's matrix–vector
//	          products run on one core, so the workers have the machine
//	          to themselves
//	matrix    the sub-batch as one matrix (matrix–matrix products): gonum's
//	          pure-Go DGEMM already spreads large products over the cores,
//	          so there is less left to gain
//
// serial1core is the serial gradient with GOMAXPROCS=1 (no parallelism at
// all), serial the serial gradient with every core available to gonum, and
// parallel is ParallelGrad. Compare ns/op in the same run; the ratios are
// the speed-ups. Run with the default (pure-Go) BLAS.
func BenchmarkParallelGrad(b *testing.B) {
	sizes := [4]int{784, 300, 100, 10}
	rng := rand.New(rand.NewPCG(21, 1))
	net := extBenchNet{
		W1: extBenchUniform(rng, sizes[1], sizes[0]), B1: mat.NewVecDense(sizes[1], extBenchUniform(rng, sizes[1], 1).RawMatrix().Data),
		W2: extBenchUniform(rng, sizes[2], sizes[1]), B2: mat.NewVecDense(sizes[2], extBenchUniform(rng, sizes[2], 1).RawMatrix().Data),
		W3: extBenchUniform(rng, sizes[3], sizes[2]), B3: mat.NewVecDense(sizes[3], extBenchUniform(rng, sizes[3], 1).RawMatrix().Data),
	}
	for _, batch := range []int{32, 128} {
		x := extBenchUniform(rng, sizes[0], batch)
		x.Apply(func(_, _ int, v float64) float64 { return v + 0.51 }, x) // in [0.01, 1.01): non-zero
		t := mat.NewDense(sizes[3], batch, nil)
		for j := 0; j < batch; j++ {
			t.Set(rng.IntN(sizes[3]), j, 1)
		}
		xs := make([]*Var, batch)
		ts := make([]*Var, batch)
		for j := 0; j < batch; j++ {
			xs[j] = Const(mat.VecDenseCopyOf(x.ColView(j)))
			ts[j] = Const(mat.VecDenseCopyOf(t.ColView(j)))
		}
		layers := func(n, in *Var) *Var {
			h1 := Logistic(Dense(Field(n, "W1"), Field(n, "B1"), in))
			h2 := Logistic(Dense(Field(n, "W2"), Field(n, "B2"), h1))
			return Dense(Field(n, "W3"), Field(n, "B3"), h2)
		}
		examples := func(n *Var, i0, i1 int) *Var {
			var sum *Var
			for i := i0; i < i1; i++ {
				l := SoftmaxCrossEntropy(layers(n, xs[i]), ts[i])
				if sum == nil {
					sum = l
				} else {
					sum = Add(sum, l)
				}
			}
			return sum
		}
		matrix := func(n *Var, i0, i1 int) *Var {
			return SoftmaxCrossEntropy(layers(n, Const(x.Slice(0, sizes[0], i0, i1))), Const(t.Slice(0, sizes[3], i0, i1)))
		}
		for _, loss := range []struct {
			name string
			f    func(n *Var, i0, i1 int) *Var
		}{{"examples", examples}, {"matrix", matrix}} {
			var g extBenchNet
			b.Run(fmt.Sprintf("batch=%d/%s/serial1core", batch, loss.name), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
				for i := 0; i < b.N; i++ {
					Grad(func(n *Var) *Var { return loss.f(n, 0, batch) }, net, &g)
				}
			})
			b.Run(fmt.Sprintf("batch=%d/%s/serial", batch, loss.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					Grad(func(n *Var) *Var { return loss.f(n, 0, batch) }, net, &g)
				}
			})
			b.Run(fmt.Sprintf("batch=%d/%s/parallel", batch, loss.name), func(b *testing.B) {
				b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
				for i := 0; i < b.N; i++ {
					ParallelGrad(loss.f, net, batch, &g)
				}
			})
		}
	}
}

type extBenchNet struct {
	W1, W2, W3 *mat.Dense
	B1, B2, B3 *mat.VecDense
}

// extBenchUniform returns an r×c matrix with elements uniform in [−0.5, 0.5).
func extBenchUniform(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.Float64() - 0.5
	}
	return mat.NewDense(r, c, d)
}
