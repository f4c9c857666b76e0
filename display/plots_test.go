package display

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// renderDecode renders p at the default size and decodes the PNG.
func renderDecode(t testing.TB, p *plot.Plot) image.Image {
	t.Helper()
	b, err := renderPNG(p, DefaultWidth, DefaultHeight)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// dataPixel returns the pixel position of data point (x, y) in p rendered
// at the default size.
func dataPixel(p *plot.Plot, x, y float64) (int, int) {
	c := draw.New(vgimg.NewWith(vgimg.UseWH(DefaultWidth, DefaultHeight), vgimg.UseDPI(DPI)))
	dc := p.DataCanvas(c)
	trX, trY := p.Transforms(&dc)
	px := trX(x).Dots(DPI)
	py := (DefaultHeight - trY(y)).Dots(DPI)
	return int(px), int(py)
}

// colorStats counts distinct colours and non-white pixels.
func colorStats(img image.Image) (distinct, nonWhite int) {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			seen[c] = true
			if c.R < 250 || c.G < 250 || c.B < 250 {
				nonWhite++
			}
		}
	}
	return len(seen), nonWhite
}

func rgba(img image.Image, x, y int) color.RGBA {
	return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
}

func TestPlotsRenderStructurally(t *testing.T) {
	losses := make([]float64, 300)
	for i := range losses {
		losses[i] = 2*math.Exp(-float64(i)/60) + 0.1*math.Sin(float64(i))
	}
	m := mat.NewDense(28, 28, nil)
	for i := 0; i < 28; i++ {
		for j := 0; j < 28; j++ {
			m.Set(i, j, math.Sin(float64(i)/4)*math.Cos(float64(j)/5))
		}
	}
	tests := []struct {
		name string
		p    *plot.Plot
	}{
		{"LinePlot", LinePlot([]float64{1, 3, 2}, []float64{2, 2, 1})},
		{"LinePlotLabeled", LinePlotLabeled([]string{"train", "test"}, losses, losses[10:])},
		{"LossPlot", LossPlot(losses)},
		{"LossPlotLog", LossPlotLog(append([]float64{-1, 0}, losses...))},
		{"Heatmap", Heatmap(m)},
		{"Histogram", Histogram(losses, 0)},
		{"BarChart", BarChart([]string{"a", "b", "c"}, []float64{3, -1, 2})},
		{"ConfusionMatrix", ConfusionMatrix([]int{0, 1, 2, 2, 1}, []int{0, 2, 2, 2, 1}, []string{"cat", "dog", "cow"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := renderDecode(t, tt.p)
			if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 384 {
				t.Errorf("size %v, want 576×384", b)
			}
			distinct, nonWhite := colorStats(img)
			if distinct < 3 || nonWhite < 2000 {
				t.Errorf("image looks blank: %d colours, %d non-white pixels", distinct, nonWhite)
			}
			svg, err := RenderSVG(tt.p, 6, 4)
			if err != nil {
				t.Fatal(err)
			}
			checkXML(t, svg, "svg")
		})
	}
}

func TestHeatmapColors(t *testing.T) {
	// Row 0: +2, 0, -2; row 1: +1, 0, -1 (half intensity).
	m := mat.NewDense(2, 3, []float64{2, 0, -2, 1, 0, -1})
	p := Heatmap(m)
	img := renderDecode(t, p)
	at := func(r, c int) color.RGBA {
		x, y := dataPixel(p, float64(c), float64(r))
		return rgba(img, x, y)
	}
	near := func(a, b color.RGBA) bool {
		d := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= 6 }
		return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
	}
	if c := at(0, 0); !near(c, divPos) {
		t.Errorf("cell (0,0) = +max has colour %v, want red %v", c, divPos)
	}
	if c := at(0, 2); !near(c, divNeg) {
		t.Errorf("cell (0,2) = -max has colour %v, want blue %v", c, divNeg)
	}
	if c := at(0, 1); c.R < 245 || c.G < 245 || c.B < 245 {
		t.Errorf("cell (0,1) = 0 has colour %v, want white", c)
	}
	if c := at(1, 0); !near(c, DivergingColor(1, 2)) || !(c.R > c.B) || c.G < 100 {
		t.Errorf("cell (1,0) = +max/2 has colour %v, want light red %v", c, DivergingColor(1, 2))
	}
	if c := at(1, 2); !(c.B > c.R) {
		t.Errorf("cell (1,2) = -max/2 has colour %v, want light blue", c)
	}
	// Row 0 is drawn above row 1.
	_, y0 := dataPixel(p, 0, 0)
	_, y1 := dataPixel(p, 0, 1)
	if y0 >= y1 {
		t.Errorf("row 0 at pixel row %d is not above row 1 at %d", y0, y1)
	}
	// SVG of a small matrix: one filled rectangle per cell, in order
	// row 0 first, with the cell colours.
	svg, err := RenderSVG(p, 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	fills := regexp.MustCompile(`fill:(#[0-9A-F]{6})`).FindAllStringSubmatch(svg, -1)
	var cellFills []string
	for _, f := range fills {
		if f[1] != "#FFFFFF" || len(cellFills) > 0 {
			cellFills = append(cellFills, f[1])
		}
	}
	hex := func(c color.RGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }
	if len(cellFills) < 6 || cellFills[0] != hex(divPos) || cellFills[1] != "#FFFFFF" || cellFills[2] != hex(divNeg) {
		t.Errorf("SVG cell fills start %v, want %s #FFFFFF %s", cellFills[:min(6, len(cellFills))], hex(divPos), hex(divNeg))
	}

	// SVG of a large matrix: an embedded PNG with row 0 at the top.
	big := mat.NewDense(100, 100, nil)
	big.Set(0, 0, 1)
	big.Set(0, 99, -1)
	svg, err = RenderSVG(Heatmap(big), 6, 4)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(svg, "data:image/png;base64,")
	if i < 0 || !strings.Contains(svg, "image-rendering:pixelated") {
		t.Fatalf("SVG heatmap of 100×100 has no pixelated PNG image")
	}
	enc := svg[i+len("data:image/png;base64,"):]
	enc = enc[:strings.IndexByte(enc, '"')]
	cellsImg := decodePNG(t, map[string]any{"image/png": enc})
	bd := cellsImg.Bounds()
	if c := rgba(cellsImg, 0, 0); c != divPos {
		t.Errorf("SVG cell (0,0) = %v, want %v", c, divPos)
	}
	if c := rgba(cellsImg, bd.Max.X-1, 0); c != divNeg {
		t.Errorf("SVG cell (0,99) = %v, want %v", c, divNeg)
	}
	if c := rgba(cellsImg, bd.Max.X/2, bd.Max.Y-1); c != divZero {
		t.Errorf("SVG cell (99,50) = %v, want %v", c, divZero)
	}
	if !strings.Contains(p.Title.Text, "2") {
		t.Errorf("title %q does not give the range", p.Title.Text)
	}
}

func TestDivergingColor(t *testing.T) {
	tests := []struct {
		v, limit float64
		want     color.RGBA
	}{
		{0, 1, divZero},
		{1, 1, divPos},
		{-1, 1, divNeg},
		{5, 1, divPos},
		{-5, 1, divNeg},
		{3, 0, divZero},
		{math.NaN(), 1, nanGrey},
		{0.5, 1, color.RGBA{R: 0xd9, G: 0x8c, B: 0x95, A: 0xff}},
	}
	for _, tt := range tests {
		if got := DivergingColor(tt.v, tt.limit); got != tt.want {
			t.Errorf("DivergingColor(%v, %v) = %v, want %v", tt.v, tt.limit, got, tt.want)
		}
	}
}

func TestConfusionMatrixCells(t *testing.T) {
	actual := []int{0, 0, 0, 0, 1, 1, 2}
	pred := []int{0, 0, 0, 1, 1, 1, 0}
	p := ConfusionMatrix(actual, pred, nil)
	if !strings.Contains(p.Title.Text, "accuracy 71.43% (5 of 7)") {
		t.Errorf("title = %q", p.Title.Text)
	}
	img := renderDecode(t, p)
	at := func(r, c int) color.RGBA {
		// Sample off-centre to avoid the count's text.
		x, y := dataPixel(p, float64(c)+0.35, float64(r)+0.35)
		return rgba(img, x, y)
	}
	full, zero, part := at(0, 0), at(0, 2), at(2, 0)
	if full.R > 40 || full.B < 80 {
		t.Errorf("cell with the largest count is %v, want dark blue", full)
	}
	if zero.R < 245 || zero.G < 245 || zero.B < 245 {
		t.Errorf("empty cell is %v, want white", zero)
	}
	if !(part.R < zero.R && part.R > full.R) {
		t.Errorf("cell with count 1 of 3 is %v, want between %v and %v", part, zero, full)
	}
}

func TestPlotInputErrors(t *testing.T) {
	panics := func(name string, f func(), want string) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil {
				t.Errorf("%s did not panic", name)
				return
			}
			if s, _ := r.(string); !strings.Contains(s, want) {
				t.Errorf("%s panicked with %v, want %q", name, r, want)
			}
		}()
		f()
	}
	panics("BarChart", func() { BarChart([]string{"a"}, []float64{1, 2}) }, "1 labels for 2 values")
	panics("ConfusionMatrix", func() { ConfusionMatrix([]int{1}, []int{1, 2}, nil) }, "1 actual classes for 2 predictions")
	panics("ConfusionMatrix", func() { ConfusionMatrix([]int{3}, []int{1}, []string{"a", "b"}) }, "class 3")
	panics("Heatmap", func() { Heatmap(&mat.Dense{}) }, "empty")
	panics("LinePlotLabeled", func() { LinePlotLabeled([]string{"a", "b"}, []float64{1}) }, "2 labels for 1 series")

	// NaN and Inf are left out, and said so.
	p := LinePlot([]float64{1, math.NaN(), 2, math.Inf(1)})
	if !strings.Contains(p.Title.Text, "2 NaN/Inf") {
		t.Errorf("title %q does not count NaN/Inf", p.Title.Text)
	}
	renderDecode(t, p)
	lp := LossPlotLog([]float64{-1, 0, 1, 0.5})
	if !strings.Contains(lp.Title.Text, "2 NaN/Inf/≤0 not shown") {
		t.Errorf("log loss plot title %q", lp.Title.Text)
	}
	renderDecode(t, lp)
	renderDecode(t, LossPlotLog([]float64{-1}))
	renderDecode(t, LossPlot([]float64{math.NaN()}))
	renderDecode(t, LossPlot(nil))
	renderDecode(t, Histogram([]float64{math.Inf(-1)}, 3))
	renderDecode(t, Heatmap(mat.NewDense(1, 1, []float64{math.NaN()})))
	if _, err := RenderPNG(LinePlot(nil), 0, 3); err == nil || !strings.Contains(err.Error(), "size") {
		t.Errorf("RenderPNG with zero width: err = %v", err)
	}
	if _, err := RenderSVG(nil, 3, 3); err == nil {
		t.Errorf("RenderSVG(nil) did not fail")
	}
}

func TestSmooth(t *testing.T) {
	if got := Smooth([]float64{5, 5, 5}, 10); got[0] != 5 || math.Abs(got[2]-5) > 1e-12 {
		t.Errorf("Smooth of a constant = %v", got)
	}
	step := Smooth([]float64{0, 0, 0, 1, 1, 1, 1, 1}, 3)
	for i := 3; i < len(step); i++ {
		if !(step[i] > step[i-1] && step[i] < 1) {
			t.Errorf("step response not rising towards 1: %v", step)
			break
		}
	}
	if got := Smooth([]float64{1, math.NaN(), 3}, 1); got[0] != 1 || !math.IsNaN(got[1]) || got[2] != 3 {
		t.Errorf("Smooth with window 1 = %v", got)
	}
}

func TestDownsample(t *testing.T) {
	xs := []float64{1, 3, math.NaN(), 5, 7, 9}
	steps, got := downsample(len(xs), func(i int) float64 { return xs[i] }, 3)
	if got[0] != 2 || got[1] != 5 || got[2] != 8 {
		t.Errorf("downsample = %v, want [2 5 8]", got)
	}
	if steps[0] != 0.5 || steps[1] != 2.5 || steps[2] != 4.5 {
		t.Errorf("downsample steps = %v, want [0.5 2.5 4.5]", steps)
	}
}

var sinkPlot []byte

func benchPlot(b *testing.B, mk func() *plot.Plot, svg bool) {
	for i := 0; i < b.N; i++ {
		p := mk()
		if svg {
			s, err := renderSVG(p, DefaultWidth, DefaultHeight)
			if err != nil {
				b.Fatal(err)
			}
			sinkPlot = []byte(s)
		} else {
			out, err := renderPNG(p, DefaultWidth, DefaultHeight)
			if err != nil {
				b.Fatal(err)
			}
			sinkPlot = out
		}
	}
}

func benchMatrix(r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, math.Sin(float64(i*c+j)))
		}
	}
	return m
}

// denseGrid adapts a matrix to plotter.GridXYZ.
type denseGrid struct{ m *mat.Dense }

func (g denseGrid) Dims() (c, r int)   { r, c = g.m.Dims(); return c, r }
func (g denseGrid) Z(c, r int) float64 { return g.m.At(r, c) }
func (g denseGrid) X(c int) float64    { return float64(c) }
func (g denseGrid) Y(r int) float64    { return float64(r) }

// BenchmarkRender measures building and rendering each plot, including
// Empty, a plot with only axes, as the baseline, and gonum's own vector
// heatmap as the baseline of Heatmap.
func BenchmarkRender(b *testing.B) {
	series := make([]float64, 200)
	for i := range series {
		series[i] = math.Sin(float64(i) / 10)
	}
	long := make([]float64, 1000)
	for i := range long {
		long[i] = math.Exp(-float64(i)/300) + 0.05*math.Sin(float64(i))
	}
	m28, m300 := benchMatrix(28, 28), benchMatrix(300, 784)
	actual, pred := make([]int, 1000), make([]int, 1000)
	for i := range actual {
		actual[i], pred[i] = i%10, (i*7)%10
	}
	cases := []struct {
		name string
		mk   func() *plot.Plot
	}{
		{"Empty", func() *plot.Plot { p := plot.New(); p.X.Max, p.Y.Max = 1, 1; return p }},
		{"Line200", func() *plot.Plot { return LinePlot(series) }},
		{"Loss1000", func() *plot.Plot { return LossPlot(long) }},
		{"Heatmap28x28", func() *plot.Plot { return Heatmap(m28) }},
		{"GonumHeatMap28x28", func() *plot.Plot { // baseline: gonum's vector heatmap
			p := plot.New()
			p.Add(plotter.NewHeatMap(denseGrid{m28}, moreland.SmoothBlueRed().Palette(255)))
			return p
		}},
		{"Heatmap300x784", func() *plot.Plot { return Heatmap(m300) }},
		{"GonumHeatMap300x784", func() *plot.Plot {
			p := plot.New()
			p.Add(plotter.NewHeatMap(denseGrid{m300}, moreland.SmoothBlueRed().Palette(255)))
			return p
		}},
		{"Histogram1000", func() *plot.Plot { return Histogram(long, 0) }},
		{"Bar10", func() *plot.Plot {
			return BarChart([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, series[:10])
		}},
		{"Confusion10", func() *plot.Plot { return ConfusionMatrix(actual, pred, nil) }},
	}
	for _, c := range cases {
		b.Run(c.name+"/png", func(b *testing.B) { benchPlot(b, c.mk, false) })
		b.Run(c.name+"/svg", func(b *testing.B) { benchPlot(b, c.mk, true) })
	}
}

func TestGridIsGridXYZ(t *testing.T) {
	g := Grid{Xs: []float64{0, 1, 2}, Ys: []float64{10, 20}, Values: mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})}
	var xyz plotter.GridXYZ = g
	if c, r := xyz.Dims(); c != 3 || r != 2 {
		t.Fatalf("Dims() = %d, %d", c, r)
	}
	if xyz.Z(2, 1) != 6 || xyz.Z(0, 1) != 4 || xyz.X(1) != 1 || xyz.Y(1) != 20 {
		t.Errorf("Z(2,1)=%v Z(0,1)=%v X(1)=%v Y(1)=%v", xyz.Z(2, 1), xyz.Z(0, 1), xyz.X(1), xyz.Y(1))
	}
	p := plot.New()
	p.Add(plotter.NewHeatMap(g, moreland.SmoothBlueRed().Palette(16)))
	if data, _ := Bundle(p); data["image/png"] == nil {
		t.Error("a heat map of a Grid does not render")
	}
}
