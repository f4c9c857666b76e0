package ad

import (
	"fmt"
	"reflect"

	"gonum.org/v1/gonum/mat"
)

// The backward pass: one walk of the tape from the output to the inputs.
// For each node it computes the inputs' gradients with the op's fast path
// (fastpath.go), else its VJP, else its Backward, and adds them into the
// inputs' gradients (accumulate, value.go). The storage of the fast paths
// is recycled by the work the pass is given (recycle.go).

// wrappers holds the constant Vars handed to the Backward of an op of at
// most two inputs, in one allocation.
type wrappers struct {
	cv  [4]Var
	cin [2]*Var
}

// backward runs the reverse pass from y with the given seed (nil means
// one(y)), leaving the gradient of every input node in t.grads, and of every
// node if keep is true. Ops with a fast path (fastpath.go) take their
// storage from w (recycle.go; nil: allocate); the caller releases w once
// it has copied the gradients it needs.
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
		if fast := fastPath(n.op); fast != nil {
			vals, need, into, out := w.argSlices(len(ins))
			for k, v := range ins {
				vals[k], need[k], into[k] = v.val, v.tape == t, t.intoAt(ins, k)
			}
			if fast(n.op, w, materialize(g, n.val), vals, n.val, need, into, out) {
				gin = out
			}
		}
		switch {
		case gin != nil:
		case n.op.VJP != nil:
			gm := materialize(g, n.val)
			w.expose(gm)
			vals := make([]any, len(ins))
			for k, v := range ins {
				vals[k] = v.val
			}
			gin = n.op.VJP(gm, vals, n.val)
			if len(gin) == len(ins) {
				t.writeLazy(w, n.name, ins, gin)
			}
		case n.op.Backward != nil:
			gm := materialize(g, n.val)
			w.expose(gm)
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
			*gvar = Var{val: gm, id: -1}
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
		// Storage this op's fast path took from w that nothing stored
		// (a contribution added into an existing gradient) is free again;
		// so is the buffer of this node's own gradient, unless this op passed
		// it on.
		w.endStep(markV, markM, stored, i, !keep && i != y.id, plainGrad(g))
		if !keep && i != y.id {
			t.grads[i] = nil // free memory of intermediate gradients no longer needed
		}
	}
}

// writeLazy writes the LazyGrads a VJP returned (op.go) into storage and
// replaces them in gin by the matrices written: the destination matrix
// offered for the input's gradient when there is one (see into.go), else
// a buffer from w, settled with the step's other buffers by endStep.
func (t *Tape) writeLazy(w *work, op string, ins []*Var, gin []any) {
	for k, g := range gin {
		lg, ok := g.(LazyGrad)
		if !ok {
			continue
		}
		v := ins[k]
		if v.tape != t {
			gin[k] = nil // a constant input: its gradient is not needed
			continue
		}
		x, isMat := v.val.(*mat.Dense)
		if !isMat || x == nil {
			panic(fmt.Sprintf("ad: op %s returned a LazyGrad for its input %d, which is %s, not a matrix", op, k, describe(v.val)))
		}
		if r, c := x.Dims(); r != lg.Rows || c != lg.Cols || lg.Write == nil {
			panic(fmt.Sprintf("ad: op %s returned a LazyGrad of shape %d×%d (Write set: %t) for its input %d of shape %s", op, lg.Rows, lg.Cols, lg.Write != nil, k, describe(v.val)))
		}
		dst := t.intoAt(ins, k)
		if dst == nil {
			dst = w.dense(lg.Rows, lg.Cols)
		}
		lg.Write(dst)
		gin[k] = dst
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
