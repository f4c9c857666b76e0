package ad

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// lazyMatVec is W·x as a custom op whose VJP returns the weight gradient
// g·xᵀ lazily (lazy true) or as a fresh matrix.
func lazyMatVec(lazy bool) func(w, x *Var) *Var {
	return Op2("lazyMatVec", func(w, x any) (any, func(g any) (any, any)) {
		W, X := w.(*mat.Dense), x.(*mat.VecDense)
		r, _ := W.Dims()
		y := mat.NewVecDense(r, nil)
		y.MulVec(W, X)
		return y, func(g any) (any, any) {
			G := g.(*mat.VecDense)
			dx := mat.NewVecDense(X.Len(), nil)
			dx.MulVec(W.T(), G)
			if lazy {
				return OuterGrad(1, G, X), dx
			}
			var dW mat.Dense
			dW.Outer(1, G, X)
			return &dW, dx
		}
	})
}

// lazyLoss uses W twice (two contributions to its gradient) and x through
// the custom op, then the built-in ops.
func lazyLoss(lazy bool, tg *mat.VecDense) func(n *Var) *Var {
	mv := lazyMatVec(lazy)
	return func(n *Var) *Var {
		w, x := Field(n, "W1"), Field(n, "B1")
		h := Logistic(mv(w, x))
		h2 := mv(w, Sin(x))
		return SoftmaxCrossEntropy(Add(MatVec(Field(n, "W2"), Add(h, h2)), Field(n, "B2")), Const(tg))
	}
}

func TestLazyGradMatchesPlainAndFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	n := smallNet{W1: randMat(r, 4, 4), B1: randVec(r, 4), W2: randMat(r, 3, 4), B2: randVec(r, 3)}
	tg := mat.NewVecDense(3, []float64{0, 0, 1})
	var plain, lazy smallNet
	Grad(lazyLoss(false, tg), n, &plain)
	dst := mat.NewDense(4, 4, nil)
	lazy.W1 = dst
	for step := 0; step < 3; step++ { // recycled storage on later steps
		Grad(lazyLoss(true, tg), n, &lazy)
		if lazy.W1 != dst {
			t.Fatal("the destination matrix was replaced instead of written")
		}
		for _, p := range []struct {
			name string
			a, b mat.Matrix
		}{{"W1", lazy.W1, plain.W1}, {"B1", lazy.B1, plain.B1}, {"W2", lazy.W2, plain.W2}, {"B2", lazy.B2, plain.B2}} {
			if !mat.EqualApprox(p.a, p.b, 1e-13) {
				t.Fatalf("step %d: %s with OuterGrad differs from the plain VJP:\n%v\n%v", step, p.name, mat.Formatted(p.a), mat.Formatted(p.b))
			}
		}
	}
	res := CheckGrad(func(xs []*Var) *Var { return lazyLoss(true, tg)(xs[0]) }, []any{n}, 0)
	if res.MaxRelErr > 1e-7 {
		t.Fatalf("OuterGrad against finite differences: %v", res)
	}
	// Record keeps every gradient: the lazy one is written into storage of its own.
	rec := Record(func(xs []*Var) *Var { return lazyLoss(true, tg)(xs[0]) }, n)
	if got := rec.Nodes()[0].Grad.(smallNet).W1; !mat.EqualApprox(got, plain.W1, 1e-13) {
		t.Fatal("Record: OuterGrad differs from the plain VJP")
	}
	// A *any destination.
	var asAny any
	Grad(lazyLoss(true, tg), n, &asAny)
	if !mat.EqualApprox(asAny.(smallNet).W1, plain.W1, 1e-13) {
		t.Fatal("*any destination: OuterGrad differs from the plain VJP")
	}
	// A constant weight: the lazy gradient is not written anywhere.
	x := randVec(r, 4)
	var dx *mat.VecDense
	Grad(func(x *Var) *Var { return Sum(lazyMatVec(true)(Const(n.W1), x)) }, x, &dx)
	want := mat.NewVecDense(4, nil)
	want.MulVec(n.W1.T(), mat.NewVecDense(4, []float64{1, 1, 1, 1}))
	if !mat.EqualApprox(dx, want, 1e-13) {
		t.Fatal("gradient of x with a constant weight")
	}
}

func TestLazyGradErrors(t *testing.T) {
	bad := Op1("badLazy", func(x any) (any, func(g any) any) {
		return x, func(g any) any { return LazyGrad{Rows: 2, Cols: 3, Write: func(*mat.Dense) {}} }
	})
	for _, c := range []struct {
		name string
		x    any
		want string
	}{
		{"wrong shape", mat.NewDense(3, 3, nil), "op badLazy returned a LazyGrad of shape 2×3"},
		{"not a matrix", mat.NewVecDense(3, nil), "op badLazy returned a LazyGrad for its input 0, which is"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Fatalf("panic %q, want it to contain %q", msg, c.want)
				}
			}()
			var g any
			Grad(func(x *Var) *Var { return Sum(bad(x)) }, c.x, &g)
		})
	}
}

// TestCustomOpPassStillRecycles checks that a custom op in a pass pins only
// the gradient it is given: the built-in ops around it still reuse their
// storage from one step to the next, so a training step whose custom op
// writes its gradient lazily allocates no gradient matrix.
func TestCustomOpPassStillRecycles(t *testing.T) {
	const rows, cols = 60, 80
	r := rand.New(rand.NewPCG(23, 24))
	a, b := randMat(r, rows, 30), randMat(r, 30, cols)
	twice := Op1("twice", func(x any) (any, func(g any) any) {
		X := x.(*mat.Dense)
		var y mat.Dense
		y.Scale(2, X)
		return &y, func(g any) any {
			G := g.(*mat.Dense)
			return LazyGrad{Rows: rows, Cols: cols, Write: func(dst *mat.Dense) { dst.Scale(2, G) }}
		}
	})
	loss := func(xs []*Var) *Var { return Sum(Square(twice(Logistic(MatMul(xs[0], xs[1]))))) }
	da, db := mat.NewDense(rows, 30, nil), mat.NewDense(30, cols, nil)
	step := func() { GradN(loss, []any{a, b}, []any{&da, &db}) }
	for range 3 {
		step()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const steps = 20
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / steps
	// Each step allocates six rows×cols matrices: the forward results of
	// MatMul, Logistic, twice and Square, Sum's gradient (Sum has no fast
	// path: its Backward fills a fresh matrix) and the gradient given to
	// twice (pinned: the op may keep it). If the pass recycled nothing once
	// a custom op ran, Square's and Logistic's gradients and the storage of
	// the LazyGrad would come on top: 8.6 matrices.
	matrix := float64(8 * rows * cols)
	if perStep > 7.5*matrix {
		t.Fatalf("a step allocates %.0f bytes, %.1f matrices of %d×%d: the backward pass around the custom op did not recycle its storage", perStep, perStep/matrix, rows, cols)
	}
	res := CheckGrad(loss, []any{a, b}, 1e-4) // a loss in the thousands: a wider step than the default
	if res.MaxRelErr > 1e-7 {
		t.Fatalf("against finite differences: %v", res)
	}
}
