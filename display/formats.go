package display

import (
	"encoding/base64"
	"fmt"
	"reflect"
)

// Format is one representation a value may offer through a method of its
// own: a method with no arguments named Method, returning a string (or a
// []byte when Binary), whose result goes into a bundle under MIME (base64
// encoded when Binary). Interface is the one-method interface that names
// it, such as HTMLer.
type Format struct {
	Method    string       // method name, e.g. "HTML"
	MIME      string       // MIME type of its result, e.g. "text/html"
	Interface reflect.Type // interface with just that method, e.g. HTMLer
	Binary    bool         // the method returns []byte, else string
}

// formats is the one table of methods through which values render
// themselves. Bundle, Show, MapTypes and the interpreter's detection of
// cell-declared display methods (Methods) all read it; its order is the
// order of preference when an interpreter can wrap a value with only one
// interface (see MapTypes).
var formats = []Format{
	{Method: "HTML", MIME: "text/html", Interface: reflect.TypeFor[HTMLer]()},
	{Method: "SVG", MIME: "image/svg+xml", Interface: reflect.TypeFor[SVGer]()},
	{Method: "PNG", MIME: "image/png", Interface: reflect.TypeFor[PNGer](), Binary: true},
	{Method: "Markdown", MIME: "text/markdown", Interface: reflect.TypeFor[Markdowner]()},
	{Method: "Latex", MIME: "text/latex", Interface: reflect.TypeFor[Latexer]()},
}

// Formats returns the table of methods through which values render
// themselves (HTML, SVG, PNG, Markdown, Latex), in order of preference.
func Formats() []Format { return append([]Format(nil), formats...) }

// wrapInterfaces are the interfaces an interpreter should wrap values of
// types declared in notebook cells with (see MapTypes): those of the
// format table, then Valuer.
func wrapInterfaces() []reflect.Type {
	ts := make([]reflect.Type, 0, len(formats)+1)
	for _, f := range formats {
		ts = append(ts, f.Interface)
	}
	return append(ts, reflect.TypeFor[Valuer]())
}

// Methods returns the names of the methods through which this package
// renders values of types declared in notebook cells: those of Formats and
// of Valuer. An interpreter showing a cell's result renders it from
// interpreted code (see MapTypes) when the cell's types declare one of
// them.
func Methods() []string {
	var ms []string
	for _, t := range wrapInterfaces() {
		for i := 0; i < t.NumMethod(); i++ {
			ms = append(ms, t.Method(i).Name)
		}
	}
	return ms
}

// callFormat calls f's method on v and returns its result in bundle form
// (a string, base64 for binary formats), or false when v has no such
// method with the right signature.
func callFormat(v any, f Format) (string, bool) {
	m, ok := method(v, f.Method)
	if !ok {
		return "", false
	}
	out := m.Type().Out(0)
	if f.Binary {
		if out.Kind() != reflect.Slice || out.Elem().Kind() != reflect.Uint8 {
			return "", false
		}
		return base64.StdEncoding.EncodeToString(m.Call(nil)[0].Bytes()), true
	}
	if out.Kind() != reflect.String {
		return "", false
	}
	return m.Call(nil)[0].String(), true
}

// BundleValue is Bundle for a value held in a reflect.Value, as an
// interpreter returns it: an invalid Value (no value) shows as "<nil>",
// one that cannot be turned into an interface (an unexported field) by
// its %v form.
func BundleValue(v reflect.Value) (data, metadata map[string]any) {
	if v.IsValid() && !v.CanInterface() {
		return textBundle(fmt.Sprintf("%v", v)), nil
	}
	var x any
	if v.IsValid() {
		x = v.Interface()
	}
	return Bundle(x)
}

// ResultBundle is Bundle as one value, {"data": data, "metadata":
// metadata}, for interpreted code: an interpreter evaluating
// ResultBundle(E) for a cell's final expression E gets values of types
// declared in cells rendered with their display methods (it is listed in
// MapTypes).
func ResultBundle(v any) map[string]any {
	data, md := Bundle(v)
	return map[string]any{"data": data, "metadata": md}
}
