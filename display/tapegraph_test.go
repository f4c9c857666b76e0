package display

import (
	"bytes"
	"encoding/xml"
	"image/color"
	"image/png"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// graphNodesSample is y = (x0 + x1) * x0, then sin(y); node 5 is unused
// by the output.
var graphNodesSample = []graphNode{
	{id: 0, op: "input", shape: "scalar", value: "2", grad: "g = 9"},
	{id: 1, op: "input", shape: "matrix(3×4)", grad: "‖g‖ = 1"},
	{id: 2, op: "add", shape: "matrix(3×4)", inputs: []int{0, 1}, grad: "‖g‖ = 1"},
	{id: 3, op: "mul", shape: "matrix(3×4)", inputs: []int{2, 0}, grad: "‖g‖ = 1"},
	{id: 4, op: "sin", shape: "matrix(3×4)", inputs: []int{3}, grad: "‖g‖ = 1", output: true},
	{id: 5, op: "neg", shape: "scalar", inputs: []int{0}},
}

func TestGraphLayout(t *testing.T) {
	nodes := graphNodesSample
	lay := layoutGraph(nodes)
	boxes := lay.boxes
	if len(boxes) != len(nodes) {
		t.Fatalf("%d boxes, want %d", len(boxes), len(nodes))
	}
	// Every node sits below all of its inputs; boxes do not overlap and
	// lie inside the drawing.
	for _, n := range nodes {
		for _, in := range n.inputs {
			if boxes[in].y+boxes[in].h >= boxes[n.id].y {
				t.Errorf("node %d is not below its input %d: %v vs %v", n.id, in, boxes[n.id], boxes[in])
			}
		}
	}
	for i, a := range boxes {
		if a.x < 0 || a.y < 0 || a.x+a.w > lay.width || a.y+a.h > lay.height {
			t.Errorf("box %d %v outside the %v×%v drawing", i, a, lay.width, lay.height)
		}
		for j := i + 1; j < len(boxes); j++ {
			b := boxes[j]
			if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
				t.Errorf("boxes %d and %d overlap: %v %v", i, j, a, b)
			}
		}
	}
	// One edge per data-flow edge, each ending on the top of its
	// consumer's box.
	if len(lay.edges) != 6 {
		t.Errorf("%d edges, want 6", len(lay.edges))
	}
	for _, e := range lay.edges {
		end := e.steps[len(e.steps)-1]
		hit := false
		for _, b := range boxes {
			hit = hit || (end.y == b.y && end.x > b.x && end.x < b.x+b.w)
		}
		if !hit {
			t.Errorf("edge ends at %v, on no box top", end)
		}
	}
}

// TestGraphDrawing checks that one drawing gives an SVG and a PNG of the
// same size with the boxes' colours, labels and dashes.
func TestGraphDrawing(t *testing.T) {
	nodes := graphNodesSample
	lay := layoutGraph(nodes)
	s, err := graphSVG(nodes)
	if err != nil {
		t.Fatal(err)
	}
	checkXML(t, s, "svg")
	for _, want := range []string{"input #0", "scalar = 2", "g = 9", "mul #3", "sin (output) #4", "matrix(3×4)", "#FDE9D9", "monospace"} {
		if !strings.Contains(strings.ToUpper(s), strings.ToUpper(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// Only the node without gradient is dashed.
	if got := strings.Count(s, "stroke-dasharray"); got != 1 {
		t.Errorf("%d dashed strokes, want 1", got)
	}
	var size struct {
		W string `xml:"width,attr"`
		H string `xml:"height,attr"`
	}
	if err := xml.Unmarshal([]byte(s), &size); err != nil {
		t.Fatal(err)
	}
	b, err := graphPNG(nodes)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if math.Abs(float64(w)-lay.width) > 1 || math.Abs(float64(h)-lay.height) > 1 {
		t.Errorf("PNG %d×%d, layout %v×%v", w, h, lay.width, lay.height)
	}
	// The SVG is sized in points: the same size on screen.
	sw, _ := strconv.ParseFloat(strings.TrimSuffix(size.W, "pt"), 64)
	if math.Abs(sw*96/72-float64(w)) > 1 {
		t.Errorf("SVG width %s, PNG width %d", size.W, w)
	}
	// Each box's fill is at its centre-left (away from the text).
	for i, n := range nodes {
		bx := lay.boxes[i]
		want := gNodeFill
		switch {
		case n.output:
			want = gOutFill
		case n.op == "input":
			want = gInputFill
		}
		got := color.RGBAModel.Convert(img.At(int(bx.x+4), int(bx.y+bx.h/2))).(color.RGBA)
		if got != want {
			t.Errorf("node %d: fill %v, want %v", i, got, want)
		}
	}
	// Gradient labels are drawn in red, in the PNG too.
	red := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.R > 150 && c.G < 90 && c.B < 90 {
				red++
			}
		}
	}
	if red < 20 {
		t.Errorf("%d red pixels: no gradient labels in the PNG", red)
	}
}

// TestDrawTextNabla checks that the nabla and the double bar, missing from
// the font, are drawn as strokes and the rest of the label as text.
func TestDrawTextNabla(t *testing.T) {
	c := vgsvg.New(pxLen(200), pxLen(40))
	pt := func(x, y float64) vg.Point { return vg.Point{X: pxLen(x), Y: pxLen(40 - y)} }
	drawText(c, graphFaces()[0], gGradColor, 100, 20, "∇ ‖g‖ = 1", pt)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	texts := regexp.MustCompile(`>([^<>]*)</text>`).FindAllStringSubmatch(s, -1)
	var got []string
	for _, m := range texts {
		got = append(got, m[1])
	}
	if strings.Join(got, "|") != " |g| = 1" {
		t.Errorf("text runs %q, want [\" \" \"g\" \" = 1\"]", got)
	}
	if n := strings.Count(s, "<path"); n != 5 {
		t.Errorf("%d strokes, want 5 (the nabla and two double bars)", n)
	}
}

func TestGraphSummary(t *testing.T) {
	var nodes []graphNode
	for i := 0; i < 500; i++ {
		op := "add"
		if i%5 == 0 {
			op = "mul"
		}
		nodes = append(nodes, graphNode{id: i, op: op})
	}
	text, htm := graphSummary(nodes)
	if !strings.Contains(text, "500 nodes") || !regexp.MustCompile(`add +400\n  mul +100`).MatchString(text) {
		t.Errorf("summary = %q", text)
	}
	if !strings.Contains(htm, "<table>") {
		t.Errorf("html summary = %q", htm)
	}
}

func TestNorm(t *testing.T) {
	type params struct {
		W *mat.Dense
		B []float64
		n int
	}
	tests := []struct {
		v    any
		want float64
		ok   bool
	}{
		{3.0, 3, true},
		{-4.0, 4, true},
		{mat.NewDense(1, 2, []float64{3, 4}), 5, true},
		{mat.NewVecDense(2, []float64{6, 8}), 10, true},
		{[]float64{1, 2, 2}, 3, true},
		{params{W: mat.NewDense(1, 1, []float64{2}), B: []float64{1}, n: 100}, math.Sqrt(5), true}, // n is unexported: not counted
		{map[string]float64{"a": 3, "b": 4}, 5, true},
		{"x", 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := norm(tt.v)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("norm(%v) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// chainGraph is a chain of n nodes with fan-in 2.
func chainGraph(n int) []graphNode {
	nodes := []graphNode{{id: 0, op: "input", shape: "scalar"}, {id: 1, op: "input", shape: "scalar"}}
	for i := 2; i < n; i++ {
		nodes = append(nodes, graphNode{id: i, op: "mul", shape: "scalar", inputs: []int{i - 1, i - 2}, grad: "g = 1"})
	}
	return nodes
}

// BenchmarkGraphSVG draws chains of 20 and 200 nodes as SVG.
func BenchmarkGraphSVG(b *testing.B) {
	for _, n := range []int{20, 200} {
		nodes := chainGraph(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s, _ := graphSVG(nodes)
				sinkPlot = []byte(s)
			}
		})
	}
}

// BenchmarkGraphPNG draws the chains of BenchmarkGraphSVG as PNG.
func BenchmarkGraphPNG(b *testing.B) {
	for _, n := range []int{20, 200} {
		nodes := chainGraph(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkPlot, _ = graphPNG(nodes)
			}
		})
	}
}

func TestGraphLateInputAndLongEdge(t *testing.T) {
	// x → sin → sin → mul(·, w) → add(·, x): w is used only at layer 3,
	// x again at layer 4 (a long edge through dummy points).
	nodes := []graphNode{
		{id: 0, op: "input", shape: "scalar"},
		{id: 1, op: "input", shape: "scalar"},
		{id: 2, op: "sin", shape: "scalar", inputs: []int{0}},
		{id: 3, op: "sin", shape: "scalar", inputs: []int{2}},
		{id: 4, op: "mul", shape: "scalar", inputs: []int{3, 1}},
		{id: 5, op: "add", shape: "scalar", inputs: []int{4, 0}, output: true},
	}
	lay := layoutGraph(nodes)
	if lay.boxes[1].y != lay.boxes[3].y {
		t.Errorf("input w at y=%v, want next to its consumer's input at y=%v", lay.boxes[1].y, lay.boxes[3].y)
	}
	// The edge 0 → 5 spans 4 layers: 3 dummy points, each a straight
	// run across a layer.
	found := false
	for _, e := range lay.edges {
		lines := 0
		for _, st := range e.steps {
			if st.line {
				lines++
			}
		}
		found = found || lines == 3
	}
	if !found {
		t.Errorf("no edge routed through 3 dummy points")
	}
}
