package display_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/display"
)

func ExampleTapeSVG() {
	// Record f(x, y) = x·y + sin(x) and its backward pass.
	tape := ad.Record(func(xs []*ad.Var) *ad.Var {
		x, y := xs[0], xs[1]
		return ad.Add(ad.Mul(x, y), ad.Sin(x))
	}, 2.0, 3.0)
	svg := display.TapeSVG(tape)
	fmt.Println(strings.Contains(svg, ">Mul #2</text>"), strings.Contains(svg, ">Sin #3</text>"))
	img, _ := png.DecodeConfig(bytes.NewReader(display.TapePNG(tape)))
	fmt.Println(img.Width > 100, img.Height > 100)
	display.Tape(tape) // in a notebook: the drawing, as SVG and PNG
	// Output:
	// true true
	// true true
	// <ad.Tape with 5 nodes>
}
