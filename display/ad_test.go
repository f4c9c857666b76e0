package display

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)

func TestTapeSVG(t *testing.T) {
	// f(x, y) = x*y + x: ∂f/∂x = y + 1 = 4, ∂f/∂y = x = 2.
	tp := ad.Record(func(xs []*ad.Var) *ad.Var {
		return ad.Add(ad.Mul(xs[0], xs[1]), xs[0])
	}, 2.0, 3.0)
	nodes := tp.Nodes()
	lay := layoutGraph(tapeNodes(tp))
	if len(lay.boxes) != len(nodes) {
		t.Fatalf("%d boxes for %d nodes", len(lay.boxes), len(nodes))
	}
	edges := 0
	for _, n := range nodes {
		edges += len(n.Inputs)
	}
	if len(lay.edges) != edges {
		t.Errorf("%d arrows for %d edges", len(lay.edges), edges)
	}
	s := TapeSVG(tp)
	checkXML(t, s, "svg")
	for _, want := range []string{"input #0", "scalar = 2", "g = 4", "g = 1", "(output)"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// ∂f/∂y = x = 2 is on node 1.
	if !strings.Contains(s, "input #1</text>") || !strings.Contains(s, "g = 2") {
		t.Errorf("gradient of y missing")
	}
	img, err := png.Decode(bytes.NewReader(TapePNG(tp)))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); math.Abs(float64(w)-lay.width) > 1 {
		t.Errorf("PNG width %d, drawing %v", w, lay.width)
	}
}

func TestTapeMatrixNorms(t *testing.T) {
	// f(W, x) = sum(W x): ∂f/∂x = Wᵀ1 = (4, 6), norm √52.
	W := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	x := mat.NewVecDense(2, []float64{1, 1})
	tp := ad.Record(func(xs []*ad.Var) *ad.Var {
		return ad.Sum(ad.MatVec(xs[0], xs[1]))
	}, W, x)
	s := TapeSVG(tp)
	checkXML(t, s, "svg")
	if !strings.Contains(s, "> = "+formatFloat(7.211102550927978)+"</text>") {
		t.Errorf("SVG lacks the gradient norm √52 of x:\n%s", s)
	}
	if !strings.Contains(s, "matrix(2×2)") || !strings.Contains(s, "vector(2)") {
		t.Errorf("SVG lacks value shapes")
	}
}

func TestTapeDisplayAndBundle(t *testing.T) {
	f := withFake(t)
	tp := ad.Record(func(xs []*ad.Var) *ad.Var { return ad.Sin(xs[0]) }, 1.0)
	Tape(tp)
	m := f.last(t)
	if m.Type != "display_data" || m.Data["text/plain"] != "<ad.Tape with 2 nodes>" {
		t.Errorf("Tape display = %+v", m)
	}
	checkXML(t, m.Data["image/svg+xml"].(string), "svg")
	decodePNG(t, m.Data)
	if d, _ := Bundle(tp); d["image/svg+xml"] == nil || d["image/png"] == nil {
		t.Errorf("Bundle(*ad.Tape) lacks SVG or PNG: %v", d)
	}
	var nilTape *ad.Tape
	if d, _ := Bundle(nilTape); d["text/plain"] != "<nil>" {
		t.Errorf("Bundle(nil tape) = %v", d)
	}

	// Large tapes are summarised.
	big := ad.Record(func(xs []*ad.Var) *ad.Var {
		y := xs[0]
		for i := 0; i < 450; i++ {
			y = ad.Sin(y)
		}
		return y
	}, 0.5)
	if TapeSVG(big) != "" || TapePNG(big) != nil {
		t.Errorf("TapeSVG or TapePNG of 451 nodes drew it")
	}
	d, _ := Bundle(big)
	if txt := d["text/plain"].(string); !strings.Contains(txt, "451 nodes") || !strings.Contains(txt, "Sin") && !strings.Contains(txt, "sin") {
		t.Errorf("summary = %q", txt)
	}
}

func TestBundleAdVar(t *testing.T) {
	d, _ := Bundle(ad.Scalar(2.5))
	if d["text/plain"] != "*ad.Var scalar 2.5" || !strings.Contains(d["text/html"].(string), "shape scalar") {
		t.Errorf("Bundle(ad.Scalar(2.5)) = %v", d)
	}
	d, _ = Bundle(ad.Const(mat.NewDense(2, 2, []float64{1, 2, 3, 4})))
	if !strings.HasPrefix(d["text/plain"].(string), "*ad.Var matrix(2×2)\n*mat.Dense 2×2") || !strings.Contains(d["text/html"].(string), "<table") {
		t.Errorf("Bundle of a matrix Var = %v", d)
	}
}
