package ad

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// gradsDiff reports the largest absolute difference between two gradient
// values (scalars, vectors, matrices or composites of them).
func gradsDiff(t *testing.T, a, b any) float64 {
	t.Helper()
	if fa, ok := a.(float64); ok {
		return math.Abs(fa - b.(float64))
	}
	la, lb := leaves(a, ""), leaves(b, "")
	fa, fb := make([]float64, len(la)), make([]float64, len(lb))
	for i, l := range la {
		fa[i] = l.get()
	}
	for i, l := range lb {
		fb[i] = l.get()
	}
	if len(fa) != len(fb) {
		t.Fatalf("gradients of different sizes: %s and %s", describe(a), describe(b))
	}
	d := 0.0
	for i := range fa {
		d = math.Max(d, math.Abs(fa[i]-fb[i]))
	}
	return d
}

// fastSample is one input of an op on which its fast path is checked.
type fastSample struct {
	name     string
	in       []any
	train    []bool // which inputs are differentiated
	declines bool   // the fast path may decline it (the pass falls back)
}

// fastSamples returns the inputs on which the fast path of the op named
// name is checked: every shape it handles, and some it declines. It
// returns nil for an op it does not know, which fails the test.
func fastSamples(r *rand.Rand, name string) []fastSample {
	v := func(n int) any { return randVec(r, n) }
	m := func(rows, cols int) any { return randMat(r, rows, cols) }
	onehot := func(rows, cols int) any {
		t := mat.NewDense(rows, cols, nil)
		for j := 0; j < cols; j++ {
			t.Set(r.IntN(rows), j, 1)
		}
		return t
	}
	onehotVec := func(n int) any {
		t := mat.NewVecDense(n, nil)
		t.SetVec(r.IntN(n), 1)
		return t
	}
	tt, tf, ttt := []bool{true, true}, []bool{true, false}, []bool{true, true, true}
	switch name {
	case "MatVec":
		return []fastSample{{"", []any{m(4, 3), v(3)}, tt, false}, {"const x", []any{m(4, 3), v(3)}, tf, false}}
	case "MatTVec":
		return []fastSample{{"", []any{m(4, 3), v(4)}, tt, false}}
	case "MatMul":
		return []fastSample{{"", []any{m(4, 3), m(3, 5)}, tt, false}, {"const B", []any{m(4, 3), m(3, 5)}, tf, false}}
	case "MatMulTN":
		return []fastSample{{"", []any{m(3, 4), m(3, 5)}, tt, false}}
	case "MatMulNT":
		return []fastSample{{"", []any{m(4, 3), m(5, 3)}, tt, false}}
	case "MatMulTT":
		return []fastSample{{"", []any{m(3, 4), m(5, 3)}, tt, false}}
	case "Add":
		return []fastSample{
			{"vectors", []any{v(5), v(5)}, tt, false},
			{"matrices", []any{m(2, 3), m(2, 3)}, tt, false},
			{"scalars", []any{1.5, -0.25}, tt, false},
			{"broadcast scalar", []any{v(4), 2.0}, tt, true},
		}
	case "AddBias":
		return []fastSample{{"vector", []any{v(3), v(3)}, tt, false}, {"batch", []any{m(3, 4), v(3)}, tt, false}}
	case "Dense":
		return []fastSample{{"vector", []any{m(4, 3), v(4), v(3)}, ttt, false}, {"batch", []any{m(4, 3), v(4), m(3, 6)}, ttt, false}}
	case "SoftmaxCrossEntropy":
		return []fastSample{
			{"vector", []any{v(5), onehotVec(5)}, tf, false},
			{"batch", []any{m(5, 4), onehot(5, 4)}, tf, false},
			{"target too", []any{v(5), onehotVec(5)}, tt, true},
		}
	case "Sub", "Mul":
		return []fastSample{
			{"vectors", []any{v(5), v(5)}, tt, false},
			{"matrices", []any{m(2, 3), m(2, 3)}, tt, false},
			{"const y", []any{m(2, 3), m(2, 3)}, tf, false},
			{"scalars", []any{1.5, -0.25}, tt, false},
			{"broadcast scalar", []any{v(4), 2.0}, tt, true},
		}
	case "Scale":
		return []fastSample{
			{"vector", []any{v(5), 0.7}, tt, false},
			{"matrix", []any{m(3, 2), -1.3}, tt, false},
			{"scalar", []any{0.4, 2.5}, tt, false},
		}
	case "Softmax", "LogSoftmax":
		return []fastSample{{"vector", []any{v(6)}, []bool{true}, false}, {"batch", []any{m(5, 3)}, []bool{true}, false}}
	case "CrossEntropy":
		p := func(x any) any { return softmaxValue(nil, "Softmax", x, false) }
		return []fastSample{
			{"vector", []any{p(v(5)), onehotVec(5)}, tf, false},
			{"batch", []any{p(m(5, 4)), onehot(5, 4)}, tf, false},
			{"target too", []any{p(v(5)), p(v(5))}, tt, false},
		}
	}
	// The element-wise ops, on their domains, as scalar, vector and matrix.
	lo, hi := -2.0, 2.0
	switch name {
	case "Log", "Sqrt", "Recip":
		lo, hi = 0.3, 3
	case "Acosh":
		lo, hi = 1.2, 3
	case "Asin", "Acos", "Atanh":
		lo, hi = -0.9, 0.9
	case "Tan":
		lo, hi = -1.2, 1.2 // away from the poles at ±π/2
	}
	for _, d := range unaryDefs {
		if d.name != name {
			continue
		}
		in := func(n int) []float64 {
			x := make([]float64, n)
			for i := range x {
				for x[i] == 0 || math.Abs(x[i]) < 1e-3 { // away from kinks at 0 (Abs, ReLU)
					x[i] = lo + (hi-lo)*r.Float64()
				}
			}
			return x
		}
		return []fastSample{
			{"scalar", []any{in(1)[0]}, []bool{true}, false},
			{"vector", []any{mat.NewVecDense(6, in(6))}, []bool{true}, false},
			{"matrix", []any{mat.NewDense(3, 2, in(6))}, []bool{true}, false},
		}
	}
	return nil
}

// TestFastPathsMatchBackward checks every fast path in the registry
// (fastPaths, and partFast through Field, Index and Key) against its op's
// Backward (the differentiable form used by Gradients), input by input,
// with and without recycled storage, and the whole backward pass of Grad
// through it against central finite differences.
func TestFastPathsMatchBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	type entry struct {
		op      *Op
		samples []fastSample
	}
	var entries []entry
	ops := slices.SortedFunc(maps.Keys(fastPaths()), func(a, b *Op) int { return strings.Compare(a.Name, b.Name) })
	for _, op := range ops { // in a fixed order, so that the samples are the same every run
		ss := fastSamples(r, op.Name)
		if ss == nil {
			t.Errorf("op %s has a fast path but no samples in fastSamples: add some", op.Name)
			continue
		}
		entries = append(entries, entry{op, ss})
	}
	// partFast serves every op reading a part (made per part): one of each
	// kind, taken from a tape.
	type pair struct{ A, B *mat.VecDense }
	for _, c := range []struct {
		x    any
		read func(*Var) *Var
	}{
		{pair{randVec(r, 3), randVec(r, 2)}, func(x *Var) *Var { return Field(x, "B") }},
		{[]*mat.VecDense{randVec(r, 2), randVec(r, 3)}, func(x *Var) *Var { return Index(x, 1) }},
		{map[string]*mat.VecDense{"a": randVec(r, 2), "b": randVec(r, 3)}, func(x *Var) *Var { return Key(x, "a") }},
	} {
		tp := NewTape()
		y := c.read(tp.Input(c.x))
		op := tp.nodes[y.id].op
		if op.part == nil || fastPath(op) == nil {
			t.Errorf("%s: no part fast path", op.Name)
			continue
		}
		entries = append(entries, entry{op, []fastSample{{"", []any{c.x}, []bool{true}, false}}})
	}
	for _, e := range entries {
		for _, c := range e.samples {
			t.Run(e.op.Name+"/"+c.name, func(t *testing.T) { checkFastPath(t, r, e.op, c) })
		}
	}
}

// checkFastPath compares op's fast path on sample c with its Backward and
// with finite differences.
func checkFastPath(t *testing.T, r *rand.Rand, op *Op, c fastSample) {
	fast := fastPath(op)
	if fast == nil {
		t.Fatalf("op %s has no fast path", op.Name)
	}
	out := op.Forward(c.in)
	g := randomLike(r, out)
	// The reference: Backward on constants.
	cin := make([]*Var, len(c.in))
	for k, x := range c.in {
		need := int8(-1)
		if c.train[k] {
			need = 1
		}
		cin[k] = &Var{val: x, id: -1, need: need}
	}
	ref := op.Backward(Const(g), cin, Const(out))
	for _, w := range []*work{nil, getWork()} {
		need := append([]bool(nil), c.train...)
		gin := make([]any, len(c.in))
		if !fast(op, w, g, c.in, out, need, make([]*mat.Dense, len(c.in)), gin) {
			if c.declines {
				return // declined: the pass falls back to Backward
			}
			t.Fatal("fast path declined")
		}
		for k := range c.in {
			if !c.train[k] {
				if gin[k] != nil {
					t.Errorf("input %d: gradient computed though not needed", k)
				}
				continue
			}
			if d := gradsDiff(t, materialize(gin[k], c.in[k]), ref[k].val); d > 1e-12 {
				t.Errorf("input %d: fast path and Backward differ by %g", k, d)
			}
		}
		if w != nil {
			w.release()
		}
	}
	// The whole backward pass of Grad against finite differences.
	var train []any
	for k, x := range c.in {
		if c.train[k] {
			train = append(train, x)
		}
	}
	res := CheckGrad(func(xs []*Var) *Var {
		in := make([]*Var, len(c.in))
		for k, x := range c.in {
			if c.train[k] {
				in[k], xs = xs[0], xs[1:]
			} else {
				in[k] = Const(x)
			}
		}
		y := Apply(op, in...)
		if _, ok := g.(float64); ok {
			return Mul(y, Const(g))
		}
		return Sum(Mul(y, Const(g)))
	}, train, 0)
	if res.MaxRelErr > 1e-6 {
		t.Errorf("finite differences: %+v", res)
	}
}

// randomLike returns a random value of x's shape (scalar, vector or matrix).
func randomLike(r *rand.Rand, x any) any {
	switch x := x.(type) {
	case float64:
		return r.Float64()*2 - 1
	case *mat.VecDense:
		return randVec(r, x.Len())
	case *mat.Dense:
		rows, cols := x.Dims()
		return randMat(r, rows, cols)
	}
	panic(fmt.Sprintf("randomLike of %T", x))
}

// TestGradIntoDestination checks that the fast paths write weight
// gradients into the offered destination matrix.
func TestGradIntoDestination(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	a, x := randMat(r, 4, 3), randVec(r, 3)
	dst := mat.NewDense(4, 3, nil)
	gin := make([]any, 2)
	g := randVec(r, 4)
	if !fastPath(matVecOpN)(matVecOpN, nil, g, []any{a, x}, nil, []bool{true, false}, []*mat.Dense{dst, nil}, gin) {
		t.Fatal("declined")
	}
	if gin[0] != any(dst) {
		t.Fatal("the gradient of A was not written into the destination")
	}
	var want mat.Dense
	want.Outer(1, g, x)
	if !mat.EqualApprox(dst, &want, 1e-15) {
		t.Fatal("destination holds a wrong outer product")
	}
	// A destination of the wrong shape is not used.
	wrong := mat.NewDense(3, 4, nil)
	fastPath(matVecOpN)(matVecOpN, nil, g, []any{a, x}, nil, []bool{true, false}, []*mat.Dense{wrong, nil}, gin)
	if gin[0] == any(wrong) || mat.Norm(wrong, 1) != 0 {
		t.Fatal("a destination of the wrong shape was written")
	}
}

// smallNet is a two-layer network's parameters.
type smallNet struct {
	W1, W2 *mat.Dense
	B1, B2 *mat.VecDense
}

func smallLoss(x, tg *mat.VecDense) func(n *Var) *Var {
	return func(n *Var) *Var {
		h := Logistic(Add(MatVec(Field(n, "W1"), Const(x)), Field(n, "B1")))
		return SoftmaxCrossEntropy(Add(MatVec(Field(n, "W2"), h), Field(n, "B2")), Const(tg))
	}
}

// TestRecycledBuffersStayCorrect runs many gradients in a row (recycling
// the backward pass's storage between them, with different inputs and
// shapes interleaved) and compares each with a fresh computation that
// recycles nothing.
func TestRecycledBuffersStayCorrect(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for step := range 30 {
		hidden := 5 + step%3 // shapes change between steps
		n := smallNet{W1: randMat(r, hidden, 4), B1: randVec(r, hidden), W2: randMat(r, 3, hidden), B2: randVec(r, 3)}
		x := randVec(r, 4)
		tg := mat.NewVecDense(3, nil)
		tg.SetVec(r.IntN(3), 1)
		var g smallNet
		Grad(smallLoss(x, tg), n, &g)
		// Reference: the Backward functions only (a recording run keeps
		// every gradient, so nothing is recycled there).
		ref := Record(func(xs []*Var) *Var { return smallLoss(x, tg)(xs[0]) }, n)
		want := ref.Nodes()[0].Grad.(smallNet)
		for _, p := range []struct {
			name string
			a, b mat.Matrix
		}{{"W1", g.W1, want.W1}, {"W2", g.W2, want.W2}, {"B1", g.B1, want.B1}, {"B2", g.B2, want.B2}} {
			if !mat.EqualApprox(p.a, p.b, 1e-12) {
				t.Fatalf("step %d: gradient %s differs from the reference", step, p.name)
			}
		}
	}
}

// TestEscapedGradientsAreNotRecycled checks that a gradient seen by a
// custom op (which may keep it) or handed out through a *any destination
// is never overwritten by a later gradient computation.
func TestEscapedGradientsAreNotRecycled(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	n := smallNet{W1: randMat(r, 5, 4), B1: randVec(r, 5), W2: randMat(r, 3, 5), B2: randVec(r, 3)}
	x := randVec(r, 4)
	tg := mat.NewVecDense(3, []float64{0, 1, 0})
	var kept *mat.VecDense
	keep := Op1("keep", func(x any) (any, func(g any) any) {
		return x, func(g any) any {
			kept = g.(*mat.VecDense) // allowed: an op may keep the values it gets
			return g
		}
	})
	var g smallNet
	Grad(func(n *Var) *Var {
		h := Logistic(Add(MatVec(Field(n, "W1"), Const(x)), Field(n, "B1")))
		return SoftmaxCrossEntropy(keep(Add(MatVec(Field(n, "W2"), h), Field(n, "B2"))), Const(tg))
	}, n, &g)
	snapshot := mat.VecDenseCopyOf(kept)
	later := func() { // later passes of the same shapes, recycling their storage
		for range 5 {
			n2 := smallNet{W1: randMat(r, 5, 4), B1: randVec(r, 5), W2: randMat(r, 3, 5), B2: randVec(r, 3)}
			Grad(smallLoss(randVec(r, 4), tg), n2, &g)
		}
	}
	later()
	if !mat.Equal(kept, snapshot) {
		t.Fatal("a gradient kept by a custom op was overwritten by a later computation")
	}
	var asAny any
	Grad(smallLoss(x, tg), n, &asAny)
	b1 := asAny.(smallNet).B1
	anySnap := mat.VecDenseCopyOf(b1)
	later()
	if !mat.Equal(b1, anySnap) {
		t.Fatal("a gradient handed out through a *any was overwritten by a later computation")
	}
}

// TestLogisticAccurate checks the branch-free logistic against the form
// that never overflows, across the whole range, and its limits.
func TestLogisticAccurate(t *testing.T) {
	for x := -700.0; x <= 40; x += 0.37 {
		e := math.Exp(x)
		want := e / (1 + e)
		if x >= 0 {
			want = 1 / (1 + math.Exp(-x))
		}
		if got := logistic(x); math.Abs(got-want) > 4e-16*want {
			t.Fatalf("logistic(%v) = %v, want %v", x, got, want)
		}
	}
	for x, want := range map[float64]float64{-1000: 0, 1000: 1, math.Inf(-1): 0, math.Inf(1): 1} {
		if got := logistic(x); got != want {
			t.Errorf("logistic(%v) = %v, want %v", x, got, want)
		}
	}
	v := Eval(func(x *Var) *Var { return Logistic(x) }, mat.NewVecDense(3, []float64{-1000, 0, 1000})).(*mat.VecDense)
	if v.AtVec(0) != 0 || v.AtVec(1) != 0.5 || v.AtVec(2) != 1 {
		t.Fatalf("Logistic([-1000 0 1000]) = %v", mat.Formatted(v.T()))
	}
}

// TestRecyclingIsBounded runs a loss summed example by example, each
// example contributing its own 300×784 weight gradient (75 MB in all), and
// checks that a pass tracks at most maxPass bytes for recycling, that the
// pool keeps at most maxKept, and that the gradient is right.
func TestRecyclingIsBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	w := randMat(r, 300, 784)
	xs := make([]*mat.VecDense, 40)
	for i := range xs {
		xs[i] = randVec(r, 784)
	}
	tg := mat.NewVecDense(300, nil)
	tg.SetVec(7, 1)
	f := func(w *Var) *Var {
		var loss *Var
		for _, x := range xs {
			l := SoftmaxCrossEntropy(Logistic(MatVec(w, Const(x))), Const(tg))
			loss = addLoss(loss, l)
		}
		return loss
	}
	var g *mat.Dense
	Grad(f, w, &g)
	wk := getWork() // the work the pass just released (before any GC)
	held := 0
	for _, l := range wk.mats {
		for _, m := range l {
			r, c := m.Dims()
			held += 8 * r * c
		}
	}
	for _, l := range wk.vecs {
		for _, v := range l {
			held += 8 * v.Len()
		}
	}
	kept := wk.kept
	wk.release()
	want := Record(func(in []*Var) *Var { return f(in[0]) }, w).Nodes()[0].Grad.(*mat.Dense)
	if !mat.EqualApprox(g, want, 1e-9) {
		t.Fatal("gradient differs from the reference")
	}
	if held == 0 && !raceEnabled {
		t.Fatal("nothing was recycled: the test checks nothing")
	}
	if held > maxPass || kept > maxKept || held != kept {
		t.Fatalf("the pool holds %d bytes (accounted %d); limits %d per pass, %d kept", held, kept, maxPass, maxKept)
	}
}

// randNet is the parameter struct of the random programs below.
type randNet struct {
	W, U *mat.Dense
	B    *mat.VecDense
	In   randInner
}

type randInner struct {
	V *mat.VecDense
	S float64
}

func newRandNet(r *rand.Rand, n int) randNet {
	return randNet{W: randMat(r, n, n), U: randMat(r, n, n), B: randVec(r, n), In: randInner{V: randVec(r, n), S: r.Float64()}}
}

// TestRecyclingRandomPrograms differentiates many random computations —
// fan-out, fan-in, sums over examples, fields read once or many times,
// repeated inputs, products with parameters — with Grad (whose backward
// pass recycles storage, within a pass and across passes) and compares
// every gradient with Record's (which recycles nothing).
func TestRecyclingRandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const n = 4
	for prog := range 1000 {
		seed := r.Uint64()
		net := newRandNet(r, n)
		f := randProgram(seed, n)
		var g randNet
		for rep := range 2 { // the second pass takes recycled buffers
			loss := Grad(f, net, &g).(float64)
			want := Record(func(in []*Var) *Var { return f(in[0]) }, net)
			wg, _ := want.Nodes()[0].Grad.(randNet)
			wl := Eval(f, net).(float64)
			if math.Abs(loss-wl) > 1e-12*math.Max(1, math.Abs(wl)) {
				t.Fatalf("program %d pass %d: loss %v, want %v", prog, rep, loss, wl)
			}
			orZero := func(m mat.Matrix, r, c int) mat.Matrix {
				switch m := m.(type) {
				case *mat.Dense:
					if m != nil {
						return m
					}
				case *mat.VecDense:
					if m != nil {
						return m
					}
				}
				return mat.NewDense(r, c, nil)
			}
			for _, c := range []struct {
				name string
				a, b mat.Matrix
				r, c int
			}{{"W", g.W, wg.W, n, n}, {"U", g.U, wg.U, n, n}, {"B", g.B, wg.B, n, 1}, {"In.V", g.In.V, wg.In.V, n, 1}} {
				if !mat.EqualApprox(orZero(c.a, c.r, c.c), orZero(c.b, c.r, c.c), 1e-12) {
					t.Fatalf("program %d pass %d: gradient %s differs from the reference", prog, rep, c.name)
				}
			}
			if math.Abs(g.In.S-wg.In.S) > 1e-12 {
				t.Fatalf("program %d pass %d: gradient In.S is %v, want %v", prog, rep, g.In.S, wg.In.S)
			}
		}
	}
}

// randProgram returns the random program of TestRecyclingRandomPrograms
// made from seed, on a randNet of size n: the same program every call.
func randProgram(seed uint64, n int) func(p *Var) *Var {
	return func(p *Var) *Var {
		pr := rand.New(rand.NewPCG(seed, 1)) // the same program every call
		w, u, b := Field(p, "W"), Field(p, "U"), Field(p, "B")
		vals := []*Var{Const(randVec(pr, n)), b}
		var loss *Var
		for range 3 + pr.IntN(8) {
			a := vals[pr.IntN(len(vals))]
			c := vals[pr.IntN(len(vals))]
			var v *Var
			switch pr.IntN(11) {
			case 9:
				v = Add(a, Field(Field(p, "In"), "V")) // a nested struct's field
			case 10:
				in := Field(p, "In")
				v = Add(Scale(a, Field(in, "S")), Field(in, "V"))
			case 0:
				v = Add(a, c)
			case 1:
				v = Logistic(a)
			case 2:
				v = Tanh(a)
			case 3:
				v = MatVec(w, a)
			case 4:
				v = MatVec(Field(p, "U"), a) // a field read again
			case 5:
				v = Add(MatVec(u, a), Field(p, "B"))
			case 6:
				v = Add(a, a) // both inputs the same node
			case 7:
				v = Dense(w, b, a)
			case 8:
				tg := mat.NewVecDense(n, nil)
				tg.SetVec(pr.IntN(n), 1)
				l := SoftmaxCrossEntropy(a, Const(tg)) // one example's loss
				loss = addLoss(loss, l)
				continue
			}
			vals = append(vals, v)
		}
		tg := mat.NewVecDense(n, nil)
		tg.SetVec(0, 1)
		return addLoss(loss, SoftmaxCrossEntropy(vals[len(vals)-1], Const(tg)))
	}
}

// TestTransientGradientsRecycledWithinAPass checks that a loss summed over
// many examples, each adding its weight gradient into the first one, takes
// one recycled buffer for all the examples' contributions instead of one
// each.
func TestTransientGradientsRecycledWithinAPass(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects at random under -race")
	}
	r := rand.New(rand.NewPCG(19, 20))
	w := randMat(r, 30, 20)
	tg := mat.NewVecDense(30, nil)
	tg.SetVec(3, 1)
	f := func(w *Var) *Var {
		var loss *Var
		for range 50 {
			l := SoftmaxCrossEntropy(MatVec(w, Const(randVec(r, 20))), Const(tg))
			loss = addLoss(loss, l)
		}
		return loss
	}
	var g *mat.Dense
	Grad(f, w, &g) // warm the pool
	wk := getWork()
	before := len(wk.mats[[2]int{30, 20}])
	wk.release()
	Grad(f, w, &g)
	wk = getWork()
	after := len(wk.mats[[2]int{30, 20}])
	wk.release()
	if after > 2 || after != before {
		t.Fatalf("the pool holds %d (then %d) 30×20 buffers after a pass over 50 examples; want at most 2, the same each time", before, after)
	}
}

// TestStaleVarDoesNotTouchARecycledTape uses a Var kept from one Grad call
// inside the next one (an op on it alone records onto the finished tape);
// the second gradient must be unaffected, its tape's node list being
// recycled from the first.
func TestStaleVarDoesNotTouchARecycledTape(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	a, x := randMat(r, 3, 3), randVec(r, 3)
	tg := mat.NewVecDense(3, []float64{1, 0, 0})
	var kept *Var
	short := func(x *Var) *Var { // a short computation that keeps a Var
		kept = Logistic(MatVec(Const(a), x))
		return SoftmaxCrossEntropy(kept, Const(tg))
	}
	long := func(stale bool) func(x *Var) *Var {
		return func(x *Var) *Var {
			h := x
			for range 12 { // a longer tape than the short one
				h = Logistic(Add(MatVec(Const(a), h), x))
			}
			if stale {
				for range 40 {
					_ = Logistic(kept) // records onto the short computation's finished tape
				}
			}
			return SoftmaxCrossEntropy(Add(MatVec(Const(a), h), x), Const(tg))
		}
	}
	var want, got, g *mat.VecDense
	Grad(long(false), x, &want)
	Grad(short, x, &g)
	Grad(long(true), x, &got) // its node list is the short tape's, recycled
	if !mat.EqualApprox(got, want, 1e-15) {
		t.Fatal("a stale Var changed the gradient of a later computation")
	}
}

// addLoss returns total + l, or l for a nil total: a loss summed example by
// example.
func addLoss(total, l *Var) *Var {
	if total == nil {
		return l
	}
	return Add(total, l)
}
