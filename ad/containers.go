package ad

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Structure access: reading, setting and updating a part of a differentiable
// composite value (a struct field, a slice or vector element, a map entry),
// splitting a composite into Vars of its parts and joining Vars back into a
// composite. These are backprop's ^^. (Field), .~~ (SetField), %~~
// (UpdateField), sequenceVar (Split, SplitMap) and collectVar (Join,
// JoinMap), plus Struct to build a struct from field Vars.
//
// Reading a part adds its gradient sparsely into the gradient of the whole:
// reading m of n fields costs O(m), and no zero values are built for the
// other fields until the gradient is handed to the user (and then only where
// the destination has no storage to zero in place).

// location kinds.
const (
	locField = iota // struct field
	locElem         // slice element
	locKey          // map entry
	locVec          // *mat.VecDense element
)

// loc is a location inside a composite value.
type loc struct {
	kind  int
	index int
	key   string
	name  string // field name, for op names and messages
}

func (l loc) String() string {
	switch l.kind {
	case locField:
		return l.name
	case locKey:
		return fmt.Sprintf("[%q]", l.key)
	}
	return fmt.Sprintf("[%d]", l.index)
}

// part returns a sparse gradient g at l.
func (l loc) part(g any) any {
	if l.kind == locKey {
		return part{key: l.key, isKey: true, g: g}
	}
	return part{index: l.index, g: g}
}

// getAt returns the part of val at l.
func getAt(val any, l loc) any {
	switch l.kind {
	case locField:
		return structValue("Field", val).Field(l.index).Interface()
	case locElem:
		return reflect.ValueOf(val).Index(l.index).Interface()
	case locKey:
		rv := reflect.ValueOf(val)
		v := rv.MapIndex(reflect.ValueOf(l.key).Convert(rv.Type().Key()))
		if !v.IsValid() {
			panic(fmt.Sprintf("ad.Key: map has no key %q", l.key))
		}
		return v.Interface()
	case locVec:
		return val.(*mat.VecDense).AtVec(l.index)
	}
	panic("ad: internal error: bad location")
}

// assignable returns x as a reflect.Value assignable to t, or panics with a
// message naming op, what is set and both types.
func assignable(op, what string, x any, t reflect.Type) reflect.Value {
	if x == nil {
		return reflect.Zero(t)
	}
	v := reflect.ValueOf(x)
	if v.Type().AssignableTo(t) {
		return v
	}
	if v.Type().ConvertibleTo(t) && v.Kind() == t.Kind() {
		return v.Convert(t)
	}
	panic(fmt.Sprintf("ad.%s: %s has type %s but the value is %s", op, what, t, describe(x)))
}

// setAt returns a copy of val with the part at l replaced by x. Only the
// container is copied; the other parts are shared.
func setAt(op string, val any, l loc, x any) any {
	switch l.kind {
	case locField:
		rv := structValue(op, val)
		out := reflect.New(rv.Type()).Elem()
		out.Set(rv)
		f := out.Field(l.index)
		f.Set(assignable(op, "field "+l.name+" of "+typeName(rv.Type()), x, f.Type()))
		if reflect.ValueOf(val).Kind() == reflect.Pointer {
			return out.Addr().Interface()
		}
		return out.Interface()
	case locElem:
		rv := reflect.ValueOf(val)
		out := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		reflect.Copy(out, rv)
		out.Index(l.index).Set(assignable(op, fmt.Sprintf("element %d of %s", l.index, typeName(rv.Type())), x, rv.Type().Elem()))
		return out.Interface()
	case locKey:
		rv := reflect.ValueOf(val)
		out := reflect.MakeMapWithSize(rv.Type(), rv.Len()+1)
		it := rv.MapRange()
		for it.Next() {
			out.SetMapIndex(it.Key(), it.Value())
		}
		kv := reflect.ValueOf(l.key).Convert(rv.Type().Key())
		out.SetMapIndex(kv, assignable(op, fmt.Sprintf("entry %q of %s", l.key, typeName(rv.Type())), x, rv.Type().Elem()))
		return out.Interface()
	case locVec:
		f, ok := x.(float64)
		if !ok {
			panic(fmt.Sprintf("ad.%s: element %d of a vector must be a scalar, got %s", op, l.index, describe(x)))
		}
		v := clone(val).(*mat.VecDense)
		v.SetVec(l.index, f)
		return v
	}
	panic("ad: internal error: bad location")
}

// zeroAt returns the gradient of the container in a set-at-l op: g with the
// part at l removed (set to zero, or deleted from a map when the original
// container had no such key).
func zeroAt(g any, l loc, orig any) any {
	if l.kind == locKey {
		rv := reflect.ValueOf(orig)
		kv := reflect.ValueOf(l.key).Convert(rv.Type().Key())
		if !rv.MapIndex(kv).IsValid() {
			gv := reflect.ValueOf(g)
			out := reflect.MakeMapWithSize(gv.Type(), gv.Len())
			it := gv.MapRange()
			for it.Next() {
				if it.Key().String() != l.key {
					out.SetMapIndex(it.Key(), it.Value())
				}
			}
			return out.Interface()
		}
	}
	return setAt("set", g, l, zero(getAt(g, l)))
}

// getOp returns the op reading the part at l.
func getOp(name string, l loc) *Op {
	op := &Op{
		Name:    name,
		part:    &l,
		Forward: func(in []any) any { return getAt(in[0], l) },
		VJP: func(g any, _ []any, _ any) []any {
			return []any{l.part(g)}
		},
	}
	op.Backward = func(g *Var, in []*Var, _ *Var) []*Var {
		return []*Var{Apply(setOp("embed "+l.String(), l), Const(zero(in[0].val)), g)}
	}
	return op
}

// setOp returns the op replacing the part at l of its first input by its
// second input.
func setOp(name string, l loc) *Op {
	op := &Op{
		Name:    name,
		Forward: func(in []any) any { return setAt(strings.Fields(name)[0], in[0], l, in[1]) },
		VJP: func(g any, in []any, _ any) []any {
			return []any{zeroAt(g, l, in[0]), getAt(g, l)}
		},
	}
	op.Backward = func(g *Var, in []*Var, _ *Var) []*Var {
		return []*Var{
			Apply(setOp(name, l), g, Const(zero(in[1].val))),
			Apply(getOp("Index "+l.String(), l), g),
		}
	}
	return op
}

// fieldLoc finds the named field of the struct held by x.
func fieldLoc(op string, x any, name string) loc {
	rv := structValue(op, x)
	return loc{kind: locField, index: lookupField(op, rv, name), name: name}
}

// SetField returns a copy of the struct held by s (a struct or a pointer to
// one) with the named field replaced by x (backprop's .~~, setVar). The
// gradient of s is the result's gradient with that field zeroed; the
// gradient of x is the field's part of it. It panics if s holds no struct,
// has no such field, or x does not fit the field's type.
func SetField(s *Var, name string, x *Var) *Var {
	l := fieldLoc("SetField", s.val, name)
	op := setOp("SetField "+name, l)
	return Apply(op, s, x)
}

// UpdateField returns a copy of the struct held by s with the named field
// replaced by f applied to it (backprop's %~~, overVar):
// SetField(s, name, f(Field(s, name))).
func UpdateField(s *Var, name string, f func(x *Var) *Var) *Var {
	return SetField(s, name, f(Field(s, name)))
}

// indexLoc checks that x is a slice or vector with an element i.
func indexLoc(op string, x any, i int) loc {
	n := -1
	kind := locElem
	if v, ok := x.(*mat.VecDense); ok && v != nil {
		n, kind = v.Len(), locVec
	} else if rv := reflect.ValueOf(x); rv.Kind() == reflect.Slice {
		n = rv.Len()
	}
	if n < 0 {
		panic(fmt.Sprintf("ad.%s: value is %s, not a slice or *mat.VecDense", op, describe(x)))
	}
	if i < 0 || i >= n {
		panic(fmt.Sprintf("ad.%s: index %d out of range for %s of length %d", op, i, describe(x), n))
	}
	return loc{kind: kind, index: i}
}

// Index returns element i of the slice (or the *mat.VecDense, giving a
// scalar) held by x. Its gradient is added sparsely into x's gradient. It
// panics if x holds neither or i is out of range, naming the length.
func Index(x *Var, i int) *Var {
	l := indexLoc("Index", x.val, i)
	if i >= maxIndexOps {
		return Apply(indexOp(l), x)
	}
	k := 0
	if l.kind == locVec {
		k = 1
	}
	if ops := indexOps[k].Load(); ops != nil && i < len(*ops) {
		return Apply((*ops)[i], x)
	}
	return Apply(newIndexOp(k, l), x)
}

// indexOps holds the ops of Index for slice elements (0) and vector
// elements (1), by index, made on first use: like Field's, they depend only
// on the position, and building one per call (its name, its closures) cost
// more than the read. Indexes from maxIndexOps on are not kept, so that
// reading every element of a long vector does not keep an op per element.
// A published list never changes; newIndexOp publishes a longer copy.
var (
	indexOps   [2]atomic.Pointer[[]*Op]
	indexOpsMu sync.Mutex
)

const maxIndexOps = 256

// newIndexOp returns the op of Index at l (of kind k in indexOps), making
// the ops up to l.index.
func newIndexOp(k int, l loc) *Op {
	indexOpsMu.Lock()
	defer indexOpsMu.Unlock()
	var ops []*Op
	if old := indexOps[k].Load(); old != nil {
		ops = *old
	}
	if l.index < len(ops) {
		return ops[l.index]
	}
	ops = slices.Clone(ops)
	for i := len(ops); i <= l.index; i++ {
		li := l
		li.index = i
		ops = append(ops, indexOp(li))
	}
	indexOps[k].Store(&ops)
	return ops[l.index]
}

// indexOp makes the op of Index at l.
func indexOp(l loc) *Op { return getOp(fmt.Sprintf("Index %d", l.index), l) }

// SetIndex returns a copy of the slice (or vector) held by x with element i
// replaced by e. It panics if i is out of range or e does not fit.
func SetIndex(x *Var, i int, e *Var) *Var {
	l := indexLoc("SetIndex", x.val, i)
	return Apply(setOp(fmt.Sprintf("SetIndex %d", i), l), x, e)
}

// keyLoc checks that x is a map with string keys (holding k if must).
func keyLoc(op string, x any, k string, must bool) loc {
	rv := reflect.ValueOf(x)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("ad.%s: value is %s, not a map with string keys", op, describe(x)))
	}
	if must && !rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).IsValid() {
		keys := mapKeys(rv)
		if len(keys) > 10 {
			keys = append(keys[:10], "...")
		}
		panic(fmt.Sprintf("ad.%s: map has no key %q (keys: %s)", op, k, strings.Join(keys, ", ")))
	}
	return loc{kind: locKey, key: k}
}

func mapKeys(rv reflect.Value) []string {
	keys := make([]string, 0, rv.Len())
	for _, k := range rv.MapKeys() {
		keys = append(keys, k.String())
	}
	sort.Strings(keys)
	return keys
}

// Key returns the entry k of the map with string keys held by m. Its
// gradient is added sparsely into m's gradient. It panics if m holds no such
// map or the key is missing, listing the keys.
func Key(m *Var, k string) *Var {
	l := keyLoc("Key", m.val, k, true)
	return Apply(getOp(fmt.Sprintf("Key %q", k), l), m)
}

// SetKey returns a copy of the map held by m with entry k set to e (added if
// missing).
func SetKey(m *Var, k string, e *Var) *Var {
	l := keyLoc("SetKey", m.val, k, false)
	return Apply(setOp(fmt.Sprintf("SetKey %q", k), l), m, e)
}

// Split returns one Var per element of the slice or *mat.VecDense held by x
// (backprop's sequenceVar): Split(x)[i] is Index(x, i). Using m of the n
// elements costs O(m) in the backward pass.
func Split(x *Var) []*Var {
	var n int
	if v, ok := x.val.(*mat.VecDense); ok && v != nil {
		n = v.Len()
	} else if rv := reflect.ValueOf(x.val); rv.Kind() == reflect.Slice {
		n = rv.Len()
	} else {
		panic(fmt.Sprintf("ad.Split: value is %s, not a slice or *mat.VecDense", describe(x.val)))
	}
	out := make([]*Var, n)
	for i := range out {
		out[i] = Index(x, i)
	}
	return out
}

// SplitMap returns one Var per entry of the map with string keys held by m:
// SplitMap(m)[k] is Key(m, k).
func SplitMap(m *Var) map[string]*Var {
	keyLoc("SplitMap", m.val, "", false)
	out := map[string]*Var{}
	for _, k := range mapKeys(reflect.ValueOf(m.val)) {
		out[k] = Key(m, k)
	}
	return out
}

// commonType returns the dynamic type shared by the values of vs, or the
// empty interface type if they differ.
func commonType(vs []*Var) reflect.Type {
	var t reflect.Type
	for i, v := range vs {
		if v == nil {
			panic(fmt.Sprintf("ad.Join: element %d is a nil *Var", i))
		}
		vt := reflect.TypeOf(v.val)
		if i == 0 {
			t = vt
		} else if vt != t {
			return reflect.TypeOf((*any)(nil)).Elem()
		}
	}
	return t
}

// joinOp builds a slice of type t from its inputs.
func joinOp(name string, t reflect.Type) *Op {
	op := &Op{
		Name: name,
		Forward: func(in []any) any {
			out := reflect.MakeSlice(t, len(in), len(in))
			for i, x := range in {
				out.Index(i).Set(assignable(name, fmt.Sprintf("element %d of %s", i, t), x, t.Elem()))
			}
			return out.Interface()
		},
		VJP: func(g any, in []any, _ any) []any {
			gv := reflect.ValueOf(g)
			out := make([]any, len(in))
			for i := range out {
				if i < gv.Len() {
					out[i] = gv.Index(i).Interface()
				}
			}
			return out
		},
	}
	op.Backward = func(g *Var, in []*Var, _ *Var) []*Var {
		out := make([]*Var, len(in))
		for i := range out {
			out[i] = Index(g, i)
		}
		return out
	}
	return op
}

// Join returns a Var holding the slice of the values of elems (backprop's
// collectVar). The slice's element type is the elements' common type: a
// []float64 for scalars, []*mat.VecDense for vectors, []*mat.Dense for
// matrices, []T for values of a type T; []any if the types differ. Use
// JoinAs for a named slice type. The gradient of element i is element i of
// the result's gradient. Join panics if elems is empty (use JoinAs).
func Join(elems []*Var) *Var {
	if len(elems) == 0 {
		panic("ad.Join: no elements; use ad.JoinAs(example, elems) to make an empty slice of a given type")
	}
	t := reflect.SliceOf(commonType(elems))
	return Apply(joinOp("Join", t), elems...)
}

// JoinAs is Join with the slice type taken from example (a value of the
// slice type wanted, e.g. Layers(nil) for `type Layers []Layer`). It panics
// if example is not a slice or an element does not fit its element type.
func JoinAs(example any, elems []*Var) *Var {
	t := reflect.TypeOf(example)
	if t == nil || t.Kind() != reflect.Slice {
		panic(fmt.Sprintf("ad.JoinAs: example is %s, not a slice", describe(example)))
	}
	if len(elems) == 0 {
		return Const(reflect.MakeSlice(t, 0, 0).Interface())
	}
	commonType(elems) // nil checks
	return Apply(joinOp("JoinAs", t), elems...)
}

// joinMapOp builds a map of type t with the given keys from its inputs.
func joinMapOp(name string, t reflect.Type, keys []string) *Op {
	op := &Op{
		Name: name,
		Forward: func(in []any) any {
			out := reflect.MakeMapWithSize(t, len(in))
			for i, x := range in {
				out.SetMapIndex(reflect.ValueOf(keys[i]).Convert(t.Key()),
					assignable(name, fmt.Sprintf("entry %q of %s", keys[i], t), x, t.Elem()))
			}
			return out.Interface()
		},
		VJP: func(g any, in []any, _ any) []any {
			gv := reflect.ValueOf(g)
			out := make([]any, len(in))
			for i, k := range keys {
				if e := gv.MapIndex(reflect.ValueOf(k).Convert(t.Key())); e.IsValid() {
					out[i] = e.Interface()
				}
			}
			return out
		},
	}
	op.Backward = func(g *Var, in []*Var, _ *Var) []*Var {
		out := make([]*Var, len(in))
		for i, k := range keys {
			out[i] = Key(g, k)
		}
		return out
	}
	return op
}

func sortedVars(elems map[string]*Var) ([]string, []*Var) {
	keys := make([]string, 0, len(elems))
	for k := range elems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vs := make([]*Var, len(keys))
	for i, k := range keys {
		vs[i] = elems[k]
		if vs[i] == nil {
			panic(fmt.Sprintf("ad.JoinMap: entry %q is a nil *Var", k))
		}
	}
	return keys, vs
}

// JoinMap returns a Var holding the map[string]T of the values of elems,
// where T is their common type (any if they differ); see JoinMapAs for a
// named map type. The gradient of entry k is entry k of the result's
// gradient. It panics if elems is empty.
func JoinMap(elems map[string]*Var) *Var {
	if len(elems) == 0 {
		panic("ad.JoinMap: no entries; use ad.JoinMapAs(example, elems) to make an empty map of a given type")
	}
	keys, vs := sortedVars(elems)
	t := reflect.MapOf(reflect.TypeOf(""), commonType(vs))
	return Apply(joinMapOp("JoinMap", t, keys), vs...)
}

// JoinMapAs is JoinMap with the map type taken from example, which must be
// a map with string keys.
func JoinMapAs(example any, elems map[string]*Var) *Var {
	t := reflect.TypeOf(example)
	if t == nil || t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		panic(fmt.Sprintf("ad.JoinMapAs: example is %s, not a map with string keys", describe(example)))
	}
	if len(elems) == 0 {
		return Const(reflect.MakeMap(t).Interface())
	}
	keys, vs := sortedVars(elems)
	return Apply(joinMapOp("JoinMapAs", t, keys), vs...)
}

// Struct returns a Var holding a copy of example (a struct, or a pointer to
// one, giving a pointer to a new struct) whose named fields are set to the
// values of the given Vars (backprop's joinBV). Fields not named keep
// example's values and get no gradient. The gradient of each field Var is
// that field of the result's gradient. It panics naming the field if example
// has no such field or a value does not fit it.
//
// In a notebook cell: ad.Struct(Net{}, map[string]*ad.Var{"W": w, "B": b}).
func Struct(example any, fields map[string]*Var) *Var {
	rv := structValue("Struct", example)
	keys, vs := sortedVars(fields)
	idx := make([]int, len(keys))
	for i, k := range keys {
		idx[i] = lookupField("Struct", rv, k)
	}
	isPtr := reflect.ValueOf(example).Kind() == reflect.Pointer
	op := &Op{
		Name: "Struct",
		Forward: func(in []any) any {
			out := reflect.New(rv.Type()).Elem()
			out.Set(rv)
			for i, x := range in {
				f := out.Field(idx[i])
				f.Set(assignable("Struct", "field "+keys[i]+" of "+typeName(rv.Type()), x, f.Type()))
			}
			if isPtr {
				return out.Addr().Interface()
			}
			return out.Interface()
		},
		VJP: func(g any, in []any, _ any) []any {
			gv := structValue("Struct", g)
			out := make([]any, len(in))
			for i := range out {
				out[i] = gv.Field(idx[i]).Interface()
			}
			return out
		},
	}
	op.Backward = func(g *Var, in []*Var, _ *Var) []*Var {
		out := make([]*Var, len(in))
		for i, k := range keys {
			out[i] = Field(g, k)
		}
		return out
	}
	return Apply(op, vs...)
}
