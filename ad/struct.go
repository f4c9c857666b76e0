package ad

import (
	"fmt"
	"reflect"
	"sync"
)

// fieldIndex caches the index of a named field per struct type.
var fieldIndex sync.Map // key fieldKey → int

type fieldKey struct {
	t    reflect.Type
	name string
}

// structValue returns the struct held by x (dereferencing a pointer).
func structValue(op string, x any) reflect.Value {
	rv := reflect.ValueOf(x)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		panic(fmt.Sprintf("ad.%s: value is %s, not a struct", op, describe(x)))
	}
	return rv
}

func lookupField(op string, rv reflect.Value, name string) int {
	k := fieldKey{rv.Type(), name}
	if i, ok := fieldIndex.Load(k); ok {
		return i.(int)
	}
	f, ok := rv.Type().FieldByName(name)
	if !ok || len(f.Index) != 1 {
		// Notebook cells rename unexported fields with an X prefix.
		f, ok = rv.Type().FieldByName("X" + name)
	}
	if !ok || len(f.Index) != 1 {
		panic(fmt.Sprintf("ad.%s: %s has no field %q", op, typeName(rv.Type()), name))
	}
	fieldIndex.Store(k, f.Index[0])
	return f.Index[0]
}

// Field returns the named field of the struct held by s (or by the pointer
// to a struct it holds), like backprop's ^^. (viewVar). Its gradient is
// added sparsely into s's gradient, so reading m of n fields costs O(m).
// Field panics if s does not hold a struct with that field.
func Field(s *Var, name string) *Var {
	rv := structValue("Field", s.val)
	i := lookupField("Field", rv, name)
	op := &Op{
		Name: "Field " + name,
		Forward: func(in []any) any {
			return structValue("Field", in[0]).Field(i).Interface()
		},
		VJP: func(g any, _ []any, _ any) []any {
			return []any{part{index: i, g: g}}
		},
	}
	return Apply(op, s)
}
