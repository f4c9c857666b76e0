package interp

import (
	"fmt"
	"reflect"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/widget"
)

// rtSymbols is a small compiled helper package available to rewritten cells
// as "gopherprop/rt" (imported under a reserved name).
var rtSymbols = map[string]map[string]reflect.Value{
	rtPath + "/rt": {
		"Clear":  reflect.ValueOf(rtClear),
		"Bundle": reflect.ValueOf(display.ResultBundle),
		"Comm":   reflect.ValueOf(rtComm),
	},
}

// pendingComm is the comm message the worker is handing to package widget
// through rtComm.
var pendingComm display.Message

// rtComm hands pendingComm to package widget. The worker calls it through
// the interpreter (EvalWithContext), so that widget callbacks written in
// cells run as cell code does and stop when the request is interrupted.
func rtComm() error { return widget.Receive(pendingComm) }

// rtClear implements the clear builtin for maps and slices: maps lose all
// entries, slice elements are set to their zero value.
func rtClear(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map:
		v.Clear()
	case reflect.Slice:
		z := reflect.Zero(v.Type().Elem())
		for i := 0; i < v.Len(); i++ {
			v.Index(i).Set(z)
		}
	case reflect.Invalid:
	default:
		panic(fmt.Sprintf("invalid argument: clear of %s (need a map or a slice)", v.Type()))
	}
}
