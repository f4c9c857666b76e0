package symbols_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// Notebook cells using the optimizers, Minimize, ParallelGrad, Hessian and
// Jacobian on a struct type declared in a cell (compiled code sees it as an
// anonymous struct and cannot convert it back to the cell's type).
var extrasCells = []string{
	`import (
	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)`,
	`type Model struct {
	W    *mat.Dense
	B    *mat.VecDense
	temp float64
}

func fit(x, y *mat.Dense, n int) func(p *ad.Var, i0, i1 int) *ad.Var {
	return func(p *ad.Var, i0, i1 int) *ad.Var {
		xs := ad.Const(x.Slice(0, 3, i0, i1))
		ys := ad.Const(y.Slice(0, 2, i0, i1))
		pred := ad.Scale(ad.Tanh(ad.AddBias(ad.MatMul(ad.Field(p, "W"), xs), ad.Field(p, "B"))), ad.Field(p, "temp"))
		return ad.Scale(ad.SquaredError(pred, ys), ad.Scalar(1/float64(n)))
	}
}

func rosen(x *ad.Var) *ad.Var {
	a, b := ad.Slice(x, 0, 1), ad.Slice(x, 1, 2)
	return ad.Sum(ad.Add(ad.Scale(ad.Square(ad.Sub(b, ad.Square(a))), ad.Scalar(100)), ad.Square(ad.Sub(ad.Scalar(1), a))))
}`,
	`x := mat.NewDense(3, 6, []float64{0.5, -1, 2, 0.1, 0.3, -0.7, 1, 0.2, -0.4, 0.6, -0.9, 0.8, -0.3, 0.7, 0.1, -1.2, 0.4, 0.9})
y := mat.NewDense(2, 6, []float64{0.2, -0.1, 0.4, 0.3, -0.5, 0.1, -0.3, 0.6, 0.2, -0.2, 0.1, 0.5})
m := Model{W: mat.NewDense(2, 3, []float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}), B: mat.NewVecDense(2, []float64{0.05, -0.05}), temp: 1.5}
f := fit(x, y, 6)
var g Model`,
	// One Adam step by hand: Grad into the cell's struct, Step in place.
	`opt := ad.NewAdam(0.01)
l0 := ad.ParallelGrad(f, m, 6, &g)
opt.Step(&m, g)
gW00, gTemp := g.W.At(0, 0), g.temp
w00, temp1 := m.W.At(0, 0), m.temp`,
	// Then Minimize continues with the same optimizer state.
	`losses := ad.Minimize(func(p *ad.Var) *ad.Var { return f(p, 0, 6) }, &m, opt, 50)
var nLosses int = len(losses)
var lastLoss float64 = losses[nLosses-1]
var w00b float64 = m.W.At(0, 0)
var tempb float64 = m.temp`,
	`h := ad.Hessian(rosen, mat.NewVecDense(2, []float64{-1.2, 1}))
h00, h01 := h.At(0, 0), h.At(0, 1)
j := ad.Jacobian(ad.Softmax, mat.NewVecDense(2, []float64{0, 0}))
j00 := j.At(0, 0)`,
}

// extrasModel is the compiled twin of the cell's Model.
type extrasModel struct {
	W    *mat.Dense
	B    *mat.VecDense
	Temp float64
}

func TestYaegiExtras(t *testing.T) {
	value := runYaegiCells(t, symbols.Symbols, extrasCells)
	get := func(name string) float64 {
		v := value(name)
		switch x := v.(type) {
		case float64:
			return x
		case int:
			return float64(x)
		}
		t.Fatalf("%s is %T", name, v)
		return 0
	}

	// The same computation, compiled.
	x := mat.NewDense(3, 6, []float64{0.5, -1, 2, 0.1, 0.3, -0.7, 1, 0.2, -0.4, 0.6, -0.9, 0.8, -0.3, 0.7, 0.1, -1.2, 0.4, 0.9})
	y := mat.NewDense(2, 6, []float64{0.2, -0.1, 0.4, 0.3, -0.5, 0.1, -0.3, 0.6, 0.2, -0.2, 0.1, 0.5})
	m := extrasModel{W: mat.NewDense(2, 3, []float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}), B: mat.NewVecDense(2, []float64{0.05, -0.05}), Temp: 1.5}
	f := func(p *ad.Var) *ad.Var {
		xs, ys := ad.Const(x), ad.Const(y)
		pred := ad.Scale(ad.Tanh(ad.AddBias(ad.MatMul(ad.Field(p, "W"), xs), ad.Field(p, "B"))), ad.Field(p, "Temp"))
		return ad.Scale(ad.SquaredError(pred, ys), ad.Scalar(1.0/6))
	}
	var g extrasModel
	l0 := ad.Grad(f, m, &g).(float64)
	opt := ad.NewAdam(0.01)
	opt.Step(&m, g)
	w00, temp1 := m.W.At(0, 0), m.Temp
	losses := ad.Minimize(f, &m, opt, 50)

	close := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: notebook %v, compiled %v", name, got, want)
		}
	}
	close("loss", get("l0"), l0)
	close("gradient W[0,0]", get("gW00"), g.W.At(0, 0))
	close("gradient temp", get("gTemp"), g.Temp)
	close("W[0,0] after one Adam step", get("w00"), w00)
	close("temp after one Adam step", get("temp1"), temp1)
	close("number of losses", get("nLosses"), 50)
	close("last loss", get("lastLoss"), losses[49])
	close("W[0,0] after Minimize", get("w00b"), m.W.At(0, 0))
	close("temp after Minimize", get("tempb"), m.Temp)
	if !(losses[49] < l0) {
		t.Errorf("loss did not decrease: %v → %v", l0, losses[49])
	}
	// Rosenbrock's Hessian at (−1.2, 1): [[1330, 480], [480, 200]].
	close("Hessian[0,0]", get("h00"), 2+1200*1.44-400)
	close("Hessian[0,1]", get("h01"), 480)
	close("softmax Jacobian[0,0]", get("j00"), 0.25)
}
