package interp

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/internal/cputime"
	"github.com/gopherprop/gopherprop/internal/testnet"
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

// TestCellStepNet4ReusesGradient runs notebook 4's step in cells (a []any
// of cell-declared layer types behind the Kind interface, trained by the
// notebook's trainSGD) and fails if a step allocates its weight gradients
// afresh: the *any destination keeps the []any of gradients it got on the
// first step, so the matrices in it must be written in place. It also
// checks the cells' gradient against the compiled twin's on the same
// parameters and, on a small network of the same kinds, against finite
// differences.
func TestCellStepNet4ReusesGradient(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a 784-300-100-10 network")
	}
	const steps = 50
	s, loop := newCellStepSession(t, "testdata/cellstep_net4.txt", steps)

	// trainSGD's allocation per step.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, f := s.run(context.Background(), loop, 20); f != nil {
		t.Fatal(f)
	}
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / steps
	// The smaller of the two large weight gradients (LowRank's V, 16×784);
	// ReLU's W (100×300) is larger.
	const weight = 16 * 784 * 8
	t.Logf("%.0f bytes allocated per cell step (LowRank's V gradient is %d bytes, ReLU's W %d)", perStep, weight, 100*300*8)
	if perStep > weight {
		t.Errorf("a cell step allocates %.0f bytes: a weight gradient (%d bytes or more) is allocated afresh instead of written into the *any destination", perStep, weight)
	}
	if c := s.value(t, `curves["low-rank/ReLU/softmax"]`).([]float64); len(c) != steps || !(c[steps-1] > 0) {
		t.Errorf("trainSGD's curve has %d losses, last %v", len(c), c[len(c)-1])
	}

	// The destination's matrices are reused from one step to the next, and
	// the gradient is the compiled twin's.
	cells := []string{`
rng2 := rand.New(rand.NewPCG(7, 0))
params2, run2 := mixed(rng2, []Kind{LowRank{Rank: 16}, ReLU{}, Softmax{}}, 784, 300, 100, 10)
var grad2 any
lossOf := func(k int) func(p *ad.Var) *ad.Var {
	return func(p *ad.Var) *ad.Var { return ad.CrossEntropy(run2(p, ad.Const(xs[k])), ad.Const(ts[k])) }
}
ad.Grad(lossOf(0), params2, &grad2)
w0, v0 := grad2.([]any)[1].(Layer).W, grad2.([]any)[0].(LowRankParams).V`, `
ad.Grad(lossOf(3), params2, &grad2)
reused := grad2.([]any)[1].(Layer).W == w0 && grad2.([]any)[0].(LowRankParams).V == v0`}
	for i, c := range cells {
		if _, f := s.run(context.Background(), c, 21+i); f != nil {
			t.Fatalf("%v\n%s", f, c)
		}
	}
	if !s.value(t, "reused").(bool) {
		t.Errorf("the second Grad into the same *any replaced its weight gradients")
	}
	rng := rand.New(rand.NewPCG(1, 0))
	xs, ts := stepSamples(rng)
	params, f := net4Mixed(rand.New(rand.NewPCG(7, 0)), []net4Kind{net4LowRank{Rank: 16}, net4ReLU{}, net4Softmax{}}, 784, 300, 100, 10)
	var want any
	ad.Grad(func(p *ad.Var) *ad.Var { return ad.CrossEntropy(f(p, ad.Const(xs[3])), ad.Const(ts[3])) }, params, &want)
	got := s.value(t, "grad2").([]any)
	for i, pair := range [][2]string{{"U", "U"}, {"V", "V"}, {"B", "B"}} {
		_ = i
		g := reflectField(t, got[0], pair[0])
		w := reflectField(t, want.([]any)[0], pair[1])
		if !mat.EqualApprox(g, w, 1e-12) {
			t.Errorf("LowRank's ∂/∂%s differs from the compiled twin's", pair[0])
		}
	}
	for l := 1; l < 3; l++ {
		for _, name := range []string{"W", "B"} {
			if g, w := reflectField(t, got[l], name), reflectField(t, want.([]any)[l], name); !mat.EqualApprox(g, w, 1e-12) {
				t.Errorf("layer %d's ∂/∂%s differs from the compiled twin's", l, name)
			}
		}
	}

	// Finite differences through the cells' types, on a small network.
	check := `
rng3 := rand.New(rand.NewPCG(3, 0))
params3, run3 := mixed(rng3, []Kind{LowRank{Rank: 3}, ReLU{}, Softmax{}}, 12, 9, 7, 10)
x3 := mat.NewVecDense(12, nil)
for i := 0; i < 12; i++ {
	x3.SetVec(i, rng3.Float64())
}
fd := ad.CheckGrad(func(v []*ad.Var) *ad.Var {
	return ad.CrossEntropy(run3(v[0], ad.Const(x3)), ad.Const(ts[2]))
}, []any{params3}, 0)`
	if _, f := s.run(context.Background(), check, 23); f != nil {
		t.Fatalf("%v\n%s", f, check)
	}
	fd := s.value(t, "fd").(ad.CheckResult)
	if fd.Checked != 12*3+3*9+9+9*7+7+7*10+10 || fd.MaxRelErr > 1e-6 {
		t.Errorf("cell gradient against finite differences: %v", fd)
	}
}

// reflectField returns the matrix or vector field name of the struct v (a
// value of a cell-declared or compiled layer type).
func reflectField(t *testing.T, v any, name string) mat.Matrix {
	t.Helper()
	f := reflect.ValueOf(v).FieldByName(name)
	if !f.IsValid() {
		t.Fatalf("%T has no field %s", v, name)
	}
	m, ok := f.Interface().(mat.Matrix)
	if !ok || f.IsNil() {
		t.Fatalf("%T.%s is %v", v, name, f)
	}
	return m
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

// BenchmarkCellStep compares notebook 3's training steps run in cells with
// the same steps compiled (the baselines), in one run: the per-sample SGD
// step (sgd1) and the mini-batch Adam step (adam64, 64 columns), with the
// process CPU time per step beside the wall time.
func BenchmarkCellStep(b *testing.B) {
	b.Run("sgd1/compiled", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 0))
		net := stepRandNet(rng)
		xs, ts := stepSamples(rng)
		var g stepNet
		opt := ad.NewSGD(0.02)
		benchCompiledSteps(b, func(k int) {
			ad.Grad(testnet.NetErr(xs[k%16], ts[k%16]), net, &g)
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
	b.Run("net4/compiled", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 0))
		xs, ts := stepSamples(rng)
		params, f := net4Mixed(rng, []net4Kind{net4LowRank{Rank: 16}, net4ReLU{}, net4Softmax{}}, 784, 300, 100, 10)
		// trainSGD's state and step (the cells run trainSGD over all the
		// steps, so the first step's allocations are spread over b.N).
		opt := ad.NewSGD(0.02)
		var grad any
		var curve []float64
		benchCompiledSteps(b, func(k int) {
			x, y := xs[k%16], ts[k%16]
			loss := ad.Grad(func(p *ad.Var) *ad.Var {
				return ad.CrossEntropy(f(p, ad.Const(x)), ad.Const(y))
			}, params, &grad)
			opt.Step(params, grad)
			curve = append(curve, loss.(float64))
		})
	})
	b.Run("net4/cell", func(b *testing.B) { benchCellSteps(b, "testdata/cellstep_net4.txt") })
}

// stepSamples returns the cells' 16 random samples of MNIST's shape drawn
// by rng: input vectors in [0, 1) and one-hot targets.
func stepSamples(rng *rand.Rand) (xs, ts []*mat.VecDense) {
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
	return xs, ts
}

// stepRandNet returns the 784-300-100-10 network of the cells with weights
// and biases drawn uniformly from [-0.5, 0.5) by rng.
func stepRandNet(rng *rand.Rand) stepNet {
	layer := func(in, out int) stepLayer {
		w, b := testnet.UniformLayer(rng, in, out)
		return stepLayer{w, b}
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
// time. The garbage collector keeps the worker's headroom
// (keepGCHeadroom), as in the kernel.
func benchCellSteps(b *testing.B, file string) {
	defer keepGCHeadroom(gcHeadroom)()
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

// The compiled equivalent of notebook 4's cells (testdata/cellstep_net4.txt),
// with the kinds its network uses (the cells also declare Logistic).

type net4Run func(params, x *ad.Var) *ad.Var

type net4Kind interface {
	New(rng *rand.Rand, in, out int) any
	Run(p, x *ad.Var) *ad.Var
}

type net4ReLU struct{}
type net4LowRank struct{ Rank int }
type net4Softmax struct{}

type net4LowRankParams struct {
	U *mat.Dense
	V *mat.Dense
	B *mat.VecDense
}

func net4UniformLayer(rng *rand.Rand, in, out int) stepLayer {
	w, b := testnet.UniformLayer(rng, in, out)
	return stepLayer{W: w, B: b}
}

func (net4ReLU) New(rng *rand.Rand, in, out int) any {
	l := net4UniformLayer(rng, in, out)
	l.W.Scale(0.1, l.W)
	return l
}
func (net4ReLU) Run(p, x *ad.Var) *ad.Var { return ad.ReLU(testnet.RunLayer(p, x)) }

func (k net4LowRank) New(rng *rand.Rand, in, out int) any {
	u := net4UniformLayer(rng, k.Rank, out)
	v := net4UniformLayer(rng, in, k.Rank)
	return net4LowRankParams{U: u.W, V: v.W, B: u.B}
}
func (net4LowRank) Run(p, x *ad.Var) *ad.Var {
	vx := ad.MatVec(ad.Field(p, "V"), x)
	return ad.Logistic(ad.Add(ad.MatVec(ad.Field(p, "U"), vx), ad.Field(p, "B")))
}

func (net4Softmax) New(rng *rand.Rand, in, out int) any { return net4UniformLayer(rng, in, out) }
func (net4Softmax) Run(p, x *ad.Var) *ad.Var            { return ad.Softmax(testnet.RunLayer(p, x)) }

func net4Mixed(rng *rand.Rand, kinds []net4Kind, sizes ...int) ([]any, net4Run) {
	var params []any
	for i, k := range kinds {
		params = append(params, k.New(rng, sizes[i], sizes[i+1]))
	}
	f := func(p, x *ad.Var) *ad.Var {
		ps := ad.Split(p)
		for i, k := range kinds {
			x = k.Run(ps[i], x)
		}
		return x
	}
	return params, f
}
