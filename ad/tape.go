package ad

import (
	"context"
	"errors"
	"fmt"
	"reflect"
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
	nodes    []node
	output   int                // node ID of the output after a backward pass, -1 before
	grads    []any              // gradient of each node after a backward pass
	creating bool               // recording the backward pass itself (Gradients)
	into     map[int]*mat.Dense // node ID → destination matrix for its gradient (into.go)
	chunk    []applied          // storage for the next recorded ops' Vars
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

// wrappers holds the constant Vars handed to the Backward of an op of at
// most two inputs, in one allocation.
type wrappers struct {
	cv  [4]Var
	cin [2]*Var
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
// Interrupt button stops compiled work too. SetContext(nil) removes the hook.
func SetContext(ctx context.Context) {
	if ctx == nil {
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

// backward runs the reverse pass from y with the given seed (nil means
// one(y)), leaving the gradient of every input node in t.grads, and of every
// node if keep is true. Ops with a grad function (fastgrad.go) take their
// storage from w (nil: allocate); the caller releases w once it has copied
// the gradients it needs.
func (t *Tape) backward(y *Var, seed any, keep bool, w *work) {
	if w == nil {
		w = &work{escaped: true} // scratch for this pass only
	}
	if keep {
		w.escape() // every node's gradient stays visible through Nodes
	}
	var owned []bool
	t.grads, owned = w.passSlices(len(t.nodes))
	t.output = -1
	if y == nil {
		panic("ad: the function returned a nil *Var")
	}
	if y.tape != t {
		if y.tape != nil {
			panic("ad: the function returned a Var from another computation")
		}
		return // constant output: every gradient is zero
	}
	t.output = y.id
	if seed == nil {
		seed = one(y.val)
	} else {
		checkSameShape("seed", seed, y.val)
	}
	var scratch []any // reused for the gradients returned by Backward
	t.grads[y.id] = seed
	for i := y.id; i >= 0; i-- {
		if i&63 == 0 {
			CheckInterrupt()
		}
		g := t.grads[i]
		n := &t.nodes[i]
		if g == nil || n.op == nil {
			continue
		}
		ins := n.inputs
		var gin []any
		markV, markM := len(w.usedV), len(w.usedM) // buffers handed out from here on are this op's
		if n.op.grad != nil {
			vals, need, into, out := w.argSlices(len(ins))
			for k, v := range ins {
				vals[k], need[k], into[k] = v.val, v.tape == t, t.intoAt(ins, k)
			}
			if n.op.grad(w, materialize(g, n.val), vals, n.val, need, into, out) {
				gin = out
			}
		}
		switch {
		case gin != nil:
		case n.op.VJP != nil:
			w.escape()
			vals := make([]any, len(ins))
			for k, v := range ins {
				vals[k] = v.val
			}
			gin = n.op.VJP(materialize(g, n.val), vals, n.val)
		case n.op.Backward != nil:
			w.escape()
			// One allocation for the constant wrappers of g, out and the
			// inputs (two for ops of more than two inputs).
			var cv []Var
			var cin []*Var
			if len(ins) <= 2 {
				wr := &wrappers{}
				cv, cin = wr.cv[:len(ins)+2], wr.cin[:len(ins):len(ins)]
			} else {
				cv, cin = make([]Var, len(ins)+2), make([]*Var, len(ins))
			}
			for k, v := range ins {
				need := int8(-1)
				if v.tape == t {
					need = 1
				}
				cv[k] = Var{val: v.val, id: -1, need: need}
				cin[k] = &cv[k]
			}
			gvar, outvar := &cv[len(ins)], &cv[len(ins)+1]
			*gvar = Var{val: materialize(g, n.val), id: -1}
			*outvar = Var{val: n.val, id: -1}
			gv := n.op.Backward(gvar, cin, outvar)
			gin = scratch[:0]
			for _, v := range gv {
				if v != nil {
					gin = append(gin, v.val)
				} else {
					gin = append(gin, nil)
				}
			}
			scratch = gin[:0]
		default:
			panic(&NoGradError{Op: n.name})
		}
		if len(gin) != len(ins) {
			panic(fmt.Sprintf("ad: op %s returned %d gradients for %d inputs", n.name, len(gin), len(ins)))
		}
		stored := w.storedScratch()
		for k, v := range ins {
			if v.tape != t || gin[k] == nil {
				continue
			}
			checkGradShape(n.name, k, gin[k], v.val)
			j := v.id
			if t.grads[j] == nil {
				t.grads[j] = gin[k]
				stored = append(stored, storedGrad{gin[k], j})
				if m, ok := gin[k].(*mat.Dense); ok && m != nil && t.into[j] == m {
					owned[j] = true // the destination matrix: accumulate in place
				}
				continue
			}
			sum, own, keptG := accumulate(t.grads[j], owned[j], gin[k], t.nodes[j].val)
			if keptG {
				stored = append(stored, storedGrad{gin[k], -1}) // lives on inside a sparse gradient
			}
			w.replaced(j, sum)
			t.grads[j], owned[j] = sum, own
		}
		// Storage this op's grad function took from w that nothing stored
		// (a contribution added into an existing gradient) is free again;
		// so is the buffer of this node's own gradient, unless this op passed
		// it on.
		w.endStep(markV, markM, stored, i, !keep && i != y.id, plainGrad(g))
		if !keep && i != y.id {
			t.grads[i] = nil // free memory of intermediate gradients no longer needed
		}
	}
}

// intoAt returns the destination matrix offered for the gradient of input
// k of an op with inputs ins (see into.go): only for the first contribution
// to that node's gradient, and only once per op.
func (t *Tape) intoAt(ins []*Var, k int) *mat.Dense {
	v := ins[k]
	if v.tape != t || t.into == nil || t.grads[v.id] != nil {
		return nil
	}
	for _, u := range ins[:k] {
		if u.tape == t && u.id == v.id {
			return nil
		}
	}
	return t.into[v.id]
}

// checkGradShape panics if an op returned a scalar, vector or matrix
// gradient whose shape differs from its input's, naming the op.
func checkGradShape(op string, k int, g, x any) {
	var ok bool
	if _, isScalar := g.(float64); isScalar {
		kind := reflect.ValueOf(x).Kind()
		ok = kind == reflect.Float64 || kind == reflect.Float32
	} else if same, linear := sameDims(g, x); linear {
		ok = same
	} else {
		return
	}
	if !ok {
		panic(fmt.Sprintf("ad: op %s returned a gradient of shape %s for its input %d of shape %s", op, describe(g), k, describe(x)))
	}
}
