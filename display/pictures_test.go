package display

import (
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)

// TestPicturesCarryPNG checks that every picture the package emits (plots,
// SVG plots, heatmaps, images, tape drawings, live loss curves and their
// updates, and the same values shown through Bundle) carries a PNG, and
// that an SVG never comes without one: Jupyter shows no SVG in a notebook
// it does not trust (opened from disk and not yet run), and some viewers
// show no SVG at all.
func TestPicturesCarryPNG(t *testing.T) {
	f := withFake(t)
	tape := ad.Record(func(xs []*ad.Var) *ad.Var { return ad.Sin(ad.Mul(xs[0], xs[0])) }, 1.5)
	heat := Heatmap(mat.NewDense(2, 2, []float64{1, -1, 0.5, 0}))
	emit := map[string]func(){
		"Plot":            func() { Plot(LinePlot([]float64{1, 2, 3})) },
		"PlotSize":        func() { PlotSize(LossPlot([]float64{3, 2, 1}), 3, 2) },
		"PlotSVG":         func() { PlotSVG(LinePlot([]float64{1, 3, 2})) },
		"PlotSVG heatmap": func() { PlotSVG(heat) },
		"Plot heatmap":    func() { Plot(heat) },
		"Image":           func() { Image(DigitGrid([][]float64{make([]float64, 784)}, nil)) },
		"Tape":            func() { Tape(tape) },
		"Show tape":       func() { Show(tape) },
		"Show plot":       func() { Show(BarChart([]string{"a", "b"}, []float64{1, 2})) },
		"LiveLoss": func() {
			clk := newClock()
			l := newLiveLoss(clk.now)
			for i := 0; i < 50; i++ {
				clk.advance(50 * time.Millisecond)
				l.Add(1 / float64(i+1))
			}
			l.Done()
		},
	}
	for name, fn := range emit {
		before := len(f.messages())
		fn()
		ms := f.messages()[before:]
		pictures := 0
		for _, m := range ms {
			_, svg := m.Data["image/svg+xml"]
			_, png := m.Data["image/png"]
			if svg && !png {
				t.Errorf("%s: %s message has SVG but no PNG", name, m.Type)
			}
			if png {
				decodePNG(t, m.Data)
				pictures++
			}
		}
		if pictures == 0 {
			t.Errorf("%s: no picture among %d messages", name, len(ms))
		}
	}
}
