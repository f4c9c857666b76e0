package display

import "reflect"

// MapTypes tells an interpreter embedding this package (the yaegi
// interpreter behind notebook cells) which interfaces to look for when a
// value of a type declared in a cell is passed as `any` to Show, Bundle
// or UpdateDisplay. yaegi passes such values without their methods unless the
// function is listed here; then it wraps the value so that the first
// interface in the list the type implements works. Register it with
//
//	i.Use(interp.Exports{".": {"MapTypes": reflect.ValueOf(display.MapTypes())}})
//
// after the extracted symbols of this package (which hold the interface
// wrappers, e.g. "_HTMLer"). The order of preference is that of Formats
// (HTMLer, SVGer, PNGer, Markdowner, Latexer), then Valuer.
//
// Measured with yaegi v0.16.1: the wrapping works for variables, fields,
// index expressions and composite literals of a cell type (display.Show(c),
// display.Show(&Card{…}), display.Show(cs[0])), but not for a value held
// in an interface{} variable or passed directly as the result of a call
// (display.Show(mk())); assign such values to a variable of the cell type
// first (c := mk(); display.Show(c)). A kernel showing a cell's final
// expression E can do the same: evaluate "v := E; display.Bundle(v)".
func MapTypes() map[reflect.Value][]reflect.Type {
	ifaces := wrapInterfaces()
	return map[reflect.Value][]reflect.Type{
		reflect.ValueOf(Show):          ifaces,
		reflect.ValueOf(Bundle):        ifaces,
		reflect.ValueOf(ResultBundle):  ifaces,
		reflect.ValueOf(UpdateDisplay): ifaces,
	}
}

// UpdateDisplay is h.Update(v) as a function, so that notebook cells
// updating a display with a value of a type declared in the cell keep its
// HTML (or other) method; see MapTypes.
func UpdateDisplay(h *Handle, v any) { h.Update(v) }
