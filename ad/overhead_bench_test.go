package ad

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkStepOverhead times one Grad step of a 4-3-3-2 network, whose
// arithmetic is negligible: what remains is the library's fixed cost per
// step (tape, ops, fields, gradient destinations).
func BenchmarkStepOverhead(b *testing.B) {
	r := mat.NewDense(3, 4, []float64{.1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1, 1.2})
	net := mlpNet{W1: r, W2: mat.NewDense(3, 3, []float64{.1, .2, .3, .4, .5, .6, .7, .8, .9}), W3: mat.NewDense(2, 3, []float64{.1, .2, .3, .4, .5, .6}),
		B1: mat.NewVecDense(3, []float64{.1, .2, .3}), B2: mat.NewVecDense(3, []float64{.1, .2, .3}), B3: mat.NewVecDense(2, []float64{.1, .2})}
	x := mat.NewVecDense(4, []float64{1, 2, 3, 4})
	t := mat.NewVecDense(2, []float64{0, 1})
	f := mlpLoss(x, t, mlpLayer)
	var g mlpNet
	b.ReportAllocs()
	for b.Loop() {
		Grad(f, net, &g)
	}
}
