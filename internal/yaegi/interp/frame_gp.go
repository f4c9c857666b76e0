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

// minBlockSlots is the fewest slots a frame allocates as a block: a
// reflect.New of a struct type made by reflect.StructOf costs a lookup
// of its pointer type that a few reflect.New of ordinary types do not, so
// the block pays off only from a few slots on (measured with
// BenchmarkCalls: direct, one of 3 slots, and many, one of 14).
const minBlockSlots = 5

// newSlots sets each d[i] not set yet (a caller may have given the return
// slots) to a new zero value of types[i], for the frame of def (a function
// declaration or literal), in one allocation when there are enough.
func newSlots(def *node, types []reflect.Type, d []reflect.Value) {
	lay := (*frameLayout)(atomic.LoadPointer(&def.slots))
	if lay == nil || !sameSlice(lay.types, types) {
		lay = makeFrameLayout(types)
		atomic.StorePointer(&def.slots, unsafe.Pointer(lay))
	}
	if lay.block == nil {
		for i, t := range types {
			if !d[i].IsValid() {
				d[i] = reflect.New(t).Elem()
			}
		}
		return
	}
	b := reflect.New(lay.block).Elem()
	for i := range types {
		if !d[i].IsValid() {
			d[i] = b.Field(i)
		}
	}
}

// sameSlice reports whether a and b are the same slice (not only equal).
func sameSlice(a, b []reflect.Type) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// makeFrameLayout returns the layout of a frame of the given types.
func makeFrameLayout(types []reflect.Type) (lay *frameLayout) {
	lay = &frameLayout{types: types}
	if len(types) < minBlockSlots {
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
