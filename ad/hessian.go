package ad

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// HVP returns the Hessian–vector product H·v of the scalar function f at x,
// where H[i,j] = ∂²f/∂xᵢ∂xⱼ, without forming H (reverse over reverse): the
// gradient ∇f is recorded on the tape with Gradients and the reverse pass
// from it seeded with v gives vᵀH = H·v (H is symmetric for twice
// continuously differentiable f). It costs a few gradient evaluations, and
// needs every op on the path to have a Backward (see Gradients).
//
// HVP panics if x or v is nil, if their lengths differ, or if f does not
// return a scalar.
func HVP(f func(x *Var) *Var, x, v *mat.VecDense) *mat.VecDense {
	if x == nil || v == nil {
		panic("ad.HVP: x and v must be non-nil vectors")
	}
	if x.Len() != v.Len() {
		panic(fmt.Sprintf("ad.HVP: x has length %d but v has length %d", x.Len(), v.Len()))
	}
	t, xv, g := hesGradientOnTape("HVP", f, x)
	hv := mat.NewVecDense(x.Len(), nil)
	if g.tape != t {
		return hv // the gradient does not depend on x: H = 0
	}
	CheckInterrupt()
	t.backward(g, v, false, nil)
	if d := t.grads[xv.id]; d != nil {
		hv.CopyVec(materialize(d, x).(*mat.VecDense))
	}
	return hv
}

// Hessian returns the n×n Hessian matrix H[i,j] = ∂²f/∂xᵢ∂xⱼ of the scalar
// function f at x (a vector of length n). It runs f and the
// create-graph gradient (Gradients) once, then one reverse pass per row
// (n Hessian–vector products with the unit vectors), checking the context
// installed by SetContext before each row. Row i is ∂(∇f)ᵢ/∂x; it is not
// symmetrized, so H and Hᵀ agree to rounding. Every op on the path needs a
// Backward (see Gradients).
//
// Hessian panics if x is nil or if f does not return a scalar.
func Hessian(f func(x *Var) *Var, x *mat.VecDense) *mat.Dense {
	if x == nil {
		panic("ad.Hessian: x is a nil vector")
	}
	t, xv, g := hesGradientOnTape("Hessian", f, x)
	n := x.Len()
	h := mat.NewDense(n, n, nil)
	if g.tape != t {
		return h
	}
	for i := 0; i < n; i++ {
		CheckInterrupt()
		e := mat.NewVecDense(n, nil)
		e.SetVec(i, 1)
		t.backward(g, e, false, nil)
		if d := t.grads[xv.id]; d != nil {
			jacSetRow(h, i, materialize(d, x).(*mat.VecDense))
		}
	}
	return h
}

// hesGradientOnTape records f at x and its gradient ∇f(x) as a Var on the
// same tape (or a constant if it does not depend on x).
func hesGradientOnTape(op string, f func(x *Var) *Var, x *mat.VecDense) (*Tape, *Var, *Var) {
	t := NewTape()
	xv := t.Input(x)
	y := f(xv)
	if y == nil {
		panic(fmt.Sprintf("ad.%s: f returned a nil *Var", op))
	}
	if _, ok := y.val.(float64); !ok {
		panic(fmt.Sprintf("ad.%s: f must return a scalar, got %s", op, describe(y.val)))
	}
	if y.tape != nil && y.tape != t {
		panic(fmt.Sprintf("ad.%s: f returned a Var from another computation", op))
	}
	return t, xv, Gradients(y, xv)[0]
}
