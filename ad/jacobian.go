package ad

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Jacobian returns the Jacobian matrix of f at x: for f from vectors of
// length n to vectors of length m, the m×n matrix J with J[i,j] = ∂fᵢ/∂xⱼ
// (rows are outputs). f may also return a scalar (m = 1). It runs f once
// and the reverse pass m times, once per output (one vector–Jacobian
// product eᵢᵀJ per row), so it suits functions with few outputs; for many
// outputs and few inputs, n calls to JVP are cheaper. Outputs that do not
// depend on x give zero rows. Jacobian checks the context installed by
// SetContext before each row.
//
// Jacobian panics if x is nil or if f returns something other than a
// vector or a scalar.
func Jacobian(f func(x *Var) *Var, x *mat.VecDense) *mat.Dense {
	if x == nil {
		panic("ad.Jacobian: x is a nil vector")
	}
	t := NewTape()
	xv := t.Input(x)
	y := f(xv)
	if y == nil {
		panic("ad.Jacobian: f returned a nil *Var")
	}
	m := jacOutputLen("Jacobian", y.val)
	n := x.Len()
	jac := mat.NewDense(m, n, nil)
	if y.tape != t {
		if y.tape != nil {
			panic("ad.Jacobian: f returned a Var from another computation")
		}
		return jac // constant output: J = 0
	}
	for i := 0; i < m; i++ {
		CheckInterrupt()
		t.backward(y, jacUnitLike(y.val, i), false, nil)
		if g := t.grads[xv.id]; g != nil {
			jacSetRow(jac, i, materialize(g, x).(*mat.VecDense))
		}
	}
	return jac
}

// JVP returns f(x) and the Jacobian–vector product J·v, the derivative of f
// at x in the direction v (forward mode; JAX's jvp). It is computed in
// reverse mode by the double-VJP trick: the vector–Jacobian product
// u ↦ uᵀJ is linear in u, so differentiating ⟨uᵀJ, v⟩ with respect to u
// gives J·v. This costs about three reverse passes whatever the sizes, and
// needs every op on the path to have a Backward (see Gradients). For a
// scalar f, y and jv have length 1.
//
// JVP panics if x or v is nil, if their lengths differ, or if f returns
// something other than a vector or a scalar.
func JVP(f func(x *Var) *Var, x, v *mat.VecDense) (y, jv *mat.VecDense) {
	if x == nil || v == nil {
		panic("ad.JVP: x and v must be non-nil vectors")
	}
	if x.Len() != v.Len() {
		panic(fmt.Sprintf("ad.JVP: x has length %d but the direction v has length %d", x.Len(), v.Len()))
	}
	t := NewTape()
	xv := t.Input(x)
	out := f(xv)
	if out == nil {
		panic("ad.JVP: f returned a nil *Var")
	}
	m := jacOutputLen("JVP", out.val)
	y = jacAsVec(out.val)
	jv = mat.NewVecDense(m, nil)
	if out.tape != t {
		if out.tape != nil {
			panic("ad.JVP: f returned a Var from another computation")
		}
		return y, jv
	}
	// u is a dummy cotangent; uᵀJ = ∂⟨u, f(x)⟩/∂x is recorded on the tape
	// as a function of u (and x), and its reverse pass seeded with v gives
	// ∂⟨uᵀJ, v⟩/∂u = J·v.
	u := t.Input(zero(out.val))
	uJ := Gradients(Mul(out, u), xv)[0]
	if uJ.tape != t {
		return y, jv // f is affine in x with a constant Jacobian that does not reach u: cannot happen unless J = 0
	}
	CheckInterrupt()
	t.backward(uJ, v, false, nil)
	if g := t.grads[u.id]; g != nil {
		jv = jacAsVec(materialize(g, out.val))
	}
	return y, jv
}

// jacOutputLen returns the number of components of a vector or scalar output.
func jacOutputLen(op string, y any) int {
	switch y := y.(type) {
	case float64:
		return 1
	case *mat.VecDense:
		if y == nil {
			panic(fmt.Sprintf("ad.%s: f returned a nil vector", op))
		}
		return y.Len()
	}
	panic(fmt.Sprintf("ad.%s: f must return a vector or a scalar, got %s", op, describe(y)))
}

// jacUnitLike returns the i-th unit vector shaped like y (a vector or a scalar).
func jacUnitLike(y any, i int) any {
	if v, ok := y.(*mat.VecDense); ok {
		e := mat.NewVecDense(v.Len(), nil)
		e.SetVec(i, 1)
		return e
	}
	return 1.0
}

// jacAsVec returns a new vector holding the components of a vector or scalar.
func jacAsVec(y any) *mat.VecDense {
	if f, ok := y.(float64); ok {
		return mat.NewVecDense(1, []float64{f})
	}
	v := y.(*mat.VecDense)
	out := mat.NewVecDense(v.Len(), nil)
	out.CopyVec(v)
	return out
}

// jacSetRow copies the vector v into row i of m.
func jacSetRow(m *mat.Dense, i int, v *mat.VecDense) {
	for j := 0; j < v.Len(); j++ {
		m.Set(i, j, v.AtVec(j))
	}
}
