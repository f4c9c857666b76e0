package ad

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// leafDiff returns the largest absolute difference between the leaves
// (scalars, vector and matrix elements) of two values of one type; a nil
// vector or matrix counts as zeros of the other's shape.
func leafDiff(t *testing.T, a, b any) float64 {
	t.Helper()
	la, lb := leaves(a, ""), leaves(b, "")
	get := func(ls []leaf) map[string]float64 {
		m := map[string]float64{}
		for _, l := range ls {
			m[l.name] = l.get()
		}
		return m
	}
	ma, mb := get(la), get(lb)
	d := 0.0
	for k, v := range ma {
		d = math.Max(d, math.Abs(v-mb[k]))
	}
	for k, v := range mb {
		d = math.Max(d, math.Abs(v-ma[k]))
	}
	return d
}

// TestSessionRandomPrograms runs the 1,000 random programs of
// TestRecyclingRandomPrograms through one Session, each several times and
// interleaved with the others, on parameters of changing size, so that the
// graph and the shapes at each position of the forward pass change between
// calls; every loss, value and gradient must equal Grad's and Eval's.
func TestSessionRandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	var s Session
	type prog struct {
		f   func(p *Var) *Var
		net randNet
	}
	var progs []prog
	for range 1000 {
		seed := r.Uint64()
		n := 2 + r.IntN(4) // sizes 2 to 5: shapes change at each position
		progs = append(progs, prog{randProgram(seed, n), newRandNet(r, n)})
	}
	for i := range 3 * len(progs) {
		// Each program three times: twice in a row, once more later.
		k := i / 2
		if i >= 2*len(progs) {
			k = r.IntN(len(progs))
		}
		p := progs[k]
		var want, got randNet
		wl := Grad(p.f, p.net, &want).(float64)
		gl := s.Grad(p.f, p.net, &got).(float64)
		if math.Abs(gl-wl) > 1e-12*math.Max(1, math.Abs(wl)) {
			t.Fatalf("program %d (call %d): Session.Grad loss %v, Grad %v", k, i, gl, wl)
		}
		if d := leafDiff(t, got, want); d > 1e-12 {
			t.Fatalf("program %d (call %d): Session.Grad gradient differs from Grad by %g", k, i, d)
		}
		if ev, sv := Eval(p.f, p.net).(float64), s.Eval(p.f, p.net).(float64); math.Abs(ev-sv) > 1e-12*math.Max(1, math.Abs(ev)) {
			t.Fatalf("program %d (call %d): Session.Eval %v, Eval %v", k, i, sv, ev)
		}
	}
}

// batchNet is the parameter struct of batchProgram.
type batchNet struct {
	W1, W2 *mat.Dense
	B1, B2 *mat.VecDense
	S      float64
}

// batchProgram returns a random program on batches (matrices whose columns
// are samples) built from the ops of typical models, all with an in-place
// forward: products, biases, the fused layer, element-wise maps and
// arithmetic, softmax and the losses. The batch size is that of x.
func batchProgram(seed uint64, x, tg *mat.Dense) func(p *Var) *Var {
	return func(p *Var) *Var {
		pr := rand.New(rand.NewPCG(seed, 3))
		w1, w2, b1, b2 := Field(p, "W1"), Field(p, "W2"), Field(p, "B1"), Field(p, "B2")
		h := AddBias(MatMul(w1, Const(x)), b1) // hidden×batch
		for range 2 + pr.IntN(6) {
			switch pr.IntN(12) {
			case 0:
				h = Logistic(h)
			case 1:
				h = Tanh(h)
			case 2:
				h = Exp(Scale(h, Scalar(0.1)))
			case 3:
				h = Mul(h, Logistic(h))
			case 4:
				h = Sub(h, Scale(h, Field(p, "S")))
			case 5:
				h = Add(h, Softmax(h))
			case 6:
				h = Div(h, AddScalar(Square(h), Scalar(1)))
			case 7:
				h = Dense(Field(p, "W2"), b1, Logistic(h)) // W2 is hidden×hidden
			case 8:
				h = Add(AddBias(MatMul(w2, h), b1), h)
			case 9:
				h = T(MatMul(T(h), w2)) // MatMul of transposes
			case 10:
				h = Sub(LogSoftmax(h), Scalar(0.5))
			case 11:
				h = Add(h, Scalar(0.25))
			}
		}
		logits := AddBias(MatMul(Field(p, "W1"), Const(x)), b2)
		logits = Add(logits, h)
		if pr.IntN(2) == 0 {
			return SoftmaxCrossEntropy(logits, Const(tg))
		}
		return CrossEntropy(Softmax(logits), Const(tg))
	}
}

// TestSessionBatchPrograms runs random batch programs through one Session,
// with the batch size changing between calls, against Grad and Eval.
func TestSessionBatchPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	const hidden = 5
	var s Session
	for prog := range 300 {
		seed := r.Uint64()
		net := batchNet{W1: randMat(r, hidden, 4), W2: randMat(r, hidden, hidden), B1: randVec(r, hidden), B2: randVec(r, hidden), S: r.Float64()}
		for rep := range 3 {
			batch := 1 + r.IntN(4)
			x := randMat(r, 4, batch)
			tg := mat.NewDense(hidden, batch, nil)
			for j := range batch {
				tg.Set(r.IntN(hidden), j, 1)
			}
			f := batchProgram(seed, x, tg)
			var want, got batchNet
			wl := Grad(f, net, &want).(float64)
			gl := s.Grad(f, net, &got).(float64)
			if math.Abs(gl-wl) > 1e-12*math.Max(1, math.Abs(wl)) {
				t.Fatalf("program %d rep %d: Session.Grad loss %v, Grad %v", prog, rep, gl, wl)
			}
			if d := leafDiff(t, got, want); d > 1e-10 {
				t.Fatalf("program %d rep %d: Session.Grad gradient differs from Grad by %g", prog, rep, d)
			}
			if sv := s.Eval(f, net).(float64); math.Abs(sv-wl) > 1e-12*math.Max(1, math.Abs(wl)) {
				t.Fatalf("program %d rep %d: Session.Eval %v, Eval %v", prog, rep, sv, wl)
			}
		}
	}
}

// TestSessionFiniteDifferences checks Session.Grad of a small batch MLP
// against central finite differences computed with Session.Eval on the
// same session, parameter by parameter.
func TestSessionFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	net := batchNet{W1: randMat(r, 3, 4), W2: randMat(r, 3, 3), B1: randVec(r, 3), B2: randVec(r, 3), S: 0.3}
	x := randMat(r, 4, 2)
	tg := mat.NewDense(3, 2, []float64{1, 0, 0, 1, 0, 0})
	f := func(p *Var) *Var {
		h := Logistic(Dense(Field(p, "W1"), Field(p, "B1"), Const(x)))
		h = Tanh(AddBias(MatMul(Field(p, "W2"), h), Field(p, "B2")))
		return SoftmaxCrossEntropy(Scale(h, Field(p, "S")), Const(tg))
	}
	var s Session
	var g batchNet
	s.Grad(f, net, &g)
	const eps = 1e-6
	worst := 0.0
	for _, l := range leaves(&net, "") {
		x0 := l.get()
		l.set(x0 + eps)
		up := s.Eval(f, net).(float64)
		l.set(x0 - eps)
		down := s.Eval(f, net).(float64)
		l.set(x0)
		fd := (up - down) / (2 * eps)
		var an float64
		for _, gl := range leaves(g, "") {
			if gl.name == l.name {
				an = gl.get()
			}
		}
		worst = math.Max(worst, math.Abs(fd-an)/math.Max(1, math.Abs(fd)))
	}
	if worst > 1e-7 {
		t.Fatalf("Session.Grad and finite differences differ by %g (relative)", worst)
	}
	if len(leaves(net, "")) != 3*4+3*3+3+3+1 {
		t.Fatalf("checked %d parameters", len(leaves(net, "")))
	}
}

// TestSessionLifetime checks the documented lifetime rule: a value from
// one call is overwritten by the next call on the same session, while the
// gradients written into the caller's destinations stay the caller's.
func TestSessionLifetime(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	a := randMat(r, 3, 3)
	f := func(x *Var) *Var { return Logistic(MatVec(Const(a), x)) }
	x1, x2 := randVec(r, 3), randVec(r, 3)
	var s Session
	v1 := s.Eval(f, x1).(*mat.VecDense)
	want1 := mat.VecDenseCopyOf(v1)
	v2 := s.Eval(f, x2).(*mat.VecDense)
	if v1 != v2 {
		t.Fatal("the second call did not reuse the first call's storage")
	}
	if mat.Equal(v1, want1) {
		t.Fatal("the first call's value is unchanged: the test checks nothing")
	}
	if !mat.EqualApprox(v2, Eval(f, x2).(mat.Vector), 1e-15) {
		t.Fatal("second value wrong")
	}

	// Gradients: a typed destination and a *any one, then another call.
	loss := func(x *Var) *Var { return Sum(Square(f(x))) }
	var g1 *mat.VecDense
	var g1any any
	s.Grad(loss, x1, &g1)
	s.GradN(func(xs []*Var) *Var { return loss(xs[0]) }, []any{x1}, []any{&g1any})
	keep1, keep1any := mat.VecDenseCopyOf(g1), mat.VecDenseCopyOf(g1any.(*mat.VecDense))
	var g2 *mat.VecDense
	s.Grad(loss, x2, &g2)
	if !mat.Equal(g1, keep1) || !mat.Equal(g1any.(*mat.VecDense), keep1any) {
		t.Fatal("a later call changed a gradient written into the caller's destination")
	}
	var want2 *mat.VecDense
	Grad(loss, x2, &want2)
	if !mat.EqualApprox(g2, want2, 1e-15) || mat.Equal(g2, keep1) {
		t.Fatal("second gradient wrong")
	}
}

// TestSessionValuePassedBack passes a call's value back into the next call
// (which the lifetime rule advises against): the session must not write
// into it while it is an input.
func TestSessionValuePassedBack(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	a := randMat(r, 4, 4)
	f := func(x *Var) *Var { return Add(Logistic(MatVec(Const(a), x)), x) }
	var s Session
	x := randVec(r, 4)
	want := mat.VecDenseCopyOf(x)
	for range 5 {
		got := s.Eval(f, x).(*mat.VecDense)
		want = Eval(f, want).(*mat.VecDense)
		if !mat.EqualApprox(got, want, 1e-14) {
			t.Fatal("passing a value back into the session changed the result")
		}
		x = got
	}
	// The value of a one-op call passed back into a call whose first op
	// does not read it (so that op would write into it) and whose second
	// does.
	z := randVec(r, 4)
	v := s.EvalN(func(xs []*Var) *Var { return Exp(xs[1]) }, []any{nil, z}).(*mat.VecDense)
	keep := mat.VecDenseCopyOf(v)
	got := s.EvalN(func(xs []*Var) *Var { return Add(Logistic(xs[1]), xs[0]) }, []any{v, z}).(*mat.VecDense)
	wantV := Eval(func(x *Var) *Var { return Add(Logistic(Const(z)), x) }, keep).(*mat.VecDense)
	if !mat.Equal(v, keep) || !mat.EqualApprox(got, wantV, 1e-15) {
		t.Fatal("the session wrote into an input that is a value of its previous call")
	}
}

// TestSessionErrors checks the clear errors of a nested call and of a Var
// kept from an earlier call, and that a session stays usable after its
// function panicked.
func TestSessionErrors(t *testing.T) {
	var s Session
	msg := func(f func()) (m string) {
		defer func() { m = fmt.Sprint(recover()) }()
		f()
		return ""
	}
	nested := msg(func() {
		s.Eval(func(x *Var) *Var {
			s.Eval(func(y *Var) *Var { return y }, 1.0)
			return x
		}, 2.0)
	})
	if !strings.Contains(nested, "already running") {
		t.Fatalf("nested call: %q", nested)
	}
	// A Var kept from an earlier call and used in a later one: its storage
	// is reused by the session once the session knows the size of the
	// calls, so both cases are checked.
	var kept *Var
	keep := func(x *Var) *Var { kept = Exp(x); return kept }
	for rep, want := range []string{"different computations", "Var of an earlier call of a Session", "Var of an earlier call of a Session"} {
		s.Eval(keep, mat.NewVecDense(2, []float64{1, 2}))
		stale := msg(func() {
			s.Eval(func(x *Var) *Var { return Add(x, kept) }, mat.NewVecDense(2, []float64{3, 4}))
		})
		if !strings.Contains(stale, want) {
			t.Fatalf("stale Var (%d): %q, want it to say %q", rep, stale, want)
		}
	}
	shape := msg(func() {
		s.Eval(func(x *Var) *Var { return Add(x, Const(mat.NewVecDense(3, nil))) }, mat.NewVecDense(2, nil))
	})
	if !strings.Contains(shape, "ad.Add: shapes differ: vector(2) and vector(3)") {
		t.Fatalf("shape error: %q", shape)
	}
	// Still usable.
	if v := s.Eval(func(x *Var) *Var { return Square(x) }, 3.0).(float64); v != 9 {
		t.Fatalf("after the panics: %v", v)
	}
}

// TestSessionAllocatesLittle checks that a session's training step on a
// batch does not allocate its forward values afresh: it allocates less
// than a fifth of what Grad allocates for the same step (the rest of
// Grad's allocations are the forward values).
func TestSessionAllocatesLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops the backward pass's recycled buffers at random under -race")
	}
	net := newMLPNet(5)
	x, tg := mlpData(64, 6)
	f := mlpLoss(x, tg, mlpLayer)
	var g mlpNet
	var s Session
	bytes := func(step func()) uint64 {
		step() // warm up
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range 10 {
			step()
		}
		runtime.ReadMemStats(&m1)
		return (m1.TotalAlloc - m0.TotalAlloc) / 10
	}
	plain := bytes(func() { Grad(f, *net, &g) })
	sess := bytes(func() { s.Grad(f, *net, &g) })
	t.Logf("bytes allocated per step: Grad %d, Session.Grad %d", plain, sess)
	if plain < 200_000 {
		t.Fatalf("Grad allocates only %d bytes per step: the test checks nothing", plain)
	}
	if sess*5 > plain {
		t.Fatalf("Session.Grad allocates %d bytes per step, Grad %d: want under a fifth", sess, plain)
	}
}

// forwardSamples returns the inputs on which the in-place forward of the
// op named name is checked: those of its fast path where it has one.
func forwardSamples(r *rand.Rand, name string) [][]any {
	var out [][]any
	switch name {
	case "Div", "Pow", "LogBase":
		pos := func(n int) []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = 1.5 + r.Float64()
			}
			return x
		}
		return [][]any{
			{mat.NewVecDense(4, pos(4)), mat.NewVecDense(4, pos(4))},
			{mat.NewDense(2, 3, pos(6)), mat.NewDense(2, 3, pos(6))},
			{2.5, mat.NewVecDense(3, pos(3))},
			{mat.NewDense(2, 2, pos(4)), 1.7},
			{2.5, 1.25},
		}
	case "CrossEntropy":
		return nil
	}
	for _, c := range fastSamples(r, name) {
		out = append(out, c.in)
	}
	if name == "Add" || name == "Sub" || name == "Mul" {
		out = append(out, []any{2.0, randMat(r, 2, 3)})
	}
	return out
}

// TestForwardsIntoMatchForward checks every entry of the in-place forward
// registry against the op's Forward: into a session's fresh buffers, into
// the same buffers again after filling them with garbage, and with a
// buffer that is one of the inputs (which must not be written).
func TestForwardsIntoMatchForward(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	ops := slices.SortedFunc(maps.Keys(forwardsInto()), func(a, b *Op) int { return strings.Compare(a.Name, b.Name) })
	for _, op := range ops {
		samples := forwardSamples(r, op.Name)
		if len(samples) == 0 {
			t.Errorf("op %s has an in-place forward but no samples in forwardSamples: add some", op.Name)
			continue
		}
		for i, in := range samples {
			t.Run(fmt.Sprintf("%s/%d", op.Name, i), func(t *testing.T) {
				want := op.Forward(in)
				var b fwdBufs
				first := b.forward(op, in)
				if d := leafDiff(t, first, want); d != 0 {
					t.Fatalf("fresh buffers: differs from Forward by %g", d)
				}
				if kindOf(want) != kindScalar && len(b.slots) == 0 {
					t.Fatal("no buffer taken for a vector or matrix result")
				}
				for _, v := range b.slots {
					if d := contiguous(v); d != nil {
						for k := range d {
							d[k] = math.NaN()
						}
					}
				}
				b.start(nil)
				again := b.forward(op, in)
				if d := leafDiff(t, again, want); d != 0 {
					t.Fatalf("reused buffers: differs from Forward by %g", d)
				}
				if kindOf(want) != kindScalar && again != first {
					t.Fatal("the second run did not reuse the first run's buffer")
				}
				// A buffer that is an input is not written.
				for k, x := range in {
					if kindOf(x) != kindOf(want) || kindOf(x) == kindScalar {
						continue
					}
					if same, _ := sameDims(x, want); !same {
						continue
					}
					keep := clone(x)
					b2 := fwdBufs{slots: []any{x}}
					got := b2.forward(op, in)
					if leafDiff(t, x, keep) != 0 {
						t.Fatalf("input %d, offered as the buffer, was written", k)
					}
					if d := leafDiff(t, got, want); d != 0 {
						t.Fatalf("input %d offered as the buffer: differs from Forward by %g", k, d)
					}
				}
			})
		}
	}
}
