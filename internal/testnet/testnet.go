// Package testnet draws the parameters of the networks that tests and
// benchmarks train: backprop's initialisation, every weight and then every
// bias from U(−0.5, 0.5). It is imported by tests only.
package testnet

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
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
