package ad

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type intoNet struct {
	W1 *mat.Dense
	B1 *mat.VecDense
	W2 *mat.Dense
}

// intoLoss reads W1 twice, so the destination is filled by the first
// contribution and the second is added in place.
func intoLoss(x *mat.VecDense) func(n *Var) *Var {
	return func(n *Var) *Var {
		h := Logistic(Add(MatVec(Field(n, "W1"), Const(x)), Field(n, "B1")))
		y := MatVec(Field(n, "W2"), h)
		extra := MatVec(Field(n, "W1"), Const(x))
		return Add(Sum(Square(y)), Sum(extra))
	}
}

func cloneNet(n intoNet) intoNet {
	return intoNet{W1: mat.DenseCopyOf(n.W1), B1: mat.VecDenseCopyOf(n.B1), W2: mat.DenseCopyOf(n.W2)}
}

func TestGradientDestinationReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	net := intoNet{W1: randMat(r, 4, 5), B1: randVec(r, 4), W2: randMat(r, 3, 4)}
	x := randVec(r, 5)
	f := intoLoss(x)

	var fresh any // a *any destination always gets fresh storage
	y0 := Grad(f, net, &fresh)
	want := fresh.(intoNet)

	// The gradient written into reused destination storage must equal the
	// fresh one, on every step, and the storage must be kept.
	var g intoNet
	for step := 0; step < 3; step++ {
		y := Grad(f, net, &g)
		if y != y0 {
			t.Fatalf("step %d: value %v, want %v", step, y, y0)
		}
		if !mat.EqualApprox(g.W1, want.W1, 1e-12) || !mat.EqualApprox(g.W2, want.W2, 1e-12) || !mat.EqualApprox(g.B1, want.B1, 1e-12) {
			t.Fatalf("step %d: gradient differs from the fresh one", step)
		}
	}
	w1 := g.W1
	Grad(f, net, &g)
	if g.W1 != w1 {
		t.Fatal("destination matrix was replaced instead of reused")
	}
	if r := CheckGrad(func(xs []*Var) *Var { return f(xs[0]) }, []any{net}, 0); r.MaxRelErr > 1e-6 {
		t.Fatalf("finite differences: %v", r)
	}
}

func TestGradientDestinationAliasingParams(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	net := intoNet{W1: randMat(r, 4, 5), B1: randVec(r, 4), W2: randMat(r, 3, 4)}
	x := randVec(r, 5)
	f := intoLoss(x)
	var want intoNet
	Grad(f, cloneNet(net), &want)

	// Destination = the parameters themselves: the backward pass reads W2
	// and W1, so writing gradients into them early would corrupt the result.
	p := cloneNet(net)
	Grad(f, p, &p)
	if !mat.EqualApprox(p.W1, want.W1, 1e-12) || !mat.EqualApprox(p.W2, want.W2, 1e-12) {
		t.Fatal("gradient wrong when the destination is the parameter struct itself")
	}

	// Destination sharing memory with a constant the backward pass reads.
	big := randMat(r, 8, 5)
	view := big.Slice(0, 4, 0, 5).(*mat.Dense)
	xs := mat.VecDenseCopyOf(x)
	g2 := intoNet{W1: view}
	f2 := func(n *Var) *Var {
		return Sum(Square(MatVec(Add(Field(n, "W1"), Const(big.Slice(0, 4, 0, 5))), Const(xs))))
	}
	var want2 intoNet
	Grad(f2, cloneNet(net), &want2)
	Grad(f2, cloneNet(net), &g2)
	if !mat.EqualApprox(g2.W1, want2.W1, 1e-12) {
		t.Fatal("gradient wrong when the destination overlaps a constant read by the backward pass")
	}
}

func TestGradientDestinationMatrixInput(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w := randMat(r, 3, 4)
	u := randVec(r, 3)
	v := randVec(r, 4)
	f := func(w *Var) *Var { return Dot(Const(u), MatVec(w, Const(v))) }
	g := mat.NewDense(3, 4, nil)
	keep := g
	Grad(f, w, &g)
	want := mat.NewDense(3, 4, nil)
	want.Outer(1, u, v)
	if g != keep || !mat.EqualApprox(g, want, 1e-12) {
		t.Fatalf("matrix input gradient: reused=%v\n%v", g == keep, mat.Formatted(g))
	}
}

// nestedLayer and nestedNet are parameters nested as in notebook 3.
type nestedLayer struct {
	W *mat.Dense
	B *mat.VecDense
}

type nestedNet struct{ L1, L2 nestedLayer }

func nestedLoss(x *mat.VecDense) func(n *Var) *Var {
	return func(n *Var) *Var {
		layer := func(l, x *Var) *Var { return Add(MatVec(Field(l, "W"), x), Field(l, "B")) }
		h := Logistic(layer(Field(n, "L1"), Const(x)))
		return Sum(Square(layer(Field(n, "L2"), h)))
	}
}

// TestGradIntoNestedAndAnyDestinations checks that the matrices of a
// destination nested in structs (Net.L1.W), and of a *any holding the
// previous gradient, are written in place: the same matrices, the right
// values (against a fresh destination and finite differences), and no
// gradient-sized allocation per step.
func TestGradIntoNestedAndAnyDestinations(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	net := nestedNet{nestedLayer{randMat(r, 60, 50), randVec(r, 60)}, nestedLayer{randMat(r, 3, 60), randVec(r, 3)}}
	x := randVec(r, 50)
	f := nestedLoss(x)
	if res := CheckGrad(func(xs []*Var) *Var { return f(xs[0]) }, []any{net}, 0); res.MaxRelErr > 1e-6 {
		t.Fatalf("finite differences: %v", res)
	}
	var fresh nestedNet
	Grad(f, net, &fresh)

	var g nestedNet
	var ga any
	Grad(f, net, &g)
	Grad(f, net, &ga)
	w1, w1a := g.L1.W, ga.(nestedNet).L1.W
	const steps = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for k := 0; k < steps; k++ {
		Grad(f, net, &g)
		Grad(f, net, &ga)
	}
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / (2 * steps)
	const weight = 60 * 50 * 8
	if perStep > weight/2 {
		t.Errorf("%.0f bytes allocated per Grad: the %d-byte gradient of L1.W is not written in place", perStep, weight)
	}
	for name, d := range map[string]nestedNet{"typed": g, "*any": ga.(nestedNet)} {
		if !mat.EqualApprox(d.L1.W, fresh.L1.W, 1e-12) || !mat.EqualApprox(d.L2.W, fresh.L2.W, 1e-12) ||
			!mat.EqualApprox(d.L1.B, fresh.L1.B, 1e-12) || !mat.EqualApprox(d.L2.B, fresh.L2.B, 1e-12) {
			t.Errorf("%s destination: gradient differs from a fresh destination's", name)
		}
	}
	if g.L1.W != w1 || ga.(nestedNet).L1.W != w1a {
		t.Errorf("the destination's L1.W was replaced by a new matrix")
	}
}

// TestGradIntoAnyOfSliceOfAny checks a *any destination holding the
// previous gradient of a []any of layer structs (notebook 4's mixed
// network): each step's gradient is right (against a fresh destination and
// finite differences), the matrices of the held value are reused, and the
// gradient handed out shares no storage with the backward pass's recycled
// buffers, so that later passes leave it intact.
func TestGradIntoAnyOfSliceOfAny(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	params := []any{nestedLayer{randMat(r, 6, 5), randVec(r, 6)}, nestedLayer{randMat(r, 4, 6), randVec(r, 4)}, nestedLayer{randMat(r, 3, 4), randVec(r, 3)}}
	xs := []*mat.VecDense{randVec(r, 5), randVec(r, 5)}
	target := mat.NewVecDense(3, []float64{0, 1, 0})
	loss := func(x *mat.VecDense) func(p *Var) *Var {
		return func(p *Var) *Var {
			ls := Split(p)
			layer := func(l, x *Var) *Var { return Add(MatVec(Field(l, "W"), x), Field(l, "B")) }
			h := ReLU(layer(ls[1], Logistic(layer(ls[0], Const(x)))))
			return CrossEntropy(Softmax(layer(ls[2], h)), Const(target))
		}
	}
	if res := CheckGrad(func(v []*Var) *Var { return loss(xs[1])(v[0]) }, []any{params}, 0); res.MaxRelErr > 1e-6 {
		t.Fatalf("finite differences: %v", res)
	}
	var g any
	Grad(loss(xs[0]), params, &g)
	w0 := g.([]any)[0].(nestedLayer).W
	Grad(loss(xs[1]), params, &g)
	kept := g.([]any)
	var other, fresh any
	for k := 0; k < 3; k++ { // later passes reuse the recycled buffers
		Grad(loss(xs[0]), params, &other)
	}
	Grad(loss(xs[1]), params, &fresh)
	for l := range kept {
		got, want := kept[l].(nestedLayer), fresh.([]any)[l].(nestedLayer)
		if !mat.EqualApprox(got.W, want.W, 1e-12) || !mat.EqualApprox(got.B, want.B, 1e-12) {
			t.Errorf("layer %d: the gradient in the reused *any changed after later passes or differs from a fresh one:\nB %v\nwant %v", l, mat.Formatted(got.B.T()), mat.Formatted(want.B.T()))
		}
	}
	if kept[0].(nestedLayer).W != w0 {
		t.Errorf("the held gradient's W was replaced by a new matrix")
	}
}

// TestPlanIntoSliceElements checks that the weight matrices of the layer
// structs in a []any (read through Split, then Field) are planned as the
// destinations of their gradients, for a *any holding the previous
// gradient and for a typed []nestedLayer, so that the backward pass writes
// them in place instead of into buffers copied afterwards.
func TestPlanIntoSliceElements(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	layers := []nestedLayer{{randMat(r, 6, 5), randVec(r, 6)}, {randMat(r, 3, 6), randVec(r, 3)}}
	x := randVec(r, 5)
	f := func(p *Var) *Var {
		ls := Split(p)
		layer := func(l, x *Var) *Var { return Add(MatVec(Field(l, "W"), x), Field(l, "B")) }
		return Sum(Square(layer(ls[1], Logistic(layer(ls[0], Const(x))))))
	}
	var typed []nestedLayer
	var held any
	for _, c := range []struct {
		name   string
		params any
		dest   any
	}{
		{"*any holding a []any", []any{layers[0], layers[1]}, &held},
		{"*[]nestedLayer", layers, &typed},
	} {
		Grad(f, c.params, c.dest) // the first gradient fills the destination
		tp := NewTape()
		in := tp.Input(c.params)
		f(in)
		w := getWork()
		tp.planInto([]*Var{in}, []any{c.params}, []any{c.dest}, w)
		var got []*mat.Dense
		for _, m := range tp.into {
			got = append(got, m)
		}
		w.release()
		if len(got) != 2 {
			t.Errorf("%s: %d matrices planned as gradient destinations, want the 2 weight matrices", c.name, len(got))
		}
	}
}
