package display_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/gopherprop/gopherprop/display"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
)

// Without a publisher (in a compiled program) displays print their
// text/plain form.
func ExampleHTML() {
	display.HTML("<h3>Loss</h3><p>went <b>down</b></p>")
	// Output:
	// Losswent down
}

func ExampleShow() {
	display.Show("a" + "b")
	display.Show(1 + 2)
	display.Show(errors.New("shape mismatch"))
	display.Show(mat.NewDense(2, 2, []float64{1, 2, 3, 4.5}))
	// Output:
	// "ab"
	// 3
	// shape mismatch
	// *mat.Dense 2×2
	// [  1   2]
	// [  3 4.5]
}

func ExampleHandle_Update() {
	h := display.Show("training…")
	h.Update("done")
	// Output:
	// "training…"
	// "done"
}

// Score shows itself as HTML in a notebook.
type Score float64

// HTML makes Score display as a coloured percentage.
func (s Score) HTML() string { return fmt.Sprintf(`<b style="color:green">%.0f%%</b>`, 100*float64(s)) }

func ExampleBundle() {
	data, _ := display.Bundle(Score(0.97))
	fmt.Println(data["text/html"])
	fmt.Println(data["text/plain"])
	// Output:
	// <b style="color:green">97%</b>
	// 97%
}

func ExampleHeatmap() {
	grad := mat.NewDense(3, 4, []float64{
		0.5, -0.2, 0, 0.1,
		-1, 0.3, 0.2, 0,
		0, 0, 0.9, -0.4,
	})
	p := display.Heatmap(grad)
	fmt.Println(p.Title.Text)
	display.Plot(p) // a PNG in a notebook
	// Output:
	// 3×4   blue −1 … white 0 … red +1
	// <plot "3×4   blue −1 … white 0 … red +1" 576×384>
}

func ExampleLossPlot() {
	losses := make([]float64, 100)
	for i := range losses {
		losses[i] = math.Exp(-float64(i) / 30)
	}
	display.PlotSVG(display.LossPlot(losses))
	// Output:
	// <plot "step 99   loss 0.0368832">
}

func ExampleDigitGrid() {
	digits := make([][]float64, 25)
	captions := make([]string, 25)
	for k := range digits {
		digits[k] = make([]float64, 28*28)
		digits[k][14*28+14] = 1
		captions[k] = fmt.Sprint(k % 10)
	}
	img := display.DigitGrid(digits, captions)
	fmt.Println(img.Bounds().Dx(), img.Bounds().Dy())
	display.Image(img)
	// Output:
	// 884 313
	// <image 884×313>
}

func ExampleNewProgress() {
	p := display.NewProgress(3, "epochs")
	for i := 0; i < 3; i++ {
		// ... one training step ...
		p.Add(1) // cheap; the bar is redrawn at most 5 times a second
	}
	p.Done() // always shows the final state
}

func ExampleNewLiveLoss() {
	l := display.NewLiveLoss()
	for step := 0; step < 1000; step++ {
		loss := 1 / float64(step+1) // ... one training step ...
		l.Add(loss)
	}
	l.Done()
}

func ExampleConfusionMatrix() {
	actual := []int{0, 0, 1, 1, 2, 2}
	predicted := []int{0, 0, 1, 2, 2, 2}
	p := display.ConfusionMatrix(actual, predicted, []string{"cat", "dog", "cow"})
	fmt.Println(p.Title.Text)
	// Output:
	// accuracy 83.33% (5 of 6)
}

func ExampleLinePlotLabeled() {
	train := []float64{1.0, 0.6, 0.4, 0.3}
	test := []float64{1.1, 0.8, 0.7, 0.7}
	p := display.LinePlotLabeled([]string{"train", "test"}, train, test)
	p.Y.Label.Text = "loss"
	png, err := display.RenderPNG(p, 4, 3)
	fmt.Println(len(png) > 0, err)
	// Output:
	// true <nil>
}

func ExampleClear() {
	for step := 0; step < 3; step++ {
		display.Clear(true) // in a notebook: replace the previous frame
		display.Markdown(fmt.Sprintf("frame **%d**", step))
	}
	// Output:
	// frame **0**
	// frame **1**
	// frame **2**
}

// Values render themselves through the methods of the format table: a
// type with an SVG() string method shows as image/svg+xml, and so on.
func ExampleFormats() {
	for _, f := range display.Formats() {
		fmt.Println(f.Method, f.MIME, f.Binary)
	}
	// Output:
	// HTML text/html false
	// SVG image/svg+xml false
	// PNG image/png true
	// Markdown text/markdown false
	// Latex text/latex false
}

// A heat map of f(x, y) = x·y over a 3×2 grid, drawn by gonum/plot.
func ExampleGrid() {
	xs, ys := []float64{-1, 0, 1}, []float64{-1, 1}
	z := mat.NewDense(len(ys), len(xs), nil)
	for r, y := range ys {
		for c, x := range xs {
			z.Set(r, c, x*y)
		}
	}
	p := plot.New()
	p.Add(plotter.NewHeatMap(display.Grid{Xs: xs, Ys: ys, Values: z}, moreland.SmoothBlueRed().Palette(16)))
	display.Show(p)
	// Output: <plot 576×384>
}
