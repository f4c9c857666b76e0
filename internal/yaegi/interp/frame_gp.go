package interp

import (
	"reflect"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// frameLayout is one struct type holding every slot of a function's frame
// (gopherprop): a call allocates its slots as one block instead of one
// reflect.New per slot. Each slot is a field of the block, addressable and
// settable as a reflect.New'd value is; a function whose slot types cannot
// make a struct (block is nil) keeps one allocation per slot.
type frameLayout struct {
	types []reflect.Type // the frame types the layout was made for
	block reflect.Type   // struct { S0 types[0]; S1 types[1]; ... }, or nil
}

// newSlots sets d[i] to a new zero value of types[i], for the frame of
// def (a function declaration or literal), all in one allocation.
func newSlots(def *node, types []reflect.Type, d []reflect.Value) {
	lay := (*frameLayout)(atomic.LoadPointer(&def.slots))
	if lay == nil || !sameSlice(lay.types, types) {
		lay = makeFrameLayout(types)
		atomic.StorePointer(&def.slots, unsafe.Pointer(lay))
	}
	if lay.block == nil {
		for i, t := range types {
			d[i] = reflect.New(t).Elem()
		}
		return
	}
	b := reflect.New(lay.block).Elem()
	for i := range types {
		d[i] = b.Field(i)
	}
}

// sameSlice reports whether a and b are the same slice (not only equal).
func sameSlice(a, b []reflect.Type) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// makeFrameLayout returns the layout of a frame of the given types.
func makeFrameLayout(types []reflect.Type) (lay *frameLayout) {
	lay = &frameLayout{types: types}
	if len(types) < 2 {
		return lay
	}
	fields := make([]reflect.StructField, len(types))
	for i, t := range types {
		if t == nil {
			return lay
		}
		fields[i] = reflect.StructField{Name: "S" + strconv.Itoa(i), Type: t}
	}
	defer func() {
		if recover() != nil {
			lay.block = nil // StructOf refused a type: one allocation per slot
		}
	}()
	lay.block = reflect.StructOf(fields)
	return lay
}
