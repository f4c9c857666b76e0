package ad

import (
	"fmt"
	"math"
	"reflect"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// CheckResult reports how well a gradient computed by ad agrees with central
// finite differences (see CheckGrad).
type CheckResult struct {
	// MaxRelErr is the worst relative error |ad − fd| / max(1, |ad|, |fd|)
	// over all checked components.
	MaxRelErr float64
	// Where names the component with the worst error, e.g. "input 1
	// .W[2,3]"; empty if nothing was checked.
	Where string
	// AD and FD are the two derivatives at that component.
	AD, FD float64
	// Checked is the number of scalar components compared.
	Checked int
}

// String formats the result on one line.
func (r CheckResult) String() string {
	return fmt.Sprintf("max relative error %.3g at %s (ad %.9g, finite difference %.9g; %d components)", r.MaxRelErr, r.Where, r.AD, r.FD, r.Checked)
}

// CheckGrad compares the gradient of f at xs, computed by GradN, with central
// finite differences of step h (0 means 1e-6), like autograd's check_grads
// and PyTorch's gradcheck. f must return a scalar. Every float64 component
// of every input is perturbed (float64 values, vectors, matrices, and the
// fields, elements and entries of structs, slices and maps); the inputs
// themselves are not modified. f is evaluated on recorded inputs, so it may
// itself compute derivatives with Gradients (checking second derivatives).
func CheckGrad(f func(xs []*Var) *Var, xs []any, h float64) CheckResult {
	if h == 0 {
		h = 1e-6
	}
	grads := make([]any, len(xs))
	dxs := make([]any, len(xs))
	for i := range xs {
		dxs[i] = &grads[i]
	}
	y := GradN(f, xs, dxs)
	if _, ok := y.(float64); !ok {
		panic(fmt.Sprintf("ad.CheckGrad: f must return a scalar, got %s", describe(y)))
	}
	// The function is evaluated on recorded inputs (not with EvalN) so that
	// functions computing derivatives with Gradients are checked correctly.
	eval := func(in []any) float64 {
		t := NewTape()
		vs := make([]*Var, len(in))
		for i, x := range in {
			vs[i] = t.Input(x)
		}
		return f(vs).val.(float64)
	}
	var res CheckResult
	for i := range xs {
		work := make([]any, len(xs))
		copy(work, xs)
		var ls []leaf
		if _, ok := xs[i].(float64); ok {
			i := i
			ls = []leaf{{fmt.Sprintf("input %d", i), func() float64 { return work[i].(float64) }, func(v float64) { work[i] = v }}}
		} else {
			c := reflect.New(reflect.TypeOf(xs[i])).Elem() // addressable copy
			c.Set(deepCloneValue(reflect.ValueOf(xs[i])))
			collectLeaves(c, fmt.Sprintf("input %d", i), &ls)
			i := i
			for k := range ls {
				set := ls[k].set
				ls[k].set = func(v float64) { set(v); work[i] = c.Interface() }
			}
			work[i] = c.Interface()
		}
		gl := leaves(grads[i], fmt.Sprintf("input %d", i))
		for k, l := range ls {
			CheckInterrupt()
			orig := l.get()
			l.set(orig + h)
			fp := eval(work)
			l.set(orig - h)
			fm := eval(work)
			l.set(orig)
			fd := (fp - fm) / (2 * h)
			ad := 0.0
			if k < len(gl) {
				ad = gl[k].get()
			}
			rel := math.Abs(ad-fd) / math.Max(1, math.Max(math.Abs(ad), math.Abs(fd)))
			if math.IsNaN(rel) {
				rel = math.Inf(1)
			}
			res.Checked++
			if rel > res.MaxRelErr || res.Where == "" {
				res.MaxRelErr, res.Where, res.AD, res.FD = rel, l.name, ad, fd
			}
		}
	}
	return res
}

// leaf is one float64 component of a value.
type leaf struct {
	name string
	get  func() float64
	set  func(float64)
}

// leaves lists the float64 components of x in a deterministic order. A bare
// float64 is read-only.
func leaves(x any, name string) []leaf {
	var out []leaf
	if f, ok := x.(float64); ok {
		return []leaf{{name: name, get: func() float64 { return f }, set: func(float64) {}}}
	}
	collectLeaves(reflect.ValueOf(x), name, &out)
	return out
}

func collectLeaves(rv reflect.Value, name string, out *[]leaf) {
	if !rv.IsValid() {
		return
	}
	switch x := rv.Interface().(type) {
	case *mat.VecDense:
		if x == nil {
			return
		}
		for i := 0; i < x.Len(); i++ {
			i := i
			*out = append(*out, leaf{fmt.Sprintf("%s[%d]", name, i), func() float64 { return x.AtVec(i) }, func(v float64) { x.SetVec(i, v) }})
		}
		return
	case *mat.Dense:
		if x == nil {
			return
		}
		r, c := x.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				i, j := i, j
				*out = append(*out, leaf{fmt.Sprintf("%s[%d,%d]", name, i, j), func() float64 { return x.At(i, j) }, func(v float64) { x.Set(i, j, v) }})
			}
		}
		return
	}
	switch rv.Kind() {
	case reflect.Float64:
		if rv.CanSet() {
			v := rv
			*out = append(*out, leaf{name, func() float64 { return v.Float() }, func(f float64) { v.SetFloat(f) }})
		} else {
			f := rv.Float()
			*out = append(*out, leaf{name, func() float64 { return f }, func(float64) {}})
		}
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			collectLeaves(rv.Elem(), name, out)
		}
	case reflect.Struct:
		for i := 0; i < rv.NumField(); i++ {
			collectLeaves(rv.Field(i), name+"."+rv.Type().Field(i).Name, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			collectLeaves(rv.Index(i), fmt.Sprintf("%s[%d]", name, i), out)
		}
	case reflect.Map:
		keys := rv.MapKeys()
		strs := make([]string, len(keys))
		for i, k := range keys {
			strs[i] = k.String()
		}
		sort.Strings(strs)
		for _, k := range strs {
			kv := reflect.ValueOf(k).Convert(rv.Type().Key())
			e := rv.MapIndex(kv)
			if e.Kind() == reflect.Float64 {
				m, key := rv, kv
				*out = append(*out, leaf{fmt.Sprintf("%s[%q]", name, k), func() float64 { return m.MapIndex(key).Float() }, func(f float64) {
					m.SetMapIndex(key, reflect.ValueOf(f).Convert(m.Type().Elem()))
				}})
				continue
			}
			collectLeaves(e, fmt.Sprintf("%s[%q]", name, k), out)
		}
	}
}

// deepCloneValue copies a value so that perturbing the copy leaves the
// original unchanged.
func deepCloneValue(rv reflect.Value) reflect.Value {
	if !rv.IsValid() {
		return rv
	}
	switch x := rv.Interface().(type) {
	case *mat.VecDense, *mat.Dense:
		return reflect.ValueOf(clone(x))
	}
	t := rv.Type()
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return rv
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(deepCloneValue(rv.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(t).Elem()
		for i := 0; i < rv.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCloneValue(rv.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if rv.IsNil() {
			return rv
		}
		out := reflect.MakeSlice(t, rv.Len(), rv.Len())
		for i := 0; i < rv.Len(); i++ {
			out.Index(i).Set(deepCloneValue(rv.Index(i)))
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return rv
		}
		out := reflect.MakeMapWithSize(t, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out.SetMapIndex(it.Key(), deepCloneValue(it.Value()))
		}
		return out
	case reflect.Interface:
		if rv.IsNil() {
			return rv
		}
		out := reflect.New(t).Elem()
		out.Set(deepCloneValue(rv.Elem()))
		return out
	}
	return rv
}
