package ad

import (
	"fmt"
	"reflect"

	"gonum.org/v1/gonum/mat"
)

// Var is a value taking part in a differentiable computation: a value plus a
// reference to the step of the tape that produced it. A Var made by Const is
// a constant: it never receives a gradient, and an op whose inputs are all
// constants records nothing.
//
// The value may be a float64, a *mat.VecDense, a *mat.Dense, a slice, a map
// with string keys, a struct (or pointer to struct) whose fields are any of
// these, or a type implementing Backprop.
type Var struct {
	val  any
	tape *Tape
	id   int  // index of the node on tape; -1 for a constant
	need int8 // for the inputs handed to Backward: 1 gradient needed, -1 not needed, 0 decided by tape
}

// NeedsGrad reports whether a gradient with respect to v can be used: true
// for a Var recorded on a tape, false for a constant. Inside an Op's
// Backward it tells whether the gradient for that input will be used, so
// that Backward may return nil for it and skip the work (for example the
// gradient of a matrix product with respect to a constant data matrix).
func (v *Var) NeedsGrad() bool {
	switch v.need {
	case 1:
		return true
	case -1:
		return false
	}
	return v.tape != nil
}

// Const returns a constant Var holding x. Constants receive no gradient.
func Const(x any) *Var { return &Var{val: x, id: -1} }

// Scalar returns a constant Var holding the float64 x.
func Scalar(x float64) *Var { return &Var{val: x, id: -1} }

// Value returns the value v holds. It must not be modified.
func (v *Var) Value() any { return v.val }

// IsConst reports whether v is a constant (not recorded on a tape).
func (v *Var) IsConst() bool { return v.tape == nil }

// Float returns v's value as a float64. It panics if v does not hold a float64.
func (v *Var) Float() float64 {
	f, ok := v.val.(float64)
	if !ok {
		panic(fmt.Sprintf("ad: Var.Float: value is %s, not a scalar", describe(v.val)))
	}
	return f
}

// Vec returns v's value as a *mat.VecDense. It panics if v does not hold one.
func (v *Var) Vec() *mat.VecDense {
	x, ok := v.val.(*mat.VecDense)
	if !ok {
		panic(fmt.Sprintf("ad: Var.Vec: value is %s, not a vector", describe(v.val)))
	}
	return x
}

// Mat returns v's value as a *mat.Dense. It panics if v does not hold one.
func (v *Var) Mat() *mat.Dense {
	x, ok := v.val.(*mat.Dense)
	if !ok {
		panic(fmt.Sprintf("ad: Var.Mat: value is %s, not a matrix", describe(v.val)))
	}
	return x
}

// Shape describes the shape of v's value: "scalar", "vector(3)",
// "matrix(300×784)", "[]T(n)", "map(n)" or the struct's type name.
func (v *Var) Shape() string { return describe(v.val) }

// String formats v for printing.
func (v *Var) String() string {
	switch x := v.val.(type) {
	case float64:
		return fmt.Sprintf("ad.Var(%v)", x)
	case *mat.VecDense:
		return fmt.Sprintf("ad.Var(vector(%d) %v)", x.Len(), mat.Formatted(x.T(), mat.Squeeze(), mat.Excerpt(4)))
	case *mat.Dense:
		r, c := x.Dims()
		return fmt.Sprintf("ad.Var(matrix(%d×%d))", r, c)
	}
	return fmt.Sprintf("ad.Var(%s)", describe(v.val))
}

// describe returns a short description of the shape of a value, used in
// error messages and by Var.Shape.
func describe(x any) string {
	switch x := x.(type) {
	case nil:
		return "nil"
	case float64:
		return "scalar"
	case *mat.VecDense:
		if x == nil {
			return "nil vector"
		}
		return fmt.Sprintf("vector(%d)", x.Len())
	case *mat.Dense:
		if x == nil {
			return "nil matrix"
		}
		r, c := x.Dims()
		return fmt.Sprintf("matrix(%d×%d)", r, c)
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Slice:
		return fmt.Sprintf("%s(%d)", typeName(rv.Type()), rv.Len())
	case reflect.Map:
		return fmt.Sprintf("%s(%d)", typeName(rv.Type()), rv.Len())
	}
	return typeName(rv.Type())
}

func typeName(t reflect.Type) string {
	if t.Name() != "" {
		return t.Name()
	}
	s := t.String()
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
