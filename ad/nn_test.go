package ad

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestNNValues(t *testing.T) {
	x := vecC(1, 2, 3)
	e1, e2, e3 := math.Exp(1), math.Exp(2), math.Exp(3)
	s := e1 + e2 + e3
	laVecEq(t, "Softmax", Softmax(x).val, []float64{e1 / s, e2 / s, e3 / s}, 1e-15)
	laVecEq(t, "LogSoftmax", LogSoftmax(x).val, []float64{1 - math.Log(s), 2 - math.Log(s), 3 - math.Log(s)}, 1e-14)

	// Huge logits stay finite (a naive exp overflows).
	big := vecC(1000, 1001, 999)
	sm := Softmax(big).val.(*mat.VecDense)
	ls := LogSoftmax(big).val.(*mat.VecDense)
	if math.Abs(mat.Sum(sm)-1) > 1e-15 || math.IsNaN(mat.Sum(ls)) || math.IsInf(mat.Sum(ls), 0) {
		t.Fatalf("unstable softmax: %v %v", sm, ls)
	}
	laScalarEq(t, "SoftmaxCrossEntropy stable", SoftmaxCrossEntropy(vecC(0, 2000), vecC(1, 0)).val, 2000, 1e-15)

	// A batch works column by column.
	rng := laRng(3)
	xb := laRandMat(rng, 4, 5, -3, 3)
	tb := laRandMat(rng, 4, 5, 0, 1)
	smb := Softmax(Const(xb)).val.(*mat.Dense)
	lsb := LogSoftmax(Const(xb)).val.(*mat.Dense)
	ceSum := 0.0
	for j := 0; j < 5; j++ {
		col := Const(mat.VecDenseCopyOf(xb.ColView(j)))
		tc := Const(mat.VecDenseCopyOf(tb.ColView(j)))
		laVecEq(t, "Softmax column", Const(mat.VecDenseCopyOf(smb.ColView(j))).val, rawVecOf(Softmax(col)), 1e-15)
		laVecEq(t, "LogSoftmax column", Const(mat.VecDenseCopyOf(lsb.ColView(j))).val, rawVecOf(LogSoftmax(col)), 1e-14)
		ceSum += SoftmaxCrossEntropy(col, tc).val.(float64)
	}
	laScalarEq(t, "SoftmaxCrossEntropy batch = sum of samples", SoftmaxCrossEntropy(Const(xb), Const(tb)).val, ceSum, 1e-13)

	// The fused loss equals its definition.
	for _, c := range []struct{ x, t *Var }{
		{vecC(0.5, -1, 2, 0.1), vecC(0, 0, 1, 0)},
		{vecC(0.5, -1, 2, 0.1), vecC(0.2, 0.3, 0.1, 0.4)},
		{Const(xb), Const(tb)},
	} {
		want := CrossEntropy(Softmax(c.x), c.t).val.(float64)
		laScalarEq(t, "SoftmaxCrossEntropy = CrossEntropy(Softmax)", SoftmaxCrossEntropy(c.x, c.t).val, want, 1e-13)
	}

	// CrossEntropy: 0·log 0 counts as 0.
	laScalarEq(t, "CrossEntropy", CrossEntropy(vecC(0.25, 0.75, 0), vecC(1, 0, 0)).val, math.Log(4), 1e-15)
	laScalarEq(t, "SquaredError", SquaredError(vecC(1, 2), vecC(4, 6)).val, 25, 0)
	laScalarEq(t, "SquaredError mat", SquaredError(matC(1, 2, 1, 2), matC(1, 2, 0, 0)).val, 5, 0)

	w := matC(2, 3, 1, 2, 3, 4, 5, 6)
	b := vecC(10, 20)
	laVecEq(t, "Dense vec", Dense(w, b, vecC(1, 0, -1)).val, []float64{8, 18}, 0)
	laMatEq(t, "Dense batch", Dense(w, b, matC(3, 2, 1, 0, 0, 1, -1, 0)).val, 2, 2, []float64{8, 12, 18, 25}, 0)
	// Dense agrees with MatVec + Add / MatMul + AddBias, also on strided views.
	xs := laRandMat(rng, 6, 7, -1, 1)
	wv := xs.Slice(1, 3, 0, 3).(*mat.Dense)
	xv := xs.Slice(0, 3, 3, 7).(*mat.Dense)
	laMatEq(t, "Dense views", Dense(Const(wv), b, Const(xv)).val, 2, 4, rawMatOf(AddBias(MatMul(Const(wv), Const(xv)), b)), 1e-14)
	col := xs.ColView(2).(*mat.VecDense).SliceVec(0, 3).(*mat.VecDense)
	laVecEq(t, "Dense vec view", Dense(Const(wv), b, Const(col)).val, rawVecOf(Add(MatVec(Const(wv), Const(col)), b)), 1e-14)
}

func rawVecOf(v *Var) []float64 { return mat.VecDenseCopyOf(v.Vec()).RawVector().Data }

func rawMatOf(v *Var) []float64 { return mat.DenseCopyOf(v.Mat()).RawMatrix().Data }

func TestNNGradients(t *testing.T) {
	v := func(n int, lo, hi float64) func(*rand.Rand) any {
		return func(rng *rand.Rand) any { return laRandVec(rng, n, lo, hi) }
	}
	m := func(r, c int, lo, hi float64) func(*rand.Rand) any {
		return func(rng *rand.Rand) any { return laRandMat(rng, r, c, lo, hi) }
	}
	ins := laInputs
	cases := []laGradCase{
		{"Softmax vec", func(x []*Var) *Var { return Softmax(x[0]) }, ins(v(5, -2, 2))},
		{"Softmax batch", func(x []*Var) *Var { return Softmax(x[0]) }, ins(m(4, 3, -2, 2))},
		{"LogSoftmax vec", func(x []*Var) *Var { return LogSoftmax(x[0]) }, ins(v(5, -2, 2))},
		{"LogSoftmax batch", func(x []*Var) *Var { return LogSoftmax(x[0]) }, ins(m(4, 3, -2, 2))},
		{"CrossEntropy vec", func(x []*Var) *Var { return CrossEntropy(x[0], x[1]) }, ins(v(4, 0.1, 1), v(4, 0, 1))},
		{"CrossEntropy batch", func(x []*Var) *Var { return CrossEntropy(x[0], x[1]) }, ins(m(3, 4, 0.1, 1), m(3, 4, 0, 1))},
		{"SoftmaxCrossEntropy vec", func(x []*Var) *Var { return SoftmaxCrossEntropy(x[0], x[1]) }, ins(v(5, -2, 2), v(5, 0, 1))},
		{"SoftmaxCrossEntropy batch", func(x []*Var) *Var { return SoftmaxCrossEntropy(x[0], x[1]) }, ins(m(4, 3, -2, 2), m(4, 3, 0, 1))},
		{"SquaredError vec", func(x []*Var) *Var { return SquaredError(x[0], x[1]) }, ins(v(4, -1, 1), v(4, -1, 1))},
		{"SquaredError mat", func(x []*Var) *Var { return SquaredError(x[0], x[1]) }, ins(m(2, 3, -1, 1), m(2, 3, -1, 1))},
		{"Dense vec", func(x []*Var) *Var { return Dense(x[0], x[1], x[2]) }, ins(m(3, 4, -1, 1), v(3, -1, 1), v(4, -1, 1))},
		{"Dense batch", func(x []*Var) *Var { return Dense(x[0], x[1], x[2]) }, ins(m(3, 4, -1, 1), v(3, -1, 1), m(4, 5, -1, 1))},
		{"CrossEntropy const target", func(x []*Var) *Var { return CrossEntropy(x[0], vecC(0, 1, 0)) }, ins(v(3, 0.1, 1))},
		{"CrossEntropy const prediction", func(x []*Var) *Var { return CrossEntropy(vecC(0.2, 0.5, 0.3), x[0]) }, ins(v(3, 0, 1))},
		{"SoftmaxCrossEntropy const target", func(x []*Var) *Var { return SoftmaxCrossEntropy(x[0], matC(2, 2, 1, 0, 0, 1)) }, ins(m(2, 2, -2, 2))},
		{"SoftmaxCrossEntropy const logits", func(x []*Var) *Var { return SoftmaxCrossEntropy(vecC(1, 2, 3), x[0]) }, ins(v(3, 0, 1))},
		{"Dense const input", func(x []*Var) *Var { return Dense(x[0], x[1], matC(4, 2, 1, 2, 3, 4, 5, 6, 7, 8)) }, ins(m(3, 4, -1, 1), v(3, -1, 1))},
		{"Dense const weights", func(x []*Var) *Var { return Dense(matC(2, 2, 1, 2, 3, 4), x[0], x[1]) }, ins(v(2, -1, 1), v(2, -1, 1))},
		{"Dense const bias", func(x []*Var) *Var { return Dense(x[0], vecC(1, 2), x[1]) }, ins(m(2, 2, -1, 1), m(2, 3, -1, 1))},
		{"layer chain", func(x []*Var) *Var {
			h := Softmax(Dense(x[0], x[1], x[2]))
			return SoftmaxCrossEntropy(MatVec(x[0], Slice(Concat(h, h), 1, 5)), x[3])
		}, ins(m(3, 4, -1, 1), v(3, -1, 1), v(4, -1, 1), v(3, 0, 1))},
	}
	laCheckCases(t, cases)
}

func TestNNCrossEntropyZeroProbability(t *testing.T) {
	// A zero probability where the target is zero: finite value and gradient.
	var g *mat.VecDense
	y := Grad(func(p *Var) *Var { return CrossEntropy(p, vecC(1, 0, 0)) }, mat.NewVecDense(3, []float64{0.5, 0.5, 0}), &g)
	laScalarEq(t, "value", y, math.Log(2), 1e-15)
	laVecEq(t, "gradient", g, []float64{-2, 0, 0}, 1e-15)
}

func TestNNSoftmaxCrossEntropyGradient(t *testing.T) {
	// For a one-hot target the gradient is softmax(x) − t.
	x := mat.NewVecDense(3, []float64{0.5, -1, 2})
	var g *mat.VecDense
	Grad(func(x *Var) *Var { return SoftmaxCrossEntropy(x, vecC(0, 1, 0)) }, x, &g)
	p := Softmax(Const(x)).val.(*mat.VecDense)
	laVecEq(t, "gradient", g, []float64{p.AtVec(0), p.AtVec(1) - 1, p.AtVec(2)}, 1e-15)
}

func TestNNShapeErrors(t *testing.T) {
	v2, v3 := vecC(1, 2), vecC(1, 2, 3)
	m23 := matC(2, 3, 1, 2, 3, 4, 5, 6)
	laCheckShapeErrors(t, []laShapeCase{
		{"Softmax", func() { Softmax(Scalar(1)) }, "ad.Softmax: argument is scalar, not a vector or matrix"},
		{"LogSoftmax", func() { LogSoftmax(Const([]float64{1})) }, "ad.LogSoftmax: argument is []float64(1), not a vector or matrix"},
		{"CrossEntropy", func() { CrossEntropy(v2, v3) }, "ad.CrossEntropy: shapes differ: vector(2) and vector(3)"},
		{"CrossEntropy scalar", func() { CrossEntropy(Scalar(1), Scalar(1)) }, "ad.CrossEntropy: prediction is scalar, not a vector or matrix"},
		{"SoftmaxCrossEntropy", func() { SoftmaxCrossEntropy(m23, v2) }, "ad.SoftmaxCrossEntropy: shapes differ: matrix(2×3) and vector(2)"},
		{"SquaredError", func() { SquaredError(v2, m23) }, "ad.SquaredError: shapes differ: vector(2) and matrix(2×3)"},
		{"Dense bias", func() { Dense(m23, v3, v3) }, "ad.Dense: weights are 2×3 but bias has length 3"},
		{"Dense input", func() { Dense(m23, v2, v2) }, "ad.Dense: weights are 2×3 but input vector has length 2"},
		{"Dense batch", func() { Dense(m23, v2, m23) }, "ad.Dense: weights are 2×3 but input batch is 2×3"},
		{"Dense scalar", func() { Dense(m23, v2, Scalar(1)) }, "ad.Dense: input is scalar, not a vector or matrix"},
		{"Dense weights", func() { Dense(v2, v2, v2) }, "ad.Dense: weights is vector(2), not a matrix"},
	})
}
