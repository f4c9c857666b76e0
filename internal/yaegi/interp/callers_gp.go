package interp

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// A Caller calls fn, a compiled function of the type it is registered
// for, with the arguments in, as reflect.Value.Call would, but without
// reflect's generic call path. It reports false, having called nothing,
// when it cannot take an argument as it is (a value of another type
// assignable to the parameter's); the call then goes through
// reflect.Value.Call. It may return its results in in's storage: the
// interpreter hands it a slice it does not use after the call.
// (gopherprop)
type Caller = func(fn reflect.Value, in []reflect.Value) (out []reflect.Value, ok bool)

var (
	callersMu sync.Mutex
	callers   atomic.Pointer[map[reflect.Type]Caller]
)

// RegisterCallers makes interpreted calls of compiled functions of the
// types in cs use their Callers; a method of a compiled type is called
// through the Caller of its method expression's type (receiver first). It
// adds to, and replaces, earlier registrations; code compiled before keeps
// what it had.
func RegisterCallers(cs map[reflect.Type]Caller) {
	callersMu.Lock()
	defer callersMu.Unlock()
	callers.Store(mapWith(callers.Load(), cs))
}

// mapWith returns a new map holding the entries of *old (old may be nil)
// and of add, for maps that are replaced, never changed, once published
// (gopherprop).
func mapWith[K comparable, V any](old *map[K]V, add map[K]V) *map[K]V {
	m := make(map[K]V, len(add))
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	for k, v := range add {
		m[k] = v
	}
	return &m
}

// callerFor returns the Caller registered for typ, or nil.
func callerFor(typ reflect.Type) Caller {
	if typ == nil {
		return nil
	}
	if m := callers.Load(); m != nil {
		return (*m)[typ]
	}
	return nil
}
