package ad

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// A Session runs functions the way Grad, GradN, Eval and EvalN do, with the
// same arguments and results, but owns the storage of their forward pass:
// the vectors and matrices the library's ops compute are written into
// buffers the session keeps, and its next call writes into them again.
// A training loop that calls the same loss every step then allocates
// almost nothing per step, forward or backward (Grad already recycles its
// backward pass), which matters most for large batches, where the forward
// values are megabytes:
//
//	var s ad.Session
//	var g Net
//	for step := range steps {
//		loss := s.Grad(lossOf(batch(step)), net, &g).(float64)
//		opt.Step(&net, g)
//	}
//
// Lifetime rule: the values and Vars a call produces (its result, the Vars
// made inside the function and any value read from them) are valid until
// the next call on the same session, which overwrites them; copy what must
// live longer. Do not pass them into that next call as inputs either (copy
// them first). A Var of an earlier call used in a later one panics with a
// message saying so, unless the later call has already made the Var at
// the same position (whose storage it shares): then it is that Var. The
// gradients written into the caller's destinations are the caller's,
// exactly as with Grad.
//
// A buffer is reused when the value computed at the same position of the
// forward pass has the same type and shape; otherwise the session
// allocates, so a function whose graph changes from call to call (other
// ops, other shapes, a data-dependent branch) stays correct and only
// allocates where it changed. Ops without an in-place forward (custom ops,
// container ops) run their Forward as usual. The zero Session is ready to
// use. A Session is not safe for concurrent use, and a call must not call
// the same session again from inside its function: use one session per
// goroutine or per nested computation.
type Session struct {
	bufs  fwdBufs
	nodes []node    // the node list of the last call's tape, reused
	apps  []applied // storage of the Vars of recorded ops, reused by every call
	used  int       // how many of apps the last call may have used
	busy  bool
}

// Grad is Grad (the package function) on the session's forward storage: it
// runs f at x, writes ∂f/∂x into dx (a pointer to a value of x's type, a
// *any, or nil) and returns f(x), valid until the session's next call.
func (s *Session) Grad(f func(x *Var) *Var, x any, dx any) any {
	return s.gradN("Session.Grad", func(xs []*Var) *Var { return f(xs[0]) }, []any{x}, nil, []any{dx})
}

// GradN is GradN on the session's forward storage: it writes the gradient
// with respect to each input into the pointer at the same position of dxs
// and returns the value, valid until the session's next call.
func (s *Session) GradN(f func(xs []*Var) *Var, xs []any, dxs []any) any {
	return s.gradN("Session.GradN", f, xs, nil, dxs)
}

// Eval runs f at x and returns its value, valid until the session's next
// call. Unlike Eval (the package function), the inputs are Vars recorded
// on a tape, as in Grad, but no backward pass runs.
func (s *Session) Eval(f func(x *Var) *Var, x any) any {
	t := s.begin("Session.Eval", x)
	defer s.end(t)
	return result(f(t.Input(x)))
}

// EvalN runs f at xs and returns its value, valid until the session's next
// call.
func (s *Session) EvalN(f func(xs []*Var) *Var, xs []any) any {
	t := s.begin("Session.EvalN", xs...)
	defer s.end(t)
	in := make([]*Var, len(xs))
	for i, x := range xs {
		in[i] = t.Input(x)
	}
	return result(f(in))
}

// result is the value of the Var an evaluated function returned.
func result(y *Var) any {
	if y == nil {
		panic("ad: the function returned a nil *Var")
	}
	return y.val
}

func (s *Session) gradN(name string, f func(xs []*Var) *Var, xs []any, seed any, dxs []any) any {
	t := s.begin(name, xs...)
	defer s.end(t)
	return runGrad(t, name, f, xs, seed, dxs)
}

// begin starts a call: a fresh tape on the session's node list, forward
// storage and Var storage. A Var kept from an earlier call is either an
// input (its tape is that call's, another computation) or marked stale.
func (s *Session) begin(name string, xs ...any) *Tape {
	if s.busy {
		panic(fmt.Sprintf("ad.%s: the session is already running a function; a Session runs one call at a time (use another Session for nested or concurrent calls)", name))
	}
	s.busy = true
	forwardsInto() // the ops' into fields are set from here on
	s.bufs.start(xs)
	nodes := s.nodes
	s.nodes = nil
	if nodes == nil {
		nodes = make([]node, 0, 32)
	}
	// The Vars of the last call are invalid from now on: mark them, so that
	// using one fails clearly until its storage holds a Var of this call.
	for i := range s.apps[:min(s.used, len(s.apps))] {
		s.apps[i] = applied{v: Var{tape: staleTape, id: -1}}
	}
	return &Tape{output: -1, nodes: nodes[:0], bufs: &s.bufs, chunk: s.apps}
}

// staleTape marks the Vars of a session's earlier call (see begin).
var staleTape = &Tape{output: -1}

// end finishes a call, also when f panicked: the session takes its node
// list back, and a Var kept from the call that is used again records onto a
// fresh list with fresh storage.
func (s *Session) end(t *Tape) {
	// Every recorded op of at most three inputs took one applied; the next
	// call takes them from s.apps, grown to this call's size.
	s.used = len(t.nodes)
	if len(t.nodes) > len(s.apps) {
		s.apps = make([]applied, len(t.nodes))
	}
	t.chunk = nil
	clear(t.nodes)
	s.nodes = t.nodes[:0]
	t.nodes, t.bufs = nil, nil
	s.bufs.in = nil
	s.busy = false
}

// ---- forward storage ---------------------------------------------------------

// A forwardFunc computes an op's result from its input values, like
// Op.Forward, taking the storage of a vector or matrix result (and any
// scratch) from b. With a nil b it allocates, and is the op's Forward
// (plainForward); with a session's b it writes into the session's buffers.
// It must overwrite every element of the storage it takes, and never write
// to its inputs.
type forwardFunc func(b *fwdBufs, in []any) any

// plainForward returns the Forward of an op computed by f.
func plainForward(f forwardFunc) func(in []any) any {
	return func(in []any) any { return f(nil, in) }
}

// forwardsInto is the registry: the forward function of each of the
// library's ops whose result (or scratch) is a vector or matrix, used by a
// session to write into its buffers; an op without an entry runs its
// Forward. The same functions are the ops' Forward (with no buffers), and
// TestForwardsIntoMatchForward checks every entry against it with reused,
// dirty buffers. Built on first use (every session call uses it first),
// after the package's init functions built the ops; building it also sets
// each op's into field to its entry, which a session reads instead of
// looking the op up on every step.
var forwardsInto = sync.OnceValue(func() map[*Op]forwardFunc {
	m := map[*Op]forwardFunc{
		addOp:           addForward,
		addBiasOp:       addBiasForward,
		denseOp:         denseForward,
		matVecOpN:       matVecForward(false),
		matVecOpT:       matVecForward(true),
		matMulOps[0][0]: matMulForward("MatMul", false, false),
		matMulOps[0][1]: matMulForward("MatMulNT", false, true),
		matMulOps[1][0]: matMulForward("MatMulTN", true, false),
		matMulOps[1][1]: matMulForward("MatMulTT", true, true),
		subOp:           subForward,
		mulOp:           mulForward,
		divOp:           divForward,
		powOp:           powForward,
		logBaseOp:       logBaseForward,
		scaleOp:         scaleForward,
		softmaxOp:       softmaxForward,
		logSoftmaxOp:    logSoftmaxForward,
		softmaxCEOp:     softmaxCEForward,
	}
	for _, d := range unaryDefs {
		m[*d.op] = unaryForward(d)
	}
	for op, f := range m {
		op.into = f
	}
	return m
})

// fwdBufs is the forward storage of a session: one buffer per position of
// the forward pass (each request of storage by an op is one position).
// A nil *fwdBufs allocates.
type fwdBufs struct {
	slots []any
	pos   int
	in    []any // the inputs of the op running: buffers must not overlap them
}

// start rewinds b for a call with inputs xs, dropping any buffer that
// shares storage with an input (a value of the previous call passed back
// in).
func (b *fwdBufs) start(xs []any) {
	b.pos = 0
	for _, x := range xs {
		if sx, ok := matSpan(x); ok {
			for i, v := range b.slots {
				if sv, ok := matSpan(v); ok && sv.overlaps(sx) {
					b.slots[i] = nil
				}
			}
		}
	}
}

// forward runs op on the input values in: into the storage of the Session
// t records for, else (t nil, or not a session's) with op.Forward.
func (t *Tape) forward(op *Op, in []any) any {
	if t != nil && t.bufs != nil {
		return t.bufs.forward(op, in)
	}
	return op.Forward(in)
}

// forward runs op on the input values in with b's storage.
func (b *fwdBufs) forward(op *Op, in []any) any {
	f := op.into
	if f == nil {
		return op.Forward(in)
	}
	b.in = in
	out := f(b, in)
	b.in = nil
	return out
}

// next returns the buffer at the next position and whether it may be
// reused: it shares no storage with the running op's inputs.
func (b *fwdBufs) next() (slot *any, old any) {
	i := b.pos
	b.pos++
	if i == len(b.slots) {
		b.slots = append(b.slots, nil)
	}
	old = b.slots[i]
	if s, ok := matSpan(old); ok {
		for _, x := range b.in {
			if sx, ok := matSpan(x); ok && s.overlaps(sx) {
				old = nil
				break
			}
		}
	}
	return &b.slots[i], old
}

// vec returns a vector of length n > 0 whose elements the caller must all
// overwrite.
func (b *fwdBufs) vec(n int) *mat.VecDense {
	if b == nil {
		return mat.NewVecDense(n, nil)
	}
	slot, old := b.next()
	if v, ok := old.(*mat.VecDense); ok && v.Len() == n && v.RawVector().Inc == 1 {
		return v
	}
	v := mat.NewVecDense(n, nil)
	*slot = v
	return v
}

// dense returns an r×c matrix (r, c > 0) whose elements the caller must all
// overwrite.
func (b *fwdBufs) dense(r, c int) *mat.Dense {
	if b == nil {
		return mat.NewDense(r, c, nil)
	}
	slot, old := b.next()
	if m, ok := old.(*mat.Dense); ok && !m.IsEmpty() {
		if mr, mc := m.Dims(); mr == r && mc == c && m.RawMatrix().Stride == c {
			return m
		}
	}
	m := mat.NewDense(r, c, nil)
	*slot = m
	return m
}

// like returns storage of x's shape (x a vector or matrix) and its
// elements, which the caller must all overwrite.
func (b *fwdBufs) like(x any) (any, []float64) { return likeIn(b, x) }

// scratch returns n > 0 floats of working storage.
func (b *fwdBufs) scratch(n int) []float64 {
	return b.vec(n).RawVector().Data
}
