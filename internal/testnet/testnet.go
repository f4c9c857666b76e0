// Package testnet holds notebook 3's network for the tests and benchmarks
// that train it (in ad, interp and mnist): the parameters drawn as
// backprop draws them, every weight and then every bias from U(−0.5, 0.5),
// and the network and its loss written as the notebook writes them. It is
// imported by tests only.
package testnet

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
)

// UniformLayer returns the weights (out×in) and biases (length out) of one
// layer, every weight and then every bias drawn from U(−0.5, 0.5) by rng.
func UniformLayer(rng *rand.Rand, in, out int) (*mat.Dense, *mat.VecDense) {
	w := make([]float64, out*in)
	for i := range w {
		w[i] = rng.Float64() - 0.5
	}
	b := make([]float64, out)
	for i := range b {
		b[i] = rng.Float64() - 0.5
	}
	return mat.NewDense(out, in, w), mat.NewVecDense(out, b)
}

// RunLayer is one layer l·x: W·x + B for a struct l with fields W and B.
func RunLayer(l, x *ad.Var) *ad.Var {
	return ad.Add(ad.MatVec(ad.Field(l, "W"), x), ad.Field(l, "B"))
}

// Run is notebook 3's network on the input x: the layers in the fields L1,
// L2 and L3 of n, logistic, logistic and softmax.
func Run(n, x *ad.Var) *ad.Var {
	y1 := ad.Logistic(RunLayer(ad.Field(n, "L1"), x))
	y2 := ad.Logistic(RunLayer(ad.Field(n, "L2"), y1))
	return ad.Softmax(RunLayer(ad.Field(n, "L3"), y2))
}

// NetErr is notebook 3's loss at the sample (x, target) as a function of
// the network's parameters: the cross-entropy of Run's output.
func NetErr(x, target *mat.VecDense) func(n *ad.Var) *ad.Var {
	return func(n *ad.Var) *ad.Var { return ad.CrossEntropy(Run(n, ad.Const(x)), ad.Const(target)) }
}
