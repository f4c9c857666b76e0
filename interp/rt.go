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
		// Printing values of cell types (rtfmt.go, fmtwrap.go).
		"FV":        reflect.ValueOf((*fmtValue)(nil)),
		"FBasic":    reflect.ValueOf(fvBasic),
		"FGo":       reflect.ValueOf(fvGo),
		"FNil":      reflect.ValueOf(fvNil),
		"FStruct":   reflect.ValueOf(fvStruct),
		"FList":     reflect.ValueOf(fvList),
		"FMap":      reflect.ValueOf(fvMap),
		"FPtr":      reflect.ValueOf(fvPtr),
		"FMethods":  reflect.ValueOf(fvMethods),
		"FArg":      reflect.ValueOf(fvArg),
		"FType":     reflect.ValueOf(fvType),
		"FText":     reflect.ValueOf(fvText),
		"IValue":    reflect.ValueOf(rtIValue),
		"Unwrap":    reflect.ValueOf(rtUnwrap),
		"UnwrapAll": reflect.ValueOf(rtUnwrapAll),
		"SameError": reflect.ValueOf(rtSameError),
		"SameValue": reflect.ValueOf(rtSameValue),
		// Runtime panics as Go's (bounds.go, panics.go).
		"Index":     reflect.ValueOf(rtIndex),
		"SliceHi":   reflect.ValueOf(rtSliceHi),
		"Slice3":    reflect.ValueOf(rtSlice3),
		"PanicNote": reflect.ValueOf(rtPanicNote),
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

// rtIValue returns the interpreted value inside one of yaegi's interface
// wrappers (a struct whose first field is IValue), which values of cell
// types become when they pass through compiled code (an error wrapped by
// fmt.Errorf, say); other values are returned as they are. yaegi asserts
// the result to the cell's type.
func rtIValue(x any) any {
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Struct && v.NumField() > 0 && v.Type().Field(0).Name == "IValue" {
		return v.Field(0).Interface()
	}
	return x
}

// rtUnwrap calls the Unwrap() error method of a compiled error.
func rtUnwrap(err error) (error, bool) {
	if u, ok := err.(interface{ Unwrap() error }); ok {
		return u.Unwrap(), true
	}
	return nil, false
}

// rtUnwrapAll calls the Unwrap() []error method of a compiled error.
func rtUnwrapAll(err error) ([]error, bool) {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		return u.Unwrap(), true
	}
	return nil, false
}

// rtSameError reports whether two errors are the same value as errors.Is
// compares them (==), looking through yaegi's interface wrappers.
func rtSameError(a, b error) bool { return rtSameValue(a, b) }

// rtSameValue is rtSameError for operands passed as any (yaegi passes some
// cell values converted to error unwrapped, which a func(error) refuses).
func rtSameValue(a, b any) bool {
	x, y := rtIValue(a), rtIValue(b)
	if x == nil || y == nil {
		return x == y
	}
	if !reflect.TypeOf(x).Comparable() || reflect.TypeOf(x) != reflect.TypeOf(y) {
		return false
	}
	return x == y
}
