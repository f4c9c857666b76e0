package ad

import (
	"fmt"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// An Op is a primitive differentiable operation. Ops are data: the library's
// own operations (Add, MatVec, Softmax, ...) are Op values, and users define
// new ones the same way, or with Op1, Op2 and Op3.
//
// Forward computes the result from the input values. The gradient is given
// by Backward, by VJP, or by both:
//
//   - Backward is written with ad operations on Vars. It receives the
//     gradient g of the result, the inputs and the result, and returns one
//     gradient per input (nil for no contribution; it may skip inputs for
//     which in[k].NeedsGrad() is false). Because it is built from ad ops it
//     can itself be differentiated, which gives higher-order derivatives
//     (see Gradients).
//   - VJP works on plain values: it receives g, the input values and the
//     result value and returns one gradient value per input (nil for none).
//     It is the simplest way to write a custom op, but an op with only a VJP
//     cannot be differentiated twice.
//
// First-order gradients (Grad, GradN, Record, ...) use VJP when it is set,
// else Backward; Gradients uses Backward only. An op giving both must make
// them agree: VJP is then typically a fast, fused or sparse version of
// Backward. If both are nil the op has no gradient (see NoGrad): it runs
// forward and the backward pass fails only if a gradient actually reaches
// it.
//
// The library's own ops all give Backward. For speed, the first-order pass
// of the ops that make up typical models also has a private fast path on
// plain values in reused storage, registered in one table (fastpath.go) and
// tested against each op's Backward; it is an implementation detail, not a
// third way to define a gradient. In the same way, a Session computes the
// forward values of the library's ops into its own buffers (one registry,
// session.go, tested against each op's Forward); a custom op's Forward runs
// as usual there.
//
// A VJP may return, as the gradient of a matrix input, a LazyGrad instead of
// a matrix: the backward pass then writes it straight into the storage the
// gradient ends up in (see LazyGrad and OuterGrad).
//
// Forward, Backward and VJP must not modify their arguments (values are
// shared between the tape, the user and other gradients); they return new
// values, or an argument unchanged. They must not keep the argument slices
// (in) after returning; keeping the values in them is fine.
type Op struct {
	Name     string
	Forward  func(in []any) any
	Backward func(g *Var, in []*Var, out *Var) []*Var
	VJP      func(g any, in []any, out any) []any

	part *loc        // the part of its one input the op reads (Field, Index, Key), else nil
	into forwardFunc // the op's entry in forwardsInto (session.go), set when that table is built
}

// Apply runs op on the inputs and records it on the tape of the inputs. If
// every input is a constant nothing is recorded and the result is a
// constant. Apply panics if the inputs belong to different tapes.
func Apply(op *Op, in ...*Var) *Var {
	var t *Tape
	for i, v := range in {
		if v == nil {
			panic(fmt.Sprintf("ad.%s: input %d is a nil *Var", op.Name, i))
		}
		if v.tape != nil {
			if v.tape == staleTape {
				panic(fmt.Sprintf("ad.%s: input %d is a Var of an earlier call of a Session, used after the session's next call began (a call's Vars are valid until its next call)", op.Name, i))
			}
			if t != nil && t != v.tape {
				panic(fmt.Sprintf("ad.%s: inputs come from different computations (tapes); Vars cannot be shared between two Grad calls", op.Name))
			}
			t = v.tape
		}
	}
	if len(in) <= 3 {
		// Ops of at most three inputs: the argument list, the result Var and
		// (when recorded) the node's input list in one allocation, or in
		// the tape's current chunk of them.
		var a *applied
		if t == nil {
			a = &applied{}
		} else {
			a = t.newApplied()
		}
		vals := a.vals[:len(in):len(in)]
		for i, v := range in {
			vals[i] = v.val
		}
		out := t.forward(op, vals)
		a.vals = [3]any{} // do not keep the inputs' values alive
		if t == nil {
			a.v = Var{val: out, id: -1}
			return &a.v
		}
		ins := a.ins[:len(in):len(in)]
		copy(ins, in)
		return t.recordInto(&a.v, op, ins, out)
	}
	vals := make([]any, len(in))
	for i, v := range in {
		vals[i] = v.val
	}
	out := t.forward(op, vals)
	if t == nil {
		return &Var{val: out, id: -1}
	}
	ins := make([]*Var, len(in))
	copy(ins, in)
	return t.recordInto(&Var{}, op, ins, out)
}

// A LazyGrad is the gradient of a matrix input returned by a VJP without
// being built: the backward pass calls Write once with the storage it
// chooses, which is the caller's destination matrix when the gradient goes
// straight there (the same matrix on every training step, see Grad), else a
// buffer the pass recycles. Write must set every element of dst, a
// Rows×Cols matrix that shares no memory with the op's inputs, result or
// gradient, and must not keep dst.
//
// A big gradient such as a dense layer's g·xᵀ (784×300 doubles is 1.9 MB)
// is then written once per step, instead of allocated, filled, copied into
// the destination and collected. Returning a plain *mat.Dense is always
// correct; a LazyGrad is only faster. Only VJPs may return one: the
// backward pass panics, naming the op, if its shape is not the input's.
type LazyGrad struct {
	Rows, Cols int
	Write      func(dst *mat.Dense)
}

// OuterGrad returns the gradient α·u·vᵀ (len(u)×len(v)) as a LazyGrad,
// written row by row in one pass over the matrix: the gradient of W in
// W·x is OuterGrad(1, g, x). u and v must stay unchanged until the
// backward pass has used the result, which it does as soon as the VJP
// returns.
func OuterGrad(alpha float64, u, v *mat.VecDense) LazyGrad {
	return LazyGrad{Rows: u.Len(), Cols: v.Len(), Write: func(dst *mat.Dense) {
		raw := dst.RawMatrix()
		vs := v.RawVector()
		vd := vs.Data
		if vs.Inc != 1 {
			vd = mat.VecDenseCopyOf(v).RawVector().Data
		} else {
			vd = vd[:v.Len()]
		}
		for i := range raw.Rows {
			floats.ScaleTo(raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols], alpha*u.AtVec(i), vd)
		}
	}}
}

// applied holds what Apply allocates for an op of at most three inputs.
type applied struct {
	v    Var
	vals [3]any
	ins  [3]*Var
}

// Op1 makes a one-input op from a function that returns the result and its
// vector–Jacobian product: given the gradient g of the result, vjp returns
// the gradient of the input (backprop's op1).
func Op1(name string, f func(x any) (y any, vjp func(g any) any)) func(x *Var) *Var {
	return func(x *Var) *Var {
		var back func(g any) any
		op := &Op{
			Name: name,
			Forward: func(in []any) any {
				y, vjp := f(in[0])
				back = vjp
				return y
			},
			VJP: func(g any, _ []any, _ any) []any { return []any{back(g)} },
		}
		return Apply(op, x)
	}
}

// Op2 makes a two-input op from a function returning the result and its
// vector–Jacobian product (backprop's op2).
func Op2(name string, f func(x, y any) (z any, vjp func(g any) (dx, dy any))) func(x, y *Var) *Var {
	return func(x, y *Var) *Var {
		var back func(g any) (any, any)
		op := &Op{
			Name: name,
			Forward: func(in []any) any {
				z, vjp := f(in[0], in[1])
				back = vjp
				return z
			},
			VJP: func(g any, _ []any, _ any) []any {
				dx, dy := back(g)
				return []any{dx, dy}
			},
		}
		return Apply(op, x, y)
	}
}

// Op3 makes a three-input op from a function returning the result and its
// vector–Jacobian product (backprop's op3).
func Op3(name string, f func(x, y, z any) (w any, vjp func(g any) (dx, dy, dz any))) func(x, y, z *Var) *Var {
	return func(x, y, z *Var) *Var {
		var back func(g any) (any, any, any)
		op := &Op{
			Name: name,
			Forward: func(in []any) any {
				w, vjp := f(in[0], in[1], in[2])
				back = vjp
				return w
			},
			VJP: func(g any, _ []any, _ any) []any {
				dx, dy, dz := back(g)
				return []any{dx, dy, dz}
			},
		}
		return Apply(op, x, y, z)
	}
}

// NoGrad makes a one-input op with no gradient (backprop's noGrad1). It runs
// forward normally; the backward pass panics with a *NoGradError only if a
// gradient reaches it.
func NoGrad(name string, f func(x any) any) func(x *Var) *Var {
	op := &Op{Name: name, Forward: func(in []any) any { return f(in[0]) }}
	return func(x *Var) *Var { return Apply(op, x) }
}

// NoGradError is the panic value of a backward pass that reached an op
// without a gradient.
type NoGradError struct{ Op string }

// Error names the op without a gradient.
func (e *NoGradError) Error() string {
	return fmt.Sprintf("ad: op %s has no gradient, but the result depends on it through a differentiable path", e.Op)
}
