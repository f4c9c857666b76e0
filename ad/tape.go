package ad

import (
	"context"
	"errors"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Tape records the steps of one differentiable computation (a Wengert list):
// one node per op applied to non-constant inputs, in the order they ran.
// The running functions (Grad, GradN, Record, ...) create a tape, call the
// user's function on input Vars recorded on it, and walk it backwards once
// to accumulate gradients.
//
// A Tape is not safe for concurrent use; concurrent gradients use one tape
// per goroutine.
type Tape struct {
	nodes  []node
	output int                // node ID of the output after a backward pass, -1 before
	grads  []any              // gradient of each node after a backward pass
	into   map[int]*mat.Dense // node ID → destination matrix for its gradient (into.go)
	chunk  []applied          // storage for the next recorded ops' Vars
	bufs   *fwdBufs           // forward storage of the Session running, else nil
}

// newApplied returns storage for one recorded op of at most three inputs,
// allocated in chunks: a tape keeps all its Vars alive anyway.
func (t *Tape) newApplied() *applied {
	if len(t.chunk) == 0 {
		t.chunk = make([]applied, 16)
	}
	a := &t.chunk[0]
	t.chunk = t.chunk[1:]
	return a
}

type node struct {
	op     *Op // nil for an input
	name   string
	inputs []*Var
	val    any
}

// NewTape returns an empty tape. Most users never need one: Grad and its
// relatives create their own.
func NewTape() *Tape { return &Tape{output: -1, nodes: make([]node, 0, 32)} }

// Input records x as an input of the computation and returns its Var.
func (t *Tape) Input(x any) *Var {
	t.nodes = append(t.nodes, node{name: "input", val: x})
	return &Var{val: x, tape: t, id: len(t.nodes) - 1}
}

// recordInto appends a node for op with inputs ins (owned by the tape from
// now on) and result out, and sets *v to the result's Var.
func (t *Tape) recordInto(v *Var, op *Op, ins []*Var, out any) *Var {
	t.nodes = append(t.nodes, node{op: op, name: op.Name, inputs: ins, val: out})
	*v = Var{val: out, tape: t, id: len(t.nodes) - 1}
	return v
}

// Len returns the number of nodes recorded.
func (t *Tape) Len() int { return len(t.nodes) }

// Node describes one recorded step of a computation, for inspection and
// drawing. Op is "input" for an input of the computation. Inputs holds the
// IDs of the nodes it reads (constants are omitted). Grad is the gradient of
// the output with respect to the node's value after a backward pass, or nil
// if no gradient reached it.
type Node struct {
	ID     int
	Op     string
	Inputs []int
	Value  any
	Grad   any
	Shape  string
}

// Nodes returns a description of every recorded node, in recording order.
func (t *Tape) Nodes() []Node {
	ns := make([]Node, len(t.nodes))
	for i, n := range t.nodes {
		var ins []int
		for _, v := range n.inputs {
			if v.tape == t {
				ins = append(ins, v.id)
			}
		}
		var g any
		if i < len(t.grads) && t.grads[i] != nil {
			g = materialize(t.grads[i], n.val)
		}
		ns[i] = Node{ID: i, Op: n.name, Inputs: ins, Value: n.val, Grad: g, Shape: describe(n.val)}
	}
	return ns
}

// Output returns the ID of the node the last backward pass started from, or
// -1 if there was none (or the output was a constant).
func (t *Tape) Output() int { return t.output }

// Record runs f on inputs made from xs, runs the backward pass from its
// result and returns the tape, ready to be inspected with Nodes (the display
// package draws it).
func Record(f func(xs []*Var) *Var, xs ...any) *Tape {
	t := NewTape()
	in := make([]*Var, len(xs))
	for i, x := range xs {
		in[i] = t.Input(x)
	}
	y := f(in)
	t.backward(y, nil, true, nil)
	return t
}

// ErrInterrupted is the panic value of long computations stopped through
// the context installed by SetContext.
var ErrInterrupted = errors.New("ad: interrupted")

var cancelCtx atomic.Pointer[context.Context]

// SetContext installs ctx as the cancellation hook of long computations in
// this package (backward passes, optimizer loops, Hessians, parallel
// gradients): once ctx is done they stop by panicking with ErrInterrupted.
// The notebook kernel installs a fresh context for every cell so that the
// Interrupt button stops compiled work too. A context that is never
// cancelled, such as context.Background(), removes the hook (as nil does).
func SetContext(ctx context.Context) {
	if ctx == nil || ctx.Done() == nil {
		cancelCtx.Store(nil)
		return
	}
	cancelCtx.Store(&ctx)
}

// Interrupted reports whether the context installed by SetContext is done.
func Interrupted() bool {
	p := cancelCtx.Load()
	return p != nil && (*p).Err() != nil
}

// CheckInterrupt panics with ErrInterrupted if the context installed by
// SetContext is done. Long loops in compiled code built on ad call it
// periodically.
func CheckInterrupt() {
	if Interrupted() {
		panic(ErrInterrupted)
	}
}
