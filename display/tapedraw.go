package display

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strings"
	"sync"

	stdfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The graph drawing is made once, on a vg.Canvas, and rendered both as SVG
// (vgsvg) and as PNG (vgimg): one code path for every format.

// pxLen converts layout pixels to vg lengths: a pixel is 1/96 inch, so
// the PNG at DPI and the SVG (sized in points) show at the same size.
func pxLen(px float64) vg.Length { return vg.Length(px * 72 / DPI) }

// maxGraphPixels bounds the PNG of a graph drawing; larger drawings are
// rendered at a lower resolution.
const maxGraphPixels = 4 << 20

// Colours of the graph drawing.
var (
	gEdgeColor   = rgb(0x555555)
	gTextColor   = rgb(0x222222)
	gGradColor   = rgb(0xb03030)
	gNodeFill    = rgb(0xe8f0fb)
	gNodeStroke  = rgb(0x4a6fa5)
	gOutFill     = rgb(0xfde9d9)
	gOutStroke   = rgb(0xc0504d)
	gInputFill   = rgb(0xe6f4e6)
	gInputStroke = rgb(0x4f8f4f)
)

func rgb(x uint32) color.RGBA {
	return color.RGBA{R: uint8(x >> 16), G: uint8(x >> 8), B: uint8(x), A: 0xff}
}

var (
	graphFontsOnce sync.Once
	graphFonts     [2]font.Face // regular and bold Liberation Mono, 12 px
)

func graphFaces() [2]font.Face {
	graphFontsOnce.Do(func() {
		c := font.NewCache(liberation.Collection())
		size := pxLen(12)
		graphFonts[0] = c.Lookup(font.Font{Typeface: "Liberation", Variant: "Mono"}, size)
		graphFonts[1] = c.Lookup(font.Font{Typeface: "Liberation", Variant: "Mono", Weight: stdfont.WeightBold}, size)
	})
	return graphFonts
}

// drawGraph draws a laid-out graph on c, whose size is that of the
// layout (see pxLen).
func drawGraph(c vg.Canvas, lay graphLayout, nodes []graphNode) {
	H := lay.height
	pt := func(x, y float64) vg.Point { return vg.Point{X: pxLen(x), Y: pxLen(H - y)} }

	c.SetColor(color.White)
	var bg vg.Path
	bg.Move(pt(0, 0))
	bg.Line(pt(lay.width, 0))
	bg.Line(pt(lay.width, H))
	bg.Line(pt(0, H))
	bg.Close()
	c.Fill(bg)

	// Edges first, so boxes cover their ends. Between layers an edge is a
	// cubic curve with vertical tangents; through a dummy point it runs
	// straight down across the layer. Arrow heads point down.
	const arrowL, arrowW = 7.0, 3.5
	c.SetColor(gEdgeColor)
	c.SetLineWidth(pxLen(1.2))
	c.SetLineDash(nil, 0)
	for _, e := range lay.edges {
		var p vg.Path
		x0, y0 := e.x0, e.y0
		p.Move(pt(x0, y0))
		for k, st := range e.steps {
			x1, y1 := st.x, st.y
			if k == len(e.steps)-1 {
				y1 -= arrowL / 2 // the line ends inside the arrow head
			}
			if st.line {
				p.Line(pt(x1, y1))
			} else {
				my := (y0 + y1) / 2
				p.CubeTo(pt(x0, my), pt(x1, my), pt(x1, y1))
			}
			x0, y0 = x1, y1
		}
		c.Stroke(p)
		end := e.steps[len(e.steps)-1]
		var head vg.Path
		head.Move(pt(end.x, end.y))
		head.Line(pt(end.x-arrowW, end.y-arrowL))
		head.Line(pt(end.x+arrowW, end.y-arrowL))
		head.Close()
		c.Fill(head)
	}

	faces := graphFaces()
	for i, nd := range nodes {
		b := lay.boxes[i]
		fill, stroke := gNodeFill, gNodeStroke
		switch {
		case nd.output:
			fill, stroke = gOutFill, gOutStroke
		case nd.op == "input":
			fill, stroke = gInputFill, gInputStroke
		}
		box := roundedRect(pt, b, 6)
		c.SetColor(fill)
		c.Fill(box)
		c.SetColor(stroke)
		c.SetLineWidth(pxLen(1.5))
		if nd.grad == "" {
			c.SetLineDash([]vg.Length{pxLen(4), pxLen(3)}, 0)
		}
		c.Stroke(box)
		c.SetLineDash(nil, 0)
		for k, line := range nodeLines(nd) {
			face, col := faces[0], gTextColor
			if k == 0 {
				face = faces[1]
			} else if strings.HasPrefix(line, "∇") {
				col = gGradColor
			}
			drawText(c, face, col, b.x+b.w/2, b.y+gPadY+float64(k)*gLineH+11, line, pt)
		}
	}
}

// roundedRect returns the outline of b with corners of radius r.
func roundedRect(pt func(x, y float64) vg.Point, b graphBox, r float64) vg.Path {
	var p vg.Path
	l, t, rt, bt := b.x, b.y, b.x+b.w, b.y+b.h
	p.Move(pt(l+r, t))
	p.Line(pt(rt-r, t))
	p.Arc(pt(rt-r, t+r), pxLen(r), math.Pi/2, -math.Pi/2)
	p.Line(pt(rt, bt-r))
	p.Arc(pt(rt-r, bt-r), pxLen(r), 0, -math.Pi/2)
	p.Line(pt(l+r, bt))
	p.Arc(pt(l+r, bt-r), pxLen(r), -math.Pi/2, -math.Pi/2)
	p.Line(pt(l, t+r))
	p.Arc(pt(l+r, t+r), pxLen(r), math.Pi, -math.Pi/2)
	p.Close()
	return p
}

// drawText draws s centred on x with its baseline at y, in the monospaced
// face f. The nabla and double bar of gradient labels ("∇ ‖g‖"), which
// Liberation Mono lacks, are drawn as lines so that the PNG shows them
// too.
func drawText(c vg.Canvas, f font.Face, col color.Color, x, y float64, s string, pt func(x, y float64) vg.Point) {
	adv := float64(f.Width("0")) * DPI / 72
	runes := []rune(s)
	left := x - adv*float64(len(runes))/2
	var buf sfnt.Buffer
	c.SetColor(col)
	c.SetLineDash(nil, 0)
	c.SetLineWidth(pxLen(1))
	start := 0 // first rune of the pending run of text
	flush := func(end int) {
		if end > start {
			c.FillString(f, pt(left+adv*float64(start), y), string(runes[start:end]))
		}
		start = end + 1
	}
	for i, r := range runes {
		cx := left + adv*(float64(i)+0.5) // centre of this character cell
		switch {
		case r == '∇' && !hasGlyph(f, &buf, r):
			flush(i)
			var p vg.Path
			p.Move(pt(cx-adv*0.4, y-8.5))
			p.Line(pt(cx+adv*0.4, y-8.5))
			p.Line(pt(cx, y))
			p.Close()
			c.Stroke(p)
		case r == '‖' && !hasGlyph(f, &buf, r):
			flush(i)
			for _, dx := range []float64{-1.5, 1.5} {
				var p vg.Path
				p.Move(pt(cx+dx, y-10))
				p.Line(pt(cx+dx, y+2))
				c.Stroke(p)
			}
		}
	}
	flush(len(runes))
}

func hasGlyph(f font.Face, buf *sfnt.Buffer, r rune) bool {
	i, err := f.Face.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// graphSVG draws the graph as an SVG document.
func graphSVG(nodes []graphNode) (string, error) {
	lay := layoutGraph(nodes)
	c := vgsvg.New(pxLen(lay.width), pxLen(lay.height))
	if err := safeDraw(func() { drawGraph(c, lay, nodes) }); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("display: cannot encode drawing: %w", err)
	}
	// Browsers without Liberation Mono should still use a monospaced font.
	return strings.ReplaceAll(b.String(), "font-family:Liberation Mono;", "font-family:Liberation Mono,monospace;"), nil
}

// graphPNG draws the graph as a PNG file at DPI (or less, for drawings of
// more than maxGraphPixels pixels).
func graphPNG(nodes []graphNode) ([]byte, error) {
	lay := layoutGraph(nodes)
	dpi := float64(DPI)
	if px := lay.width * lay.height; px > maxGraphPixels {
		dpi *= math.Sqrt(maxGraphPixels / px)
	}
	c := vgimg.NewWith(vgimg.UseWH(pxLen(lay.width), pxLen(lay.height)), vgimg.UseDPI(int(dpi)))
	if err := safeDraw(func() { drawGraph(c, lay, nodes) }); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, c.Image()); err != nil {
		return nil, fmt.Errorf("display: cannot encode drawing: %w", err)
	}
	return b.Bytes(), nil
}

// safeDraw runs draw, turning a panic of the canvas into an error.
func safeDraw(draw func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("display: cannot draw: %v", r)
		}
	}()
	draw()
	return nil
}
