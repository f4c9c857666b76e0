package ad_test

import (
	"fmt"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)

// extrasRosenbrock is f(x) = 100(x₁ − x₀²)² + (1 − x₀)², minimal at (1, 1).
func extrasRosenbrock(x *ad.Var) *ad.Var {
	x0, x1 := ad.Slice(x, 0, 1), ad.Slice(x, 1, 2)
	return ad.Sum(ad.Add(
		ad.Scale(ad.Square(ad.Sub(x1, ad.Square(x0))), ad.Scalar(100)),
		ad.Square(ad.Sub(ad.Scalar(1), x0))))
}

// Newton's method, x ← x − H⁻¹∇f, with the gradient from Grad and the
// Hessian from Hessian, minimizes Rosenbrock's function from the classic
// starting point (−1.2, 1).
func ExampleHessian() {
	x := mat.NewVecDense(2, []float64{-1.2, 1})
	var g *mat.VecDense
	for step := 1; step <= 20; step++ {
		ad.Grad(extrasRosenbrock, x, &g)
		var dx mat.VecDense
		if err := dx.SolveVec(ad.Hessian(extrasRosenbrock, x), g); err != nil {
			panic(err)
		}
		x.SubVec(x, &dx)
		if mat.Norm(&dx, 2) < 1e-12 {
			fmt.Printf("converged in %d steps to (%.6f, %.6f)\n", step, x.AtVec(0), x.AtVec(1))
			break
		}
	}
	fmt.Printf("Hessian at the minimum:\n%v\n", mat.Formatted(ad.Hessian(extrasRosenbrock, x)))
	// Output:
	// converged in 8 steps to (1.000000, 1.000000)
	// Hessian at the minimum:
	// ⎡ 802  -400⎤
	// ⎣-400   200⎦
}

// The Jacobian of softmax is diag(s) − s sᵀ.
func ExampleJacobian() {
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	j := ad.Jacobian(ad.Softmax, x)
	fmt.Printf("%.4f\n", mat.Formatted(j))
	// Output:
	// ⎡ 0.0819  -0.0220  -0.0599⎤
	// ⎢-0.0220   0.1848  -0.1628⎥
	// ⎣-0.0599  -0.1628   0.2227⎦
}

// JVP gives the directional derivative J·v of a vector function without
// forming J: here the derivative of x ↦ x ⊙ x (J = diag(2x)) in direction v.
func ExampleJVP() {
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	v := mat.NewVecDense(3, []float64{1, 0, -1})
	y, jv := ad.JVP(ad.Square, x, v)
	fmt.Println(y.RawVector().Data, jv.RawVector().Data)
	// Output:
	// [1 4 9] [2 0 -6]
}

// HVP gives H·v without forming the Hessian: for f(x) = Σ xᵢ³, H = diag(6x).
func ExampleHVP() {
	cube := func(x *ad.Var) *ad.Var { return ad.Sum(ad.Mul(x, ad.Square(x))) }
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	v := mat.NewVecDense(3, []float64{1, 1, 2})
	fmt.Println(ad.HVP(cube, x, v).RawVector().Data)
	// Output:
	// [6 12 36]
}

// LineParams is a parameter struct: optimizers update any such struct in place.
type LineParams struct {
	Slope, Intercept float64
}

// Minimize with Adam fits a line y = 2x + 1 to four points by least
// squares, updating the struct in place.
func ExampleMinimize() {
	xs := mat.NewVecDense(4, []float64{0, 1, 2, 3})
	ys := mat.NewVecDense(4, []float64{1, 3, 5, 7})
	loss := func(p *ad.Var) *ad.Var {
		pred := ad.AddScalar(ad.Scale(ad.Const(xs), ad.Field(p, "Slope")), ad.Field(p, "Intercept"))
		return ad.SquaredError(pred, ad.Const(ys))
	}
	line := &LineParams{}
	losses := ad.Minimize(loss, line, ad.NewAdam(0.1), 1000)
	fmt.Printf("loss %.1f → %.6f; slope %.4f, intercept %.4f\n", losses[0], losses[len(losses)-1], line.Slope, line.Intercept)
	// Output:
	// loss 84.0 → 0.000000; slope 2.0000, intercept 1.0000
}

// An optimizer can also be driven step by step with gradients from Grad.
func ExampleSGD() {
	square := func(p *ad.Var) *ad.Var { return ad.Square(ad.Field(p, "Slope")) }
	line := &LineParams{Slope: 1}
	opt := ad.NewMomentum(0.1, 0.9)
	var g LineParams
	for i := 0; i < 3; i++ {
		ad.Grad(square, *line, &g) // ∂/∂Slope = 2·Slope
		opt.Step(line, g)
		fmt.Printf("%.4f ", line.Slope)
	}
	fmt.Println()
	// Output:
	// 0.8000 0.4600 0.0620
}

// ParallelGrad splits a batch across goroutines; the loss of a sub-batch
// must add up to the loss of the batch. At slope 1 and intercept 0 the
// residuals are −(x+1), so the loss is Σₖ₌₁⁸ k² = 204.
func ExampleParallelGrad() {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	ys := []float64{1, 3, 5, 7, 9, 11, 13, 15} // y = 2x + 1
	loss := func(p *ad.Var, i0, i1 int) *ad.Var {
		x := ad.Const(mat.NewVecDense(i1-i0, xs[i0:i1]))
		y := ad.Const(mat.NewVecDense(i1-i0, ys[i0:i1]))
		pred := ad.AddScalar(ad.Scale(x, ad.Field(p, "Slope")), ad.Field(p, "Intercept"))
		return ad.SquaredError(pred, y)
	}
	var g LineParams
	l := ad.ParallelGrad(loss, LineParams{Slope: 1}, len(xs), &g)
	fmt.Printf("loss %v, gradient %+v\n", l, g)
	// Output:
	// loss 204, gradient {Slope:-336 Intercept:-72}
}
