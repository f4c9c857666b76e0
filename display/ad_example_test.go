package display_test

import (
	"fmt"
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
	fmt.Println(strings.Count(svg, `class="node"`), "boxes")
	display.Tape(tape) // in a notebook: the drawing
	// Output:
	// 5 boxes
	// <ad.Tape with 5 nodes>
}
