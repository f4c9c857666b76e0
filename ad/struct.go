package ad

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	if ok && len(f.Index) > 1 {
		outer := rv.Type().Field(f.Index[0]).Name
		panic(fmt.Sprintf("ad.%s: field %q of %s is promoted from the embedded field %s; use ad.Field(ad.Field(s, %q), %q)", op, name, typeName(rv.Type()), outer, outer, name))
	}
	if !ok {
		// Notebook cells rename unexported fields with an X prefix.
		f, ok = rv.Type().FieldByName("X" + name)
	}
	if !ok || len(f.Index) != 1 {
		panic(fmt.Sprintf("ad.%s: %s has no field %q (fields: %s)", op, typeName(rv.Type()), name, fieldNames(rv.Type())))
	}
	if !f.IsExported() {
		panic(fmt.Sprintf("ad.%s: field %q of %s is unexported; ad can only read and write exported fields", op, name, typeName(rv.Type())))
	}
	fieldIndex.Store(k, f.Index[0])
	return f.Index[0]
}

// Field returns the named field of the struct held by s (or by the pointer
// to a struct it holds), like backprop's ^^. (viewVar). Its gradient is
// added sparsely into s's gradient, so reading m of n fields costs O(m).
// Field panics if s does not hold a struct with that field, or the field is
// unexported (a struct declared in a notebook cell may use unexported
// fields: the interpreter exports them).
func Field(s *Var, name string) *Var {
	if s == nil {
		panic("ad.Field: nil *Var")
	}
	t := reflect.TypeOf(s.val)
	tab := lastFieldOps.Load()
	if tab == nil || tab.t != t {
		tab = nil
		if v, ok := fieldOps.Load(t); ok {
			tab = v.(*fieldOpsOf)
			lastFieldOps.Store(tab)
		}
	}
	if tab != nil {
		if op := tab.op(name); op != nil {
			return Apply(op, s)
		}
	}
	return Apply(newFieldOp(t, s.val, name), s)
}

// fieldOpsOf holds the ops of Field made so far for one type (a struct or
// a pointer to one), by field name: the op depends only on the field's
// position, and building it per call would dominate the cost of reading a
// field. A published table never changes; adding an op publishes a copy.
type fieldOpsOf struct {
	t     reflect.Type
	names []string
	ops   []*Op
}

// op returns the op of the named field, or nil if it is not made yet.
func (f *fieldOpsOf) op(name string) *Op {
	for i, n := range f.names {
		if n == name {
			return f.ops[i]
		}
	}
	return nil
}

var (
	fieldOps     sync.Map                   // reflect.Type → *fieldOpsOf
	fieldOpsMu   sync.Mutex                 // serializes newFieldOp
	lastFieldOps atomic.Pointer[fieldOpsOf] // the table Field read last: most models read the fields of one or two types
)

// newFieldOp returns the op of Field for the named field of x, of type t,
// making it and publishing it if it is not made yet. It panics if x has no
// such field.
func newFieldOp(t reflect.Type, x any, name string) *Op {
	l := fieldLoc("Field", x, name)
	fieldOpsMu.Lock()
	defer fieldOpsMu.Unlock()
	tab := &fieldOpsOf{t: t}
	if v, ok := fieldOps.Load(t); ok {
		old := v.(*fieldOpsOf)
		if op := old.op(name); op != nil {
			return op
		}
		tab.names, tab.ops = slices.Clone(old.names), slices.Clone(old.ops)
	}
	op := getOp("Field "+name, l)
	tab.names = append(tab.names, name)
	tab.ops = append(tab.ops, op)
	fieldOps.Store(t, tab)
	lastFieldOps.Store(tab)
	return op
}

// fieldNames lists the names of the fields of struct type t.
func fieldNames(t reflect.Type) string {
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Name
	}
	return strings.Join(names, ", ")
}
