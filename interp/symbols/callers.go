package symbols

import "reflect"

// A CallFunc calls fn, a compiled function of one particular type, with
// the arguments in, as reflect.Value.Call does but without reflect's
// generic call machinery. It reports false, having called nothing, when an
// argument is not exactly of its parameter's type (a value of another type
// assignable to it, a nil interface); the caller then uses
// reflect.Value.Call. A function's result is returned in in's first
// element (in[:1]), so a call allocates no result slice: the caller must
// not need in after a call that succeeded.
type CallFunc = func(fn reflect.Value, in []reflect.Value) (out []reflect.Value, ok bool)

// Callers maps a function type to its CallFunc: one for each signature of
// the exported functions and methods (as method expressions, receiver
// first) of the packages in Symbols and of the standard packages named in
// the gencallers directive, with one to four parameters (the receiver
// counts) and at most one result. The generated callers_gen.go fills it; the
// interpreter calls those functions through them.
var Callers = map[reflect.Type]CallFunc{}

func addCaller(t reflect.Type, c CallFunc) { Callers[t] = c }

// argOf returns v as an A, or false. Strings, float64s, ints and bools
// (exactly those types) are read without boxing them, which
// reflect.Value.Interface does for a value in an interpreter's frame.
func argOf[A any](v reflect.Value) (a A, ok bool) {
	if !v.IsValid() || !v.CanInterface() {
		return a, false
	}
	switch p := any(&a).(type) {
	case *string:
		ok = setExact(p, v, stringType, v.String)
	case *float64:
		ok = setExact(p, v, float64Type, v.Float)
	case *int:
		ok = setExact(p, v, intType, func() int { return int(v.Int()) })
	case *bool:
		ok = setExact(p, v, boolType, v.Bool)
	}
	if ok {
		return a, true
	}
	a, ok = v.Interface().(A)
	return a, ok
}

// setExact sets *p to get() if v's type is t, and reports whether it did.
func setExact[T any](p *T, v reflect.Value, t reflect.Type, get func() T) bool {
	if v.Type() != t {
		return false
	}
	*p = get()
	return true
}

var (
	stringType  = reflect.TypeFor[string]()
	float64Type = reflect.TypeFor[float64]()
	intType     = reflect.TypeFor[int]()
	boolType    = reflect.TypeFor[bool]()
)

// resultOf returns r as reflect.Value.Call returns a result of type R:
// with R's type even when R is an interface type (iface).
func resultOf[R any](r R, iface bool) reflect.Value {
	if iface {
		return ifaceValue(r)
	}
	return reflect.ValueOf(r)
}

// ifaceValue returns r as a reflect.Value of its interface type R. (Kept
// apart from resultOf, so that only this path moves r to the heap.)
func ifaceValue[R any](r R) reflect.Value { return reflect.ValueOf(&r).Elem() }

func isIface[R any]() bool { return reflect.TypeFor[R]().Kind() == reflect.Interface }

// args1 to args4 return the arguments in as the parameters' types, and
// whether they all are.

func args1[A any](in []reflect.Value) (A, bool) { return argOf[A](in[0]) }

func args2[A, B any](in []reflect.Value) (A, B, bool) {
	a, ok1 := argOf[A](in[0])
	b, ok2 := argOf[B](in[1])
	return a, b, ok1 && ok2
}

func args3[A, B, C any](in []reflect.Value) (A, B, C, bool) {
	a, b, ok := args2[A, B](in)
	c, ok3 := argOf[C](in[2])
	return a, b, c, ok && ok3
}

func args4[A, B, C, D any](in []reflect.Value) (A, B, C, D, bool) {
	a, b, c, ok := args3[A, B, C](in)
	d, ok4 := argOf[D](in[3])
	return a, b, c, d, ok && ok4
}

// caller1 to caller4 call functions with one result, which they return in
// in[:1], void1 to void4 functions without (methods such as Set).

func caller1[A, R any]() (reflect.Type, CallFunc) {
	iface := isIface[R]()
	return reflect.TypeFor[func(A) R](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A) R)
		a, ok1 := args1[A](in)
		if !ok || !ok1 {
			return nil, false
		}
		in[0] = resultOf(f(a), iface)
		return in[:1], true
	}
}

func caller2[A, B, R any]() (reflect.Type, CallFunc) {
	iface := isIface[R]()
	return reflect.TypeFor[func(A, B) R](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B) R)
		a, b, ok1 := args2[A, B](in)
		if !ok || !ok1 {
			return nil, false
		}
		in[0] = resultOf(f(a, b), iface)
		return in[:1], true
	}
}

func caller3[A, B, C, R any]() (reflect.Type, CallFunc) {
	iface := isIface[R]()
	return reflect.TypeFor[func(A, B, C) R](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B, C) R)
		a, b, c, ok1 := args3[A, B, C](in)
		if !ok || !ok1 {
			return nil, false
		}
		in[0] = resultOf(f(a, b, c), iface)
		return in[:1], true
	}
}

func caller4[A, B, C, D, R any]() (reflect.Type, CallFunc) {
	iface := isIface[R]()
	return reflect.TypeFor[func(A, B, C, D) R](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B, C, D) R)
		a, b, c, d, ok1 := args4[A, B, C, D](in)
		if !ok || !ok1 {
			return nil, false
		}
		in[0] = resultOf(f(a, b, c, d), iface)
		return in[:1], true
	}
}

func void1[A any]() (reflect.Type, CallFunc) {
	return reflect.TypeFor[func(A)](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A))
		a, ok1 := args1[A](in)
		if !ok || !ok1 {
			return nil, false
		}
		f(a)
		return nil, true
	}
}

func void2[A, B any]() (reflect.Type, CallFunc) {
	return reflect.TypeFor[func(A, B)](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B))
		a, b, ok1 := args2[A, B](in)
		if !ok || !ok1 {
			return nil, false
		}
		f(a, b)
		return nil, true
	}
}

func void3[A, B, C any]() (reflect.Type, CallFunc) {
	return reflect.TypeFor[func(A, B, C)](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B, C))
		a, b, c, ok1 := args3[A, B, C](in)
		if !ok || !ok1 {
			return nil, false
		}
		f(a, b, c)
		return nil, true
	}
}

func void4[A, B, C, D any]() (reflect.Type, CallFunc) {
	return reflect.TypeFor[func(A, B, C, D)](), func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
		f, ok := fn.Interface().(func(A, B, C, D))
		a, b, c, d, ok1 := args4[A, B, C, D](in)
		if !ok || !ok1 {
			return nil, false
		}
		f(a, b, c, d)
		return nil, true
	}
}
