package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/png"
	"reflect"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
)

// HTMLer is implemented by values that render themselves as HTML. Bundle
// and Show honour it, also for types declared in notebook cells.
type HTMLer interface {
	HTML() string
}

// Markdowner is implemented by values that render themselves as Markdown.
type Markdowner interface {
	Markdown() string
}

// SVGer is implemented by values that render themselves as an SVG document.
type SVGer interface {
	SVG() string
}

// PNGer is implemented by values that render themselves as a PNG file.
type PNGer interface {
	PNG() []byte
}

// Latexer is implemented by values that render themselves as LaTeX.
type Latexer interface {
	Latex() string
}

// Bundler is implemented by values that compute their own MIME bundle and
// metadata, such as the widgets of package widget (whose bundle holds the
// widget view "application/vnd.jupyter.widget-view+json"). Bundle uses it
// first; data should hold "text/plain" as a fallback.
type Bundler interface {
	MIMEBundle() (data, metadata map[string]any)
}

// Valuer is the part of the differentiable value type of package ad
// (*ad.Var) that Bundle uses: its current value (a float64 or a gonum
// matrix) and a description of its shape such as "3×4" or "scalar".
type Valuer interface {
	Value() any
	Shape() string
}

// Bundle returns the MIME bundle (data) and metadata of the best
// representation of v. data always holds "text/plain", except for a
// *Handle, whose bundle is nil because it was already displayed; callers
// showing a cell's final expression should show nothing then.
//
// Representations, in order of preference:
//   - Bundler (widgets): its own bundle;
//   - Rich: its own bundle;
//   - *plot.Plot and image.Image: image/png;
//   - *ad.Tape: the drawing of the computation (see TapeSVG);
//   - values with methods of the format table (see Formats: HTML, SVG,
//     PNG, Markdown, Latex; the methods are also found through reflect for
//     types declared in notebook cells): every representation they offer,
//     with String() (when present) as the text/plain form;
//   - the differentiable value of package ad (see Valuer): its value and shape;
//   - errors: the message, in red in HTML;
//   - mat.Matrix (*mat.Dense, *mat.VecDense, …): an HTML table with its shape,
//     with the middle rows and columns elided when large, like NumPy;
//   - strings: Go-quoted, so "a"+"b" shows "ab" with the quotes;
//   - structs holding matrices (model parameters): field by field, each
//     matrix by its type and shape, and in HTML as a collapsible table;
//   - anything else: a compact %v form (very long forms are elided in the
//     middle).
//
// Bundle never panics: a panicking method of v is reported in the bundle.
//
// Values of types declared in notebook cells keep their methods only when
// Bundle is called from interpreted code with MapTypes registered; a
// kernel showing a cell's final expression E should therefore evaluate
// display.Bundle(E) in the interpreter rather than pass E's reflect.Value
// to Bundle.
func Bundle(v any) (data, metadata map[string]any) {
	defer func() {
		if r := recover(); r != nil {
			data = map[string]any{"text/plain": fmt.Sprintf("display: cannot show value of type %T: panic: %v", v, r)}
			metadata = nil
		}
	}()
	data, metadata = bundle(v)
	if _, ok := data["text/plain"]; data != nil && !ok {
		data["text/plain"] = compact(v)
	}
	return data, metadata
}

// bundle is Bundle without the guarantees (no panic, a text/plain form).
func bundle(v any) (data, metadata map[string]any) {
	switch x := v.(type) {
	case nil:
		return textBundle("<nil>"), nil
	case Bundler:
		if isNilPointer(v) {
			return textBundle("<nil>"), nil
		}
		data, md := x.MIMEBundle()
		if data != nil {
			if _, ok := data["text/plain"]; !ok {
				data["text/plain"] = fmt.Sprintf("%T", v)
			}
		}
		return data, md
	case *Handle:
		return nil, nil
	case Rich:
		return richBundle(x)
	case *Rich:
		if x == nil {
			return textBundle("<nil>"), nil
		}
		return richBundle(*x)
	case *plot.Plot:
		if x == nil {
			return textBundle("<nil>"), nil
		}
		return plotBundle(x, DefaultWidth, DefaultHeight, false)
	case image.Image:
		if isNilPointer(v) {
			return textBundle("<nil>"), nil
		}
		return imageBundle(x)
	}
	if d := adBundle(v); d != nil {
		return d, nil
	}
	if d := methodBundle(v); d != nil {
		return d, nil
	}
	switch x := v.(type) {
	case Valuer:
		if isNilPointer(v) {
			return textBundle("<nil>"), nil
		}
		return valuerBundle(x), nil
	case error:
		if isNilPointer(v) {
			return textBundle("<nil>"), nil
		}
		msg := x.Error()
		return map[string]any{
			"text/plain": msg,
			"text/html":  `<pre style="color:#c00">` + html.EscapeString(msg) + `</pre>`,
		}, nil
	case mat.Matrix:
		if isNilPointer(v) {
			return textBundle("<nil>"), nil
		}
		return matrixBundle(x), nil
	case string:
		return textBundle(strconv.Quote(x)), nil
	}
	if d := structBundle(v); d != nil {
		return d, nil
	}
	return textBundle(compact(v)), nil
}

// structBundle shows a struct (or pointer to one) that holds matrices,
// such as a model's parameters, field by field: matrices by type and
// shape in text, as collapsible tables in HTML. It returns nil for other
// values.
func structBundle(v any) map[string]any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Ptr && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct || rv.NumField() > 64 {
		return nil
	}
	type field struct {
		name string
		m    mat.Matrix
		text string
	}
	var fs []field
	hasMatrix := false
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		name := rv.Type().Field(i).Name
		if !f.CanInterface() {
			continue
		}
		x := f.Interface()
		if m, ok := x.(mat.Matrix); ok && !isNilPointer(x) {
			hasMatrix = true
			fs = append(fs, field{name: name, m: m})
			continue
		}
		if s, ok := x.(string); ok {
			fs = append(fs, field{name: name, text: strconv.Quote(s)})
			continue
		}
		fs = append(fs, field{name: name, text: compact(x)})
	}
	if !hasMatrix {
		return nil
	}
	name := typeName(v)
	if name == "value" {
		name = ""
	}
	var t, h strings.Builder
	t.WriteString(name + "{")
	h.WriteString(`<div><div style="color:#666;font-size:smaller">` + html.EscapeString(name) + `</div><ul style="list-style:none;padding-left:0;margin:0">`)
	for i, f := range fs {
		if i > 0 {
			t.WriteString(", ")
		}
		if f.m == nil {
			t.WriteString(f.name + ": " + f.text)
			h.WriteString(`<li><b>` + html.EscapeString(f.name) + `</b>: <code>` + html.EscapeString(f.text) + `</code></li>`)
			continue
		}
		md := matrixBundle(f.m)
		head := strings.SplitN(md["text/plain"].(string), "\n", 2)[0]
		t.WriteString(f.name + ": " + head)
		h.WriteString(`<li><details><summary><b>` + html.EscapeString(f.name) + `</b>: ` + html.EscapeString(head) +
			`</summary>` + md["text/html"].(string) + `</details></li>`)
	}
	t.WriteString("}")
	h.WriteString(`</ul></div>`)
	return map[string]any{"text/plain": t.String(), "text/html": h.String()}
}

func textBundle(s string) map[string]any { return map[string]any{"text/plain": s} }

func richBundle(r Rich) (map[string]any, map[string]any) {
	d := make(map[string]any, len(r.Data)+1)
	for k, v := range r.Data {
		d[k] = v
	}
	if _, ok := d["text/plain"]; !ok {
		d["text/plain"] = ""
	}
	var md map[string]any
	if r.Metadata != nil {
		md = make(map[string]any, len(r.Metadata))
		for k, v := range r.Metadata {
			md[k] = v
		}
	}
	return d, md
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Ptr, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// methodBundle collects the representations offered by the methods of
// the format table (see Formats) of v. It returns nil if v has none.
func methodBundle(v any) map[string]any {
	if isNilPointer(v) {
		return nil
	}
	d := map[string]any{}
	for _, f := range formats {
		if s, ok := callFormat(v, f); ok {
			d[f.MIME] = s
		}
	}
	if len(d) == 0 {
		return nil
	}
	if s, ok := stringMethod(v, "String"); ok {
		d["text/plain"] = s
	} else if md, ok := d["text/markdown"].(string); ok {
		d["text/plain"] = md
	} else if h, ok := d["text/html"].(string); ok {
		d["text/plain"] = stripTags(h)
	} else {
		d["text/plain"] = compact(v)
	}
	return d
}

// method finds the method name of v with no arguments and one result,
// through the method set of v or, for a non-pointer v, of a pointer to a
// copy of it. Types declared in notebook cells reach compiled code either
// wrapped (then the interfaces match) or as plain reflect values.
func method(v any, name string) (reflect.Value, bool) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return reflect.Value{}, false
	}
	m := rv.MethodByName(name)
	if !m.IsValid() && rv.Kind() != reflect.Ptr && rv.Kind() != reflect.Interface {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		m = p.MethodByName(name)
	}
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return reflect.Value{}, false
	}
	return m, true
}

// stringMethod calls the method name of v returning a string.
func stringMethod(v any, name string) (string, bool) {
	if x, ok := v.(fmt.Stringer); ok && name == "String" {
		return x.String(), true
	}
	m, ok := method(v, name)
	if !ok || m.Type().Out(0).Kind() != reflect.String {
		return "", false
	}
	return m.Call(nil)[0].String(), true
}

func valuerBundle(x Valuer) map[string]any {
	shape := x.Shape()
	val := x.Value()
	var vd map[string]any
	if _, nested := val.(Valuer); !nested { // no endless recursion
		vd, _ = Bundle(val)
	}
	if vd == nil {
		vd = textBundle(compact(val))
	}
	vt, _ := vd["text/plain"].(string)
	name := typeName(x)
	d := map[string]any{
		"text/plain": name + " " + shape + " " + vt,
	}
	if strings.Contains(vt, "\n") {
		d["text/plain"] = name + " " + shape + "\n" + vt
	}
	body := "<pre>" + html.EscapeString(vt) + "</pre>"
	if h, ok := vd["text/html"].(string); ok {
		body = h
	}
	d["text/html"] = `<div><b>` + html.EscapeString(name) + `</b> <span style="color:#666">shape ` +
		html.EscapeString(shape) + `</span>` + body + `</div>`
	return d
}

// typeName returns a short name for the type of v, like "*ad.Var".
func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "<nil>"
	}
	s := t.String()
	if strings.HasPrefix(s, "*struct {") || strings.HasPrefix(s, "struct {") {
		return "value"
	}
	return s
}

// Matrix display limits: matrices with more rows (columns) than maxRows
// (maxCols) show edgeItems rows (columns) at each end.
const (
	maxRows   = 20
	maxCols   = 16
	edgeItems = 5
)

// indexes returns the indexes of n items to show, with -1 marking the
// elided middle.
func indexes(n, max int) []int {
	var ix []int
	if n <= max {
		for i := 0; i < n; i++ {
			ix = append(ix, i)
		}
		return ix
	}
	for i := 0; i < edgeItems; i++ {
		ix = append(ix, i)
	}
	ix = append(ix, -1)
	for i := n - edgeItems; i < n; i++ {
		ix = append(ix, i)
	}
	return ix
}

func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// matrixBundle renders m as an HTML table and aligned text. A mat.Vector
// is shown as one row.
func matrixBundle(m mat.Matrix) map[string]any {
	r, c := m.Dims()
	at := m.At
	shape := strconv.Itoa(r) + "×" + strconv.Itoa(c)
	if v, ok := m.(mat.Vector); ok {
		n := v.Len()
		r, c = 1, n
		at = func(_, j int) float64 { return v.AtVec(j) }
		shape = "len " + strconv.Itoa(n)
	}
	name := typeName(m)
	rows, cols := indexes(r, maxRows), indexes(c, maxCols)

	// Cell strings, shared by the text and HTML forms.
	cells := make([][]string, len(rows))
	width := 1
	for i, ri := range rows {
		cells[i] = make([]string, len(cols))
		for j, cj := range cols {
			var s string
			switch {
			case ri < 0 && cj < 0:
				s = "⋱"
			case ri < 0:
				s = "⋮"
			case cj < 0:
				s = "…"
			default:
				s = formatFloat(at(ri, cj))
			}
			cells[i][j] = s
			if n := len([]rune(s)); n > width {
				width = n
			}
		}
	}

	var t strings.Builder
	t.WriteString(name + " " + shape)
	for _, row := range cells {
		t.WriteString("\n[")
		for j, s := range row {
			if j > 0 {
				t.WriteByte(' ')
			}
			t.WriteString(strings.Repeat(" ", width-len([]rune(s))) + s)
		}
		t.WriteString("]")
	}

	var h strings.Builder
	h.WriteString(`<div><div style="color:#666;font-size:smaller">` + html.EscapeString(name) +
		" " + shape + `</div><table style="border-collapse:collapse;font-family:monospace">`)
	if r > 0 && c > 0 {
		h.WriteString(`<thead><tr><th></th>`)
		for _, cj := range cols {
			if cj < 0 {
				h.WriteString(`<th>…</th>`)
			} else {
				h.WriteString(`<th>` + strconv.Itoa(cj) + `</th>`)
			}
		}
		h.WriteString(`</tr></thead><tbody>`)
		for i, ri := range rows {
			if ri < 0 {
				h.WriteString(`<tr><th>⋮</th>`)
			} else {
				h.WriteString(`<tr><th>` + strconv.Itoa(ri) + `</th>`)
			}
			for _, s := range cells[i] {
				h.WriteString(`<td style="text-align:right">` + html.EscapeString(s) + `</td>`)
			}
			h.WriteString(`</tr>`)
		}
		h.WriteString(`</tbody>`)
	}
	h.WriteString(`</table></div>`)
	return map[string]any{"text/plain": t.String(), "text/html": h.String()}
}

// maxCompact is the length beyond which compact elides the middle.
const maxCompact = 4000

// maxElems is the length beyond which compact shows only the first and
// last elements of a slice.
const maxElems = 200

// compact returns the %v form of v, eliding the middle of long forms.
func compact(v any) string {
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Len() > maxElems {
		if _, ok := v.(fmt.Stringer); !ok {
			var b strings.Builder
			b.WriteString("[")
			for i := 0; i < 100; i++ {
				fmt.Fprintf(&b, "%v ", rv.Index(i))
			}
			fmt.Fprintf(&b, "… (%d more) …", rv.Len()-110)
			for i := rv.Len() - 10; i < rv.Len(); i++ {
				fmt.Fprintf(&b, " %v", rv.Index(i))
			}
			b.WriteString("] (len " + strconv.Itoa(rv.Len()) + ")")
			return b.String()
		}
	}
	s := fmt.Sprintf("%v", v)
	if len(s) <= maxCompact {
		return s
	}
	head, tail := s[:maxCompact*3/4], s[len(s)-maxCompact/8:]
	head = strings.ToValidUTF8(head, "")
	tail = strings.ToValidUTF8(tail, "")
	return head + " … (" + strconv.Itoa(len(s)-len(head)-len(tail)) + " bytes elided) … " + tail
}

// stripTags returns the text of an HTML fragment: tags removed, entities
// decoded, runs of blank lines squeezed.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

// pngBundle returns the bundle of PNG bytes.
func pngBundle(b []byte, label string) (map[string]any, map[string]any) {
	text := "<" + label + ">"
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err == nil {
		text = "<" + label + " " + strconv.Itoa(cfg.Width) + "×" + strconv.Itoa(cfg.Height) + ">"
	}
	return map[string]any{
		"image/png":  base64.StdEncoding.EncodeToString(b),
		"text/plain": text,
	}, nil
}

// imageBundle encodes img as PNG.
func imageBundle(img image.Image) (map[string]any, map[string]any) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return map[string]any{"text/plain": "display: cannot encode image: " + err.Error()}, nil
	}
	return pngBundle(buf.Bytes(), "image")
}
