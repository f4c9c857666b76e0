package display

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type htmlValue struct{ n int }

func (h htmlValue) HTML() string   { return fmt.Sprintf("<b>%d</b>", h.n) }
func (h htmlValue) String() string { return fmt.Sprintf("htmlValue(%d)", h.n) }

type ptrMarkdown struct{ s string }

func (p *ptrMarkdown) Markdown() string { return "*" + p.s + "*" }

type svgValue struct{}

func (svgValue) SVG() string {
	return `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>`
}

type pngValue struct{ b []byte }

func (p pngValue) PNG() []byte { return p.b }

type multiValue struct{}

func (multiValue) HTML() string     { return "<i>m</i>" }
func (multiValue) Markdown() string { return "_m_" }
func (multiValue) Latex() string    { return "$m$" }

type panicky struct{}

func (panicky) HTML() string { panic("boom") }

// namedHTML has an HTML method returning a named string type, which only
// the reflect path finds.
type myHTML string
type namedHTML struct{}

func (namedHTML) HTML() myHTML { return "<u>n</u>" }

type wrongSig struct{}

func (wrongSig) HTML(x int) string { return "" }

func TestBundle(t *testing.T) {
	png1, err := RenderPNG(LinePlot([]float64{1, 2}), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var nilDense *mat.Dense
	var nilErr *myErr
	tests := []struct {
		name string
		v    any
		text string            // exact text/plain, "" to skip
		has  map[string]string // MIME type → substring of its content
		not  []string          // MIME types that must be absent
	}{
		{"nil", nil, "<nil>", nil, []string{"text/html"}},
		{"string is quoted", "a" + "b", `"ab"`, nil, []string{"text/html"}},
		{"string escapes", "x\ny", `"x\ny"`, nil, nil},
		{"int", 1 + 2, "3", nil, nil},
		{"float", 0.5, "0.5", nil, nil},
		{"bool", true, "true", nil, nil},
		{"slice", []float64{1, 2.5}, "[1 2.5]", nil, nil},
		{"struct", struct{ A, B int }{1, 2}, "{1 2}", nil, nil},
		{"struct of matrices", &params{W: mat.NewDense(2, 3, nil), B: mat.NewVecDense(2, nil), LR: 0.1, Name: "net", hidden: 7},
			`*display.params{W: *mat.Dense 2×3, B: *mat.VecDense len 2, LR: 0.1, Name: "net"}`,
			map[string]string{"text/html": "<details><summary><b>W</b>: *mat.Dense 2×3</summary><div>"}, nil},
		{"anonymous struct of matrices", struct {
			W       *mat.Dense
			Xhidden int
		}{mat.NewDense(1, 1, []float64{5}), 3}, "{W: *mat.Dense 1×1, Xhidden: 3}", map[string]string{"text/html": ">5<"}, nil},
		{"error", errors.New("bad <x>"), "bad <x>", map[string]string{"text/html": "bad &lt;x&gt;"}, nil},
		{"nil pointer error", nilErr, "<nil>", nil, nil},
		{"dense", mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6.5}), "*mat.Dense 2×3\n[  1   2   3]\n[  4   5 6.5]",
			map[string]string{"text/html": "<table"}, nil},
		{"nil dense", nilDense, "<nil>", nil, nil},
		{"vector", mat.NewVecDense(3, []float64{1, -2, 3}), "*mat.VecDense len 3\n[ 1 -2  3]", map[string]string{"text/html": "len 3"}, nil},
		{"transpose", mat.NewDense(1, 2, []float64{7, 8}).T(), "", map[string]string{"text/html": "2×1"}, nil},
		{"plot", LinePlot([]float64{1, 2}), "", map[string]string{"image/png": ""}, nil},
		{"image", image.NewGray(image.Rect(0, 0, 3, 2)), "<image 3×2>", map[string]string{"image/png": ""}, nil},
		{"HTML method", htmlValue{7}, "htmlValue(7)", map[string]string{"text/html": "<b>7</b>"}, nil},
		{"HTML method via pointer", &htmlValue{8}, "htmlValue(8)", map[string]string{"text/html": "<b>8</b>"}, nil},
		{"pointer-receiver Markdown on value", ptrMarkdown{"q"}, "*q*", map[string]string{"text/markdown": "*q*"}, nil},
		{"SVG method", svgValue{}, "", map[string]string{"image/svg+xml": "<svg"}, nil},
		{"PNG method", pngValue{png1}, "", map[string]string{"image/png": ""}, nil},
		{"several methods", multiValue{}, "_m_", map[string]string{"text/html": "<i>m</i>", "text/markdown": "_m_", "text/latex": "$m$"}, nil},
		{"named string result", namedHTML{}, "n", map[string]string{"text/html": "<u>n</u>"}, nil},
		{"wrong signature ignored", wrongSig{}, "{}", nil, []string{"text/html"}},
		{"panicking method", panicky{}, "", map[string]string{"text/plain": "panic: boom"}, nil},
		{"Rich", Raw("text/html", "<p>r</p>"), "r", map[string]string{"text/html": "<p>r</p>"}, nil},
		{"Rich SVG", Raw("image/svg+xml", "<svg/>"), "<image/svg+xml>", map[string]string{"image/svg+xml": "<svg/>"}, nil},
		{"Valuer scalar", fakeVar{2.5, "scalar"}, "display.fakeVar scalar 2.5", map[string]string{"text/html": "shape scalar"}, nil},
		{"Valuer matrix", fakeVar{mat.NewDense(2, 2, []float64{1, 2, 3, 4}), "matrix(2×2)"}, "", map[string]string{"text/plain": "matrix(2×2)\n*mat.Dense 2×2", "text/html": "<table"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := Bundle(tt.v)
			txt, ok := data["text/plain"].(string)
			if !ok {
				t.Fatalf("no text/plain in %v", keys(data))
			}
			if tt.text != "" && txt != tt.text {
				t.Errorf("text/plain = %q, want %q", txt, tt.text)
			}
			for mime, sub := range tt.has {
				s, ok := data[mime].(string)
				if !ok {
					t.Errorf("no %s in bundle %v", mime, keys(data))
					continue
				}
				if !strings.Contains(s, sub) {
					t.Errorf("%s = %.200q, want it to contain %q", mime, s, sub)
				}
				if mime == "image/png" {
					decodePNG(t, data)
				}
				if mime == "image/svg+xml" {
					checkXML(t, s, "svg")
				}
			}
			for _, mime := range tt.not {
				if _, ok := data[mime]; ok {
					t.Errorf("unexpected %s in bundle", mime)
				}
			}
		})
	}
}

// params is a model's parameters.
type params struct {
	W      *mat.Dense
	B      *mat.VecDense
	LR     float64
	Name   string
	hidden int // unexported: not shown
}

// fakeVar stands in for *ad.Var.
type fakeVar struct {
	v     any
	shape string
}

func (f fakeVar) Value() any     { return f.v }
func (f fakeVar) Shape() string  { return f.shape }
func (f fakeVar) String() string { return "fakeVar" }

type myErr struct{}

func (*myErr) Error() string { return "myErr" }

func TestBundleHandleIsEmpty(t *testing.T) {
	f := withFake(t)
	h := Show(1)
	if data, md := Bundle(h); data != nil || md != nil {
		t.Errorf("Bundle(*Handle) = %v, %v; want nil", data, md)
	}
	if n := len(f.messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
}

func TestBundleLargeMatrixElided(t *testing.T) {
	m := mat.NewDense(100, 50, nil)
	for i := 0; i < 100; i++ {
		for j := 0; j < 50; j++ {
			m.Set(i, j, float64(1000*i+j))
		}
	}
	data, _ := Bundle(m)
	h := data["text/html"].(string)
	txt := data["text/plain"].(string)
	for _, want := range []string{"100×50", "⋮", "…", ">99<", ">49<", "99049"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, ">50<") || strings.Contains(h, "50000") {
		t.Errorf("HTML shows a middle row or column")
	}
	// 2*edgeItems rows plus the ellipsis row, each 2*edgeItems+1 cells.
	if got, want := strings.Count(h, "<td"), (2*edgeItems+1)*(2*edgeItems+1); got != want {
		t.Errorf("%d cells, want %d", got, want)
	}
	if lines := strings.Count(txt, "\n"); lines != 2*edgeItems+1 {
		t.Errorf("text has %d rows, want %d:\n%s", lines, 2*edgeItems+1, txt)
	}
}

func TestBundleLongCompact(t *testing.T) {
	xs := make([]float64, 100000)
	for i := range xs {
		xs[i] = float64(i)
	}
	data, _ := Bundle(xs)
	txt := data["text/plain"].(string)
	if !strings.HasPrefix(txt, "[0 1 2 ") || !strings.HasSuffix(txt, " 99998 99999] (len 100000)") || !strings.Contains(txt, "… (99890 more) …") || len(txt) > 1000 {
		t.Errorf("long slice shown as %.300q", txt)
	}
	long := strings.Repeat("x", 10*maxCompact)
	data, _ = Bundle(struct{ S string }{long})
	if txt := data["text/plain"].(string); len(txt) > maxCompact+100 || !strings.Contains(txt, "bytes elided") {
		t.Errorf("long struct shown as %d bytes", len(txt))
	}
}

type selfVar struct{}

func (s selfVar) Value() any    { return s }
func (s selfVar) Shape() string { return "self" }

func TestBundleSelfReferentialValuer(t *testing.T) {
	data, _ := Bundle(selfVar{})
	if txt := data["text/plain"].(string); !strings.Contains(txt, "self") {
		t.Errorf("text/plain = %q", txt)
	}
}
