package display

import (
	"encoding/base64"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestFormatsTable checks that every entry of the format table is
// consistent: its interface has exactly its one method, with the result
// type its Binary flag says, and MIME types are distinct.
func TestFormatsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Formats() {
		if f.Interface.Kind() != reflect.Interface || f.Interface.NumMethod() != 1 {
			t.Errorf("%s: %v is not a one-method interface", f.Method, f.Interface)
			continue
		}
		m := f.Interface.Method(0)
		want := reflect.TypeFor[string]()
		if f.Binary {
			want = reflect.TypeFor[[]byte]()
		}
		if m.Name != f.Method || m.Type.NumIn() != 0 || m.Type.NumOut() != 1 || m.Type.Out(0) != want {
			t.Errorf("%s: interface %v has method %s %v, want %s() %v", f.Method, f.Interface, m.Name, m.Type, f.Method, want)
		}
		if seen[f.MIME] || !strings.Contains(f.MIME, "/") {
			t.Errorf("%s: MIME type %q repeated or malformed", f.Method, f.MIME)
		}
		seen[f.MIME] = true
		if !slices.Contains(Methods(), f.Method) {
			t.Errorf("Methods() = %v lacks %s", Methods(), f.Method)
		}
		if !slices.Contains(MapTypes()[reflect.ValueOf(Show)], f.Interface) {
			t.Errorf("MapTypes lacks %v", f.Interface)
		}
	}
	if !slices.Contains(Methods(), "Shape") {
		t.Errorf("Methods() = %v lacks Valuer's Shape", Methods())
	}
	// Formats returns a copy.
	Formats()[0].MIME = "x/y"
	if Formats()[0].MIME == "x/y" {
		t.Errorf("Formats exposes the table")
	}
}

// everyFormat implements every method of the format table; each returns
// its own name.
type everyFormat struct{}

func (everyFormat) HTML() string     { return "HTML" }
func (everyFormat) SVG() string      { return "SVG" }
func (everyFormat) PNG() []byte      { return []byte("PNG") }
func (everyFormat) Markdown() string { return "Markdown" }
func (everyFormat) Latex() string    { return "Latex" }

// TestFormatsCompiledValue checks that Bundle, Show and BundleValue honour
// every entry of the table for a compiled value (a new entry needs a method
// on everyFormat, or this test fails).
func TestFormatsCompiledValue(t *testing.T) {
	f := withFake(t)
	v := everyFormat{}
	Show(v)
	shown := f.last(t).Data
	viaBundle, _ := Bundle(v)
	viaValue, _ := BundleValue(reflect.ValueOf(&v))
	viaResult, _ := ResultBundle(v)["data"].(map[string]any)
	for _, ft := range Formats() {
		if !reflect.TypeOf(v).Implements(ft.Interface) {
			t.Fatalf("everyFormat lacks the %s method of the format table", ft.Method)
		}
		want := ft.Method
		if ft.Binary {
			want = base64.StdEncoding.EncodeToString([]byte(ft.Method))
		}
		for name, d := range map[string]map[string]any{"Show": shown, "Bundle": viaBundle, "BundleValue": viaValue, "ResultBundle": viaResult} {
			if d[ft.MIME] != want {
				t.Errorf("%s: %s = %v, want %q", name, ft.MIME, d[ft.MIME], want)
			}
		}
	}
}

func TestBundleValue(t *testing.T) {
	if d, _ := BundleValue(reflect.Value{}); d["text/plain"] != "<nil>" {
		t.Errorf("invalid Value: %v", d)
	}
	hidden := reflect.ValueOf(struct{ n int }{7}).Field(0)
	if d, _ := BundleValue(hidden); d["text/plain"] != "7" {
		t.Errorf("unexported field: %v", d)
	}
	if d, _ := BundleValue(reflect.ValueOf("a")); d["text/plain"] != `"a"` {
		t.Errorf("string: %v", d)
	}
}

func TestBundleRecoversAndHasText(t *testing.T) {
	d, _ := Bundle(panicky{})
	if s, _ := d["text/plain"].(string); !strings.Contains(s, "panic: boom") {
		t.Errorf("panicking method: %v", d)
	}
	d, _ = Bundle(Rich{Data: map[string]any{"text/html": "<b>x</b>"}})
	if _, ok := d["text/plain"]; !ok {
		t.Errorf("Rich without text/plain: %v", d)
	}
}
