package display

import (
	"encoding/xml"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// svgBoxes parses the node boxes of a graph drawing: id → rect.
func svgBoxes(t *testing.T, s string) map[int][4]float64 {
	t.Helper()
	checkXML(t, s, "svg")
	type rect struct {
		X, Y, W, H float64
	}
	var doc struct {
		G []struct {
			ID   string `xml:"id,attr"`
			Rect struct {
				X float64 `xml:"x,attr"`
				Y float64 `xml:"y,attr"`
				W float64 `xml:"width,attr"`
				H float64 `xml:"height,attr"`
			} `xml:"rect"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	boxes := map[int][4]float64{}
	for _, g := range doc.G {
		id, err := strconv.Atoi(g.ID[strings.LastIndex(g.ID, "-")+1:])
		if err != nil {
			t.Fatalf("bad node id %q", g.ID)
		}
		boxes[id] = [4]float64{g.Rect.X, g.Rect.Y, g.Rect.W, g.Rect.H}
	}
	return boxes
}

func TestGraphSVGLayout(t *testing.T) {
	// y = (x0 + x1) * x0, then sin(y); node 5 is unused by the output.
	nodes := []graphNode{
		{id: 0, op: "input", shape: "scalar", value: "2", grad: "g = 9"},
		{id: 1, op: "input", shape: "matrix(3×4)", grad: "‖g‖ = 1"},
		{id: 2, op: "add", shape: "matrix(3×4)", inputs: []int{0, 1}, grad: "‖g‖ = 1"},
		{id: 3, op: "mul", shape: "matrix(3×4)", inputs: []int{2, 0}, grad: "‖g‖ = 1"},
		{id: 4, op: "sin", shape: "matrix(3×4)", inputs: []int{3}, grad: "‖g‖ = 1", output: true},
		{id: 5, op: "neg", shape: "scalar", inputs: []int{0}},
	}
	s := graphSVG(nodes)
	boxes := svgBoxes(t, s)
	if len(boxes) != len(nodes) {
		t.Fatalf("%d boxes, want %d", len(boxes), len(nodes))
	}
	// Every node sits below all of its inputs; boxes do not overlap.
	for _, n := range nodes {
		for _, in := range n.inputs {
			if boxes[in][1]+boxes[in][3] >= boxes[n.id][1] {
				t.Errorf("node %d is not below its input %d: %v vs %v", n.id, in, boxes[n.id], boxes[in])
			}
		}
	}
	for i := range nodes {
		for j := i + 1; j < len(nodes); j++ {
			a, b := boxes[i], boxes[j]
			if a[0] < b[0]+b[2] && b[0] < a[0]+a[2] && a[1] < b[1]+b[3] && b[1] < a[1]+a[3] {
				t.Errorf("boxes %d and %d overlap: %v %v", i, j, a, b)
			}
		}
	}
	// One arrow per data-flow edge.
	if got := strings.Count(s, `marker-end="url(#gp`); got != 6 {
		t.Errorf("%d arrows, want 6", got)
	}
	for _, want := range []string{"input #0", "scalar = 2", "∇ g = 9", "mul #3", "sin (output) #4", "matrix(3×4)", "#fde9d9"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// Only the node without gradient is dashed.
	if got := strings.Count(s, "stroke-dasharray"); got != 1 {
		t.Errorf("%d dashed boxes, want 1", got)
	}
	if !regexp.MustCompile(`<title>node 5: neg, scalar, inputs 0, no gradient</title>`).MatchString(s) {
		t.Errorf("missing tooltip for node 5")
	}
	// Two drawings on one page do not share IDs.
	id := regexp.MustCompile(`<marker id="([^"]+)"`)
	if a, b := id.FindStringSubmatch(s)[1], id.FindStringSubmatch(graphSVG(nodes))[1]; a == b {
		t.Errorf("two drawings share the marker ID %q", a)
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
		{params{W: mat.NewDense(1, 1, []float64{2}), B: []float64{1}}, math.Sqrt(5), true},
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

// BenchmarkGraphSVG draws a chain of 200 nodes with fan-in 2.
func BenchmarkGraphSVG(b *testing.B) {
	nodes := []graphNode{{id: 0, op: "input", shape: "scalar"}, {id: 1, op: "input", shape: "scalar"}}
	for i := 2; i < 200; i++ {
		nodes = append(nodes, graphNode{id: i, op: "mul", shape: "scalar", inputs: []int{i - 1, i - 2}, grad: "g = 1"})
	}
	for i := 0; i < b.N; i++ {
		sinkPlot = []byte(graphSVG(nodes))
	}
}

func TestGraphSVGLateInputAndLongEdge(t *testing.T) {
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
	s := graphSVG(nodes)
	boxes := svgBoxes(t, s)
	if boxes[1][1] != boxes[3][1] {
		t.Errorf("input w at y=%v, want next to its consumer's input at y=%v", boxes[1][1], boxes[3][1])
	}
	// The edge 0 → 5 spans 4 layers: 3 dummy points, each a straight
	// segment ("L") across a layer.
	var long string
	for _, p := range regexp.MustCompile(`<path d="([^"]+)" fill="none"`).FindAllStringSubmatch(s, -1) {
		if strings.Count(p[1], "L") == 3 {
			long = p[1]
		}
	}
	if long == "" {
		t.Errorf("no edge routed through 3 dummy points")
	}
}
