package ad

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// ---- helpers (prefixed ext to stay clear of the other test files) ----

func extRandVec(rng *rand.Rand, n int) *mat.VecDense {
	d := make([]float64, n)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return mat.NewVecDense(n, d)
}

// extMustPanic runs f and returns the panic message, failing if f does not
// panic or if the message lacks any of the wanted fragments.
func extMustPanic(t *testing.T, f func(), want ...string) string {
	t.Helper()
	var msg string
	func() {
		defer func() {
			r := recover()
			if r == nil {
				t.Fatalf("no panic; want one mentioning %q", want)
			}
			msg = fmt.Sprint(r)
		}()
		f()
	}()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Fatalf("panic %q does not mention %q", msg, w)
		}
	}
	return msg
}

// extMaxRelDiff returns max |a−b| / max(1, |b|) over the elements.
func extMaxRelDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	r2, c2 := b.Dims()
	if r != r2 || c != c2 {
		return math.Inf(1)
	}
	worst := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d := math.Abs(a.At(i, j)-b.At(i, j)) / math.Max(1, math.Abs(b.At(i, j)))
			if math.IsNaN(d) {
				return math.Inf(1)
			}
			worst = math.Max(worst, d)
		}
	}
	return worst
}

// extRosenbrock is the n-dimensional Rosenbrock function
// Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², written with ad ops.
func extRosenbrock(x *Var) *Var {
	n := x.Vec().Len()
	a, b := Slice(x, 0, n-1), Slice(x, 1, n)
	return Sum(Add(Scale(Square(Sub(b, Square(a))), Scalar(100)), Square(Sub(Scalar(1), a))))
}

// extRosenbrockGrad and extRosenbrockHessian are the closed forms.
func extRosenbrockGrad(x []float64) *mat.VecDense {
	n := len(x)
	g := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		v := 0.0
		if i < n-1 {
			v += -400*x[i]*(x[i+1]-x[i]*x[i]) - 2*(1-x[i])
		}
		if i > 0 {
			v += 200 * (x[i] - x[i-1]*x[i-1])
		}
		g.SetVec(i, v)
	}
	return g
}

func extRosenbrockHessian(x []float64) *mat.Dense {
	n := len(x)
	h := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		d := 0.0
		if i < n-1 {
			d += 2 + 1200*x[i]*x[i] - 400*x[i+1]
			h.Set(i, i+1, -400*x[i])
			h.Set(i+1, i, -400*x[i])
		}
		if i > 0 {
			d += 200
		}
		h.Set(i, i, d)
	}
	return h
}

// extFDHessian differentiates the ad gradient of f by central differences.
func extFDHessian(f func(x *Var) *Var, x *mat.VecDense, h float64) *mat.Dense {
	n := x.Len()
	out := mat.NewDense(n, n, nil)
	for j := 0; j < n; j++ {
		xp, xm := mat.VecDenseCopyOf(x), mat.VecDenseCopyOf(x)
		xp.SetVec(j, x.AtVec(j)+h)
		xm.SetVec(j, x.AtVec(j)-h)
		var gp, gm *mat.VecDense
		Grad(f, xp, &gp)
		Grad(f, xm, &gm)
		for i := 0; i < n; i++ {
			out.Set(i, j, (gp.AtVec(i)-gm.AtVec(i))/(2*h))
		}
	}
	return out
}

// ---- Hessian and HVP ----

func TestHessianRosenbrock(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for _, n := range []int{2, 3, 6} {
		for trial := 0; trial < 3; trial++ {
			x := extRandVec(rng, n)
			want := extRosenbrockHessian(x.RawVector().Data)
			got := Hessian(extRosenbrock, x)
			if d := extMaxRelDiff(got, want); d > 1e-12 {
				t.Fatalf("n=%d: Hessian differs from the closed form by %g\ngot  %v\nwant %v", n, d, mat.Formatted(got), mat.Formatted(want))
			}
			// The gradient agrees with its closed form too (sanity of the model).
			var g *mat.VecDense
			Grad(extRosenbrock, x, &g)
			if d := extMaxRelDiff(g, extRosenbrockGrad(x.RawVector().Data)); d > 1e-12 {
				t.Fatalf("n=%d: gradient differs from the closed form by %g", n, d)
			}
			v := extRandVec(rng, n)
			var want2 mat.VecDense
			want2.MulVec(want, v)
			if d := extMaxRelDiff(HVP(extRosenbrock, x, v), &want2); d > 1e-12 {
				t.Fatalf("n=%d: HVP differs from H·v by %g", n, d)
			}
		}
	}
}

func TestHessianQuadraticForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2))
	for _, n := range []int{1, 4, 9} {
		a := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		f := func(x *Var) *Var { return Dot(x, MatVec(Const(a), x)) } // xᵀAx
		x := extRandVec(rng, n)
		var want mat.Dense
		want.Add(a, a.T())
		if d := extMaxRelDiff(Hessian(f, x), &want); d > 1e-13 {
			t.Fatalf("n=%d: Hessian of xᵀAx differs from A+Aᵀ by %g", n, d)
		}
	}
}

// TestHessianFiniteDifferences compares Hessians of non-polynomial
// functions with finite differences of the gradient, which CheckGrad has
// itself checked against finite differences of the function.
func TestHessianFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	a := mat.NewDense(3, 4, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	funcs := []struct {
		name string
		f    func(x *Var) *Var
	}{
		{"log-sum-exp of Ax", func(x *Var) *Var { return Log(Sum(Exp(MatVec(Const(a), x)))) }},
		{"Σ sin(x)·tanh(x) + ‖x‖₂", func(x *Var) *Var { return Add(Sum(Mul(Sin(x), Tanh(x))), Norm2(x)) }},
		{"softmax·x / (1+x·x)", func(x *Var) *Var { return Div(Dot(Softmax(x), x), AddScalar(Dot(x, x), Scalar(1))) }},
		{"Rosenbrock", extRosenbrock},
	}
	for _, tc := range funcs {
		for trial := 0; trial < 3; trial++ {
			x := extRandVec(rng, 4)
			r := CheckGrad(func(xs []*Var) *Var { return tc.f(xs[0]) }, []any{x}, 0)
			if r.MaxRelErr > 1e-6 {
				t.Fatalf("%s: gradient check failed: %v", tc.name, r)
			}
			got := Hessian(tc.f, x)
			want := extFDHessian(tc.f, x, 1e-5)
			if d := extMaxRelDiff(got, want); d > 1e-6 {
				t.Fatalf("%s: Hessian differs from finite differences by %g\ngot  %v\nwant %v", tc.name, d, mat.Formatted(got), mat.Formatted(want))
			}
			if d := extMaxRelDiff(got, got.T()); d > 1e-12 {
				t.Fatalf("%s: Hessian not symmetric (%g)", tc.name, d)
			}
			v := extRandVec(rng, 4)
			var hv mat.VecDense
			hv.MulVec(got, v)
			if d := extMaxRelDiff(HVP(tc.f, x, v), &hv); d > 1e-12 {
				t.Fatalf("%s: HVP differs from H·v by %g", tc.name, d)
			}
		}
	}
}

func TestHessianDegenerate(t *testing.T) {
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	c := mat.NewVecDense(3, []float64{4, 5, 6})
	linear := func(x *Var) *Var { return Dot(x, Const(c)) }
	if h := Hessian(linear, x); mat.Norm(h, 1) != 0 {
		t.Fatalf("Hessian of a linear function = %v, want 0", mat.Formatted(h))
	}
	constant := func(x *Var) *Var { return Scalar(3) }
	if h := Hessian(constant, x); mat.Norm(h, 1) != 0 {
		t.Fatalf("Hessian of a constant = %v, want 0", mat.Formatted(h))
	}
	if hv := HVP(constant, x, c); mat.Norm(hv, 1) != 0 {
		t.Fatalf("HVP of a constant = %v, want 0", hv)
	}
	// Only x₀ matters: H = diag(2, 0, 0).
	h := Hessian(func(x *Var) *Var { return Square(Sum(Slice(x, 0, 1))) }, x)
	want := mat.NewDense(3, 3, []float64{2, 0, 0, 0, 0, 0, 0, 0, 0})
	if !mat.Equal(h, want) {
		t.Fatalf("Hessian of x₀² = %v", mat.Formatted(h))
	}
}

func TestHessianErrors(t *testing.T) {
	x := mat.NewVecDense(2, []float64{1, 2})
	extMustPanic(t, func() { Hessian(func(x *Var) *Var { return x }, x) }, "ad.Hessian", "scalar", "vector(2)")
	extMustPanic(t, func() { HVP(extRosenbrock, x, mat.NewVecDense(3, nil)) }, "ad.HVP", "length 2", "length 3")
	extMustPanic(t, func() { Hessian(extRosenbrock, nil) }, "ad.Hessian", "nil")
	vjpOnly := Op1("square by VJP", func(x any) (any, func(any) any) {
		v := x.(*mat.VecDense)
		var y mat.VecDense
		y.MulElemVec(v, v)
		return &y, func(g any) any {
			var d mat.VecDense
			d.MulElemVec(g.(*mat.VecDense), v)
			d.ScaleVec(2, &d)
			return &d
		}
	})
	extMustPanic(t, func() { Hessian(func(x *Var) *Var { return Sum(vjpOnly(x)) }, x) }, "square by VJP")
}

// extNewton minimizes f from x0 by Newton's method and returns the iterate
// and the number of steps taken.
func extNewton(f func(x *Var) *Var, x0 *mat.VecDense, tol float64, maxIter int) (*mat.VecDense, int) {
	x := mat.VecDenseCopyOf(x0)
	var g *mat.VecDense
	for k := 0; k < maxIter; k++ {
		Grad(f, x, &g)
		if mat.Norm(g, 2) < tol {
			return x, k
		}
		var step mat.VecDense
		if err := step.SolveVec(Hessian(f, x), g); err != nil {
			panic(err)
		}
		x.SubVec(x, &step)
	}
	return x, maxIter
}

func TestNewtonRosenbrock(t *testing.T) {
	x, steps := extNewton(extRosenbrock, mat.NewVecDense(2, []float64{-1.2, 1}), 1e-10, 50)
	if math.Abs(x.AtVec(0)-1) > 1e-10 || math.Abs(x.AtVec(1)-1) > 1e-10 {
		t.Fatalf("Newton ended at %v after %d steps, want (1, 1)", mat.Formatted(x.T()), steps)
	}
	if steps >= 50 {
		t.Fatalf("Newton did not converge in 50 steps")
	}
	t.Logf("Newton's method on Rosenbrock from (-1.2, 1): %d steps", steps)
	// 5-D Rosenbrock from a point near the minimum converges too.
	x, steps = extNewton(extRosenbrock, mat.NewVecDense(5, []float64{0.8, 0.9, 1.1, 1.2, 0.9}), 1e-10, 50)
	for i := 0; i < 5; i++ {
		if math.Abs(x.AtVec(i)-1) > 1e-9 {
			t.Fatalf("5-D Newton ended at %v after %d steps", mat.Formatted(x.T()), steps)
		}
	}
}

// extCancelled installs a cancelled context for the duration of the test.
func extCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	SetContext(ctx)
	t.Cleanup(func() { SetContext(context.Background()) })
}

// extInterrupted reports whether f panics with ErrInterrupted.
func extInterrupted(f func()) (interrupted bool) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		interrupted = ok && errors.Is(err, ErrInterrupted)
	}()
	f()
	return false
}

func TestExtrasInterrupt(t *testing.T) {
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	extCancelled(t)
	calls := 0
	f := func(x *Var) *Var { calls++; return extRosenbrock(x) }
	cases := map[string]func(){
		"Hessian":  func() { Hessian(f, x) },
		"HVP":      func() { HVP(f, x, x) },
		"Jacobian": func() { Jacobian(Softmax, x) },
		"JVP":      func() { JVP(Softmax, x, x) },
	}
	for name, run := range cases {
		if !extInterrupted(run) {
			t.Errorf("%s did not stop with ErrInterrupted under a cancelled context", name)
		}
	}
	SetContext(context.Background())
	if h := Hessian(f, x); h.At(0, 0) == 0 {
		t.Fatal("Hessian after SetContext(context.Background()) did not run")
	}
}
