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

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func vecNear(t *testing.T, what string, got *mat.VecDense, want []float64) {
	t.Helper()
	if got == nil || got.Len() != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i, w := range want {
		if !near(got.AtVec(i), w) {
			t.Fatalf("%s[%d] = %.17g, want %.17g", what, i, got.AtVec(i), w)
		}
	}
}

// Reference values of backprop's documentation (backprop.md §8).

func TestBackpropReferenceSqrt(t *testing.T) {
	myFunc := func(x *Var) *Var { return Sqrt(Mul(x, Scalar(4))) }
	var dx float64
	y := Grad(myFunc, 9.0, &dx)
	if y.(float64) != 6 || !near(dx, 1.0/3) {
		t.Fatalf("sqrt(4x) at 9 = %v, %v; want 6, 1/3", y, dx)
	}
	if Eval(myFunc, 9.0).(float64) != 6 {
		t.Fatal("Eval")
	}
}

func TestBackpropReferenceSquarePlus3(t *testing.T) {
	var dx float64
	Grad(func(x *Var) *Var { return Add(Pow(x, Scalar(2)), Scalar(3)) }, 9.0, &dx)
	if !near(dx, 18) {
		t.Fatalf("d/dx x²+3 at 9 = %v, want 18", dx)
	}
	Grad(func(x *Var) *Var { return Add(Square(x), Scalar(3)) }, 9.0, &dx)
	if dx != 18 {
		t.Fatalf("d/dx x²+3 at 9 = %v, want 18", dx)
	}
}

func TestBackpropReferenceSumSquaresOverX(t *testing.T) {
	// gradBP2 (\x xs -> sum (map (**2) xs)/x) 9 [1,6,2]
	f := func(x, xs *Var) *Var {
		es := Split(xs)
		s := Scalar(0)
		for _, e := range es {
			s = Add(s, Pow(e, Scalar(2)))
		}
		return Div(s, x)
	}
	var dx float64
	var dxs []float64
	y := Grad2(f, 9.0, []float64{1, 6, 2}, &dx, &dxs)
	if !near(y.(float64), 41.0/9) {
		t.Fatalf("value %v, want 41/9", y)
	}
	if !near(dx, -0.5061728395061729) {
		t.Fatalf("dx = %.17g", dx)
	}
	want := []float64{0.2222222222222222, 1.3333333333333333, 0.4444444444444444}
	for i := range want {
		if !near(dxs[i], want[i]) {
			t.Fatalf("dxs = %v, want %v", dxs, want)
		}
	}
	// The same on a gonum vector with whole-vector ops.
	var dv *mat.VecDense
	y = Grad2(func(x, v *Var) *Var { return Div(sumElems(Square(v)), x) }, 9.0, mat.NewVecDense(3, []float64{1, 6, 2}), &dx, &dv)
	if !near(y.(float64), 41.0/9) || !near(dx, -0.5061728395061729) {
		t.Fatalf("vector form: %v %v", y, dx)
	}
	vecNear(t, "dv", dv, want)
}

func TestBackpropReferenceFuncOnList(t *testing.T) {
	// funcOnList [x,y,z] = sqrt(x/y)*z at [3,5,-2]
	var g []float64
	y := Grad(func(xs *Var) *Var {
		e := Split(xs)
		return Mul(Sqrt(Div(e[0], e[1])), e[2])
	}, []float64{3, 5, -2}, &g)
	if !near(y.(float64), -1.5491933384829668) {
		t.Fatalf("value %.17g", y)
	}
	want := []float64{-0.2581988897471611, 0.15491933384829668, 0.7745966692414834}
	for i := range want {
		if !near(g[i], want[i]) {
			t.Fatalf("gradient %v, want %v", g, want)
		}
	}
}

// MT is backprop's example record: data MT = MT { _mtX, _mtY, _mtZ :: Double }.
type MT struct{ X, Y, Z float64 }

func TestBackpropReferenceMT(t *testing.T) {
	xyz := func(mt *Var) *Var {
		return Add(Mul(Field(mt, "X"), Field(mt, "Y")), Field(mt, "Z"))
	}
	var g MT
	Grad(xyz, MT{5, 7, 2}, &g)
	if g != (MT{7, 5, 1}) {
		t.Fatalf("gradBP (x*y+z) (MT 5 7 2) = %+v, want MT 7 5 1", g)
	}
	Grad(func(mt *Var) *Var { return Neg(Sqrt(xyz(mt))) }, MT{5, 7, 2}, &g)
	want := MT{-0.5753964555687505, -0.41099746826339323, -0.08219949365267865}
	if !near(g.X, want.X) || !near(g.Y, want.Y) || !near(g.Z, want.Z) {
		t.Fatalf("gradBP (negate . sqrt . myFunc) (MT 5 7 2) = %+v, want %+v", g, want)
	}
	// A pointer-to-struct input gives a pointer-to-struct gradient.
	var gp *MT
	Grad(xyz, &MT{5, 7, 2}, &gp)
	if gp == nil || *gp != (MT{7, 5, 1}) {
		t.Fatalf("pointer input: %+v", gp)
	}
}

func TestBackpropReferenceSoftmaxCrossEntropy(t *testing.T) {
	target := mat.NewVecDense(3, []float64{1, 0, 0})
	x := mat.NewVecDense(3, []float64{0.9, 0.2, 0.3})
	want := []float64{-0.7314742091958236, 0.34746547319040005, 0.3840087360054238}
	var g *mat.VecDense
	y := Grad(func(x *Var) *Var { return Pow(CrossEntropy(Softmax(x), Const(target)), Scalar(2)) }, x, &g)
	if ce := math.Sqrt(y.(float64)); math.Abs(ce-0.7155918732927511) > 1e-12 {
		t.Fatalf("cross entropy %.17g", ce)
	}
	vecNear(t, "gradient", g, want)
	Grad(func(x *Var) *Var { return Square(SoftmaxCrossEntropy(x, Const(target))) }, x, &g)
	vecNear(t, "fused gradient", g, want)
}

func TestConstants(t *testing.T) {
	// An op whose inputs are all constants records nothing.
	tp := NewTape()
	x := tp.Input(2.0)
	c := Mul(Scalar(3), Exp(Scalar(1)))
	if !c.IsConst() || tp.Len() != 1 {
		t.Fatalf("op on constants recorded: const %v, tape %d nodes", c.IsConst(), tp.Len())
	}
	y := Mul(x, c)
	if y.IsConst() || tp.Len() != 2 {
		t.Fatalf("op on an input: const %v, tape %d nodes", y.IsConst(), tp.Len())
	}
	// Constants get no gradient and do not disturb the result.
	var dx float64
	Grad(func(x *Var) *Var { return Mul(x, Const(5.0)) }, 2.0, &dx)
	if dx != 5 {
		t.Fatalf("d(5x) = %v", dx)
	}
	// A constant output: value returned, every gradient zero of the right shape.
	var dv *mat.VecDense
	tpe := Record(func(xs []*Var) *Var { Exp(xs[0]); return Scalar(4) }, mat.NewVecDense(2, []float64{1, 2}))
	if tpe.Output() != -1 {
		t.Fatalf("constant output: Output() = %d, want -1", tpe.Output())
	}
	y2 := Grad(func(x *Var) *Var { Exp(x); return Scalar(4) }, mat.NewVecDense(2, []float64{1, 2}), &dv)
	if y2.(float64) != 4 || dv == nil || dv.Len() != 2 || mat.Sum(dv) != 0 {
		t.Fatalf("constant output: %v %v", y2, dv)
	}
}

func TestUnusedInputs(t *testing.T) {
	l := testLayer{W: mat.NewDense(2, 3, nil), B: mat.NewVecDense(2, nil), S: 1}
	var dx float64
	var dl testLayer
	var dv *mat.VecDense
	var dm *mat.Dense
	var ds []float64
	GradN(func(xs []*Var) *Var { return Square(xs[0]) },
		[]any{3.0, l, mat.NewVecDense(4, nil), mat.NewDense(3, 2, nil), []float64{1, 2}},
		[]any{&dx, &dl, &dv, &dm, &ds})
	if dx != 6 {
		t.Fatalf("dx = %v", dx)
	}
	if r, c := dl.W.Dims(); r != 2 || c != 3 || dl.B.Len() != 2 || dl.S != 0 {
		t.Fatalf("unused struct: %+v", dl)
	}
	if dv.Len() != 4 || mat.Sum(dv) != 0 {
		t.Fatalf("unused vector %v", dv)
	}
	if r, c := dm.Dims(); r != 3 || c != 2 {
		t.Fatalf("unused matrix %v×%v", r, c)
	}
	if len(ds) != 2 || ds[0] != 0 || ds[1] != 0 {
		t.Fatalf("unused slice %v", ds)
	}
}

func TestFanInAndIdentity(t *testing.T) {
	// x used three times.
	var dx float64
	Grad(func(x *Var) *Var { return Add(Mul(x, x), x) }, 3.0, &dx)
	if dx != 7 {
		t.Fatalf("d(x²+x) at 3 = %v", dx)
	}
	// The output is the input (backprop issue #13), and a function of two
	// inputs returning one of them.
	var dv *mat.VecDense
	y := Grad(func(x *Var) *Var { return x }, mat.NewVecDense(2, []float64{1, 2}), &dv)
	if !mat.Equal(dv, mat.NewVecDense(2, []float64{1, 1})) || y.(*mat.VecDense).AtVec(1) != 2 {
		t.Fatalf("identity on a vector: %v", dv)
	}
	var da, db float64
	Grad2(func(a, b *Var) *Var { return a }, 1.0, 2.0, &da, &db)
	if da != 1 || db != 0 {
		t.Fatalf("const function: %v %v", da, db)
	}
	// \x -> if x < 0 then x else x
	for _, x0 := range []float64{-1, 1} {
		Grad(func(x *Var) *Var {
			if x.Float() < 0 {
				return x
			}
			return x
		}, x0, &dx)
		if dx != 1 {
			t.Fatalf("branching identity at %v: %v", x0, dx)
		}
	}
}

func TestBranching(t *testing.T) {
	// |x| written with a comparison: no gradient through the comparison.
	f := func(x *Var) *Var {
		if x.Float() < 0 {
			return Neg(x)
		}
		return Mul(x, Scalar(1))
	}
	for _, c := range []struct{ x, d float64 }{{-2, -1}, {3, 1}} {
		var dx float64
		y := Grad(f, c.x, &dx)
		if y.(float64) != math.Abs(c.x) || dx != c.d {
			t.Fatalf("at %v: %v %v", c.x, y, dx)
		}
	}
}

func TestSeedOwnNode(t *testing.T) {
	// \x -> let a = x*2; b = a*a in if b > 0 then a else b: b is recorded after
	// the output a and must not receive the seed.
	var dx float64
	tp := Record(func(xs []*Var) *Var {
		a := Mul(xs[0], Scalar(2))
		b := Mul(a, a)
		if b.Float() > 0 {
			return a
		}
		return b
	}, 3.0)
	if tp.Output() != 1 || tp.Len() != 3 {
		t.Fatalf("output node %d of %d, want 1 of 3", tp.Output(), tp.Len())
	}
	ns := tp.Nodes()
	if ns[2].Grad != nil {
		t.Fatalf("node recorded after the output got gradient %v", ns[2].Grad)
	}
	if ns[0].Grad.(float64) != 2 {
		t.Fatalf("input gradient %v, want 2", ns[0].Grad)
	}
	Grad(func(x *Var) *Var {
		a := Mul(x, Scalar(2))
		b := Mul(a, a)
		_ = b
		return a
	}, 3.0, &dx)
	if dx != 2 {
		t.Fatalf("dx = %v, want 2", dx)
	}
}

func TestGradWithSeed(t *testing.T) {
	// Vector–Jacobian product of an element-wise square: seed·2x.
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	seed := mat.NewVecDense(3, []float64{1, 10, 100})
	var dx *mat.VecDense
	GradWith(func(x *Var) *Var { return Square(x) }, x, seed, &dx)
	vecNear(t, "vjp", dx, []float64{2, 40, 600})
	msg := panics(func() { GradWith(func(x *Var) *Var { return Square(x) }, x, 1.0, &dx) })
	if msg != "ad.seed: shapes differ: scalar and vector(3)" {
		t.Fatalf("wrong seed shape: %q", msg)
	}
}

func TestGradDestinationErrors(t *testing.T) {
	f := func(xs []*Var) *Var { return xs[0] }
	var v *mat.VecDense
	var d float64
	for _, c := range []struct {
		xs, dxs []any
		want    string
	}{
		{[]any{1.0}, []any{&v}, "ad.GradN: gradient destination 0 is **mat.VecDense but input 0 is float64; pass a *float64 (or a *any)"},
		{[]any{1.0}, []any{d}, "ad.GradN: gradient destination 0 must be a non-nil pointer, got float64"},
		{[]any{1.0}, []any{&d, &d}, "ad.GradN: 2 gradient destinations for 1 inputs"},
		{[]any{testLayer{}}, []any{&testLayer{}, nil}, "ad.GradN: 2 gradient destinations for 1 inputs"},
		{[]any{MT{}}, []any{&testLayer{}}, "ad.GradN: gradient destination 0 is *ad.testLayer but input 0 is ad.MT; pass a *ad.MT (or a *any)"},
	} {
		if msg := panics(func() { GradN(f, c.xs, c.dxs) }); msg != c.want {
			t.Errorf("panic %q, want %q", msg, c.want)
		}
	}
	if msg := panics(func() { Grad(func(x *Var) *Var { return nil }, 1.0, nil) }); msg != "ad: the function returned a nil *Var" {
		t.Errorf("nil result: %q", msg)
	}
	// A *any destination receives a value of the input's type.
	var a any
	Grad(func(x *Var) *Var { return Field(x, "X") }, MT{1, 2, 3}, &a)
	if g, ok := a.(MT); !ok || g != (MT{1, 0, 0}) {
		t.Fatalf("*any destination: %#v", a)
	}
}

// poly is a user type with its own gradient algebra (backprop's Backprop
// class): coefficients of a polynomial.
type poly struct{ c []float64 }

func (p poly) Zero() any { return poly{make([]float64, len(p.c))} }
func (p poly) One() any {
	o := make([]float64, len(p.c))
	for i := range o {
		o[i] = 1
	}
	return poly{o}
}
func (p poly) Add(other any) any {
	q := other.(poly)
	out := make([]float64, max(len(p.c), len(q.c)))
	copy(out, p.c)
	for i, v := range q.c {
		out[i] += v
	}
	return poly{out}
}

func TestUserBackpropType(t *testing.T) {
	// evalAt(p, x) = Σ cᵢ xⁱ as a custom op on the user type.
	evalAt := Op2("evalAt", func(p, x any) (any, func(any) (any, any)) {
		c, xv := p.(poly).c, x.(float64)
		y, d := 0.0, 0.0
		for i := len(c) - 1; i >= 0; i-- {
			d = d*xv + y
			y = y*xv + c[i]
		}
		return y, func(g any) (any, any) {
			gc := make([]float64, len(c))
			pw := 1.0
			for i := range gc {
				gc[i] = g.(float64) * pw
				pw *= xv
			}
			return poly{gc}, g.(float64) * d
		}
	})
	var gp poly
	var gx float64
	// p used twice (fan-in through the user type's Add).
	y := Grad2(func(p, x *Var) *Var { return Add(evalAt(p, x), evalAt(p, Scalar(1))) }, poly{[]float64{1, 2, 3}}, 2.0, &gp, &gx)
	if y.(float64) != 17+6 || gx != 2+12 {
		t.Fatalf("value %v, dx %v", y, gx)
	}
	if len(gp.c) != 3 || gp.c[0] != 2 || gp.c[1] != 3 || gp.c[2] != 5 {
		t.Fatalf("gradient of the user type %+v", gp)
	}
	// Unused: Zero; identity: One.
	Grad2(func(p, x *Var) *Var { return x }, poly{[]float64{1, 2}}, 2.0, &gp, &gx)
	if len(gp.c) != 2 || gp.c[0] != 0 {
		t.Fatalf("unused user type: %+v", gp)
	}
	Grad(func(p *Var) *Var { return p }, poly{[]float64{1, 2}}, &gp)
	if gp.c[0] != 1 || gp.c[1] != 1 {
		t.Fatalf("identity on user type: %+v", gp)
	}
}

func TestCustomOps(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	cube := Op1("cube", func(x any) (any, func(any) any) {
		v := x.(float64)
		return v * v * v, func(g any) any { return g.(float64) * 3 * v * v }
	})
	hyp := Op2("hypot", func(x, y any) (any, func(any) (any, any)) {
		a, b := x.(float64), y.(float64)
		h := math.Hypot(a, b)
		return h, func(g any) (any, any) { return g.(float64) * a / h, g.(float64) * b / h }
	})
	fma := Op3("fma", func(x, y, z any) (any, func(any) (any, any, any)) {
		a, b, c := x.(*mat.VecDense), y.(*mat.VecDense), z.(*mat.VecDense)
		out := mat.NewVecDense(a.Len(), nil)
		out.MulElemVec(a, b)
		out.AddVec(out, c)
		return out, func(g any) (any, any, any) {
			gv := g.(*mat.VecDense)
			ga, gb := mat.NewVecDense(a.Len(), nil), mat.NewVecDense(a.Len(), nil)
			ga.MulElemVec(gv, b)
			gb.MulElemVec(gv, a)
			return ga, gb, mat.VecDenseCopyOf(gv)
		}
	})
	// Apply with a custom Op whose Backward is written with ad ops.
	softsign := &Op{
		Name:    "softsign",
		Forward: func(in []any) any { x := in[0].(float64); return x / (1 + math.Abs(x)) },
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			d := AddScalar(Abs(in[0]), Scalar(1))
			return []*Var{Div(g, Square(d))}
		},
	}
	res := CheckGrad(func(xs []*Var) *Var {
		s := Add(cube(xs[0]), hyp(xs[0], xs[1]))
		v := sumElems(Square(fma(xs[2], xs[3], xs[4])))
		return Add(Mul(s, Apply(softsign, xs[1])), v)
	}, []any{r.Float64() + 0.5, r.Float64() + 0.5, randVec(r, 3), randVec(r, 3), randVec(r, 3)}, 0)
	if res.MaxRelErr > 1e-6 || res.Checked != 11 {
		t.Fatalf("%v", res)
	}
	// Second derivative through a Backward-based custom op.
	var d2 float64
	Grad(func(x *Var) *Var { return Gradients(Apply(softsign, x), x)[0] }, 0.5, &d2)
	if want := -2 / math.Pow(1.5, 3); !near(d2, want) {
		t.Fatalf("softsign'' = %v, want %v", d2, want)
	}
	// A VJP-only op cannot be differentiated twice: clear message.
	msg := panics(func() { Grad(func(x *Var) *Var { return Gradients(cube(x), x)[0] }, 0.5, nil) })
	if !strings.Contains(msg, "op cube has no differentiable gradient") {
		t.Fatalf("Gradients through a VJP op: %q", msg)
	}
}

func TestNoGrad(t *testing.T) {
	round := NoGrad("round", func(x any) any { return math.Round(x.(float64)) })
	// Forward works, also when recorded.
	if Eval(func(x *Var) *Var { return round(x) }, 2.6).(float64) != 3 {
		t.Fatal("forward")
	}
	// An unused noGrad branch is fine.
	var dx float64
	y := Grad(func(x *Var) *Var {
		r := round(x)
		if r.Float() > 2 {
			return Square(x)
		}
		return r
	}, 2.6, &dx)
	if !near(y.(float64), 2.6*2.6) || !near(dx, 5.2) {
		t.Fatalf("unused noGrad: %v %v", y, dx)
	}
	// A noGrad op used only to compute a constant is fine too.
	Grad(func(x *Var) *Var { return Mul(x, round(Scalar(2.4))) }, 1.0, &dx)
	if dx != 2 {
		t.Fatalf("noGrad on a constant: %v", dx)
	}
	// Reached by the gradient: *NoGradError naming the op.
	var err *NoGradError
	func() {
		defer func() {
			e, _ := recover().(error)
			if !errors.As(e, &err) {
				t.Fatalf("panic %v, want *NoGradError", e)
			}
		}()
		Grad(func(x *Var) *Var { return Mul(round(x), x) }, 2.6, &dx)
	}()
	if err.Op != "round" || !strings.Contains(err.Error(), "op round has no gradient") {
		t.Fatalf("error %v", err)
	}
}

func TestCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	SetContext(ctx)
	defer SetContext(context.Background())
	f := func(x *Var) *Var {
		for i := 0; i < 200; i++ {
			x = Sin(x)
		}
		return x
	}
	var dx float64
	Grad(f, 1.0, &dx) // not cancelled: runs
	if dx == 0 || Interrupted() {
		t.Fatal("uncancelled run failed")
	}
	cancel()
	if !Interrupted() {
		t.Fatal("Interrupted() = false after cancel")
	}
	msg := func() (p any) {
		defer func() { p = recover() }()
		Grad(f, 1.0, &dx)
		return nil
	}()
	if msg != ErrInterrupted {
		t.Fatalf("panic %v, want ErrInterrupted", msg)
	}
	SetContext(context.Background())
	if Interrupted() {
		t.Fatal("SetContext(context.Background()) must remove the hook")
	}
	Grad(f, 1.0, &dx)
}

func TestTapeInspection(t *testing.T) {
	w := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	tp := Record(func(xs []*Var) *Var {
		h := Tanh(Mul(xs[0], xs[0]))
		return sumElems(Scale(h, xs[1]))
	}, w, 0.5)
	ns := tp.Nodes()
	wantOps := []string{"input", "input", "Mul", "Tanh", "Scale", "sum"}
	if len(ns) != len(wantOps) || tp.Len() != len(ns) {
		t.Fatalf("%d nodes, want %d", len(ns), len(wantOps))
	}
	for i, n := range ns {
		if n.ID != i || n.Op != wantOps[i] {
			t.Fatalf("node %d: %+v, want op %s", i, n, wantOps[i])
		}
		if n.Grad == nil {
			t.Fatalf("node %d has no gradient after the backward pass", i)
		}
	}
	if ns[2].Shape != "matrix(2×2)" || ns[5].Shape != "scalar" || ns[1].Shape != "scalar" {
		t.Fatalf("shapes %s %s", ns[2].Shape, ns[5].Shape)
	}
	if len(ns[2].Inputs) != 2 || ns[2].Inputs[0] != 0 || ns[2].Inputs[1] != 0 || len(ns[4].Inputs) != 2 || ns[4].Inputs[1] != 1 {
		t.Fatalf("inputs %v %v", ns[2].Inputs, ns[4].Inputs)
	}
	if tp.Output() != 5 || ns[5].Grad.(float64) != 1 {
		t.Fatalf("output %d grad %v", tp.Output(), ns[5].Grad)
	}
	// The input's gradient equals Grad's.
	var gw *mat.Dense
	Grad2(func(x, s *Var) *Var { return sumElems(Scale(Tanh(Mul(x, x)), s)) }, w, 0.5, &gw, nil)
	if !mat.EqualApprox(gw, ns[0].Grad.(*mat.Dense), 1e-15) {
		t.Fatal("recorded gradient differs from Grad's")
	}
}

func TestApplyDifferentTapes(t *testing.T) {
	t1, t2 := NewTape(), NewTape()
	msg := panics(func() { Add(t1.Input(1.0), t2.Input(2.0)) })
	if !strings.Contains(msg, "ad.Add: inputs come from different computations") {
		t.Fatalf("%q", msg)
	}
	if msg := panics(func() { Add(nil, Scalar(1)) }); msg != "ad.Add: input 0 is a nil *Var" {
		t.Fatalf("%q", msg)
	}
}

func TestVarAccessors(t *testing.T) {
	v := Const(mat.NewVecDense(2, nil))
	if msg := panics(func() { v.Float() }); msg != "ad: Var.Float: value is vector(2), not a scalar" {
		t.Fatalf("%q", msg)
	}
	if msg := panics(func() { Scalar(1).Mat() }); msg != "ad: Var.Mat: value is scalar, not a matrix" {
		t.Fatalf("%q", msg)
	}
	if v.Shape() != "vector(2)" || !v.IsConst() || v.Vec().Len() != 2 {
		t.Fatal("accessors")
	}
	if s := Scalar(1.5).String(); s != "ad.Var(1.5)" {
		t.Fatalf("String() = %q", s)
	}
}

func TestNeedsGrad(t *testing.T) {
	var seen [][2]bool
	spy := &Op{
		Name:    "spy",
		Forward: func(in []any) any { return in[0].(float64) * in[1].(float64) },
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			seen = append(seen, [2]bool{in[0].NeedsGrad(), in[1].NeedsGrad()})
			return []*Var{Mul(g, in[1]), Mul(g, in[0])}
		},
	}
	var dx float64
	Grad(func(x *Var) *Var { return Apply(spy, x, Scalar(3)) }, 2.0, &dx)
	Grad(func(x *Var) *Var { return Apply(spy, Scalar(3), x) }, 2.0, &dx)
	// Through Gradients (second order) the flags hold too.
	Grad(func(x *Var) *Var { return Gradients(Apply(spy, x, Scalar(3)), x)[0] }, 2.0, &dx)
	want := [][2]bool{{true, false}, {false, true}, {true, false}}
	if len(seen) != len(want) {
		t.Fatalf("Backward called %d times", len(seen))
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("call %d: NeedsGrad %v, want %v", i, seen[i], want[i])
		}
	}
	if !NewTape().Input(1.0).NeedsGrad() || Scalar(1).NeedsGrad() {
		t.Fatal("NeedsGrad of a recorded input / a constant")
	}
	// Pow with a constant exponent of a negative base: no NaN from log x.
	Grad(func(x *Var) *Var { return Pow(x, Scalar(3)) }, -2.0, &dx)
	if dx != 12 {
		t.Fatalf("d/dx x³ at −2 = %v", dx)
	}
}

func TestConcurrentGradients(t *testing.T) {
	// Each running function has its own tape: gradients on separate
	// goroutines do not interfere (run with -race).
	x := MT{5, 7, 2}
	f := func(mt *Var) *Var {
		return Neg(Sqrt(Add(Mul(Field(mt, "X"), Field(mt, "Y")), Field(mt, "Z"))))
	}
	var want MT
	Grad(f, x, &want)
	done := make(chan MT)
	for k := 0; k < 4; k++ {
		go func() {
			var g MT
			for i := 0; i < 50; i++ {
				Grad(f, x, &g)
			}
			done <- g
		}()
	}
	for k := 0; k < 4; k++ {
		if g := <-done; g != want {
			t.Fatalf("concurrent gradient %+v, want %+v", g, want)
		}
	}
}

func TestFieldOpsPerType(t *testing.T) {
	// Field caches its ops per type. Types whose fields have the same names
	// at other positions, read in turn on several goroutines, each get
	// their own fields: f = 2·X + 3·Y − Z, so ∂f = (2, 3, −1) by name.
	type xyz struct{ X, Y, Z float64 }
	type zyx struct{ Z, Y, X float64 }
	type yx struct {
		Pad string
		Y   float64
		X   float64
		Z   float64
	}
	f := func(s *Var) *Var {
		return Sub(Add(Scale(Scalar(2), Field(s, "X")), Scale(Scalar(3), Field(s, "Y"))), Field(s, "Z"))
	}
	check := func(got, want float64, what string) error {
		if got != want {
			return fmt.Errorf("%s = %v, want %v", what, got, want)
		}
		return nil
	}
	run := func() error {
		for i := 0; i < 30; i++ {
			var g1 xyz
			if y := Grad(f, xyz{1, 2, 3}, &g1).(float64); y != 2+6-3 {
				return fmt.Errorf("xyz: f = %v", y)
			}
			var g2 *zyx
			if y := Grad(f, &zyx{Z: 3, Y: 2, X: 1}, &g2).(float64); y != 2+6-3 {
				return fmt.Errorf("zyx: f = %v", y)
			}
			var g3 yx
			if y := Eval(f, yx{"p", 2, 1, 3}).(float64); y != 2+6-3 {
				return fmt.Errorf("yx: f = %v", y)
			}
			Grad(f, yx{"p", 2, 1, 3}, &g3)
			if err := errors.Join(check(g1.X, 2, "xyz ∂X"), check(g1.Y, 3, "xyz ∂Y"), check(g1.Z, -1, "xyz ∂Z"),
				check(g2.X, 2, "zyx ∂X"), check(g2.Y, 3, "zyx ∂Y"), check(g2.Z, -1, "zyx ∂Z"),
				check(g3.X, 2, "yx ∂X"), check(g3.Y, 3, "yx ∂Y"), check(g3.Z, -1, "yx ∂Z")); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make(chan error)
	for k := 0; k < 4; k++ {
		go func() { errs <- run() }()
	}
	for k := 0; k < 4; k++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A missing field still panics with the type's field list, also once
	// the type's other fields are cached.
	msg := panics(func() { Grad(func(s *Var) *Var { return Field(s, "W") }, xyz{}, nil) })
	if !strings.Contains(msg, `has no field "W" (fields: X, Y, Z)`) {
		t.Fatalf("%q", msg)
	}
}

func TestGradNWith(t *testing.T) {
	// f(a, v) = a·v (a scalar, v a vector): with seed s, ∂/∂a = s·v and ∂/∂v = a·s.
	v := mat.NewVecDense(3, []float64{1, 2, 3})
	seed := mat.NewVecDense(3, []float64{1, 0, 2})
	var da float64
	var dv *mat.VecDense
	y := GradNWith(func(xs []*Var) *Var { return Scale(xs[1], xs[0]) }, []any{2.0, v}, seed, []any{&da, &dv})
	if da != 7 || y.(*mat.VecDense).AtVec(2) != 6 {
		t.Fatalf("value %v, da %v", y, da)
	}
	vecNear(t, "dv", dv, []float64{2, 0, 4})
}

func TestBadCustomGradientShape(t *testing.T) {
	bad := Op1("bad", func(x any) (any, func(any) any) {
		return Eval(Square, x), func(g any) any { return mat.NewVecDense(2, nil) }
	})
	msg := panics(func() { Grad(func(x *Var) *Var { return sumElems(bad(x)) }, mat.NewVecDense(3, nil), nil) })
	if msg != "ad: op bad returned a gradient of shape vector(2) for its input 0 of shape vector(3)" {
		t.Fatalf("%q", msg)
	}
}
