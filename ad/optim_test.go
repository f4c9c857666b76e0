package ad

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// PyTorch 1.13 reference trajectories, produced with float64 tensors by
//
//	p = torch.nn.Parameter(torch.tensor([0.5, -1.5, 2.0, 0.0]))
//	opt = torch.optim.Adam([p], lr=0.1)            # or the others below
//	for g in extGrads: p.grad = torch.tensor(g); opt.step(); print(p)
//
// (bench/torch_optim_ref.py regenerates them).
var (
	extP0    = []float64{0.5, -1.5, 2.0, 0.0}
	extGrads = [][]float64{{0.1, -2.0, 3.0, 0.0}, {0.3, 1.0, -0.5, 1e-3}, {-0.2, 0.5, 0.25, -4.0}}
	extTorch = map[string][][]float64{
		"Adam(lr=0.1)": {
			{0.400000009999999, -1.4000000005, 1.9000000003333333, 0.0},
			{0.3082219022055899, -1.3733662967024316, 1.8461462453909412, -0.07441263026631013},
			{0.28243152288979295, -1.3672274104696713, 1.7994188441459227, -0.010545645902706319},
		},
		"Adam(lr=0.1, weight_decay=0.01)": {
			{0.40000000952380865, -1.4000000004962778, 1.900000000331126, 0.0},
			{0.3077942832734967, -1.3725395548570107, 1.8455392078055435, -0.07441263026631013},
			{0.28038770871338514, -1.3653399455001745, 1.7980105686184196, -0.010545643228521973},
		},
		"SGD(lr=0.1, momentum=0.9)": {
			{0.49, -1.3, 1.7, 0.0},
			{0.451, -1.22, 1.48, -0.0001},
			{0.4359, -1.198, 1.257, 0.39981},
		},
		"SGD(lr=0.1, momentum=0.9, weight_decay=0.01)": {
			{0.4895, -1.2985, 1.698, 0.0},
			{0.4495605, -1.2158514999999999, 1.474502, -0.0001},
			{0.4331653895, -1.1902519984999997, 1.2468792979999999, 0.3998101},
		},
	}
)

func extTorchOptimizers() map[string]func() Optimizer {
	return map[string]func() Optimizer{
		"Adam(lr=0.1)": func() Optimizer { return NewAdam(0.1) },
		"Adam(lr=0.1, weight_decay=0.01)": func() Optimizer {
			a := NewAdam(0.1)
			a.WeightDecay = 0.01
			return a
		},
		"SGD(lr=0.1, momentum=0.9)": func() Optimizer { return NewMomentum(0.1, 0.9) },
		"SGD(lr=0.1, momentum=0.9, weight_decay=0.01)": func() Optimizer {
			return &SGD{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01}
		},
	}
}

// extSplit is a parameter struct holding the four numbers of the PyTorch
// reference in three kinds of places.
type extSplit struct {
	V     *mat.VecDense      // components 0, 1
	S     float64            // component 2
	M     map[string]float64 // component 3 under "z"
	Count int                // not a parameter
}

func TestOptimizersMatchPyTorch(t *testing.T) {
	for name, mk := range extTorchOptimizers() {
		want := extTorch[name]
		// As one vector.
		opt := mk()
		p := mat.NewVecDense(4, append([]float64(nil), extP0...))
		for k, g := range extGrads {
			opt.Step(p, mat.NewVecDense(4, append([]float64(nil), g...)))
			if d := extMaxRelDiff(p, mat.NewVecDense(4, want[k])); d > 1e-14 {
				t.Fatalf("%s step %d: got %v, PyTorch %v (diff %g)", name, k+1, p.RawVector().Data, want[k], d)
			}
		}
		// Spread over a struct's vector, scalar and map fields: same numbers.
		opt = mk()
		sp := &extSplit{V: mat.NewVecDense(2, []float64{extP0[0], extP0[1]}), S: extP0[2], M: map[string]float64{"z": extP0[3]}, Count: 7}
		for k, g := range extGrads {
			opt.Step(sp, extSplit{V: mat.NewVecDense(2, []float64{g[0], g[1]}), S: g[2], M: map[string]float64{"z": g[3]}})
			got := mat.NewVecDense(4, []float64{sp.V.AtVec(0), sp.V.AtVec(1), sp.S, sp.M["z"]})
			if d := extMaxRelDiff(got, mat.NewVecDense(4, want[k])); d > 1e-14 {
				t.Fatalf("%s on a struct, step %d: got %v, PyTorch %v", name, k+1, got.RawVector().Data, want[k])
			}
		}
		if sp.Count != 7 {
			t.Fatalf("%s changed an int field", name)
		}
		// Reset starts over.
		opt.Reset()
		p = mat.NewVecDense(4, append([]float64(nil), extP0...))
		opt.Step(p, mat.NewVecDense(4, extGrads[0]))
		if d := extMaxRelDiff(p, mat.NewVecDense(4, want[0])); d > 1e-14 {
			t.Fatalf("%s after Reset: got %v, want %v", name, p.RawVector().Data, want[0])
		}
	}
}

func TestSGDPlain(t *testing.T) {
	p := &extSplit{V: mat.NewVecDense(2, []float64{1, 2}), S: 3, M: map[string]float64{"z": 4}}
	g := &extSplit{V: mat.NewVecDense(2, []float64{10, -20}), S: 30, M: map[string]float64{"z": -40}}
	NewSGD(0.01).Step(p, g)
	if p.V.AtVec(0) != 1-0.1 || p.V.AtVec(1) != 2+0.2 || p.S != 3-0.3 || p.M["z"] != 4+0.4 {
		t.Fatalf("SGD step: %v %v %v", p.V.RawVector().Data, p.S, p.M)
	}
}

// extNet is a parameter struct with matrices, vectors, scalars, a nested
// struct, a slice and an unexported field.
type extNet struct {
	W      *mat.Dense
	B      *mat.VecDense
	Scale  float64
	Inner  extInner
	Layers []*mat.Dense
	Skip   *mat.Dense // nil: left alone
	hidden float64
}

type extInner struct {
	Bias float64
	V    *mat.VecDense
}

func extRandNet(rng *rand.Rand) *extNet {
	return &extNet{
		W:      extRandDense(rng, 2, 3),
		B:      extRandVec(rng, 2),
		Scale:  rng.NormFloat64(),
		Inner:  extInner{Bias: rng.NormFloat64(), V: extRandVec(rng, 3)},
		Layers: []*mat.Dense{extRandDense(rng, 1, 2), extRandDense(rng, 2, 2)},
		hidden: 5,
	}
}

// extFlatten lists the float64 components of a net in a fixed order.
func extFlatten(n *extNet) []float64 {
	var out []float64
	out = append(out, n.W.RawMatrix().Data...)
	out = append(out, n.B.RawVector().Data...)
	out = append(out, n.Scale, n.Inner.Bias)
	out = append(out, n.Inner.V.RawVector().Data...)
	for _, l := range n.Layers {
		out = append(out, l.RawMatrix().Data...)
	}
	return out
}

// TestAdamByHand compares two Adam steps on a struct of matrices, vectors
// and scalars with the algorithm as written in the Adam paper (bias-
// corrected moments m̂ and v̂), computed here on flat slices.
func TestAdamByHand(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	net := extRandNet(rng)
	p := extFlatten(net)
	m := make([]float64, len(p))
	v := make([]float64, len(p))
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	opt := NewAdam(lr)
	if opt.Beta1 != b1 || opt.Beta2 != b2 || opt.Eps != eps || opt.WeightDecay != 0 {
		t.Fatalf("NewAdam defaults: %+v", opt)
	}
	for step := 1; step <= 2; step++ {
		g := extRandNet(rng)
		g.Skip = extRandDense(rng, 2, 2) // a gradient for a nil parameter is ignored
		gf := extFlatten(g)
		for i := range p {
			m[i] = b1*m[i] + (1-b1)*gf[i]
			v[i] = b2*v[i] + (1-b2)*gf[i]*gf[i]
			mhat := m[i] / (1 - math.Pow(b1, float64(step)))
			vhat := v[i] / (1 - math.Pow(b2, float64(step)))
			p[i] -= lr * mhat / (math.Sqrt(vhat) + eps)
		}
		opt.Step(net, g)
		got := extFlatten(net)
		for i := range p {
			if math.Abs(got[i]-p[i]) > 1e-14*math.Max(1, math.Abs(p[i])) {
				t.Fatalf("step %d component %d: got %v, hand computation %v", step, i, got[i], p[i])
			}
		}
	}
	if net.Skip != nil || net.hidden != 5 {
		t.Fatal("Adam touched a nil or unexported field")
	}
	if opt.Steps() != 2 {
		t.Fatalf("Steps = %d", opt.Steps())
	}
}

// extLinReg is a least-squares problem with a known exact minimum.
type extLinReg struct {
	W *mat.Dense
	B *mat.VecDense
}

func extLinRegProblem() (x, y *mat.Dense, want extLinReg) {
	rng := rand.New(rand.NewPCG(11, 2))
	want = extLinReg{W: extRandDense(rng, 2, 3), B: extRandVec(rng, 2)}
	x = extRandDense(rng, 3, 40)
	y = mat.NewDense(2, 40, nil)
	y.Mul(want.W, x)
	for j := 0; j < 40; j++ {
		for i := 0; i < 2; i++ {
			y.Set(i, j, y.At(i, j)+want.B.AtVec(i))
		}
	}
	return x, y, want
}

// TestOptimizersConvex minimizes a least-squares loss with each optimizer
// through Minimize and checks that it reaches the known minimum.
func TestOptimizersConvex(t *testing.T) {
	x, y, want := extLinRegProblem()
	loss := func(p *Var) *Var {
		pred := AddBias(MatMul(Field(p, "W"), Const(x)), Field(p, "B"))
		return Scale(SquaredError(pred, Const(y)), Scalar(1.0/40))
	}
	cases := []struct {
		name  string
		opt   Optimizer
		steps int
		tol   float64
	}{
		{"SGD", NewSGD(0.1), 2000, 1e-9},
		{"Momentum", NewMomentum(0.05, 0.9), 1000, 1e-9},
		{"Adam", NewAdam(0.01), 3000, 1e-4},
	}
	for _, tc := range cases {
		p := &extLinReg{W: mat.NewDense(2, 3, nil), B: mat.NewVecDense(2, nil)}
		losses := Minimize(loss, p, tc.opt, tc.steps)
		if len(losses) != tc.steps {
			t.Fatalf("%s: %d losses for %d steps", tc.name, len(losses), tc.steps)
		}
		if !(losses[len(losses)-1] < losses[0]) {
			t.Fatalf("%s: loss did not decrease: %v → %v", tc.name, losses[0], losses[len(losses)-1])
		}
		dw := extMaxRelDiff(p.W, want.W)
		db := extMaxRelDiff(p.B, want.B)
		if dw > tc.tol || db > tc.tol {
			t.Fatalf("%s: after %d steps W, B are off by %g, %g (loss %g)", tc.name, tc.steps, dw, db, losses[len(losses)-1])
		}
	}
}

// TestMinimizeAnonymousStruct uses an unnamed struct type, which is how a
// struct declared in a notebook cell looks to compiled code.
func TestMinimizeAnonymousStruct(t *testing.T) {
	p := &struct {
		A       float64
		V       *mat.VecDense
		Xhidden int
	}{A: 3, V: mat.NewVecDense(2, []float64{1, -1})}
	target := mat.NewVecDense(2, []float64{0.5, 2})
	loss := func(p *Var) *Var {
		return Add(Square(AddScalar(Field(p, "A"), Scalar(-1))), SquaredError(Field(p, "V"), Const(target)))
	}
	Minimize(loss, p, NewMomentum(0.1, 0.5), 200)
	if math.Abs(p.A-1) > 1e-9 || extMaxRelDiff(p.V, target) > 1e-9 {
		t.Fatalf("minimum not reached: A=%v V=%v", p.A, p.V.RawVector().Data)
	}
}

func TestOptimizerErrors(t *testing.T) {
	net := extLinReg{W: mat.NewDense(2, 3, nil), B: mat.NewVecDense(2, nil)}
	g := extLinReg{W: mat.NewDense(3, 2, nil), B: mat.NewVecDense(2, nil)}
	extMustPanic(t, func() { NewAdam(0).Step(&net, &g) }, "ad.Adam.Step", "params.W", "matrix(3×2)", "matrix(2×3)")
	extMustPanic(t, func() { NewSGD(1).Step(net, net) }, "ad.SGD.Step", "pointer")
	s := struct{ S float64 }{1}
	extMustPanic(t, func() { NewSGD(1).Step(&s, struct{ S *mat.VecDense }{mat.NewVecDense(1, nil)}) }, "params.S")
	extMustPanic(t, func() { Minimize(func(p *Var) *Var { return Field(p, "B") }, &net, NewSGD(1), 1) }, "ad.Minimize", "scalar", "vector(2)")
	extMustPanic(t, func() { Minimize(func(p *Var) *Var { return Scalar(0) }, net, NewSGD(1), 1) }, "ad.Minimize", "pointer")
	// A parameter that changes size between steps is reported.
	a := NewAdam(0)
	v := mat.NewVecDense(2, nil)
	a.Step(v, mat.NewVecDense(2, nil))
	w := mat.NewVecDense(3, nil)
	extMustPanic(t, func() { a.Step(w, mat.NewVecDense(3, nil)) }, "changed size", "Reset")
	// Adam's default learning rate is PyTorch's.
	if NewAdam(0).LR != 1e-3 {
		t.Fatal("NewAdam(0).LR != 1e-3")
	}
}

func TestMinimizeInterrupt(t *testing.T) {
	p := &extLinReg{W: mat.NewDense(2, 3, nil), B: mat.NewVecDense(2, nil)}
	x, y, _ := extLinRegProblem()
	steps := 0
	loss := func(p *Var) *Var {
		steps++
		return SquaredError(AddBias(MatMul(Field(p, "W"), Const(x)), Field(p, "B")), Const(y))
	}
	extCancelled(t)
	if !extInterrupted(func() { Minimize(loss, p, NewAdam(0), 1000000) }) {
		t.Fatal("Minimize did not stop with ErrInterrupted")
	}
	if steps != 0 || mat.Norm(p.W, 1) != 0 {
		t.Fatalf("Minimize ran %d steps after cancellation", steps)
	}
}

func TestOptimizerPaths(t *testing.T) {
	// Optimizers keep state per parameter block, found by its position,
	// and name a block by its path in messages; both are built only when
	// needed, so a plain SGD step builds neither.
	type P struct {
		Layers []*mat.VecDense
		Named  map[string]*mat.VecDense
		S      float64
	}
	vec := func(xs ...float64) *mat.VecDense { return mat.NewVecDense(len(xs), xs) }
	newP := func() *P {
		return &P{Layers: []*mat.VecDense{vec(1, 2), vec(3)}, Named: map[string]*mat.VecDense{"a": vec(4), "b": vec(5, 6)}, S: 7}
	}
	g := P{Layers: []*mat.VecDense{vec(1, 1), vec(2)}, Named: map[string]*mat.VecDense{"a": vec(3), "b": vec(4, 5)}, S: 6}
	// Momentum 0.5, learning rate 0.1, two steps with the same gradient:
	// v1 = g, v2 = 1.5 g, so p2 = p0 − 0.1·2.5·g, block by block.
	p := newP()
	o := &SGD{LR: 0.1, Momentum: 0.5}
	o.Step(p, g)
	o.Step(p, g)
	want := newP()
	for i, l := range want.Layers {
		l.AddScaledVec(l, -0.25, g.Layers[i])
	}
	for k, v := range want.Named {
		v.AddScaledVec(v, -0.25, g.Named[k])
	}
	want.S -= 0.25 * g.S
	for i := range p.Layers {
		if !mat.EqualApprox(p.Layers[i], want.Layers[i], 1e-12) {
			t.Errorf("Layers[%d] = %v, want %v", i, mat.Formatted(p.Layers[i].T()), mat.Formatted(want.Layers[i].T()))
		}
	}
	for k := range p.Named {
		if !mat.EqualApprox(p.Named[k], want.Named[k], 1e-12) {
			t.Errorf("Named[%q] = %v, want %v", k, mat.Formatted(p.Named[k].T()), mat.Formatted(want.Named[k].T()))
		}
	}
	if math.Abs(p.S-want.S) > 1e-12 {
		t.Errorf("S = %v, want %v", p.S, want.S)
	}
	// A block whose size changed is named by its path.
	p.Named["b"] = vec(1, 2, 3)
	g.Named["b"] = vec(1, 2, 3)
	extMustPanic(t, func() { o.Step(p, g) }, `parameter params.Named["b"] changed size from 2 to 3`)
	p, g.Named["b"] = newP(), vec(4, 5)
	p.Layers[1] = vec(1, 2)
	extMustPanic(t, func() { o.Step(p, g) }, "gradient of params.Layers[1] is vector(1) but the parameter is vector(2)")
	// A plain SGD step of a struct of a slice allocates nothing per block:
	// 3 in all (the walker, the step's callback and the boxed gradient
	// struct), where building every block's key and name made 13.
	type Q struct{ Layers []*mat.VecDense }
	q := &Q{Layers: []*mat.VecDense{vec(1, 2), vec(3), vec(4, 5, 6)}}
	gq := Q{Layers: []*mat.VecDense{vec(1, 1), vec(2), vec(1, 2, 3)}}
	sgd := NewSGD(0.01)
	a := testing.AllocsPerRun(50, func() { sgd.Step(q, gq) })
	t.Logf("plain SGD step of three blocks: %v allocations", a)
	if a > 3 {
		t.Errorf("a plain SGD step of three blocks makes %v allocations, want 3", a)
	}
	// With momentum, each block's state is looked up by its key, built in
	// one buffer per step: 4 (it was 6 with a string per block).
	mom := &SGD{LR: 0.01, Momentum: 0.9}
	mom.Step(q, gq)
	a = testing.AllocsPerRun(50, func() { mom.Step(q, gq) })
	t.Logf("momentum SGD step of three blocks: %v allocations", a)
	if a > 4 {
		t.Errorf("a momentum SGD step of three blocks makes %v allocations, want 4", a)
	}
}
