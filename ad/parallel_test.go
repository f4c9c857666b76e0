package ad

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// extMLP is a small two-layer network used by the parallel-gradient tests.
type extMLP struct {
	W1 *mat.Dense
	B1 *mat.VecDense
	W2 *mat.Dense
	B2 *mat.VecDense
	T  float64 // output temperature, a scalar parameter
}

func extRandMLP(rng *rand.Rand, in, hidden, out int) *extMLP {
	return &extMLP{W1: extRandDense(rng, hidden, in), B1: extRandVec(rng, hidden),
		W2: extRandDense(rng, out, hidden), B2: extRandVec(rng, out), T: 1.5}
}

// extBatchLoss returns the squared-error loss of the examples i0..i1-1
// (columns of x and y) divided by the whole batch size n, computed on the
// sub-batch as one matrix.
func extBatchLoss(x, y *mat.Dense, n int) func(p *Var, i0, i1 int) *Var {
	rows, _ := x.Dims()
	outs, _ := y.Dims()
	return func(p *Var, i0, i1 int) *Var {
		xs := Const(x.Slice(0, rows, i0, i1))
		h := Logistic(Dense(Field(p, "W1"), Field(p, "B1"), xs))
		o := Scale(Dense(Field(p, "W2"), Field(p, "B2"), h), Field(p, "T"))
		return Scale(SquaredError(o, Const(y.Slice(0, outs, i0, i1))), Scalar(1/float64(n)))
	}
}

// extExampleLoss is the same loss computed one example (vector) at a time.
func extExampleLoss(x, y *mat.Dense, n int) func(p *Var, i0, i1 int) *Var {
	return func(p *Var, i0, i1 int) *Var {
		w1, b1, w2, b2, temp := Field(p, "W1"), Field(p, "B1"), Field(p, "W2"), Field(p, "B2"), Field(p, "T")
		var sum *Var
		for i := i0; i < i1; i++ {
			h := Logistic(Dense(w1, b1, Const(mat.VecDenseCopyOf(x.ColView(i)))))
			o := Scale(Dense(w2, b2, h), temp)
			l := SquaredError(o, Const(mat.VecDenseCopyOf(y.ColView(i))))
			if sum == nil {
				sum = l
			} else {
				sum = Add(sum, l)
			}
		}
		return Scale(sum, Scalar(1/float64(n)))
	}
}

func extMLPData(rng *rand.Rand, in, out, n int) (x, y *mat.Dense) {
	return extRandDense(rng, in, n), extRandDense(rng, out, n)
}

func TestParallelGradEqualsSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	const n = 37
	x, y := extMLPData(rng, 5, 3, n)
	p := extRandMLP(rng, 5, 4, 3)
	for name, f := range map[string]func(p *Var, i0, i1 int) *Var{
		"batch":   extBatchLoss(x, y, n),
		"example": extExampleLoss(x, y, n),
	} {
		var serial extMLP
		want := Grad(func(q *Var) *Var { return f(q, 0, n) }, *p, &serial).(float64)
		for _, workers := range []int{1, 2, 3, 8, n, 100} {
			var par extMLP
			got := parallelGrad(f, *p, n, workers, &par)
			if d := extMaxRelDiff(mat.NewVecDense(1, []float64{got}), mat.NewVecDense(1, []float64{want})); d > 1e-13 {
				t.Fatalf("%s, %d workers: loss %v, serial %v", name, workers, got, want)
			}
			for _, c := range []struct {
				name string
				a, b mat.Matrix
			}{{"W1", par.W1, serial.W1}, {"B1", par.B1, serial.B1}, {"W2", par.W2, serial.W2}, {"B2", par.B2, serial.B2},
				{"T", mat.NewVecDense(1, []float64{par.T}), mat.NewVecDense(1, []float64{serial.T})}} {
				if d := extMaxRelDiff(c.a, c.b); d > 1e-13 {
					t.Fatalf("%s, %d workers: gradient of %s differs from the serial one by %g", name, workers, c.name, d)
				}
			}
			if mat.Norm(par.W1, 1) == 0 {
				t.Fatalf("%s: zero gradient", name)
			}
		}
		// The public entry point, into a *any destination; the result must
		// share nothing with later calls.
		var g any
		got := ParallelGrad(f, *p, n, &g)
		keep := mat.DenseCopyOf(g.(extMLP).W2)
		if d := extMaxRelDiff(g.(extMLP).W2, serial.W2); d > 1e-13 || got == 0 {
			t.Fatalf("%s: ParallelGrad into *any differs by %g", name, d)
		}
		other := *extRandMLP(rng, 5, 4, 3)
		for k := 0; k < 4; k++ {
			var g2 any
			ParallelGrad(f, other, n, &g2)
			parallelGrad(f, other, n, 2, nil)
		}
		if !mat.Equal(g.(extMLP).W2, keep) {
			t.Fatalf("%s: a gradient returned through *any was overwritten by later calls", name)
		}
	}
	// The gradient itself is right (finite differences on the serial form).
	r := CheckGrad(func(xs []*Var) *Var { return extBatchLoss(x, y, n)(xs[0], 0, n) }, []any{*p}, 0)
	if r.MaxRelErr > 1e-6 {
		t.Fatalf("gradient check: %v", r)
	}
}

func TestParallelGradReusesStorage(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	x, y := extMLPData(rng, 4, 2, 10)
	p := extRandMLP(rng, 4, 3, 2)
	var g extMLP
	f := extBatchLoss(x, y, 10)
	parallelGrad(f, *p, 10, 2, &g)
	w1 := g.W1
	first := mat.DenseCopyOf(g.W1)
	parallelGrad(f, *p, 10, 2, &g)
	if g.W1 != w1 {
		t.Fatal("the destination's matrices were not reused")
	}
	if !mat.Equal(first, g.W1) {
		t.Fatal("a second call accumulated instead of overwriting")
	}
}

func TestParallelGradScalarAndSlice(t *testing.T) {
	data := []float64{1, 2, 3, 4, 5, 6, 7}
	// f(a) = Σ a·dᵢ²  →  ∂f/∂a = Σ dᵢ² = 140.
	var da float64
	loss := parallelGrad(func(a *Var, i0, i1 int) *Var {
		s := 0.0
		for _, d := range data[i0:i1] {
			s += d * d
		}
		return Mul(a, Scalar(s))
	}, 2.0, len(data), 3, &da)
	if da != 140 || loss != 280 {
		t.Fatalf("scalar parameter: loss %v gradient %v, want 280 and 140", loss, da)
	}
	// A slice of vectors as parameters.
	ps := []*mat.VecDense{mat.NewVecDense(2, []float64{1, 2}), mat.NewVecDense(2, []float64{3, 4})}
	var gs []*mat.VecDense
	parallelGrad(func(p *Var, i0, i1 int) *Var {
		parts := Split(p)
		return Scale(Dot(parts[0], parts[1]), Scalar(float64(i1-i0)))
	}, ps, 5, 2, &gs)
	// ∂/∂p0 = 5·p1, ∂/∂p1 = 5·p0.
	if len(gs) != 2 || gs[0].AtVec(0) != 15 || gs[0].AtVec(1) != 20 || gs[1].AtVec(0) != 5 || gs[1].AtVec(1) != 10 {
		t.Fatalf("slice parameter gradient: %v %v", gs[0], gs[1])
	}
}

func TestParallelGradErrors(t *testing.T) {
	p := mat.NewVecDense(2, []float64{1, 2})
	sum := func(p *Var, i0, i1 int) *Var { return Sum(p) }
	extMustPanic(t, func() { ParallelGrad(sum, p, 0, nil) }, "ad.ParallelGrad", "0 examples")
	var wrong float64
	extMustPanic(t, func() { ParallelGrad(sum, p, 4, &wrong) }, "ad.ParallelGrad", "destination")
	extMustPanic(t, func() { parallelGrad(func(p *Var, i0, i1 int) *Var { return p }, p, 4, 2, nil) }, "ad.ParallelGrad", "scalar", "vector(2)")
	// A panic in one worker reaches the caller instead of crashing the process.
	msg := extMustPanic(t, func() {
		parallelGrad(func(p *Var, i0, i1 int) *Var {
			if i0 > 0 {
				panic(fmt.Sprintf("bad example %d", i0))
			}
			return Sum(p)
		}, p, 4, 2, nil)
	}, "bad example 2")
	if strings.Contains(msg, "goroutine") {
		t.Fatalf("unexpected message %q", msg)
	}
}

func TestParallelGradInterrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 3))
	x, y := extMLPData(rng, 4, 2, 10)
	p := extRandMLP(rng, 4, 3, 2)
	extCancelled(t)
	for _, w := range []int{1, 2, 4} {
		if !extInterrupted(func() { parallelGrad(extBatchLoss(x, y, 10), p, 10, w, nil) }) {
			t.Fatalf("%d workers: ParallelGrad did not stop with ErrInterrupted", w)
		}
	}
}

// TestParallelGradPooledBuffers checks that the workers' pooled gradient
// buffers carry nothing over between calls, also when the parameters of the
// same type change shape.
func TestParallelGradPooledBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	for _, sz := range [][3]int{{4, 3, 2}, {6, 5, 3}, {4, 3, 2}} {
		x, y := extMLPData(rng, sz[0], sz[2], 9)
		p := extRandMLP(rng, sz[0], sz[1], sz[2])
		f := extBatchLoss(x, y, 9)
		var serial, par extMLP
		Grad(func(q *Var) *Var { return f(q, 0, 9) }, *p, &serial)
		for k := 0; k < 3; k++ {
			parallelGrad(f, *p, 9, 3, &par)
			if d := extMaxRelDiff(par.W1, serial.W1); d > 1e-13 {
				t.Fatalf("sizes %v, call %d: W1 gradient differs from the serial one by %g", sz, k, d)
			}
			if d := extMaxRelDiff(par.B2, serial.B2); d > 1e-13 {
				t.Fatalf("sizes %v, call %d: B2 gradient differs from the serial one by %g", sz, k, d)
			}
		}
	}
}
