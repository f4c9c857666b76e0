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
// reflect.Value.Call. (gopherprop)
type Caller func(fn reflect.Value, in []reflect.Value) (out []reflect.Value, ok bool)

var (
	callersMu sync.Mutex
	callers   atomic.Pointer[map[reflect.Type]Caller]
)

// RegisterCallers makes interpreted calls of compiled functions of the
// types in cs (func types; calls of methods are not concerned) use their
// Callers. It adds to, and replaces, earlier registrations; code compiled
// before keeps what it had.
func RegisterCallers(cs map[reflect.Type]Caller) {
	callersMu.Lock()
	defer callersMu.Unlock()
	m := map[reflect.Type]Caller{}
	if old := callers.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	for k, v := range cs {
		m[k] = v
	}
	callers.Store(&m)
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
