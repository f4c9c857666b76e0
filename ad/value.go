package ad

import (
	"fmt"
	"reflect"

	"gonum.org/v1/gonum/mat"
)

// Backprop is implemented by user types that define their own gradient
// algebra, like backprop's Backprop class. Structs, slices and maps of
// supported values get these operations derived automatically; only types
// with other internal structure (a sparse matrix, a tree) need to implement
// Backprop. None of the methods may modify the receiver or the argument.
type Backprop interface {
	// Zero returns a value of the same shape with every component zero.
	Zero() any
	// Add returns the sum of the receiver and other (of the same type).
	Add(other any) any
	// One returns a value of the same shape with every component one.
	One() any
}

var (
	backpropType = reflect.TypeOf((*Backprop)(nil)).Elem()
	vecType      = reflect.TypeOf((*mat.VecDense)(nil))
	denseType    = reflect.TypeOf((*mat.Dense)(nil))
)

// part is a sparse gradient: the gradient g of one part (struct field, slice
// element or map entry) of a composite value, zero elsewhere. Field access
// produces parts so that reading m of n fields costs O(m), not O(n·m).
type part struct {
	index int    // field or element index
	key   string // map key
	isKey bool
	g     any
}

// acc accumulates gradients of a composite value part by part.
type acc struct {
	parts map[any]any // index (int) or key (string) → gradient
	owned map[any]bool
}

func partKey(p part) any {
	if p.isKey {
		return p.key
	}
	return p.index
}

// accumulate adds g into the accumulated gradient a of a node whose value is
// val. owned says whether a is private to the accumulator (and may be
// updated in place). It returns the new accumulator, its ownership, and
// whether the result may refer to g or to a value inside it (kept: g was
// stored rather than added, which happens for a part of a composite value
// that had no gradient yet).
func accumulate(a any, owned bool, g any, val any) (sum any, own bool, kept bool) {
	ac, isAcc := a.(*acc)
	_, aPart := a.(part)
	_, gPart := g.(part)
	if !isAcc && !aPart && !gPart {
		if owned {
			return addInPlace(a, g), true, !plainGrad(g)
		}
		return add(a, g), true, !plainGrad(g)
	}
	if v, ok := val.(*mat.VecDense); ok {
		return addVecPart(a, owned, g, v), true, false
	}
	if !isAcc || !owned {
		ac = toAcc(a, val)
	}
	return ac, true, ac.addGrad(g, val)
}

// plainGrad reports whether a gradient is a plain scalar, vector or matrix,
// which adding into another gradient reads but never keeps.
func plainGrad(g any) bool {
	switch g.(type) {
	case float64, *mat.VecDense, *mat.Dense:
		return true
	}
	return false
}

// addVecPart adds g into a, two gradients of a vector at least one of which
// is a part (one element): a dense vector, owned by the caller afterwards.
func addVecPart(a any, owned bool, g any, val *mat.VecDense) *mat.VecDense {
	var dst *mat.VecDense
	switch x := a.(type) {
	case part:
		dst = materialize(x, val).(*mat.VecDense)
	case *mat.VecDense:
		if owned {
			dst = x
		} else {
			dst = clone(x).(*mat.VecDense)
		}
	default:
		panic(fmt.Sprintf("ad: cannot add a gradient of %s to a gradient of %s", describe(a), describe(val)))
	}
	switch x := g.(type) {
	case part:
		dst.SetVec(x.index, dst.AtVec(x.index)+x.g.(float64))
	default:
		return addInPlace(dst, g).(*mat.VecDense)
	}
	return dst
}

// toAcc converts a gradient (part, full value or acc) into a fresh acc.
func toAcc(a any, val any) *acc {
	ac := &acc{parts: map[any]any{}, owned: map[any]bool{}}
	ac.addGrad(a, val)
	return ac
}

// addOne adds the gradient g of the part at k into ac and reports whether
// ac now refers to g (see accumulate).
func (ac *acc) addOne(k any, g any, sub any) bool {
	old, ok := ac.parts[k]
	if !ok || old == nil {
		ac.parts[k] = g
		return g != nil
	}
	var kept bool
	ac.parts[k], ac.owned[k], kept = accumulate(old, ac.owned[k], g, sub)
	return kept
}

// addGrad adds a gradient (part, acc or full value) into ac and reports
// whether ac may now refer to g or a value inside it.
func (ac *acc) addGrad(g any, val any) bool {
	kept := false
	switch g := g.(type) {
	case nil:
	case part:
		kept = ac.addOne(partKey(g), g.g, subValue(val, g))
	case *acc:
		for k, v := range g.parts {
			kept = ac.addOne(k, v, subValueKey(val, k)) || kept
		}
	default:
		kept = true // a full composite value: its parts are stored as they are
		rv := reflect.ValueOf(g)
		for rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
			rv = rv.Elem()
		}
		switch rv.Kind() {
		case reflect.Struct:
			for i := 0; i < rv.NumField(); i++ {
				ac.addOne(i, rv.Field(i).Interface(), subValueKey(val, i))
			}
		case reflect.Slice:
			for i := 0; i < rv.Len(); i++ {
				ac.addOne(i, rv.Index(i).Interface(), subValueKey(val, i))
			}
		case reflect.Map:
			it := rv.MapRange()
			for it.Next() {
				k := it.Key().String()
				ac.addOne(k, it.Value().Interface(), subValueKey(val, k))
			}
		default:
			panic(fmt.Sprintf("ad: cannot add a gradient of %s to a gradient of %s", describe(g), describe(val)))
		}
	}
	return kept
}

func subValue(val any, p part) any { return subValueKey(val, partKey(p)) }

// subValueKey returns the part of val at k (field/element index or map key).
func subValueKey(val any, k any) any {
	rv := reflect.ValueOf(val)
	for rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		return rv.Field(k.(int)).Interface()
	case reflect.Slice:
		if i := k.(int); i < rv.Len() {
			return rv.Index(i).Interface()
		}
		return nil
	case reflect.Map:
		v := rv.MapIndex(reflect.ValueOf(k.(string)).Convert(rv.Type().Key()))
		if v.IsValid() {
			return v.Interface()
		}
	}
	return nil
}

// materialize turns a gradient (possibly sparse) of a node with value val
// into a full value of val's type.
func materialize(g any, val any) any {
	switch g := g.(type) {
	case nil:
		return zero(val)
	case part:
		if v, ok := val.(*mat.VecDense); ok {
			z := mat.NewVecDense(v.Len(), nil)
			z.SetVec(g.index, g.g.(float64))
			return z
		}
		return toAcc(g, val).build(val)
	case *acc:
		return g.build(val)
	}
	return g
}

// build makes a full value of val's type from the accumulated parts.
func (ac *acc) build(val any) any {
	rv := reflect.ValueOf(val)
	ptr := false
	if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
		rv = rv.Elem()
		ptr = true
	}
	switch rv.Kind() {
	case reflect.Struct:
		out := reflect.New(rv.Type()).Elem()
		for i := 0; i < rv.NumField(); i++ {
			f := rv.Field(i)
			if !out.Field(i).CanSet() {
				continue
			}
			if g, ok := ac.parts[i]; ok && g != nil {
				setValue(out.Field(i), materialize(g, f.Interface()))
			} else if z := zero(f.Interface()); z != nil {
				setValue(out.Field(i), z)
			}
		}
		if ptr {
			return out.Addr().Interface()
		}
		return out.Interface()
	case reflect.Slice:
		out := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		for i := 0; i < rv.Len(); i++ {
			e := rv.Index(i).Interface()
			if g, ok := ac.parts[i]; ok && g != nil {
				setValue(out.Index(i), materialize(g, e))
			} else if z := zero(e); z != nil {
				setValue(out.Index(i), z)
			}
		}
		return out.Interface()
	case reflect.Map:
		out := reflect.MakeMapWithSize(rv.Type(), rv.Len())
		it := rv.MapRange()
		for it.Next() {
			e := it.Value().Interface()
			var gv any
			if g, ok := ac.parts[it.Key().String()]; ok && g != nil {
				gv = materialize(g, e)
			} else {
				gv = zero(e)
			}
			if gv != nil {
				out.SetMapIndex(it.Key(), reflect.ValueOf(gv))
			}
		}
		return out.Interface()
	}
	panic(fmt.Sprintf("ad: internal error: sparse gradient for %s", describe(val)))
}

func setValue(dst reflect.Value, x any) {
	if x == nil {
		return
	}
	v := reflect.ValueOf(x)
	if v.Type() != dst.Type() && v.Type().ConvertibleTo(dst.Type()) {
		v = v.Convert(dst.Type())
	}
	dst.Set(v)
}

// zero returns a zero of the same shape as x (backprop's zero).
func zero(x any) any { return mapValue(x, 0) }

// one returns a value of the same shape as x with every component one
// (backprop's one), used to seed the backward pass.
func one(x any) any { return mapValue(x, 1) }

// mapValue returns a value shaped like x with every differentiable
// component set to c (0 or 1). Non-differentiable components (ints,
// strings, bools) are zero.
func mapValue(x any, c float64) any {
	switch x := x.(type) {
	case nil:
		return nil
	case float64:
		return c
	case *mat.VecDense:
		if x == nil {
			return x
		}
		v := mat.NewVecDense(x.Len(), nil)
		if c != 0 {
			for i := 0; i < x.Len(); i++ {
				v.SetVec(i, c)
			}
		}
		return v
	case *mat.Dense:
		if x == nil {
			return x
		}
		r, cols := x.Dims()
		m := mat.NewDense(r, cols, nil)
		if c != 0 {
			raw := m.RawMatrix()
			for i := range raw.Data {
				raw.Data[i] = c
			}
		}
		return m
	case Backprop:
		if c == 0 {
			return x.Zero()
		}
		return x.One()
	}
	rv := reflect.ValueOf(x)
	return mapReflect(rv, c).Interface()
}

func mapReflect(rv reflect.Value, c float64) reflect.Value {
	t := rv.Type()
	switch rv.Kind() {
	case reflect.Float64, reflect.Float32:
		return reflect.ValueOf(c).Convert(t)
	case reflect.Pointer:
		if rv.IsNil() {
			return rv
		}
		if t == vecType || t == denseType || t.Implements(backpropType) {
			return reflect.ValueOf(mapValue(rv.Interface(), c))
		}
		if rv.Elem().Kind() == reflect.Struct {
			return mapReflect(rv.Elem(), c).Addr()
		}
		return reflect.Zero(t)
	case reflect.Struct:
		out := reflect.New(t).Elem()
		for i := 0; i < rv.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(mapReflect(rv.Field(i), c))
			}
		}
		return out
	case reflect.Slice:
		if rv.IsNil() {
			return rv
		}
		out := reflect.MakeSlice(t, rv.Len(), rv.Len())
		for i := 0; i < rv.Len(); i++ {
			out.Index(i).Set(mapReflect(rv.Index(i), c))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := 0; i < rv.Len(); i++ {
			out.Index(i).Set(mapReflect(rv.Index(i), c))
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return rv
		}
		out := reflect.MakeMapWithSize(t, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out.SetMapIndex(it.Key(), mapReflect(it.Value(), c))
		}
		return out
	case reflect.Interface:
		if rv.IsNil() {
			return rv
		}
		out := reflect.New(t).Elem()
		out.Set(reflect.ValueOf(mapValue(rv.Elem().Interface(), c)))
		return out
	}
	return reflect.Zero(t) // ints, strings, bools, funcs: not differentiable
}

// add returns a+b as a new value (backprop's add). Slices of different
// lengths are zero-padded; maps are united.
func add(a, b any) any {
	switch a := a.(type) {
	case nil:
		return b
	case float64:
		return a + b.(float64)
	case *mat.VecDense:
		bv := b.(*mat.VecDense)
		checkSameShape("add", a, bv)
		v := mat.NewVecDense(a.Len(), nil)
		v.AddVec(a, bv)
		return v
	case *mat.Dense:
		bm := b.(*mat.Dense)
		checkSameShape("add", a, bm)
		r, c := a.Dims()
		m := mat.NewDense(r, c, nil)
		m.Add(a, bm)
		return m
	case Backprop:
		return a.Add(b)
	}
	if b == nil {
		return a
	}
	return addReflect(reflect.ValueOf(a), reflect.ValueOf(b)).Interface()
}

// addInPlace adds b into a, which the caller owns, and returns the result
// (a itself when it can be updated in place).
func addInPlace(a, b any) any {
	switch x := a.(type) {
	case *mat.VecDense:
		bv, ok := b.(*mat.VecDense)
		if !ok {
			panic(fmt.Sprintf("ad: cannot add a gradient of %s to %s", describe(b), describe(a)))
		}
		checkSameShape("add", x, bv)
		x.AddVec(x, bv)
		return x
	case *mat.Dense:
		bm, ok := b.(*mat.Dense)
		if !ok {
			panic(fmt.Sprintf("ad: cannot add a gradient of %s to %s", describe(b), describe(a)))
		}
		checkSameShape("add", x, bm)
		x.Add(x, bm)
		return x
	}
	return add(a, b)
}

func addReflect(a, b reflect.Value) reflect.Value {
	t := a.Type()
	if b.Type() != t {
		panic(fmt.Sprintf("ad: cannot add a gradient of type %s to one of type %s", b.Type(), t))
	}
	switch a.Kind() {
	case reflect.Float64, reflect.Float32:
		return reflect.ValueOf(a.Float() + b.Float()).Convert(t)
	case reflect.Pointer:
		if a.IsNil() {
			return b
		}
		if b.IsNil() {
			return a
		}
		if t == vecType || t == denseType || t.Implements(backpropType) {
			return reflect.ValueOf(add(a.Interface(), b.Interface()))
		}
		if a.Elem().Kind() == reflect.Struct {
			return addReflect(a.Elem(), b.Elem()).Addr()
		}
		return a
	case reflect.Struct:
		out := reflect.New(t).Elem()
		for i := 0; i < a.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(addReflect(a.Field(i), b.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		n := max(a.Len(), b.Len())
		out := reflect.MakeSlice(t, n, n)
		for i := 0; i < n; i++ {
			switch {
			case i >= a.Len():
				out.Index(i).Set(b.Index(i))
			case i >= b.Len():
				out.Index(i).Set(a.Index(i))
			default:
				out.Index(i).Set(addReflect(a.Index(i), b.Index(i)))
			}
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := 0; i < a.Len(); i++ {
			out.Index(i).Set(addReflect(a.Index(i), b.Index(i)))
		}
		return out
	case reflect.Map:
		out := reflect.MakeMapWithSize(t, a.Len())
		it := a.MapRange()
		for it.Next() {
			out.SetMapIndex(it.Key(), it.Value())
		}
		it = b.MapRange()
		for it.Next() {
			if old := out.MapIndex(it.Key()); old.IsValid() {
				out.SetMapIndex(it.Key(), addReflect(old, it.Value()))
			} else {
				out.SetMapIndex(it.Key(), it.Value())
			}
		}
		return out
	case reflect.Interface:
		if a.IsNil() {
			return b
		}
		if b.IsNil() {
			return a
		}
		out := reflect.New(t).Elem()
		out.Set(reflect.ValueOf(add(a.Elem().Interface(), b.Elem().Interface())))
		return out
	}
	return a // not differentiable: keep the zero
}

// checkSameShape panics if a and b are vectors or matrices of different
// shapes, naming the op and both shapes.
func checkSameShape(op string, a, b any) {
	same := true
	if _, ok := a.(float64); ok {
		_, same = b.(float64)
	} else if s, linear := sameDims(a, b); linear {
		same = s
	}
	if !same {
		panic(fmt.Sprintf("ad.%s: shapes differ: %s and %s", op, describe(a), describe(b)))
	}
}

// sameDims reports whether b is a vector of a's length or a matrix of a's
// dimensions; linear is false when a is neither a vector nor a matrix.
func sameDims(a, b any) (same, linear bool) {
	switch x := a.(type) {
	case *mat.VecDense:
		y, ok := b.(*mat.VecDense)
		return ok && x.Len() == y.Len(), true
	case *mat.Dense:
		y, ok := b.(*mat.Dense)
		if !ok {
			return false, true
		}
		r1, c1 := x.Dims()
		r2, c2 := y.Dims()
		return r1 == r2 && c1 == c2, true
	}
	return false, false
}
