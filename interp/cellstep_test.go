package interp

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/internal/cputime"
)

// cellStepCells returns the cells of file (testdata/cellstep.txt: notebook
// 3's per-sample training step, written in cells as the notebook writes
// it; testdata/cellstep_adam.txt: its mini-batch Adam step), the last cell
// running steps steps.
func cellStepCells(tb testing.TB, file string, steps int) []string {
	tb.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var cells []string
	for _, c := range strings.Split(string(src), "// ---- cell\n")[1:] {
		cells = append(cells, strings.ReplaceAll(c, "STEPS", strconv.Itoa(steps)))
	}
	return cells
}

// newCellStepSession returns a session that has run the cells of
// file with two steps (so that g holds its matrices), and the cell running
// steps steps.
func newCellStepSession(tb testing.TB, file string, steps int) (*session, string) {
	tb.Helper()
	s, err := newSession(io.Discard, io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	cells := cellStepCells(tb, file, 2)
	for i, c := range cells {
		if _, f := s.run(context.Background(), c, i+1); f != nil {
			tb.Fatalf("cell %d: %v\n%s", i, f, c)
		}
	}
	return s, cellStepCells(tb, file, steps)[len(cells)-1]
}

// TestCellStepReusesGradient runs notebook 3's training step in cells and
// fails if a step allocates the 784×300 weight gradient afresh: the
// destination g is reused, so its matrices must be written in place.
func TestCellStepReusesGradient(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a 784-300-100-10 network")
	}
	const steps = 50
	s, loop := newCellStepSession(t, "testdata/cellstep.txt", steps)
	w1, ok := s.value(t, "g.L1.W").(*mat.Dense)
	if !ok || w1 == nil {
		t.Fatalf("g.L1.W is %T", s.value(t, "g.L1.W"))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, f := s.run(context.Background(), loop, 10); f != nil {
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

// BenchmarkCellStep compares notebook 3's training steps run in cells with
// the same steps compiled (the baselines), in one run: the per-sample SGD
// step (sgd1) and the mini-batch Adam step (adam64, 64 columns), with the
// process CPU time per step beside the wall time.
func BenchmarkCellStep(b *testing.B) {
	b.Run("sgd1/compiled", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 0))
		net := stepRandNet(rng)
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
		benchCompiledSteps(b, func(k int) {
			ad.Grad(stepNetErr(xs[k%16], ts[k%16]), net, &g)
			opt.Step(&net, g)
		})
	})
	b.Run("sgd1/cell", func(b *testing.B) { benchCellSteps(b, "testdata/cellstep.txt") })
	b.Run("adam64/compiled", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 0))
		net := stepRandNet(rng)
		var xs, ts []*mat.Dense
		for i := 0; i < 4; i++ {
			x := make([]float64, 784*64)
			for j := range x {
				x[j] = rng.Float64()
			}
			xs = append(xs, mat.NewDense(784, 64, x))
			t := mat.NewDense(10, 64, nil)
			for j := 0; j < 64; j++ {
				t.Set((i+j)%10, j, 1)
			}
			ts = append(ts, t)
		}
		var g stepNet
		adam := ad.NewAdam(0.001)
		benchCompiledSteps(b, func(k int) {
			ad.Grad(stepBatchErr(xs[k%4], ts[k%4]), net, &g)
			adam.Step(&net, g)
		})
	})
	b.Run("adam64/cell", func(b *testing.B) { benchCellSteps(b, "testdata/cellstep_adam.txt") })
}

// stepRandNet returns the 784-300-100-10 network of the cells with weights
// and biases drawn uniformly from [-0.5, 0.5) by rng.
func stepRandNet(rng *rand.Rand) stepNet {
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
	return stepNet{layer(784, 300), layer(300, 100), layer(100, 10)}
}

// benchCompiledSteps runs step(k) for k = 0, 1 untimed, as the cells do
// before their timed steps, then for k = 0 .. b.N-1, reporting the process
// CPU time per step beside the wall time.
func benchCompiledSteps(b *testing.B, step func(k int)) {
	for k := 0; k < 2; k++ {
		step(k)
	}
	b.ReportAllocs()
	b.ResetTimer()
	m := cputime.Start()
	for k := 0; k < b.N; k++ {
		step(k)
	}
	m.Report(b, b.N)
}

// benchCellSteps runs the cells of file in a session, the last one timed
// with b.N steps, reporting the process CPU time per step beside the wall
// time.
func benchCellSteps(b *testing.B, file string) {
	s, loop := newCellStepSession(b, file, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	m := cputime.Start()
	if _, f := s.run(context.Background(), loop, 10); f != nil {
		b.Fatal(f)
	}
	m.Report(b, b.N)
}

func stepLayerBatch(l, x *ad.Var) *ad.Var {
	return ad.AddBias(ad.MatMul(ad.Field(l, "W"), x), ad.Field(l, "B"))
}

func stepBatchErr(x, targets *mat.Dense) func(n *ad.Var) *ad.Var {
	_, b := x.Dims()
	return func(n *ad.Var) *ad.Var {
		y1 := ad.Logistic(stepLayerBatch(ad.Field(n, "L1"), ad.Const(x)))
		y2 := ad.Logistic(stepLayerBatch(ad.Field(n, "L2"), y1))
		logits := stepLayerBatch(ad.Field(n, "L3"), y2)
		return ad.Scale(ad.SoftmaxCrossEntropy(logits, ad.Const(targets)), ad.Scalar(1/float64(b)))
	}
}
