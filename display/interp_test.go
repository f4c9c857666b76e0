package display

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gopherprop/gopherprop/internal/yaegi/interp"
)

// Interface wrappers as `yaegi extract` generates them for this package.
type _display_HTMLer struct {
	IValue interface{}
	WHTML  func() string
}

func (W _display_HTMLer) HTML() string { return W.WHTML() }

type _display_Markdowner struct {
	IValue    interface{}
	WMarkdown func() string
}

func (W _display_Markdowner) Markdown() string { return W.WMarkdown() }

func yaegiWithDisplay(t *testing.T, mapTypes bool) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{})
	syms := interp.Exports{
		"github.com/gopherprop/gopherprop/display/display": {
			"Bundle":        reflect.ValueOf(Bundle),
			"Show":          reflect.ValueOf(Show),
			"UpdateDisplay": reflect.ValueOf(UpdateDisplay),
			"HTMLer":        reflect.ValueOf((*HTMLer)(nil)),
			"Markdowner":    reflect.ValueOf((*Markdowner)(nil)),
			"_HTMLer":       reflect.ValueOf((*_display_HTMLer)(nil)),
			"_Markdowner":   reflect.ValueOf((*_display_Markdowner)(nil)),
		},
	}
	if err := i.Use(syms); err != nil {
		t.Fatal(err)
	}
	if mapTypes {
		if err := i.Use(interp.Exports{".": {"MapTypes": reflect.ValueOf(MapTypes())}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := i.Eval(`import "github.com/gopherprop/gopherprop/display"`); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`
type Card struct{ Title string; hidden int }
func (c Card) HTML() string { return "<h1>" + c.Title + "</h1>" }
type Note struct{ S string }
func (n *Note) Markdown() string { return "**" + n.S + "**" }
`); err != nil {
		t.Fatal(err)
	}
	return i
}

// TestYaegiCellTypes checks that HTML and Markdown methods of types
// declared in an interpreted cell are honoured by Show, Bundle and
// UpdateDisplay once MapTypes is registered.
func TestYaegiCellTypes(t *testing.T) {
	f := withFake(t)
	i := yaegiWithDisplay(t, true)
	v, err := i.Eval(`display.Bundle(Card{Title: "hi"})`)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := v.Interface().(map[string]any)
	if data["text/html"] != "<h1>hi</h1>" || data["text/plain"] != "hi" {
		t.Errorf("Bundle of a cell type = %v", data)
	}
	if _, err := i.Eval(`h := display.Show(&Note{S: "n"}); display.UpdateDisplay(h, Card{Title: "u"})`); err != nil {
		t.Fatal(err)
	}
	ms := f.messages()
	if len(ms) != 2 || ms[0].Data["text/markdown"] != "**n**" || ms[1].Type != "update_display_data" || ms[1].Data["text/html"] != "<h1>u</h1>" {
		t.Errorf("messages = %+v", ms)
	}
	// Known yaegi limit (see MapTypes): the result of a call passed
	// directly loses its methods; through a variable it keeps them.
	if _, err := i.Eval(`func mk() Card { return Card{Title: "c"} }`); err != nil {
		t.Fatal(err)
	}
	v, err = i.Eval(`c := mk(); display.Bundle(c)`)
	if err != nil {
		t.Fatal(err)
	}
	if d := v.Interface().(map[string]any); d["text/html"] != "<h1>c</h1>" {
		t.Errorf("Bundle of a variable holding a call result = %v", d)
	}
	// A value without display methods is shown through reflect.
	v, err = i.Eval(`display.Bundle(struct{ A int }{3})`)
	if err != nil {
		t.Fatal(err)
	}
	if d := v.Interface().(map[string]any); d["text/plain"] != "{3}" {
		t.Errorf("plain struct = %v", d)
	}
}

// TestYaegiWithoutMapTypes documents why MapTypes is needed: without it
// the method is lost on the way to compiled code.
func TestYaegiWithoutMapTypes(t *testing.T) {
	i := yaegiWithDisplay(t, false)
	v, err := i.Eval(`display.Bundle(Card{Title: "hi"})`)
	if err != nil {
		t.Fatal(err)
	}
	data := v.Interface().(map[string]any)
	if _, ok := data["text/html"]; ok {
		t.Skip("this yaegi version keeps methods without MapTypes")
	}
	if !strings.Contains(data["text/plain"].(string), "hi") {
		t.Errorf("text/plain = %v", data["text/plain"])
	}
}
