package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// domain generates random values inside an op's domain.
type domain func(r *rand.Rand) float64

func uniform(lo, hi float64) domain {
	return func(r *rand.Rand) float64 { return lo + (hi-lo)*r.Float64() }
}

// awayFromZero avoids the kinks of Abs and ReLU.
func awayFromZero(r *rand.Rand) float64 {
	x := 0.2 + 1.8*r.Float64()
	if r.IntN(2) == 0 {
		return -x
	}
	return x
}

// randShaped returns a random scalar, vector(4) or matrix(2×3) from d.
func randShaped(r *rand.Rand, kind int, d domain) any {
	switch kind {
	case kindScalar:
		return d(r)
	case kindVec:
		v := mat.NewVecDense(4, nil)
		for i := 0; i < 4; i++ {
			v.SetVec(i, d(r))
		}
		return v
	}
	m := mat.NewDense(2, 3, nil)
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			m.Set(i, j, d(r))
		}
	}
	return m
}

var unaryCases = []struct {
	name string
	f    func(*Var) *Var
	ref  func(float64) float64 // the plain function, checked element-wise
	d2   func(float64) float64 // closed-form second derivative
	dom  domain
}{
	{"Neg", Neg, func(x float64) float64 { return -x }, func(float64) float64 { return 0 }, uniform(-2, 2)},
	{"Abs", Abs, math.Abs, func(float64) float64 { return 0 }, awayFromZero},
	{"Signum", Signum, signum, func(float64) float64 { return 0 }, awayFromZero},
	{"Recip", Recip, func(x float64) float64 { return 1 / x }, func(x float64) float64 { return 2 / (x * x * x) }, uniform(0.5, 2)},
	{"Exp", Exp, math.Exp, math.Exp, uniform(-2, 2)},
	{"Log", Log, math.Log, func(x float64) float64 { return -1 / (x * x) }, uniform(0.5, 3)},
	{"Sqrt", Sqrt, math.Sqrt, func(x float64) float64 { return -0.25 * math.Pow(x, -1.5) }, uniform(0.5, 3)},
	{"Square", Square, func(x float64) float64 { return x * x }, func(float64) float64 { return 2 }, uniform(-2, 2)},
	{"Sin", Sin, math.Sin, func(x float64) float64 { return -math.Sin(x) }, uniform(-3, 3)},
	{"Cos", Cos, math.Cos, func(x float64) float64 { return -math.Cos(x) }, uniform(-3, 3)},
	{"Tan", Tan, math.Tan, func(x float64) float64 { c := math.Cos(x); return 2 * math.Tan(x) / (c * c) }, uniform(-1.2, 1.2)},
	{"Asin", Asin, math.Asin, func(x float64) float64 { return x / math.Pow(1-x*x, 1.5) }, uniform(-0.9, 0.9)},
	{"Acos", Acos, math.Acos, func(x float64) float64 { return -x / math.Pow(1-x*x, 1.5) }, uniform(-0.9, 0.9)},
	{"Atan", Atan, math.Atan, func(x float64) float64 { return -2 * x / ((1 + x*x) * (1 + x*x)) }, uniform(-2, 2)},
	{"Sinh", Sinh, math.Sinh, math.Sinh, uniform(-2, 2)},
	{"Cosh", Cosh, math.Cosh, math.Cosh, uniform(-2, 2)},
	{"Tanh", Tanh, math.Tanh, func(x float64) float64 { t := math.Tanh(x); return -2 * t * (1 - t*t) }, uniform(-2, 2)},
	{"Asinh", Asinh, math.Asinh, func(x float64) float64 { return -x / math.Pow(x*x+1, 1.5) }, uniform(-2, 2)},
	{"Acosh", Acosh, math.Acosh, func(x float64) float64 { return -x / math.Pow(x*x-1, 1.5) }, uniform(1.2, 3)},
	{"Atanh", Atanh, math.Atanh, func(x float64) float64 { return 2 * x / ((1 - x*x) * (1 - x*x)) }, uniform(-0.9, 0.9)},
	{"Logistic", Logistic, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, func(x float64) float64 {
		s := 1 / (1 + math.Exp(-x))
		return s * (1 - s) * (1 - 2*s)
	}, uniform(-3, 3)},
	{"ReLU", ReLU, func(x float64) float64 { return math.Max(x, 0) }, func(float64) float64 { return 0 }, awayFromZero},
	{"Softplus", Softplus, func(x float64) float64 { return math.Log(1 + math.Exp(x)) }, func(x float64) float64 {
		s := 1 / (1 + math.Exp(-x))
		return s * (1 - s)
	}, uniform(-3, 3)},
}

// sumTo makes a scalar of any numeric value (so that CheckGrad applies).
func sumTo(v *Var) *Var {
	if _, ok := v.val.(float64); ok {
		return v
	}
	return sumElems(v)
}

// weighted returns Σ w∘v with fixed random weights, so that every element's
// gradient differs.
func weighted(v *Var, r *rand.Rand) *Var {
	if _, ok := v.val.(float64); ok {
		return Mul(v, Scalar(1+r.Float64()))
	}
	w := mapValue(v.val, 0)
	data := flat(w)
	for i := range data {
		data[i] = 1 + r.Float64()
	}
	return sumElems(Mul(v, Const(w)))
}

func TestUnaryOps(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range unaryCases {
		for _, kind := range []int{kindScalar, kindVec, kindMat} {
			t.Run(fmt.Sprintf("%s/%d", c.name, kind), func(t *testing.T) {
				x := randShaped(r, kind, c.dom)
				// Values agree with the plain function, element by element.
				y := Eval(c.f, x)
				if kind == kindScalar {
					if got, want := y.(float64), c.ref(x.(float64)); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
						t.Fatalf("%s(%v) = %v, want %v", c.name, x, got, want)
					}
				} else {
					xs, ys := flat(x), flat(y)
					for i := range xs {
						if want := c.ref(xs[i]); math.Abs(ys[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
							t.Fatalf("%s element %d: %v, want %v", c.name, i, ys[i], want)
						}
					}
					if describe(y) != describe(x) {
						t.Fatalf("result shape %s, want %s", describe(y), describe(x))
					}
				}
				// The input is not modified.
				before := fmt.Sprint(x)
				res := CheckGrad(func(xs []*Var) *Var { return weighted(c.f(xs[0]), rand.New(rand.NewPCG(3, 4))) }, []any{x}, 0)
				if res.MaxRelErr > 1e-6 || res.Checked != numLen(x) {
					t.Fatalf("gradient check: %v", res)
				}
				if fmt.Sprint(x) != before {
					t.Fatal("op modified its input")
				}
			})
		}
	}
}

func TestUnarySecondDerivatives(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range unaryCases {
		t.Run(c.name, func(t *testing.T) {
			for k := 0; k < 3; k++ {
				x0 := c.dom(r)
				var d2 float64
				Grad(func(x *Var) *Var { return Gradients(c.f(x), x)[0] }, x0, &d2)
				want := c.d2(x0)
				if math.Abs(d2-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Fatalf("d²/dx² %s at %v = %v, want %v", c.name, x0, d2, want)
				}
				// Also against finite differences of the first derivative, on a vector.
				v := randShaped(r, kindVec, c.dom)
				res := CheckGrad(func(xs []*Var) *Var {
					g := Gradients(sumElems(c.f(xs[0])), xs[0])[0]
					return sumElems(Mul(g, g))
				}, []any{v}, 0)
				if res.MaxRelErr > 1e-6 {
					t.Fatalf("second-order gradient check: %v", res)
				}
			}
		})
	}
}

var binaryCases = []struct {
	name   string
	f      func(x, y *Var) *Var
	ref    func(a, b float64) float64
	dx, dy domain
}{
	{"Add", Add, func(a, b float64) float64 { return a + b }, uniform(-2, 2), uniform(-2, 2)},
	{"Sub", Sub, func(a, b float64) float64 { return a - b }, uniform(-2, 2), uniform(-2, 2)},
	{"Mul", Mul, func(a, b float64) float64 { return a * b }, uniform(-2, 2), uniform(-2, 2)},
	{"Div", Div, func(a, b float64) float64 { return a / b }, uniform(-2, 2), uniform(0.5, 2)},
	{"Pow", Pow, math.Pow, uniform(0.5, 2), uniform(-2, 2)},
	{"LogBase", LogBase, func(b, x float64) float64 { return math.Log(x) / math.Log(b) }, uniform(1.5, 4), uniform(0.5, 3)},
}

func TestBinaryOps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pairs := [][2]int{{kindScalar, kindScalar}, {kindVec, kindVec}, {kindMat, kindMat}, {kindScalar, kindVec}, {kindMat, kindScalar}}
	for _, c := range binaryCases {
		for _, p := range pairs {
			t.Run(fmt.Sprintf("%s/%d-%d", c.name, p[0], p[1]), func(t *testing.T) {
				x, y := randShaped(r, p[0], c.dx), randShaped(r, p[1], c.dy)
				z := EvalN(func(xs []*Var) *Var { return c.f(xs[0], xs[1]) }, []any{x, y})
				// Reference values element-wise, broadcasting a scalar.
				at := func(v any, i int) float64 {
					if f, ok := v.(float64); ok {
						return f
					}
					return flat(v)[i]
				}
				for i := 0; i < numLen(z); i++ {
					want := c.ref(at(x, i), at(y, i))
					if got := at(z, i); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
						t.Fatalf("element %d = %v, want %v", i, got, want)
					}
				}
				res := CheckGrad(func(xs []*Var) *Var {
					return weighted(c.f(xs[0], xs[1]), rand.New(rand.NewPCG(9, 9)))
				}, []any{x, y}, 0)
				if res.MaxRelErr > 1e-6 || res.Checked != numLen(x)+numLen(y) {
					t.Fatalf("gradient check: %v", res)
				}
				// Second order through Gradients, against finite differences.
				res = CheckGrad(func(xs []*Var) *Var {
					gs := Gradients(sumTo(c.f(xs[0], xs[1])), xs[0], xs[1])
					return Add(sumTo(Square(gs[0])), sumTo(Square(gs[1])))
				}, []any{x, y}, 0)
				if res.MaxRelErr > 1e-5 {
					t.Fatalf("second-order gradient check: %v", res)
				}
			})
		}
	}
}

func TestScaleAndAddScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for _, kind := range []int{kindScalar, kindVec, kindMat} {
		x := randShaped(r, kind, uniform(-2, 2))
		res := CheckGrad(func(xs []*Var) *Var {
			return weighted(AddScalar(Scale(xs[0], xs[1]), Square(xs[1])), rand.New(rand.NewPCG(1, 1)))
		}, []any{x, 1.7}, 0)
		if res.MaxRelErr > 1e-6 {
			t.Fatalf("kind %d: %v", kind, res)
		}
	}
	v := mat.NewVecDense(3, []float64{1, 2, 3})
	got := Eval(func(x *Var) *Var { return Scale(x, Scalar(2)) }, v).(*mat.VecDense)
	if !mat.Equal(got, mat.NewVecDense(3, []float64{2, 4, 6})) {
		t.Fatalf("Scale = %v", mat.Formatted(got.T()))
	}
	got = Eval(func(x *Var) *Var { return AddScalar(x, Scalar(-1)) }, v).(*mat.VecDense)
	if !mat.Equal(got, mat.NewVecDense(3, []float64{0, 1, 2})) {
		t.Fatalf("AddScalar = %v", mat.Formatted(got.T()))
	}
}

// panics runs f and returns its panic message ("" if it did not panic).
func panics(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestElementwiseShapeErrors(t *testing.T) {
	v3 := mat.NewVecDense(3, nil)
	v4 := mat.NewVecDense(4, nil)
	m22 := mat.NewDense(2, 2, nil)
	m23 := mat.NewDense(2, 3, nil)
	type net struct{ W *mat.Dense }
	for _, c := range binaryCases {
		for _, p := range []struct {
			x, y any
			want string
		}{
			{v3, v4, "ad." + c.name + ": shapes differ: vector(3) and vector(4)"},
			{m22, m23, "ad." + c.name + ": shapes differ: matrix(2×2) and matrix(2×3)"},
			{v3, m22, "ad." + c.name + ": shapes differ: vector(3) and matrix(2×2)"},
		} {
			// Both on the tape and as constants, the op must refuse before gonum.
			msg := panics(func() {
				GradN(func(xs []*Var) *Var { return sumTo(c.f(xs[0], xs[1])) }, []any{p.x, p.y}, nil)
			})
			if msg != p.want {
				t.Errorf("%s(%s, %s): panic %q, want %q", c.name, describe(p.x), describe(p.y), msg, p.want)
			}
		}
		if c.name == "Add" {
			continue // Add also adds structs
		}
		msg := panics(func() { c.f(Const(net{m22}), Scalar(1)) })
		if !strings.HasPrefix(msg, "ad."+c.name+": value is net") {
			t.Errorf("%s on a struct: panic %q", c.name, msg)
		}
	}
	for _, c := range unaryCases {
		msg := panics(func() { c.f(Const([]float64{1})) })
		if !strings.HasPrefix(msg, "ad."+c.name+": value is []float64(1); want a scalar") {
			t.Errorf("%s on a slice: panic %q", c.name, msg)
		}
	}
	if msg := panics(func() { Scale(Const(v3), Const(v3)) }); msg != "ad.Scale: the factor must be a scalar, got vector(3)" {
		t.Errorf("Scale: %q", msg)
	}
	if msg := panics(func() { AddScalar(Const(v3), Const(v3)) }); msg != "ad.AddScalar: the second argument must be a scalar, got vector(3)" {
		t.Errorf("AddScalar: %q", msg)
	}
}

func TestElementwiseViews(t *testing.T) {
	// Non-contiguous views (a matrix column, a sub-matrix) work and are not modified.
	m := mat.NewDense(3, 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9})
	col := m.ColView(1).(*mat.VecDense)
	sub := m.Slice(0, 2, 1, 3).(*mat.Dense)
	var gc, gs any
	Grad(func(x *Var) *Var { return sumElems(Square(x)) }, col, &gc)
	Grad(func(x *Var) *Var { return sumElems(Square(x)) }, sub, &gs)
	if !mat.Equal(gc.(*mat.VecDense), mat.NewVecDense(3, []float64{4, 10, 16})) {
		t.Fatalf("column view gradient %v", gc)
	}
	if !mat.Equal(gs.(*mat.Dense), mat.NewDense(2, 2, []float64{4, 6, 10, 12})) {
		t.Fatalf("sub-matrix gradient %v", gs)
	}
	if m.At(2, 2) != 9 || m.At(0, 1) != 2 {
		t.Fatal("input modified")
	}
}
