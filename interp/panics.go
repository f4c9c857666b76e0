package interp

import (
	"fmt"
	"go/ast"
	"go/types"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// Runtime panics as Go prints them. Three sources of difference are
// handled here and in bounds.go:
//   - panics raised by reflect inside yaegi (a nil interface's method, a
//     nil func, a negative make length) are translated into Go's runtime
//     error by goRuntimeText, whose table is the one list of such
//     translations; a failed type assertion loses yaegi's position and
//     panic(nil) reads as Go 1.21's (goPanic);
//   - index and slice bounds get Go's message with the values (bounds.go);
//   - a panic value of a cell-declared type prints as Go's printpanicval
//     prints it (its Error or String method, main.T(42) for a named basic
//     type): the rewrite stage passes the argument of panic(v) through a
//     converter (fmtwrap.go) that notes its text (rtPanicNote) before the
//     panic; panicFailure uses the note when it describes the panic value.

// reflectPanics maps the messages of yaegi's reflect-level panics to Go's
// runtime error text. prefix: the message starts with key.
var reflectPanics = []struct {
	key    string
	prefix bool
	goText string
}{
	{"reflect: slice index out of range", false, "index out of range"},
	{"reflect: array index out of range", false, "index out of range"},
	{"reflect: string index out of range", false, "index out of range"},
	{"reflect.Value.Slice: slice index out of bounds", false, "slice bounds out of range"},
	{"reflect.Value.Slice: string slice index out of bounds", false, "slice bounds out of range"},
	{"reflect.Value.Slice3: slice index out of bounds", false, "slice bounds out of range"},
	{"reflect.MakeSlice: negative len", false, "makeslice: len out of range"},
	{"reflect.MakeSlice: negative cap", false, "makeslice: cap out of range"},
	{"reflect.MakeSlice: len > cap", false, "makeslice: cap out of range"},
	{"reflect: Method on nil interface value", false, "invalid memory address or nil pointer dereference"},
	{"reflect.Value.Call: call of nil function", false, "invalid memory address or nil pointer dereference"},
	{"reflect: call of reflect.Value.", true, "invalid memory address or nil pointer dereference"},
}

// goPanic returns the error name and the text of a panic with value v
// (printed by fmt as val, named ename so far) as Go would print them.
func goPanic(v any, ename, val string) (string, string) {
	if text, ok := goRuntimeText(val); ok {
		return "RuntimeError", text
	}
	if rv, isRV := v.(reflect.Value); v == nil || (isRV && (!rv.IsValid() || (rv.Kind() == reflect.Interface && rv.IsNil()))) {
		// panic(nil), or of a nil interface: Go 1.21's PanicNilError.
		return ename, "panic called with nil argument"
	}
	// yaegi's failed type assertion carries its own position.
	if _, _, _, loc := matchPos(val); loc != nil && loc[0] == 0 && strings.HasPrefix(val[loc[1]:], ": interface conversion: ") {
		return "RuntimeError", val[loc[1]+2:]
	}
	if text, ok := takePanicNote(v); ok && ename == "Panic" {
		return ename, text
	}
	return ename, val
}

// goRuntimeText returns Go's runtime error for a panic message of yaegi's
// reflect layer, or false.
func goRuntimeText(msg string) (string, bool) {
	for _, r := range reflectPanics {
		if msg == r.key || (r.prefix && strings.HasPrefix(msg, r.key) && strings.HasSuffix(msg, "on zero Value")) {
			return "runtime error: " + r.goText, true
		}
	}
	return "", false
}

// panicNote is the text Go prints for the value of the last panic(v) of a
// cell-declared type, and fmt.Sprint of the value as the interpreter
// hands it over (to recognise the panic it belongs to).
var panicNote struct {
	sync.Mutex
	text, raw string
	set       bool
}

// rtPanicNote records the text of panic value v, whose interpreted value
// is raw, just before the cell panics with it.
func rtPanicNote(v *fmtValue, raw any) {
	text := func() (t string) {
		defer func() {
			if recover() != nil {
				t = ""
			}
		}()
		return panicText(v)
	}()
	panicNote.Lock()
	panicNote.text, panicNote.raw, panicNote.set = text, fmt.Sprint(raw), text != ""
	panicNote.Unlock()
}

// takePanicNote returns the noted text when it describes value and
// forgets it.
func takePanicNote(value any) (string, bool) {
	panicNote.Lock()
	defer panicNote.Unlock()
	if !panicNote.set {
		return "", false
	}
	panicNote.set = false
	if fmt.Sprint(value) != panicNote.raw {
		return "", false
	}
	return panicNote.text, true
}

// resetPanicNote forgets a note of an earlier cell.
func resetPanicNote() {
	panicNote.Lock()
	panicNote.set = false
	panicNote.Unlock()
}

// panicText is what Go's runtime prints for a panic value (printpanicval):
// an error's Error, a Stringer's String, main.T(v) for a named type of a
// basic kind, (main.T) and an address otherwise. It returns "" for values
// whose types involve no cell type (printed as before).
func panicText(v *fmtValue) string {
	switch {
	case v.goVal:
		return ""
	case v.isNil && v.kind == reflect.Interface:
		return ""
	case v.err != nil:
		return v.err()
	case v.str != nil:
		return v.str()
	}
	switch v.kind {
	case reflect.String:
		return fmt.Sprintf("%s(%q)", v.typ, v.leaf)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("%s(%v)", v.typ, v.leaf)
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("%s(%s)", v.typ, strconv.FormatFloat(reflect.ValueOf(v.leaf).Float(), 'g', -1, reflect.TypeOf(v.leaf).Bits()))
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprintf("%s(%s)", v.typ, strconv.FormatComplex(reflect.ValueOf(v.leaf).Complex(), 'g', -1, reflect.TypeOf(v.leaf).Bits()))
	case reflect.Pointer:
		return fmt.Sprintf("(%s) %#x", v.typ, v.addr)
	}
	// Go prints the address of the value's copy; we print the value.
	return fmt.Sprintf("(%s) %v", v.typ, v)
}

// wrapPanic rewrites panic(v), where v's type involves cell types, so that
// the text Go prints for v is noted before the panic.
func (w *fmtWrapper) wrapPanic(it *cell.Item, call *ast.CallExpr) bool {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || id.Name != "panic" || len(call.Args) != 1 || !id.Pos().IsValid() {
		return false
	}
	p := it.Fset.Position(id.Pos())
	if _, ok := w.uses[[2]int{p.Line - 1, p.Column}].(*types.Builtin); !ok {
		return false
	}
	e := w.converter(it, call.Args[0], "", rtName+".PanicNote(%s(x), x)\nreturn x")
	if e == nil {
		return false
	}
	call.Args[0] = e
	return true
}
