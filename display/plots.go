package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default size of displayed plots: 6 × 4 inches, which is 576 × 384
// pixels at the 96 dots per inch used for PNG output.
const (
	DefaultWidth  = 6 * vg.Inch
	DefaultHeight = 4 * vg.Inch
	// DPI is the resolution of PNG plots.
	DPI = 96
)

func inch(f float64) vg.Length { return vg.Length(f) * vg.Inch }

// RenderPNG renders p as a PNG file of widthInch × heightInch inches at
// DPI dots per inch. It returns an error (and does not panic) if p cannot
// be drawn.
func RenderPNG(p *plot.Plot, widthInch, heightInch float64) ([]byte, error) {
	return renderPNG(p, inch(widthInch), inch(heightInch))
}

// RenderSVG renders p as an SVG document of widthInch × heightInch inches.
// Fonts are referenced by name, not embedded.
func RenderSVG(p *plot.Plot, widthInch, heightInch float64) (string, error) {
	return renderSVG(p, inch(widthInch), inch(heightInch))
}

func checkSize(p *plot.Plot, w, h vg.Length) error {
	if p == nil {
		return fmt.Errorf("display: nil plot")
	}
	if !(w > 0 && h > 0) || w > 100*vg.Inch || h > 100*vg.Inch {
		return fmt.Errorf("display: plot size %v × %v inches is not between 0 and 100", float64(w/vg.Inch), float64(h/vg.Inch))
	}
	return nil
}

func renderPNG(p *plot.Plot, w, h vg.Length) (b []byte, err error) {
	if err := checkSize(p, w, h); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("display: cannot draw plot: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("display: cannot encode plot: %w", err)
	}
	return buf.Bytes(), nil
}

func renderSVG(p *plot.Plot, w, h vg.Length) (s string, err error) {
	if err := checkSize(p, w, h); err != nil {
		return "", err
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = "", fmt.Errorf("display: cannot draw plot: %v", r)
		}
	}()
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("display: cannot encode plot: %w", err)
	}
	return fixSVGImages(buf.String()), nil
}

// fixSVGImages makes images embedded by vgsvg (heatmap cells) render
// without smoothing and corrects their MIME type: vgsvg labels PNG data
// "image/jpg", which strict SVG renderers refuse.
func fixSVGImages(s string) string {
	if !strings.Contains(s, "<image ") {
		return s
	}
	s = strings.ReplaceAll(s, "<image ", `<image style="image-rendering:optimizeSpeed;image-rendering:pixelated" `)
	return strings.ReplaceAll(s, "data:image/jpg;base64,iVBOR", "data:image/png;base64,iVBOR")
}

// plotBundle renders p as PNG (and, if svg, also as SVG) with a
// text/plain description.
func plotBundle(p *plot.Plot, w, h vg.Length, svg bool) (map[string]any, map[string]any) {
	title := "plot"
	if p != nil && p.Title.Text != "" {
		title = "plot " + strconv.Quote(p.Title.Text)
	}
	if svg {
		return svgPlotBundle(p, w, h, "<"+title+">"), nil
	}
	b, err := renderPNG(p, w, h)
	if err != nil {
		return textBundle(err.Error()), nil
	}
	return pngBundle(b, title)
}

// svgPlotBundle renders p as SVG and, in the same bundle, as PNG: Jupyter
// does not show SVG in notebooks it does not trust (opened from disk and
// not yet run), nor do some viewers; they show the PNG.
func svgPlotBundle(p *plot.Plot, w, h vg.Length, text string) map[string]any {
	s, err := renderSVG(p, w, h)
	if err != nil {
		return textBundle(text + "\n" + err.Error())
	}
	b, err := renderPNG(p, w, h)
	if err != nil {
		return textBundle(text + "\n" + err.Error())
	}
	return map[string]any{"image/svg+xml": s, "image/png": base64.StdEncoding.EncodeToString(b), "text/plain": text}
}

// finiteXYs returns the finite points (i, ys[i]) and the number of
// non-finite values skipped.
func finiteXYs(ys []float64) (plotter.XYs, int) {
	xys := make(plotter.XYs, 0, len(ys))
	skipped := 0
	for i, y := range ys {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			skipped++
			continue
		}
		xys = append(xys, plotter.XY{X: float64(i), Y: y})
	}
	return xys, skipped
}

// cleanTicks is plot.DefaultTicks with labels in the shortest form
// ("250" rather than "250.00").
var cleanTicks = plot.TickerFunc(func(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 6, 64)
		}
	}
	return ts
})

// newPlot returns a plot with clean tick labels.
func newPlot() *plot.Plot {
	p := plot.New()
	p.X.Tick.Marker = cleanTicks
	p.Y.Tick.Marker = cleanTicks
	return p
}

// LinePlot returns a line chart of one or more series against their index
// (0, 1, 2, …), each in its own colour. NaN and infinite values are left
// out and counted in the title. Set the title, axis labels or legend on the
// returned plot as needed. Use LinePlotLabeled for a legend.
func LinePlot(series ...[]float64) *plot.Plot {
	return LinePlotLabeled(nil, series...)
}

// LinePlotLabeled is LinePlot with a legend: labels[i] names series[i].
// It panics if there are more labels than series.
func LinePlotLabeled(labels []string, series ...[]float64) *plot.Plot {
	if len(labels) > len(series) {
		panic(fmt.Sprintf("display.LinePlotLabeled: %d labels for %d series", len(labels), len(series)))
	}
	p := newPlot()
	p.X.Label.Text = "step"
	p.Add(plotter.NewGrid())
	skipped := 0
	for i, s := range series {
		xys, k := finiteXYs(s)
		skipped += k
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			panic("display.LinePlot: " + err.Error())
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		if i < len(labels) {
			p.Legend.Add(labels[i], l)
		}
	}
	p.Legend.Top = true
	if skipped > 0 {
		p.Title.Text = strconv.Itoa(skipped) + " NaN/Inf values not shown"
	}
	return p
}

// Smooth returns the exponential moving average of xs with the given
// window (smoothing factor 2/(window+1)), with bias correction so the
// start is not pulled towards zero. Non-finite values are carried through
// without disturbing the average. window < 1 is treated as 1 (no
// smoothing).
func Smooth(xs []float64, window int) []float64 {
	if window < 1 {
		window = 1
	}
	alpha := 2 / (float64(window) + 1)
	out := make([]float64, len(xs))
	avg, weight := 0.0, 0.0
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			out[i] = x
			continue
		}
		avg = (1-alpha)*avg + alpha*x
		weight = (1-alpha)*weight + alpha
		out[i] = avg / weight
	}
	return out
}

// LossPlot returns a loss curve: the raw losses as a thin light line and
// their smoothed trend (Smooth with a window of about 1/20 of the run, at
// least 1) as a thick line, with the x axis labelled "step" and the y axis
// "loss". For a logarithmic loss axis use LossPlotLog.
func LossPlot(losses []float64) *plot.Plot {
	return lossPlot(nil, losses, false)
}

// LossPlotLog is LossPlot with a logarithmic loss axis, which shows the
// late, slow progress of a training run better. Losses ≤ 0 are left out.
func LossPlotLog(losses []float64) *plot.Plot {
	return lossPlot(nil, losses, true)
}

// lossPlot draws losses against steps (nil: 0, 1, 2, …).
func lossPlot(steps, losses []float64, logY bool) *plot.Plot {
	p := newPlot()
	p.X.Label.Text = "step"
	p.Y.Label.Text = "loss"
	p.Add(plotter.NewGrid())
	window := max(1, len(losses)/20)
	points := func(ys []float64) (plotter.XYs, int) {
		xys := make(plotter.XYs, 0, len(ys))
		skipped := 0
		for i, y := range ys {
			if math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
				skipped++
				continue
			}
			x := float64(i)
			if steps != nil {
				x = steps[i]
			}
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
		return xys, skipped
	}
	raw, skipped := points(losses)
	if len(raw) == 0 {
		p.Title.Text = "no losses to show yet"
		return p
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	sm, _ := points(Smooth(losses, window))
	lr, err := plotter.NewLine(raw)
	if err != nil {
		panic("display.LossPlot: " + err.Error())
	}
	lr.Color = color.RGBA{R: 0x9e, G: 0xc5, B: 0xe8, A: 0xff}
	lr.Width = vg.Points(1)
	ls, err := plotter.NewLine(sm)
	if err != nil {
		panic("display.LossPlot: " + err.Error())
	}
	ls.Color = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff}
	ls.Width = vg.Points(2.5)
	p.Add(lr, ls)
	p.Legend.Add("loss", lr)
	p.Legend.Add("smoothed", ls)
	p.Legend.Top = true
	lastStep := float64(len(losses) - 1)
	if steps != nil {
		lastStep = steps[len(steps)-1]
	}
	p.Title.Text = "step " + formatFloat(lastStep) + "   loss " + formatFloat(losses[len(losses)-1])
	if skipped > 0 {
		what := "NaN/Inf"
		if logY {
			what = "NaN/Inf/≤0"
		}
		p.Title.Text += "   (" + strconv.Itoa(skipped) + " " + what + " not shown)"
	}
	return p
}

// Diverging colour scale of Heatmap: blue for negative, white for zero,
// red for positive values (ColorBrewer RdBu end points).
var (
	divNeg  = color.RGBA{R: 0x21, G: 0x66, B: 0xac, A: 0xff}
	divZero = color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	divPos  = color.RGBA{R: 0xb2, G: 0x18, B: 0x2b, A: 0xff}
	nanGrey = color.RGBA{R: 0xbb, G: 0xbb, B: 0xbb, A: 0xff}
)

func lerp(a, b uint8, t float64) uint8 {
	return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t))
}

// DivergingColor returns the Heatmap colour of v on a scale from -limit
// (blue) through 0 (white) to +limit (red). Values beyond ±limit are
// clamped; NaN is grey.
func DivergingColor(v, limit float64) color.RGBA {
	if math.IsNaN(v) {
		return nanGrey
	}
	t := 0.0
	if limit > 0 {
		t = v / limit
	}
	switch {
	case t > 1:
		t = 1
	case t < -1:
		t = -1
	}
	end := divPos
	if t < 0 {
		end, t = divNeg, -t
	}
	return color.RGBA{R: lerp(divZero.R, end.R, t), G: lerp(divZero.G, end.G, t), B: lerp(divZero.B, end.B, t), A: 0xff}
}

// maxVectorCells is the largest grid drawn cell by cell on vector canvases.
const maxVectorCells = 4096

// cells is a plotter drawing a grid of coloured cells as one image scaled
// with nearest-neighbour sampling to the pixel size of the data area, so
// each cell is sharp and rendering costs one pass over the pixels.
// Cell (r, c) covers x ∈ [c-0.5, c+0.5] and y ∈ [r-0.5, r+0.5].
type cells struct {
	rows, cols int
	color      func(r, c int) color.RGBA
}

// DataRange implements plot.DataRanger.
func (g *cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(g.cols) - 0.5, -0.5, float64(g.rows) - 0.5
}

// Plot implements plot.Plotter.
func (g *cells) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	x0, x1 := trX(-0.5), trX(float64(g.cols)-0.5)
	y0, y1 := trY(-0.5), trY(float64(g.rows)-0.5)
	if x1 < x0 {
		x0, x1 = x1, x0
	}
	if y1 < y0 {
		y0, y1 = y1, y0
	}
	// With an inverted y axis (row 0 at the top) the top of the drawing
	// is row 0; otherwise it is the last row.
	inverted := trY(0) > trY(1)

	// Raster canvases (PNG, JPEG): write the pixels of the data area
	// directly, which is sharp and costs one pass over the pixels.
	if rc, ok := baseCanvas(c.Canvas).(interface {
		Image() stddraw.Image
		DPI() float64
	}); ok {
		if dst, ok := rc.Image().(*image.RGBA); ok {
			dpi := rc.DPI()
			H := dst.Bounds().Dy()
			px0, px1 := int(math.Round(x0.Dots(dpi))), int(math.Round(x1.Dots(dpi)))
			py0, py1 := H-int(math.Round(y1.Dots(dpi))), H-int(math.Round(y0.Dots(dpi)))
			g.fill(dst, image.Rect(px0, py0, px1, py1), inverted)
			return
		}
	}

	// Vector canvases (SVG, PDF): small grids as one rectangle per cell
	// (each a little larger than its cell, so no seams show); larger ones
	// as an image with k×k pixels per cell, so that viewers that smooth
	// scaled images still show sharp cells.
	if g.rows*g.cols <= maxVectorCells {
		cw, ch := (x1-x0)/vg.Length(g.cols), (y1-y0)/vg.Length(g.rows)
		const bleed = vg.Length(0.3)
		for r := 0; r < g.rows; r++ {
			// Row r's top edge in canvas coordinates.
			top := y1 - vg.Length(r)*ch
			if !inverted {
				top = y0 + vg.Length(r+1)*ch
			}
			for col := 0; col < g.cols; col++ {
				left := x0 + vg.Length(col)*cw
				c.SetColor(g.color(r, col))
				c.Fill(vg.Rectangle{
					Min: vg.Point{X: left, Y: top - ch - bleed},
					Max: vg.Point{X: left + cw + bleed, Y: top},
				}.Path())
			}
		}
		return
	}
	k := 1
	if m := max(g.rows, g.cols); m < 400 {
		k = (400 + m - 1) / m
	}
	for k > 1 && g.rows*g.cols*k*k > 1<<20 {
		k--
	}
	img := image.NewRGBA(image.Rect(0, 0, g.cols*k, g.rows*k))
	g.fill(img, img.Bounds(), inverted)
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}, img)
}

// baseCanvas unwraps draw.Canvas values (which plot nests when it lays
// out the axes) down to the underlying vg.Canvas; coordinates are the
// same at every level.
func baseCanvas(c vg.Canvas) vg.Canvas {
	for i := 0; i < 16; i++ {
		switch x := c.(type) {
		case draw.Canvas:
			c = x.Canvas
		case *draw.Canvas:
			c = x.Canvas
		default:
			return c
		}
	}
	return c
}

// fill paints the cells into the rectangle r of img (clipped to img),
// with nearest-neighbour sampling.
func (g *cells) fill(img *image.RGBA, r image.Rectangle, inverted bool) {
	w, h := r.Dx(), r.Dy()
	clip := r.Intersect(img.Bounds())
	if w <= 0 || h <= 0 || clip.Empty() {
		return
	}
	colIdx := make([]int, clip.Dx())
	for x := range colIdx {
		colIdx[x] = (clip.Min.X + x - r.Min.X) * g.cols / w
	}
	rowColors := make([]color.RGBA, g.cols)
	prevRow := -1
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		row := (y - r.Min.Y) * g.rows / h
		if !inverted {
			row = g.rows - 1 - row
		}
		if row != prevRow {
			for j := range rowColors {
				rowColors[j] = g.color(row, j)
			}
			prevRow = row
		}
		off := img.PixOffset(clip.Min.X, y)
		line := img.Pix[off : off+4*clip.Dx()]
		for x, ci := range colIdx {
			col := rowColors[ci]
			line[4*x], line[4*x+1], line[4*x+2], line[4*x+3] = col.R, col.G, col.B, col.A
		}
	}
}

// indexTicks labels integer positions 0…n-1, thinned to at most about 10.
func indexTicks(n int, names []string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		step := 1
		for n/step > 10 {
			switch {
			case step*2 >= n/10 && n/(step*2) <= 10:
				step *= 2
			default:
				step *= 5
			}
		}
		var ts []plot.Tick
		for i := 0; i < n; i += step {
			lab := strconv.Itoa(i)
			if names != nil && i < len(names) {
				lab = names[i]
			}
			ts = append(ts, plot.Tick{Value: float64(i), Label: lab})
		}
		return ts
	})
}

// Heatmap returns a heatmap of m on a diverging colour scale centred on
// zero: negative entries blue, zero white, positive red, with the colour
// saturating at the largest absolute entry (so the sign of gradients and
// weights is visible at a glance). Row 0 is at the top, as when printing a
// matrix; NaN entries are grey. The title states the colour range.
// It panics if m has a zero dimension.
func Heatmap(m mat.Matrix) *plot.Plot {
	r, c := m.Dims()
	if r == 0 || c == 0 {
		panic(fmt.Sprintf("display.Heatmap: empty %d×%d matrix", r, c))
	}
	limit := 0.0
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if a := math.Abs(m.At(i, j)); a > limit && !math.IsInf(a, 0) {
				limit = a
			}
		}
	}
	p := newPlot()
	p.Add(&cells{rows: r, cols: c, color: func(i, j int) color.RGBA { return DivergingColor(m.At(i, j), limit) }})
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	p.X.Tick.Marker = indexTicks(c, nil)
	p.Y.Tick.Marker = indexTicks(r, nil)
	p.X.Label.Text = "column"
	p.Y.Label.Text = "row"
	p.Title.Text = strconv.Itoa(r) + "×" + strconv.Itoa(c) + "   blue −" + formatFloat(limit) + " … white 0 … red +" + formatFloat(limit)
	return p
}

// Histogram returns a histogram of values with the given number of bins;
// bins ≤ 0 chooses about √n bins (between 5 and 50). NaN and infinite
// values are left out and counted in the title.
func Histogram(values []float64, bins int) *plot.Plot {
	vs := make(plotter.Values, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			vs = append(vs, v)
		}
	}
	p := newPlot()
	p.Y.Label.Text = "count"
	if skipped := len(values) - len(vs); skipped > 0 {
		p.Title.Text = strconv.Itoa(skipped) + " NaN/Inf values not shown"
	}
	if len(vs) == 0 {
		p.Title.Text = "no finite values"
		return p
	}
	if bins <= 0 {
		bins = int(math.Sqrt(float64(len(vs))))
		bins = max(5, min(50, bins))
	}
	h, err := plotter.NewHist(vs, bins)
	if err != nil {
		panic("display.Histogram: " + err.Error())
	}
	h.FillColor = color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff}
	h.LineStyle.Color = color.White
	p.Add(h)
	return p
}

// BarChart returns a bar chart with one bar per value, labelled by labels.
// It panics if labels and values differ in length.
func BarChart(labels []string, values []float64) *plot.Plot {
	if len(labels) != len(values) {
		panic(fmt.Sprintf("display.BarChart: %d labels for %d values", len(labels), len(values)))
	}
	p := newPlot()
	if len(values) == 0 {
		p.Title.Text = "no values"
		return p
	}
	vs := make(plotter.Values, len(values))
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = 0
		}
		vs[i] = v
	}
	// Bars fill 60% of their slot of the data area (about 5.4 inches wide).
	b, err := plotter.NewBarChart(vs, 0.6*5.4*vg.Inch/vg.Length(len(vs)))
	if err != nil {
		panic("display.BarChart: " + err.Error())
	}
	b.Color = color.RGBA{R: 0x4c, G: 0x72, B: 0xb0, A: 0xff}
	b.LineStyle.Width = 0
	p.Add(plotter.NewGrid(), b)
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(vs))-0.5
	return p
}

// ConfusionMatrix returns the confusion matrix of a classifier as a
// heatmap with counts written in the cells: row i, column j counts the
// examples of true class actual[k] == i predicted as predicted[k] == j.
// Correct predictions lie on the diagonal. Classes are 0…n-1 where n is
// len(labels), or, for nil labels, one more than the largest class seen.
// The title gives the accuracy. It panics if actual and predicted differ
// in length or a class is negative or not below len(labels).
func ConfusionMatrix(actual, predicted []int, labels []string) *plot.Plot {
	if len(actual) != len(predicted) {
		panic(fmt.Sprintf("display.ConfusionMatrix: %d actual classes for %d predictions", len(actual), len(predicted)))
	}
	n := len(labels)
	if labels == nil {
		for k := range actual {
			n = max(n, actual[k]+1, predicted[k]+1)
		}
	}
	if n == 0 {
		n = 1
	}
	counts := make([]int, n*n)
	correct, top := 0, 0
	for k := range actual {
		a, pr := actual[k], predicted[k]
		if a < 0 || a >= n || pr < 0 || pr >= n {
			panic(fmt.Sprintf("display.ConfusionMatrix: example %d has class %d predicted as %d, outside 0…%d", k, a, pr, n-1))
		}
		counts[a*n+pr]++
		top = max(top, counts[a*n+pr])
		if a == pr {
			correct++
		}
	}
	p := newPlot()
	p.Add(&cells{rows: n, cols: n, color: func(i, j int) color.RGBA {
		t := 0.0
		if top > 0 {
			t = float64(counts[i*n+j]) / float64(top)
		}
		return color.RGBA{R: lerp(0xff, 0x08, t), G: lerp(0xff, 0x30, t), B: lerp(0xff, 0x6b, t), A: 0xff}
	}})
	var xys plotter.XYs
	var labs []string
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if c := counts[i*n+j]; c > 0 {
				xys = append(xys, plotter.XY{X: float64(j), Y: float64(i)})
				labs = append(labs, strconv.Itoa(c))
			}
		}
	}
	if len(xys) > 0 && n <= 30 {
		ls, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labs})
		if err != nil {
			panic("display.ConfusionMatrix: " + err.Error())
		}
		for i := range ls.TextStyle {
			x := xys[i]
			t := float64(counts[int(x.Y)*n+int(x.X)]) / float64(top)
			ls.TextStyle[i].XAlign = draw.XCenter
			ls.TextStyle[i].YAlign = draw.YCenter
			if t > 0.5 {
				ls.TextStyle[i].Color = color.White
			}
		}
		p.Add(ls)
	}
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	p.X.Tick.Marker = indexTicks(n, labels)
	p.Y.Tick.Marker = indexTicks(n, labels)
	p.X.Label.Text = "predicted"
	p.Y.Label.Text = "actual"
	if len(actual) > 0 {
		p.Title.Text = fmt.Sprintf("accuracy %.2f%% (%d of %d)", 100*float64(correct)/float64(len(actual)), correct, len(actual))
	}
	return p
}

// Grid is a regular grid of values for gonum/plot's plotter.NewHeatMap and
// plotter.NewContour (it implements plotter.GridXYZ): Values.At(r, c) is
// the value at (Xs[c], Ys[r]). Being compiled, it draws fast from a notebook
// cell, where a cell-declared GridXYZ would run one interpreted method call
// per grid cell and coordinate.
type Grid struct {
	Xs, Ys []float64  // column and row coordinates, increasing
	Values *mat.Dense // len(Ys) × len(Xs) values
}

// Dims returns the number of columns and rows.
func (g Grid) Dims() (c, r int) { return len(g.Xs), len(g.Ys) }

// Z returns the value of column c, row r.
func (g Grid) Z(c, r int) float64 { return g.Values.At(r, c) }

// X returns the coordinate of column c.
func (g Grid) X(c int) float64 { return g.Xs[c] }

// Y returns the coordinate of row r.
func (g Grid) Y(r int) float64 { return g.Ys[r] }
