package interp

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
)

// The per-sample SGD step of notebook 3 (notebooks/src/03-mnist.md), written
// in cells as the notebook writes it: cell-declared Layer and Net structs,
// cell-declared runLayer, runNet and netErr (a closure built per sample),
// ad.Grad into a cell-declared Net, then opt.Step. The data are random
// vectors of MNIST's shape: the cost of a step does not depend on them.
var cellStepCells = []string{
	`import (
	"math/rand/v2"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)`,
	`type Layer struct {
	W *mat.Dense
	B *mat.VecDense
}

type Net struct {
	L1, L2, L3 Layer
}

func uniformLayer(rng *rand.Rand, in, out int) Layer {
	w := make([]float64, out*in)
	for i := range w {
		w[i] = rng.Float64() - 0.5
	}
	b := make([]float64, out)
	for i := range b {
		b[i] = rng.Float64() - 0.5
	}
	return Layer{W: mat.NewDense(out, in, w), B: mat.NewVecDense(out, b)}
}

func runLayer(l, x *ad.Var) *ad.Var {
	return ad.Add(ad.MatVec(ad.Field(l, "W"), x), ad.Field(l, "B"))
}

func runNet(n, x *ad.Var) *ad.Var {
	y1 := ad.Logistic(runLayer(ad.Field(n, "L1"), x))
	y2 := ad.Logistic(runLayer(ad.Field(n, "L2"), y1))
	return ad.Softmax(runLayer(ad.Field(n, "L3"), y2))
}

func netErr(x, target *mat.VecDense) func(n *ad.Var) *ad.Var {
	return func(n *ad.Var) *ad.Var {
		return ad.CrossEntropy(runNet(n, ad.Const(x)), ad.Const(target))
	}
}`,
	`rng := rand.New(rand.NewPCG(1, 0))
net := Net{L1: uniformLayer(rng, 784, 300), L2: uniformLayer(rng, 300, 100), L3: uniformLayer(rng, 100, 10)}
var xs, ts []*mat.VecDense
for i := 0; i < 16; i++ {
	x := make([]float64, 784)
	for j := range x {
		x[j] = rng.Float64()
	}
	xs = append(xs, mat.NewVecDense(784, x))
	t := mat.NewVecDense(10, nil)
	t.SetVec(i%10, 1)
	ts = append(ts, t)
}
var g Net
opt := ad.NewSGD(0.02)
var loss float64`,
}

// cellStepLoop returns a cell running n steps.
func cellStepLoop(n int) string {
	return fmt.Sprintf(`for k := 0; k < %d; k++ {
	loss = ad.Grad(netErr(xs[k%%16], ts[k%%16]), net, &g).(float64)
	opt.Step(&net, g)
}`, n)
}

// newCellStepSession returns a session that has run cellStepCells and one
// step (so that g holds its matrices).
func newCellStepSession(tb testing.TB) *session {
	tb.Helper()
	s, err := newSession(io.Discard, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	for i, c := range append(cellStepCells, cellStepLoop(2)) {
		if _, f := s.run(context.Background(), c, i+1); f != nil {
			tb.Fatalf("cell %d: %v\n%s", i, f, c)
		}
	}
	return s
}

// TestCellStepReusesGradient runs notebook 3's training step in cells and
// fails if a step allocates the 784×300 weight gradient afresh: the
// destination g is reused, so its matrices must be written in place.
func TestCellStepReusesGradient(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a 784-300-100-10 network")
	}
	s := newCellStepSession(t)
	w1, ok := s.value(t, "g.L1.W").(*mat.Dense)
	if !ok || w1 == nil {
		t.Fatalf("g.L1.W is %T", s.value(t, "g.L1.W"))
	}
	const steps = 50
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, f := s.run(context.Background(), cellStepLoop(steps), 10); f != nil {
		t.Fatal(f)
	}
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / steps
	const weight = 784 * 300 * 8
	t.Logf("%.0f bytes allocated per cell step (the weight gradient is %d bytes)", perStep, weight)
	if perStep > weight/8 {
		t.Errorf("a cell step allocates %.0f bytes: the %d-byte weight gradient is allocated afresh instead of written into g", perStep, weight)
	}
	if got := s.value(t, "g.L1.W").(*mat.Dense); got != w1 {
		t.Errorf("g.L1.W was replaced by a new matrix")
	}
	if l := s.value(t, "loss").(float64); !(l > 0) {
		t.Errorf("loss %v", l)
	}
}

// value returns the value of the expression e in s.
func (s *session) value(tb testing.TB, e string) any {
	tb.Helper()
	v, err := s.in.Eval(e)
	if err != nil {
		tb.Fatalf("%s: %v", e, err)
	}
	return v.Interface()
}

// The compiled equivalent of the cells.
type stepLayer struct {
	W *mat.Dense
	B *mat.VecDense
}

type stepNet struct{ L1, L2, L3 stepLayer }

func stepRunLayer(l, x *ad.Var) *ad.Var {
	return ad.Add(ad.MatVec(ad.Field(l, "W"), x), ad.Field(l, "B"))
}

func stepNetErr(x, target *mat.VecDense) func(n *ad.Var) *ad.Var {
	return func(n *ad.Var) *ad.Var {
		y1 := ad.Logistic(stepRunLayer(ad.Field(n, "L1"), ad.Const(x)))
		y2 := ad.Logistic(stepRunLayer(ad.Field(n, "L2"), y1))
		return ad.CrossEntropy(ad.Softmax(stepRunLayer(ad.Field(n, "L3"), y2)), ad.Const(target))
	}
}

// BenchmarkCellStep compares notebook 3's training step run in cells with
// the same step compiled (the baseline), in one run: ns/step each and the
// cell's ratio to compiled.
func BenchmarkCellStep(b *testing.B) {
	b.Run("compiled", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 0))
		layer := func(in, out int) stepLayer {
			w := make([]float64, out*in)
			for i := range w {
				w[i] = rng.Float64() - 0.5
			}
			bs := make([]float64, out)
			for i := range bs {
				bs[i] = rng.Float64() - 0.5
			}
			return stepLayer{mat.NewDense(out, in, w), mat.NewVecDense(out, bs)}
		}
		net := stepNet{layer(784, 300), layer(300, 100), layer(100, 10)}
		var xs, ts []*mat.VecDense
		for i := 0; i < 16; i++ {
			x := make([]float64, 784)
			for j := range x {
				x[j] = rng.Float64()
			}
			xs = append(xs, mat.NewVecDense(784, x))
			t := mat.NewVecDense(10, nil)
			t.SetVec(i%10, 1)
			ts = append(ts, t)
		}
		var g stepNet
		opt := ad.NewSGD(0.02)
		b.ReportAllocs()
		b.ResetTimer()
		for k := 0; k < b.N; k++ {
			ad.Grad(stepNetErr(xs[k%16], ts[k%16]), net, &g)
			opt.Step(&net, g)
		}
	})
	b.Run("cell", func(b *testing.B) {
		s := newCellStepSession(b)
		loop := cellStepLoop(b.N)
		b.ReportAllocs()
		b.ResetTimer()
		if _, f := s.run(context.Background(), loop, 10); f != nil {
			b.Fatal(f)
		}
	})
}
