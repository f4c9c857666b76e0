package ad

import (
	"fmt"
	"reflect"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Running a function. Every running function takes the function to
// differentiate, its input values, and (for gradients) pointers into which
// the gradients are written: a pointer to a value of the input's type (the
// gradient has the same type and shape as the input), or a *any. A nil
// pointer skips that gradient. Gradients are written in place: matrices and
// vectors already held by the destination are reused when their shapes
// match, so a training loop allocates no new gradient storage. A *any that
// already holds a value of the input's type (the previous step's gradient)
// is filled the same way. This form
// works the same in compiled Go and in notebook cells, where a struct type
// declared in a cell cannot be returned through an interface.

// Eval runs f at x and returns its value, without recording anything
// (backprop's evalBP): ops on constants record no tape, so evaluation costs
// the same as plain gonum code.
func Eval(f func(x *Var) *Var, x any) any {
	return f(Const(x)).val
}

// EvalN runs f at xs and returns its value, without recording anything.
func EvalN(f func(xs []*Var) *Var, xs []any) any {
	in := make([]*Var, len(xs))
	for i, x := range xs {
		in[i] = Const(x)
	}
	return f(in).val
}

// Grad runs f at x, writes ∂f/∂x into dx and returns f(x) (backprop's
// backprop and gradBP). dx must be a pointer to a value of x's type, or a
// *any, or nil. The output is seeded with one: for a scalar output dx is
// the gradient; for a vector or matrix output it is the gradient of the sum
// of its elements.
func Grad(f func(x *Var) *Var, x any, dx any) any {
	return GradWith(f, x, nil, dx)
}

// GradWith is Grad with an explicit seed: the gradient of the output,
// giving the vector–Jacobian product seedᵀ·J (backprop's backpropWith). A
// nil seed means one.
func GradWith(f func(x *Var) *Var, x any, seed any, dx any) any {
	return gradN("GradWith", func(xs []*Var) *Var { return f(xs[0]) }, []any{x}, seed, []any{dx})
}

// Grad2 runs f at (x, y), writes the gradients into dx and dy and returns
// f(x, y) (backprop's backprop2). The inputs may have different types.
func Grad2(f func(x, y *Var) *Var, x, y any, dx, dy any) any {
	return gradN("Grad2", func(xs []*Var) *Var { return f(xs[0], xs[1]) }, []any{x, y}, nil, []any{dx, dy})
}

// GradN runs f at any number of inputs of any types, writes the gradient of
// each into the pointer at the same position of dxs and returns the value
// (backprop's backpropN). dxs may be shorter than xs or hold nils.
func GradN(f func(xs []*Var) *Var, xs []any, dxs []any) any {
	return gradN("GradN", f, xs, nil, dxs)
}

// GradNWith is GradN with an explicit seed, the gradient of the output
// (backprop's backpropWithN): it writes the vector–Jacobian products
// seedᵀ·∂f/∂xᵢ. A nil seed means one. The seed must have the output's shape.
func GradNWith(f func(xs []*Var) *Var, xs []any, seed any, dxs []any) any {
	return gradN("GradNWith", f, xs, seed, dxs)
}

func gradN(name string, f func(xs []*Var) *Var, xs []any, seed any, dxs []any) any {
	t := &Tape{output: -1, nodes: getNodes()}
	y := runGrad(t, name, f, xs, seed, dxs)
	putNodes(t.nodes)
	// A Var kept from this run that is used again records onto a fresh
	// list, never onto the recycled one.
	t.nodes = nil
	return y
}

// runGrad runs f on inputs made from xs recorded on the empty tape t, runs
// the backward pass with the given seed, writes the gradients into dxs and
// returns the value (gradN and Session).
func runGrad(t *Tape, name string, f func(xs []*Var) *Var, xs []any, seed any, dxs []any) any {
	if len(dxs) > len(xs) {
		panic(fmt.Sprintf("ad.%s: %d gradient destinations for %d inputs", name, len(dxs), len(xs)))
	}
	for i, d := range dxs {
		checkDest(name, i, d, xs[i])
	}
	in := make([]*Var, len(xs))
	for i, x := range xs {
		in[i] = t.Input(x)
	}
	y := f(in)
	w := getWork()
	t.planInto(in, xs, dxs, w)
	for i, d := range dxs {
		if d != nil && reflect.TypeOf(d).Elem().Kind() == reflect.Interface {
			if _, inPlace := destValue(d, xs[i]); !inPlace {
				w.escape() // store hands such a gradient out without a deep copy
			}
		}
	}
	t.backward(y, seed, false, w)
	for i, d := range dxs {
		if d != nil {
			store(d, t.grads[in[i].id], xs[i])
		}
	}
	w.release()
	return y.val
}

// nodeLists recycles the node lists of the tapes of gradN.
var nodeLists = sync.Pool{New: func() any { s := make([]node, 0, 32); return &s }}

func getNodes() []node { return (*nodeLists.Get().(*[]node))[:0] }

func putNodes(n []node) {
	clear(n)
	n = n[:0]
	nodeLists.Put(&n)
}

// checkDest panics unless d is nil, a *any, or a pointer to x's type.
func checkDest(name string, i int, d any, x any) {
	if d == nil {
		return
	}
	dv := reflect.ValueOf(d)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		panic(fmt.Sprintf("ad.%s: gradient destination %d must be a non-nil pointer, got %T", name, i, d))
	}
	et := dv.Type().Elem()
	if et.Kind() == reflect.Interface {
		return
	}
	if xt := reflect.TypeOf(x); xt != et && !(xt != nil && xt.ConvertibleTo(et) && xt.Kind() == et.Kind()) {
		panic(fmt.Sprintf("ad.%s: gradient destination %d is %T but input %d is %T; pass a *%T (or a *any)", name, i, d, i, x, x))
	}
}

// store writes the gradient g of an input with value x into *d, reusing the
// destination's vectors and matrices where shapes match.
func store(d any, g any, x any) {
	dv := reflect.ValueOf(d).Elem()
	if dv.Kind() == reflect.Interface {
		if held, ok := destValue(d, x); ok {
			// Fill the value the *any holds, reusing its vectors and
			// matrices, as for a typed destination.
			v := reflect.New(held.Type()).Elem()
			v.Set(held)
			storeGrad(v, g, x)
			dv.Set(v)
			return
		}
		dv.Set(reflect.ValueOf(clone(materialize(g, x))))
		return
	}
	storeGrad(dv, g, x)
}

// storeGrad writes the gradient g (nil for zero, a sparse part or acc, or a
// full value) of a value x into dst without building zero values: parts of
// the destination that received no gradient are zeroed in place.
func storeGrad(dst reflect.Value, g any, x any) {
	if dst.Kind() == reflect.Interface && x != nil {
		fillHeld(dst, reflect.TypeOf(x), func(v reflect.Value) { storeGrad(v, g, x) })
		return
	}
	var ac *acc
	switch gg := g.(type) {
	case *acc:
		ac = gg
	case part:
		if _, isVec := x.(*mat.VecDense); isVec {
			storeValue(dst, reflect.ValueOf(materialize(gg, x)))
			return
		}
		ac = toAcc(gg, x)
	case nil:
	default:
		storeValue(dst, reflect.ValueOf(gg))
		return
	}
	get := func(k any) any {
		if ac == nil {
			return nil
		}
		return ac.parts[k]
	}
	switch xv := x.(type) {
	case nil:
		return
	case *mat.VecDense:
		if d, ok := dst.Interface().(*mat.VecDense); ok && d != nil && xv != nil && d.Len() == xv.Len() {
			d.Zero()
			return
		}
		storeValue(dst, reflect.ValueOf(zero(x)))
		return
	case *mat.Dense:
		if d, ok := dst.Interface().(*mat.Dense); ok && d != nil && xv != nil && !d.IsEmpty() {
			r1, c1 := d.Dims()
			r2, c2 := xv.Dims()
			if r1 == r2 && c1 == c2 {
				d.Zero()
				return
			}
		}
		storeValue(dst, reflect.ValueOf(zero(x)))
		return
	case Backprop:
		storeValue(dst, reflect.ValueOf(materialize(g, x)))
		return
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct && dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		dst, rv = dst.Elem(), rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Float64, reflect.Float32:
		if ac == nil && (dst.Kind() == reflect.Float64 || dst.Kind() == reflect.Float32) {
			dst.SetFloat(0)
			return
		}
	case reflect.Struct:
		if dst.Kind() == reflect.Struct && dst.NumField() == rv.NumField() && allSettable(dst) {
			for i := 0; i < rv.NumField(); i++ {
				if dst.Field(i).CanSet() && rv.Field(i).CanInterface() {
					storeGrad(dst.Field(i), get(i), rv.Field(i).Interface())
				}
			}
			return
		}
	case reflect.Slice:
		if dst.Kind() == reflect.Slice {
			if dst.Len() != rv.Len() || dst.IsNil() != rv.IsNil() {
				if rv.IsNil() {
					dst.Set(reflect.Zero(dst.Type()))
					return
				}
				dst.Set(reflect.MakeSlice(dst.Type(), rv.Len(), rv.Len()))
			}
			for i := 0; i < rv.Len(); i++ {
				storeGrad(dst.Index(i), get(i), rv.Index(i).Interface())
			}
			return
		}
	case reflect.Map:
		if dst.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
			if dst.IsNil() {
				dst.Set(reflect.MakeMapWithSize(dst.Type(), rv.Len()))
			}
			it := rv.MapRange()
			for it.Next() {
				k := it.Key().Convert(dst.Type().Key())
				e := reflect.New(dst.Type().Elem()).Elem()
				if old := dst.MapIndex(k); old.IsValid() {
					e.Set(old)
				}
				storeGrad(e, get(it.Key().String()), it.Value().Interface())
				dst.SetMapIndex(k, e)
			}
			return
		}
	}
	storeValue(dst, reflect.ValueOf(materialize(g, x)))
}

func storeValue(dst, src reflect.Value) {
	if src.Kind() == reflect.Interface {
		src = src.Elem()
	}
	if !src.IsValid() {
		dst.Set(reflect.Zero(dst.Type()))
		return
	}
	if dst.Kind() == reflect.Interface {
		fillHeld(dst, src.Type(), func(v reflect.Value) { storeValue(v, src) })
		return
	}
	switch s := src.Interface().(type) {
	case *mat.VecDense:
		if d, ok := dst.Interface().(*mat.VecDense); ok && d != nil && s != nil && d.Len() == s.Len() && d != s {
			d.CopyVec(s)
			return
		}
		dst.Set(reflect.ValueOf(clone(s)))
		return
	case *mat.Dense:
		if d, ok := dst.Interface().(*mat.Dense); ok && d == s && d != nil {
			return // the backward pass wrote the gradient into the destination
		}
		if d, ok := dst.Interface().(*mat.Dense); ok && d != nil && s != nil && d != s {
			r1, c1 := d.Dims()
			r2, c2 := s.Dims()
			if r1 == r2 && c1 == c2 {
				d.Copy(s)
				return
			}
		}
		dst.Set(reflect.ValueOf(clone(s)))
		return
	}
	if src.Type().Implements(backpropType) {
		setValue(dst, src.Interface())
		return
	}
	switch src.Kind() {
	case reflect.Struct:
		if dst.Kind() == reflect.Struct && dst.NumField() == src.NumField() && allSettable(dst) {
			for i := 0; i < src.NumField(); i++ {
				if dst.Field(i).CanSet() {
					storeValue(dst.Field(i), src.Field(i))
				}
			}
			return
		}
	case reflect.Pointer:
		if !src.IsNil() && src.Elem().Kind() == reflect.Struct {
			if dst.IsNil() {
				dst.Set(reflect.New(dst.Type().Elem()))
			}
			storeValue(dst.Elem(), src.Elem())
			return
		}
	case reflect.Slice:
		if dst.Kind() == reflect.Slice {
			if dst.Len() != src.Len() {
				dst.Set(reflect.MakeSlice(dst.Type(), src.Len(), src.Len()))
			}
			for i := 0; i < src.Len(); i++ {
				storeValue(dst.Index(i), src.Index(i))
			}
			return
		}
	case reflect.Map:
		if dst.Kind() == reflect.Map {
			if dst.IsNil() {
				dst.Set(reflect.MakeMapWithSize(dst.Type(), src.Len()))
			}
			it := src.MapRange()
			for it.Next() {
				e := reflect.New(dst.Type().Elem()).Elem()
				if old := dst.MapIndex(it.Key()); old.IsValid() {
					e.Set(old)
				}
				storeValue(e, it.Value())
				dst.SetMapIndex(it.Key(), e)
			}
			return
		}
	}
	setValue(dst, src.Interface())
}

// fillHeld stores a value of type t into dst, a settable value of
// interface type (an element of a []any, a field of type any): fill writes
// it into v, a settable copy of the value dst holds when that has type t
// (so that its vectors and matrices are reused, as for a typed
// destination), else a zero value of type t (so that they are copied).
// Either way the gradient handed out shares no storage with the pass's
// recycled buffers.
func fillHeld(dst reflect.Value, t reflect.Type, fill func(v reflect.Value)) {
	v := reflect.New(t).Elem()
	if held := dst.Elem(); held.IsValid() && held.Type() == t {
		v.Set(held)
	}
	fill(v)
	dst.Set(v)
}

// clone returns a deep copy of the vectors and matrices in x, so that a
// gradient handed to the user shares no storage with another.
func clone(x any) any {
	switch x := x.(type) {
	case *mat.VecDense:
		if x == nil {
			return x
		}
		v := mat.NewVecDense(x.Len(), nil)
		v.CopyVec(x)
		return v
	case *mat.Dense:
		if x == nil {
			return x
		}
		return mat.DenseCopyOf(x)
	}
	return x
}

// allSettable reports whether every field of the struct value v can be set
// (false for compiled structs with unexported fields, which are then
// replaced as a whole).
func allSettable(v reflect.Value) bool {
	for i := 0; i < v.NumField(); i++ {
		if !v.Field(i).CanSet() {
			return false
		}
	}
	return true
}
