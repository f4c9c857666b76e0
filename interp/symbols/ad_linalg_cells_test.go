package symbols_test

import (
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// A batch classifier written in notebook cells with the linear-algebra and
// neural-net ops (variadic Fill and Concat included), differentiated into a
// struct declared in the cell, compared with the same code compiled.
var linalgYaegiCells = []string{
	`import (
	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)`,
	`type Model struct {
	W1 *mat.Dense
	B1 *mat.VecDense
	W2 *mat.Dense
	B2 *mat.VecDense
}

func loss(x, t *mat.Dense) func(m *ad.Var) *ad.Var {
	return func(m *ad.Var) *ad.Var {
		h := ad.Logistic(ad.AddBias(ad.MatMul(ad.Field(m, "W1"), ad.Const(x)), ad.Field(m, "B1")))
		z := ad.Dense(ad.Field(m, "W2"), ad.Field(m, "B2"), h)
		reg := ad.Dot(ad.Concat(ad.TakeDiag(ad.Field(m, "W1")), ad.Field(m, "B2")), ad.Fill(ad.Scalar(0.01), 5))
		return ad.Add(ad.SoftmaxCrossEntropy(z, ad.Const(t)), reg)
	}
}`,
	`x := mat.NewDense(3, 4, []float64{0.1, 0.9, -0.4, 0.3, 0.5, -0.7, 0.2, 0.8, -0.6, 0.4, 1.0, -0.2})
t := mat.NewDense(2, 4, []float64{1, 0, 0, 1, 0, 1, 1, 0})
m := Model{
	W1: mat.NewDense(3, 3, []float64{0.2, -0.1, 0.4, 0.3, 0.5, -0.2, -0.3, 0.1, 0.6}),
	B1: mat.NewVecDense(3, []float64{0.1, -0.1, 0.05}),
	W2: mat.NewDense(2, 3, []float64{0.7, -0.4, 0.2, -0.5, 0.3, 0.9}),
	B2: mat.NewVecDense(2, []float64{0.02, -0.03}),
}
var g Model
l := ad.Grad(loss(x, t), m, &g).(float64)
sol := ad.Eval(func(a *ad.Var) *ad.Var { return ad.Solve(a, ad.Const(m.B1)) }, m.W1).(*mat.VecDense)`,
}

type linalgYaegiModel struct {
	W1 *mat.Dense
	B1 *mat.VecDense
	W2 *mat.Dense
	B2 *mat.VecDense
}

func TestLinalgYaegiNotebook(t *testing.T) {
	get := runYaegiCells(t, symbols.Symbols, linalgYaegiCells)

	x := mat.NewDense(3, 4, []float64{0.1, 0.9, -0.4, 0.3, 0.5, -0.7, 0.2, 0.8, -0.6, 0.4, 1.0, -0.2})
	tg := mat.NewDense(2, 4, []float64{1, 0, 0, 1, 0, 1, 1, 0})
	m := linalgYaegiModel{
		W1: mat.NewDense(3, 3, []float64{0.2, -0.1, 0.4, 0.3, 0.5, -0.2, -0.3, 0.1, 0.6}),
		B1: mat.NewVecDense(3, []float64{0.1, -0.1, 0.05}),
		W2: mat.NewDense(2, 3, []float64{0.7, -0.4, 0.2, -0.5, 0.3, 0.9}),
		B2: mat.NewVecDense(2, []float64{0.02, -0.03}),
	}
	loss := func(m *ad.Var) *ad.Var {
		h := ad.Logistic(ad.AddBias(ad.MatMul(ad.Field(m, "W1"), ad.Const(x)), ad.Field(m, "B1")))
		z := ad.Dense(ad.Field(m, "W2"), ad.Field(m, "B2"), h)
		reg := ad.Dot(ad.Concat(ad.TakeDiag(ad.Field(m, "W1")), ad.Field(m, "B2")), ad.Fill(ad.Scalar(0.01), 5))
		return ad.Add(ad.SoftmaxCrossEntropy(z, ad.Const(tg)), reg)
	}
	var g linalgYaegiModel
	l := ad.Grad(loss, m, &g).(float64)
	if res := ad.CheckGrad(func(xs []*ad.Var) *ad.Var { return loss(xs[0]) }, []any{m}, 0); res.MaxRelErr > 1e-6 {
		t.Fatalf("compiled gradient check: %v", res)
	}

	if got := get("l").(float64); got != l {
		t.Errorf("loss in the cell %v, compiled %v", got, l)
	}
	for _, c := range []struct {
		name string
		want mat.Matrix
	}{{"g.W1", g.W1}, {"g.B1", g.B1}, {"g.W2", g.W2}, {"g.B2", g.B2}} {
		got, ok := get(c.name).(mat.Matrix)
		if !ok || !mat.EqualApprox(got, c.want, 1e-15) {
			t.Errorf("%s in the cell %v, compiled %v", c.name, got, c.want)
		}
	}
	var want mat.VecDense
	if err := want.SolveVec(m.W1, m.B1); err != nil {
		t.Fatal(err)
	}
	if got := get("sol").(*mat.VecDense); !mat.EqualApprox(got, &want, 1e-12) {
		t.Errorf("Solve in the cell %v, want %v", got, &want)
	}
}
