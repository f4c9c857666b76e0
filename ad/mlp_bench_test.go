package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/internal/cputime"
)

// The MLP benchmark of backprop's MNIST sample: a 784-300-100-10 network
// with logistic hidden layers and a softmax + cross-entropy output, one SGD
// step (learning rate 0.02) on random non-zero data. A batch is a matrix
// whose columns are samples; the loss is summed over the batch.
//
//	manual      hand-derived backward pass with gonum, gradient then update
//	ad          the model written plainly with the library (Field, MatVec or
//	            MatMul+AddBias, Logistic, SoftmaxCrossEntropy, Grad)
//	hybrid      the same with the fused Dense layer op
//	session     the ad model's step with a Session (Session.Grad), which
//	            reuses the forward pass's storage from step to step
//	eval        forward pass (network output) with ad.Eval
//	evalhybrid  the same with the fused Dense layer op
//	evalsession the forward pass with Session.Eval
//	evalmanual  forward pass with gonum

const mlpLR = 0.02

var mlpSizes = [4]int{784, 300, 100, 10}

// mlpNet is the network's parameters, a plain struct differentiated by ad.
type mlpNet struct {
	W1, W2, W3 *mat.Dense
	B1, B2, B3 *mat.VecDense
}

func newMLPNet(seed uint64) *mlpNet {
	rng := rand.New(rand.NewPCG(seed, 1))
	u := func() float64 { return rng.Float64() - 0.5 }
	w := func(r, c int) *mat.Dense {
		d := make([]float64, r*c)
		for i := range d {
			d[i] = u()
		}
		return mat.NewDense(r, c, d)
	}
	b := func(n int) *mat.VecDense {
		d := make([]float64, n)
		for i := range d {
			d[i] = u()
		}
		return mat.NewVecDense(n, d)
	}
	s := mlpSizes
	return &mlpNet{W1: w(s[1], s[0]), W2: w(s[2], s[1]), W3: w(s[3], s[2]), B1: b(s[1]), B2: b(s[2]), B3: b(s[3])}
}

// sgd applies n −= lr·g in place (shared by every mode, so the update costs
// the same everywhere).
func (n *mlpNet) sgd(g *mlpNet, lr float64) {
	for _, p := range [][2]*mat.Dense{{n.W1, g.W1}, {n.W2, g.W2}, {n.W3, g.W3}} {
		floats.AddScaled(p[0].RawMatrix().Data, -lr, p[1].RawMatrix().Data)
	}
	for _, p := range [][2]*mat.VecDense{{n.B1, g.B1}, {n.B2, g.B2}, {n.B3, g.B3}} {
		floats.AddScaled(p[0].RawVector().Data, -lr, p[1].RawVector().Data)
	}
}

// mlpData returns an input (a vector for batch 1, else 784×batch) with
// elements in [0.01, 1) and a one-hot target of the same layout.
func mlpData(batch int, seed uint64) (x, t any) {
	rng := rand.New(rand.NewPCG(seed, 2))
	xd := make([]float64, mlpSizes[0]*batch)
	for i := range xd {
		xd[i] = 0.01 + 0.99*rng.Float64()
	}
	td := make([]float64, mlpSizes[3]*batch)
	for j := 0; j < batch; j++ {
		td[rng.IntN(mlpSizes[3])*batch+j] = 1
	}
	if batch == 1 {
		return mat.NewVecDense(mlpSizes[0], xd), mat.NewVecDense(mlpSizes[3], td)
	}
	return mat.NewDense(mlpSizes[0], batch, xd), mat.NewDense(mlpSizes[3], batch, td)
}

// ---- ad ----------------------------------------------------------------------

// mlpLayer is one affine layer written plainly: W·x + b, or W·X + b·1ᵀ for
// a batch.
func mlpLayer(w, b, x *Var) *Var {
	if _, ok := x.Value().(*mat.Dense); ok {
		return AddBias(MatMul(w, x), b)
	}
	return Add(MatVec(w, x), b)
}

// mlpLogits runs the network on x and returns the output layer's logits.
func mlpLogits(n, x *Var, layer func(w, b, x *Var) *Var) *Var {
	h1 := Logistic(layer(Field(n, "W1"), Field(n, "B1"), x))
	h2 := Logistic(layer(Field(n, "W2"), Field(n, "B2"), h1))
	return layer(Field(n, "W3"), Field(n, "B3"), h2)
}

func mlpLoss(x, t any, layer func(w, b, x *Var) *Var) func(n *Var) *Var {
	xv, tv := Const(x), Const(t)
	return func(n *Var) *Var { return SoftmaxCrossEntropy(mlpLogits(n, xv, layer), tv) }
}

// ---- manual --------------------------------------------------------------------

// mlpManual holds the buffers of the hand-written forward and backward
// passes (allocated once, like a careful hand-written trainer would).
type mlpManual struct {
	batch          int
	z1, z2, z3     []float64 // pre-activations; z3 becomes the softmax
	h1, h2         []float64
	d1, d2, d3     []float64 // gradients of the pre-activations
	grad           *mlpNet
	colMax, colSum []float64
}

func newMLPManual(batch int) *mlpManual {
	s := mlpSizes
	m := &mlpManual{batch: batch}
	m.z1, m.h1, m.d1 = make([]float64, s[1]*batch), make([]float64, s[1]*batch), make([]float64, s[1]*batch)
	m.z2, m.h2, m.d2 = make([]float64, s[2]*batch), make([]float64, s[2]*batch), make([]float64, s[2]*batch)
	m.z3, m.d3 = make([]float64, s[3]*batch), make([]float64, s[3]*batch)
	m.colMax, m.colSum = make([]float64, batch), make([]float64, batch)
	m.grad = &mlpNet{W1: mat.NewDense(s[1], s[0], nil), W2: mat.NewDense(s[2], s[1], nil), W3: mat.NewDense(s[3], s[2], nil),
		B1: mat.NewVecDense(s[1], nil), B2: mat.NewVecDense(s[2], nil), B3: mat.NewVecDense(s[3], nil)}
	return m
}

func rawOf(x any) []float64 {
	switch x := x.(type) {
	case *mat.VecDense:
		return x.RawVector().Data
	case *mat.Dense:
		return x.RawMatrix().Data
	}
	panic("rawOf")
}

// affine computes z = W·a + b·1ᵀ for a (in×batch, row-major).
func (m *mlpManual) affine(z []float64, w *mat.Dense, b *mat.VecDense, a []float64) {
	r, c := w.Dims()
	n := m.batch
	bd := b.RawVector().Data
	for i := 0; i < r; i++ {
		row := z[i*n : (i+1)*n]
		for j := range row {
			row[j] = bd[i]
		}
	}
	if n == 1 {
		blas64.Gemv(blas.NoTrans, 1, w.RawMatrix(), blas64.Vector{N: c, Inc: 1, Data: a}, 1, blas64.Vector{N: r, Inc: 1, Data: z})
		return
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, w.RawMatrix(), blas64.General{Rows: c, Cols: n, Stride: n, Data: a}, 1, blas64.General{Rows: r, Cols: n, Stride: n, Data: z})
}

// logisticTo is the hand-written step's logistic: the same kernel as the
// library's (expkernel.go), so that ad/manual measures the library's
// overhead and not a difference of kernels.
func logisticTo(dst, src []float64) { logisticInto(dst, src) }

// forward runs the network, leaving the softmax output in z3.
func (m *mlpManual) forward(n *mlpNet, x []float64) {
	m.affine(m.z1, n.W1, n.B1, x)
	logisticTo(m.h1, m.z1)
	m.affine(m.z2, n.W2, n.B2, m.h1)
	logisticTo(m.h2, m.z2)
	m.affine(m.z3, n.W3, n.B3, m.h2)
	// Column-wise softmax of z3 (10×batch).
	b := m.batch
	for j := range m.colMax {
		m.colMax[j] = math.Inf(-1)
		m.colSum[j] = 0
	}
	for i := 0; i < mlpSizes[3]; i++ {
		for j, v := range m.z3[i*b : (i+1)*b] {
			m.colMax[j] = math.Max(m.colMax[j], v)
		}
	}
	for i := 0; i < mlpSizes[3]; i++ {
		row := m.z3[i*b : (i+1)*b]
		for j, v := range row {
			e := math.Exp(v - m.colMax[j])
			row[j] = e
			m.colSum[j] += e
		}
	}
	for i := 0; i < mlpSizes[3]; i++ {
		row := m.z3[i*b : (i+1)*b]
		for j := range row {
			row[j] /= m.colSum[j]
		}
	}
}

// outerTo writes u·vᵀ (or U·Vᵀ for batches) into g.
func (m *mlpManual) weightGrad(g *mat.Dense, d, a []float64) {
	r, c := g.Dims()
	gd := g.RawMatrix().Data
	if m.batch == 1 {
		for i := 0; i < r; i++ {
			floats.ScaleTo(gd[i*c:(i+1)*c], d[i], a)
		}
		return
	}
	n := m.batch
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, blas64.General{Rows: r, Cols: n, Stride: n, Data: d},
		blas64.General{Rows: c, Cols: n, Stride: n, Data: a}, 0, g.RawMatrix())
}

func (m *mlpManual) biasGrad(g *mat.VecDense, d []float64) {
	gd := g.RawVector().Data
	n := m.batch
	for i := range gd {
		gd[i] = floats.Sum(d[i*n : (i+1)*n])
	}
}

// backDelta computes dPrev = (Wᵀ·d) ∘ h ∘ (1−h) for the previous layer.
func (m *mlpManual) backDelta(dPrev []float64, w *mat.Dense, d, h []float64) {
	r, c := w.Dims()
	n := m.batch
	if n == 1 {
		blas64.Gemv(blas.Trans, 1, w.RawMatrix(), blas64.Vector{N: r, Inc: 1, Data: d}, 0, blas64.Vector{N: c, Inc: 1, Data: dPrev})
	} else {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, w.RawMatrix(), blas64.General{Rows: r, Cols: n, Stride: n, Data: d},
			0, blas64.General{Rows: c, Cols: n, Stride: n, Data: dPrev})
	}
	for i, hv := range h {
		dPrev[i] *= hv * (1 - hv)
	}
}

// gradient computes the loss and its gradient with respect to n into m.grad.
func (m *mlpManual) gradient(n *mlpNet, x, t []float64) float64 {
	m.forward(n, x)
	loss := 0.0
	for i, p := range m.z3 {
		if t[i] != 0 {
			loss -= t[i] * math.Log(p)
		}
		m.d3[i] = p - t[i] // one-hot targets: Σt = 1 per sample
	}
	g := m.grad
	m.weightGrad(g.W3, m.d3, m.h2)
	m.biasGrad(g.B3, m.d3)
	m.backDelta(m.d2, n.W3, m.d3, m.h2)
	m.weightGrad(g.W2, m.d2, m.h1)
	m.biasGrad(g.B2, m.d2)
	m.backDelta(m.d1, n.W2, m.d2, m.h1)
	m.weightGrad(g.W1, m.d1, x)
	m.biasGrad(g.B1, m.d1)
	return loss
}

// ---- the test that makes the benchmark compare equal work ---------------------

func TestMLPGradientsAgree(t *testing.T) {
	for _, batch := range []int{1, 128} {
		t.Run(fmt.Sprintf("batch=%d", batch), func(t *testing.T) {
			net := newMLPNet(1)
			x, tg := mlpData(batch, 2)
			man := newMLPManual(batch)
			manLoss := man.gradient(net, rawOf(x), rawOf(tg))
			var s Session
			for _, mode := range []struct {
				name  string
				layer func(w, b, x *Var) *Var
				grad  func(f func(*Var) *Var, x, dx any) any
			}{{"ad", mlpLayer, Grad}, {"hybrid", Dense, Grad}, {"session", mlpLayer, s.Grad}, {"session again", mlpLayer, s.Grad}} {
				var g mlpNet
				loss := mode.grad(mlpLoss(x, tg, mode.layer), *net, &g).(float64)
				if math.Abs(loss-manLoss) > 1e-9*math.Max(1, math.Abs(manLoss)) {
					t.Fatalf("%s: loss %v, manual %v", mode.name, loss, manLoss)
				}
				for _, p := range []struct {
					name   string
					ad, mn mat.Matrix
				}{{"W1", g.W1, man.grad.W1}, {"W2", g.W2, man.grad.W2}, {"W3", g.W3, man.grad.W3},
					{"B1", g.B1, man.grad.B1}, {"B2", g.B2, man.grad.B2}, {"B3", g.B3, man.grad.B3}} {
					if mat.Norm(p.mn, 1) == 0 {
						t.Fatalf("manual gradient %s is zero: the test would compare nothing", p.name)
					}
					if !mat.EqualApprox(p.ad, p.mn, 1e-9) {
						var d mat.Dense
						d.Sub(p.ad, p.mn)
						t.Fatalf("%s: gradient %s differs from manual by up to %g", mode.name, p.name, mat.Norm(&d, math.Inf(1)))
					}
				}
			}
			// The forward passes agree too.
			for _, eval := range []func(f func(*Var) *Var, x any) any{Eval, s.Eval, s.Eval} {
				out := eval(func(n *Var) *Var { return Softmax(mlpLogits(n, Const(x), mlpLayer)) }, *net)
				if !mat.EqualApprox(out.(mat.Matrix), mat.NewDense(mlpSizes[3], batch, man.z3), 1e-12) {
					t.Fatal("eval output differs from the manual forward pass")
				}
			}
		})
	}
}

// TestMLPTrains checks that SGD steps with the ad gradient lower the loss on
// a fixed batch, as in the benchmark's step.
func TestMLPTrains(t *testing.T) {
	net := newMLPNet(3)
	x, tg := mlpData(16, 4)
	f := mlpLoss(x, tg, mlpLayer)
	var g mlpNet
	first := Grad(f, *net, &g).(float64)
	net.sgd(&g, mlpLR)
	last := first
	for i := 0; i < 20; i++ {
		last = Grad(f, *net, &g).(float64)
		net.sgd(&g, mlpLR)
	}
	if !(last < first/2) {
		t.Fatalf("loss went from %v to %v in 20 steps", first, last)
	}
}

// ---- the benchmark -------------------------------------------------------------------

// cpuLoop runs step b.N times (b.Loop) and reports the process CPU time per
// op as the extra metric "cpu-ns/op" (user+system time of all threads,
// including the garbage collector's), which other jobs on a shared machine
// disturb much less than wall time.
func cpuLoop(b *testing.B, step func()) {
	b.ReportAllocs()
	m := cputime.Start()
	n := 0
	for b.Loop() {
		step()
		n++
	}
	m.Report(b, n)
}

func BenchmarkMLP(b *testing.B) {
	for _, batch := range []int{1, 128} {
		x, tg := mlpData(batch, 2)
		xr, tr := rawOf(x), rawOf(tg)
		b.Run(fmt.Sprintf("batch=%d/manual", batch), func(b *testing.B) {
			net := newMLPNet(1)
			m := newMLPManual(batch)
			cpuLoop(b, func() {
				m.gradient(net, xr, tr)
				net.sgd(m.grad, mlpLR)
			})
		})
		for _, mode := range []struct {
			name  string
			layer func(w, b, x *Var) *Var
		}{{"ad", mlpLayer}, {"hybrid", Dense}} {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, mode.name), func(b *testing.B) {
				net := newMLPNet(1)
				f := mlpLoss(x, tg, mode.layer)
				var g mlpNet
				cpuLoop(b, func() {
					Grad(f, *net, &g)
					net.sgd(&g, mlpLR)
				})
			})
		}
		b.Run(fmt.Sprintf("batch=%d/session", batch), func(b *testing.B) {
			net := newMLPNet(1)
			f := mlpLoss(x, tg, mlpLayer)
			var g mlpNet
			var s Session
			cpuLoop(b, func() {
				s.Grad(f, *net, &g)
				net.sgd(&g, mlpLR)
			})
		})
		b.Run(fmt.Sprintf("batch=%d/eval", batch), func(b *testing.B) {
			net := newMLPNet(1)
			xv := Const(x)
			f := func(n *Var) *Var { return Softmax(mlpLogits(n, xv, mlpLayer)) }
			cpuLoop(b, func() { Eval(f, *net) })
		})
		b.Run(fmt.Sprintf("batch=%d/evalhybrid", batch), func(b *testing.B) {
			net := newMLPNet(1)
			xv := Const(x)
			f := func(n *Var) *Var { return Softmax(mlpLogits(n, xv, Dense)) }
			cpuLoop(b, func() { Eval(f, *net) })
		})
		b.Run(fmt.Sprintf("batch=%d/evalsession", batch), func(b *testing.B) {
			net := newMLPNet(1)
			xv := Const(x)
			f := func(n *Var) *Var { return Softmax(mlpLogits(n, xv, mlpLayer)) }
			var s Session
			cpuLoop(b, func() { s.Eval(f, *net) })
		})
		b.Run(fmt.Sprintf("batch=%d/evalmanual", batch), func(b *testing.B) {
			net := newMLPNet(1)
			m := newMLPManual(batch)
			cpuLoop(b, func() { m.forward(net, xr) })
		})
	}
}
