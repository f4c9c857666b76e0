package ad

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// extFDJacobian is the central finite-difference Jacobian of f at x.
func extFDJacobian(f func(x *Var) *Var, x *mat.VecDense, h float64) *mat.Dense {
	n := x.Len()
	eval := func(x *mat.VecDense) *mat.VecDense { return jacAsVec(Eval(f, x)) }
	m := eval(x).Len()
	out := mat.NewDense(m, n, nil)
	for j := 0; j < n; j++ {
		xp, xm := mat.VecDenseCopyOf(x), mat.VecDenseCopyOf(x)
		xp.SetVec(j, x.AtVec(j)+h)
		xm.SetVec(j, x.AtVec(j)-h)
		yp, ym := eval(xp), eval(xm)
		for i := 0; i < m; i++ {
			out.Set(i, j, (yp.AtVec(i)-ym.AtVec(i))/(2*h))
		}
	}
	return out
}

// extSoftmax is softmax written as a composite of element-wise ops, to
// check the Jacobian independently of the library's Softmax op.
func extSoftmax(x *Var) *Var {
	e := Exp(x)
	return Div(e, Sum(e))
}

func TestJacobianSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	for _, n := range []int{1, 3, 10} {
		x := extRandVec(rng, n)
		s := jacAsVec(Eval(Softmax, x))
		// Closed form: diag(s) − s sᵀ.
		want := mat.NewDense(n, n, nil)
		want.Outer(-1, s, s)
		for i := 0; i < n; i++ {
			want.Set(i, i, want.At(i, i)+s.AtVec(i))
		}
		for name, f := range map[string]func(*Var) *Var{"Softmax": Softmax, "exp/sum composite": extSoftmax} {
			got := Jacobian(f, x)
			if d := extMaxRelDiff(got, want); d > 1e-14 {
				t.Fatalf("n=%d %s: Jacobian differs from diag(s) − s sᵀ by %g\ngot  %v\nwant %v", n, name, d, mat.Formatted(got), mat.Formatted(want))
			}
			// Forward mode agrees: JVP(v) = J v, and y = f(x).
			v := extRandVec(rng, n)
			y, jv := JVP(f, x, v)
			var wantJV mat.VecDense
			wantJV.MulVec(want, v)
			if d := extMaxRelDiff(jv, &wantJV); d > 1e-14 {
				t.Fatalf("n=%d %s: JVP differs from J·v by %g", n, name, d)
			}
			if d := extMaxRelDiff(y, s); d > 1e-15 {
				t.Fatalf("n=%d %s: JVP value differs from f(x) by %g", n, name, d)
			}
		}
	}
}

func TestJacobianFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	a := mat.NewDense(5, 3, nil) // f: R³ → R⁵
	for i := 0; i < 5; i++ {
		for j := 0; j < 3; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	funcs := []struct {
		name string
		f    func(x *Var) *Var
	}{
		{"tanh(Ax)·x₀", func(x *Var) *Var { return Scale(Tanh(MatVec(Const(a), x)), Sum(Slice(x, 0, 1))) }},
		{"Aᵀ·logistic(Ax)", func(x *Var) *Var { return MatVec(T(Const(a)), Logistic(MatVec(Const(a), x))) }},
		{"log-softmax", LogSoftmax},
		{"x ⊙ exp(x) / ‖x‖", func(x *Var) *Var { return Div(Mul(x, Exp(x)), Norm2(x)) }},
		{"scalar Σ sin x", func(x *Var) *Var { return Sum(Sin(x)) }},
	}
	for _, tc := range funcs {
		for trial := 0; trial < 3; trial++ {
			x := extRandVec(rng, 3)
			got := Jacobian(tc.f, x)
			want := extFDJacobian(tc.f, x, 1e-6)
			if d := extMaxRelDiff(got, want); d > 1e-7 {
				t.Fatalf("%s: Jacobian differs from finite differences by %g\ngot  %v\nwant %v", tc.name, d, mat.Formatted(got), mat.Formatted(want))
			}
			v := extRandVec(rng, 3)
			_, jv := JVP(tc.f, x, v)
			var wantJV mat.VecDense
			wantJV.MulVec(got, v)
			if d := extMaxRelDiff(jv, &wantJV); d > 1e-12 {
				t.Fatalf("%s: JVP differs from J·v by %g", tc.name, d)
			}
			// Each row is a vector–Jacobian product, i.e. the gradient of
			// one output: compare row 0 with GradWith and a unit seed.
			if m, _ := got.Dims(); m > 1 {
				seed := mat.NewVecDense(m, nil)
				seed.SetVec(0, 1)
				var row *mat.VecDense
				GradWith(tc.f, x, seed, &row)
				if d := extMaxRelDiff(row.T(), got.Slice(0, 1, 0, 3)); d > 1e-15 {
					t.Fatalf("%s: Jacobian row 0 differs from GradWith by %g", tc.name, d)
				}
			}
		}
	}
}

func TestJacobianDegenerate(t *testing.T) {
	x := mat.NewVecDense(2, []float64{1, 2})
	// Identity: J = I, even though f returns its input unchanged.
	if j := Jacobian(func(x *Var) *Var { return x }, x); !mat.Equal(j, mat.NewDense(2, 2, []float64{1, 0, 0, 1})) {
		t.Fatalf("Jacobian of the identity = %v", mat.Formatted(j))
	}
	if _, jv := JVP(func(x *Var) *Var { return x }, x, mat.NewVecDense(2, []float64{3, 4})); jv.AtVec(0) != 3 || jv.AtVec(1) != 4 {
		t.Fatalf("JVP of the identity = %v", jv)
	}
	// A constant output: J = 0 of the output's shape.
	c := mat.NewVecDense(3, []float64{1, 2, 3})
	j := Jacobian(func(*Var) *Var { return Const(c) }, x)
	if r, cols := j.Dims(); r != 3 || cols != 2 || mat.Norm(j, 1) != 0 {
		t.Fatalf("Jacobian of a constant = %v", mat.Formatted(j))
	}
	y, jv := JVP(func(*Var) *Var { return Const(c) }, x, x)
	if y.Len() != 3 || jv.Len() != 3 || mat.Norm(jv, 1) != 0 || y.AtVec(2) != 3 {
		t.Fatalf("JVP of a constant = %v, %v", y, jv)
	}
	// Outputs that ignore part of the input: zero columns.
	j = Jacobian(func(x *Var) *Var { return Scale(Const(c), Sum(Slice(x, 1, 2))) }, x)
	want := mat.NewDense(3, 2, []float64{0, 1, 0, 2, 0, 3})
	if !mat.Equal(j, want) {
		t.Fatalf("Jacobian = %v, want %v", mat.Formatted(j), mat.Formatted(want))
	}
}

func TestJacobianErrors(t *testing.T) {
	x := mat.NewVecDense(2, []float64{1, 2})
	extMustPanic(t, func() { Jacobian(func(x *Var) *Var { return Outer(x, x) }, x) }, "ad.Jacobian", "vector or a scalar", "matrix(2×2)")
	extMustPanic(t, func() { JVP(Softmax, x, mat.NewVecDense(3, nil)) }, "ad.JVP", "length 2", "length 3")
	extMustPanic(t, func() { Jacobian(Softmax, nil) }, "ad.Jacobian", "nil")
	extMustPanic(t, func() { JVP(Softmax, nil, x) }, "ad.JVP", "nil")
}
