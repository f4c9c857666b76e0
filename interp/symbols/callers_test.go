package symbols

import (
	"math"
	"reflect"
	"testing"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)

// TestCallersShape checks every generated caller: its type is a function
// of one to four parameters and at most one result, and it declines arguments of
// other types without calling the function (unless every parameter is an
// empty interface, which takes anything).
func TestCallersShape(t *testing.T) {
	if len(Callers) < 20 {
		t.Fatalf("only %d callers: callers_gen.go is not filling Callers", len(Callers))
	}
	odd := reflect.ValueOf(struct{ odd int }{})
	for typ, c := range Callers {
		if typ.Kind() != reflect.Func || typ.NumIn() < 1 || typ.NumIn() > 4 || typ.NumOut() > 1 || typ.IsVariadic() {
			t.Errorf("caller for %v: not a function of 1-4 parameters and at most one result", typ)
			continue
		}
		takesAll := true
		for k := 0; k < typ.NumIn(); k++ {
			takesAll = takesAll && odd.Type().AssignableTo(typ.In(k))
		}
		if takesAll {
			continue
		}
		fn := reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
			t.Errorf("caller for %v called the function with arguments of the wrong type", typ)
			if typ.NumOut() == 0 {
				return nil
			}
			return []reflect.Value{reflect.Zero(typ.Out(0))}
		})
		in := make([]reflect.Value, typ.NumIn())
		for k := range in {
			in[k] = odd
		}
		if _, ok := c(fn, in); ok {
			t.Errorf("caller for %v accepted arguments of type %v", typ, odd.Type())
		}
	}
}

// TestCallersMatchReflect calls library functions through their callers
// and through reflect.Value.Call, and compares.
func TestCallersMatchReflect(t *testing.T) {
	w := ad.Const(mat.NewDense(2, 2, []float64{1, 2, 3, 4}))
	x := ad.Const(mat.NewVecDense(2, []float64{5, 6}))
	var anyNil any
	cases := []struct {
		name string
		fn   any
		args []any
	}{
		{"math.Max", math.Max, []any{2.5, -1.0}},
		{"math.Sqrt", math.Sqrt, []any{2.0}},
		{"ad.MatVec", ad.MatVec, []any{w, x}},
		{"ad.Add", ad.Add, []any{x, x}},
		{"ad.Const", ad.Const, []any{3.0}},
		{"ad.Const(nil)", ad.Const, []any{anyNil}},
		{"ad.Split", ad.Split, []any{ad.Const([]any{1.0, 2.0})}},
		{"(*mat.Dense).At", (*mat.Dense).At, []any{mat.NewDense(2, 2, []float64{1, 2, 3, 4}), 1, 0}},
		{"(*mat.VecDense).AtVec", (*mat.VecDense).AtVec, []any{mat.NewVecDense(2, []float64{5, 6}), 1}},
	}
	for _, tc := range cases {
		fn := reflect.ValueOf(tc.fn)
		c := Callers[fn.Type()]
		if c == nil {
			t.Errorf("%s: no caller for %v", tc.name, fn.Type())
			continue
		}
		in := make([]reflect.Value, len(tc.args))
		for k, a := range tc.args {
			if a == nil {
				in[k] = reflect.Zero(fn.Type().In(k))
			} else {
				in[k] = reflect.ValueOf(a)
			}
		}
		want := fn.Call(in)[0]
		out, ok := c(fn, in)
		if tc.name == "ad.Const(nil)" {
			if ok {
				t.Errorf("%s: the caller took a nil interface (reflect.Value.Call must)", tc.name)
			}
			continue
		}
		if !ok || len(out) != 1 {
			t.Errorf("%s: caller declined", tc.name)
			continue
		}
		if out[0].Type() != want.Type() {
			t.Errorf("%s: result of type %v, reflect gives %v", tc.name, out[0].Type(), want.Type())
		}
		got, exp := out[0].Interface(), want.Interface()
		if v, ok := got.(*ad.Var); ok {
			got, exp = v.Value(), exp.(*ad.Var).Value()
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: caller gives %v, reflect %v", tc.name, got, exp)
		}
	}

	// A method without result, through its method expression's caller.
	m := mat.NewDense(2, 2, nil)
	set := reflect.ValueOf((*mat.Dense).Set)
	c := Callers[set.Type()]
	if c == nil {
		t.Fatalf("no caller for %v", set.Type())
	}
	if _, ok := c(set, []reflect.Value{reflect.ValueOf(m), reflect.ValueOf(1), reflect.ValueOf(0), reflect.ValueOf(7.5)}); !ok || m.At(1, 0) != 7.5 {
		t.Errorf("(*mat.Dense).Set through its caller: ok %v, m[1,0] = %v, want 7.5", ok, m.At(1, 0))
	}
}

// TestCallerAllocations checks that a caller allocates nothing beyond what
// the function itself allocates: its result goes back in in[0], and
// arguments of basic types taken from the interpreter's frames (addressable
// values) are read without boxing them. (reflect.Value.Call allocates
// more, and a caller that moved its arguments or result to the heap would
// too.) The calls reset in before each call, since a call overwrites it.
func TestCallerAllocations(t *testing.T) {
	x := ad.Const(1.0)
	xv := reflect.ValueOf(x)
	add := reflect.ValueOf(ad.Add)
	in := []reflect.Value{xv, xv}
	c := Callers[add.Type()]
	direct := testing.AllocsPerRun(100, func() { ad.Add(x, x) })
	through := testing.AllocsPerRun(100, func() { in[0], in[1] = xv, xv; c(add, in) })
	if through > direct {
		t.Errorf("a call of ad.Add through its caller makes %.0f allocations, a direct call %.0f", through, direct)
	}
	in[0], in[1] = xv, xv
	if out, ok := c(add, in); !ok || len(out) != 1 || &out[0] != &in[0] || out[0].Interface().(*ad.Var).Float() != 2 {
		t.Fatalf("ad.Add through its caller: %v, %v; want its result in in[0]", out, ok)
	}

	s := ad.Const(struct{ W, B float64 }{1, 2})
	sv := reflect.ValueOf(s)
	field := reflect.ValueOf(ad.Field)
	name := reflect.New(reflect.TypeFor[string]()).Elem()
	name.SetString("W")
	fc := Callers[field.Type()]
	fin := []reflect.Value{sv, name}
	if out, ok := fc(field, fin); !ok || out[0].Interface().(*ad.Var).Float() != 1 {
		t.Fatalf("Field through its caller: %v, %v", out, ok)
	}
	direct = testing.AllocsPerRun(100, func() { ad.Field(s, "W") })
	through = testing.AllocsPerRun(100, func() { fin[0], fin[1] = sv, name; fc(field, fin) })
	if through > direct {
		t.Errorf("a call of ad.Field with a string from a frame makes %.0f allocations, a direct call %.0f", through, direct)
	}

	scalar := reflect.ValueOf(ad.Scalar)
	f := reflect.New(reflect.TypeFor[float64]()).Elem()
	f.SetFloat(2.5)
	sc := Callers[scalar.Type()]
	sin := []reflect.Value{f}
	if out, ok := sc(scalar, sin); !ok || out[0].Interface().(*ad.Var).Float() != 2.5 {
		t.Fatalf("Scalar through its caller: %v, %v", out, ok)
	}
	// The Var and the float64 it holds.
	if through = testing.AllocsPerRun(100, func() { sin[0] = f; sc(scalar, sin) }); through > 2 {
		t.Errorf("a call of ad.Scalar with a float64 from a frame makes %.0f allocations, want 2 (the Var and its value)", through)
	}
}
