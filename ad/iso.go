package ad

import (
	"fmt"
	"reflect"
)

// Iso applies an isomorphism: to converts x's value into another
// representation and from converts back (backprop's isoVar). The gradient
// of the result is converted with from, so the derivative is assumed to be
// the identity: use Iso for changes of representation (wrapping a value in
// a struct, reordering, renaming), never for numeric maps such as exp or log.
// name labels the node on the tape. Iso is differentiable to any order: the
// gradient is itself an Iso (with to and from swapped).
func Iso(x *Var, name string, to, from func(any) any) *Var {
	if to == nil || from == nil {
		panic(fmt.Sprintf("ad.Iso %s: to and from must both be non-nil functions", name))
	}
	return Apply(isoOp(name, to, from), x)
}

func isoOp(name string, to, from func(any) any) *Op {
	op := &Op{
		Name:    name,
		Forward: func(in []any) any { return to(in[0]) },
		VJP:     func(g any, _ []any, _ any) []any { return []any{from(g)} },
	}
	op.Backward = func(g *Var, _ []*Var, _ *Var) []*Var {
		return []*Var{Apply(isoOp(name+" (inverse)", from, to), g)}
	}
	return op
}

// Coerce converts x's value to the type of example (backprop's coerceVar):
// between a named type and its underlying type (type Celsius float64 ↔
// float64), between struct types with identical fields, or between named
// slice or map types and their unnamed forms. The gradient is converted
// back to x's type. example only gives the type (its value is not used).
// Coerce panics naming both types if Go cannot convert between them.
//
// A named float type must be coerced to float64 before the element-wise
// operations, which work on float64, *mat.VecDense and *mat.Dense.
func Coerce(x *Var, example any) *Var {
	to := reflect.TypeOf(example)
	from := reflect.TypeOf(x.val)
	if to == nil || from == nil || !from.ConvertibleTo(to) || !to.ConvertibleTo(from) {
		panic(fmt.Sprintf("ad.Coerce: cannot convert %s to %s", typeString(from), typeString(to)))
	}
	if from == to {
		return x
	}
	return Apply(coerceOp(from, to), x)
}

func typeString(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	return t.String()
}

func coerceOp(from, to reflect.Type) *Op {
	op := &Op{
		Name:    "Coerce to " + typeName(to),
		Forward: func(in []any) any { return reflect.ValueOf(in[0]).Convert(to).Interface() },
		VJP: func(g any, _ []any, _ any) []any {
			return []any{reflect.ValueOf(g).Convert(from).Interface()}
		},
	}
	op.Backward = func(g *Var, _ []*Var, _ *Var) []*Var {
		return []*Var{Apply(coerceOp(to, from), g)}
	}
	return op
}
