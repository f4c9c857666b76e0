package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// ---- helpers shared by linalg_test.go and nn_test.go ----------------------

func laRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// laRandVec returns a vector of length n with elements uniform in [lo, hi).
func laRandVec(rng *rand.Rand, n int, lo, hi float64) *mat.VecDense {
	v := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		v.SetVec(i, lo+(hi-lo)*rng.Float64())
	}
	return v
}

// laRandMat returns an r×c matrix with elements uniform in [lo, hi).
func laRandMat(rng *rand.Rand, r, c int, lo, hi float64) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, lo+(hi-lo)*rng.Float64())
		}
	}
	return m
}

// laWellConditioned returns a random n×n matrix with a dominant diagonal.
func laWellConditioned(rng *rand.Rand, n int) *mat.Dense {
	m := laRandMat(rng, n, n, -1, 1)
	for i := 0; i < n; i++ {
		m.Set(i, i, m.At(i, i)+float64(n)+1)
	}
	return m
}

// laReduce turns a value of any shape into a scalar with fixed random
// weights, so that CheckGrad exercises every component of an op's result
// with a different weight.
func laReduce(y *Var) *Var {
	switch v := y.val.(type) {
	case float64:
		return y
	case *mat.VecDense:
		return laInner(y, Const(laRandVec(laRng(99), v.Len(), -1, 1)))
	case *mat.Dense:
		r, c := v.Dims()
		return laInner(y, Const(laRandMat(laRng(99), r, c, -1, 1)))
	}
	panic("laReduce: " + describe(y.val))
}

type laGradCase struct {
	name string
	f    func(xs []*Var) *Var // may return any shape; reduced with laReduce
	in   func(rng *rand.Rand) []any
}

// laCheckCases checks every case's gradient against finite differences, and
// its second derivative (the gradient of ⟨∇f, v⟩ computed with Gradients)
// too, which exercises the Backward functions being differentiable.
func laCheckCases(t *testing.T, cases []laGradCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 3; seed++ {
				xs := tc.in(laRng(seed))
				f := func(v []*Var) *Var { return laReduce(tc.f(v)) }
				r := CheckGrad(f, xs, 0)
				if r.Checked == 0 || r.MaxRelErr > 1e-6 {
					t.Fatalf("seed %d: gradient: %v", seed, r)
				}
				laSecondOrder(t, seed, f, xs)
			}
		})
	}
}

// laSecondOrder checks the gradient of h(x) = Σₖ ⟨∂f/∂xₖ, wₖ⟩ (fixed
// random wₖ), computed by differentiating Gradients, against central finite
// differences of h computed from first-order gradients.
func laSecondOrder(t *testing.T, seed uint64, f func([]*Var) *Var, xs []any) {
	t.Helper()
	h := func(v []*Var) *Var {
		s := Scalar(0)
		for _, g := range Gradients(f(v), v...) {
			s = Add(s, laReduce(g))
		}
		return s
	}
	hval := func(xs []any) float64 {
		grads := make([]any, len(xs))
		dst := make([]any, len(xs))
		for i := range xs {
			dst[i] = &grads[i]
		}
		GradN(f, xs, dst)
		s := 0.0
		for _, g := range grads {
			s += laReduce(Const(g)).val.(float64)
		}
		return s
	}
	grads := make([]any, len(xs))
	dst := make([]any, len(xs))
	for i := range xs {
		dst[i] = &grads[i]
	}
	GradN(h, xs, dst)
	const eps = 1e-5
	for k := range xs {
		work := make([]any, len(xs))
		copy(work, xs)
		var get func(int) float64
		var set func(int, float64)
		var adAt func(int) float64
		n := 0
		switch x := xs[k].(type) {
		case float64:
			n = 1
			get = func(int) float64 { return x }
			set = func(_ int, v float64) { work[k] = v }
			adAt = func(int) float64 { return grads[k].(float64) }
		case *mat.VecDense:
			c := mat.VecDenseCopyOf(x)
			work[k] = c
			n = x.Len()
			get, set = c.AtVec, c.SetVec
			adAt = func(i int) float64 { return grads[k].(*mat.VecDense).AtVec(i) }
		case *mat.Dense:
			c := mat.DenseCopyOf(x)
			work[k] = c
			r, cols := x.Dims()
			n = r * cols
			get = func(i int) float64 { return c.At(i/cols, i%cols) }
			set = func(i int, v float64) { c.Set(i/cols, i%cols, v) }
			adAt = func(i int) float64 { return grads[k].(*mat.Dense).At(i/cols, i%cols) }
		}
		for i := 0; i < n; i++ {
			orig := get(i)
			set(i, orig+eps)
			fp := hval(work)
			set(i, orig-eps)
			fm := hval(work)
			set(i, orig)
			fd := (fp - fm) / (2 * eps)
			ad := adAt(i)
			if rel := math.Abs(ad-fd) / math.Max(1, math.Max(math.Abs(ad), math.Abs(fd))); !(rel < 1e-5) {
				t.Fatalf("seed %d: second derivative (Gradients) at input %d[%d]: ad %v, finite difference %v", seed, k, i, ad, fd)
			}
		}
	}
}

// laPanics runs f and returns the panic message ("" if it did not panic).
func laPanics(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			switch e := r.(type) {
			case string:
				msg = e
			case error:
				msg = e.Error()
			default:
				msg = "non-string panic"
			}
		}
	}()
	f()
	return ""
}

type laShapeCase struct {
	name string
	f    func()
	want string
}

func laCheckShapeErrors(t *testing.T, cases []laShapeCase) {
	t.Helper()
	for _, tc := range cases {
		msg := laPanics(tc.f)
		if msg == "" {
			t.Errorf("%s: no panic, want %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: panic %q, want it to contain %q", tc.name, msg, tc.want)
		}
	}
}

func vecC(xs ...float64) *Var { return Const(mat.NewVecDense(len(xs), xs)) }

func matC(r, c int, xs ...float64) *Var { return Const(mat.NewDense(r, c, xs)) }

func laVecEq(t *testing.T, name string, got any, want []float64, tol float64) {
	t.Helper()
	v, ok := got.(*mat.VecDense)
	if !ok || v.Len() != len(want) {
		t.Fatalf("%s: got %s, want vector(%d)", name, describe(got), len(want))
	}
	for i, w := range want {
		if math.Abs(v.AtVec(i)-w) > tol {
			t.Fatalf("%s: got %v, want %v", name, mat.Formatted(v.T()), want)
		}
	}
}

func laMatEq(t *testing.T, name string, got any, r, c int, want []float64, tol float64) {
	t.Helper()
	m, ok := got.(*mat.Dense)
	if !ok {
		t.Fatalf("%s: got %s, want matrix(%d×%d)", name, describe(got), r, c)
	}
	if gr, gc := m.Dims(); gr != r || gc != c {
		t.Fatalf("%s: got %s, want matrix(%d×%d)", name, describe(got), r, c)
	}
	if !mat.EqualApprox(m, mat.NewDense(r, c, want), tol) {
		t.Fatalf("%s: got\n%v\nwant %v", name, mat.Formatted(m), want)
	}
}

func laScalarEq(t *testing.T, name string, got any, want, tol float64) {
	t.Helper()
	f, ok := got.(float64)
	if !ok || math.Abs(f-want) > tol*math.Max(1, math.Abs(want)) {
		t.Fatalf("%s: got %v, want %v", name, got, want)
	}
}

// ---- values -----------------------------------------------------------------

func TestLinalgValues(t *testing.T) {
	a := matC(2, 2, 1, 2, 3, 4)
	b := matC(2, 3, 1, 0, 2, 0, 1, 1)
	laVecEq(t, "MatVec", MatVec(a, vecC(1, 1)).val, []float64{3, 7}, 0)
	laMatEq(t, "MatMul", MatMul(a, b).val, 2, 3, []float64{1, 2, 4, 3, 4, 10}, 0)
	laScalarEq(t, "Dot", Dot(vecC(1, 2, 3), vecC(4, 5, 6)).val, 32, 0)
	laMatEq(t, "Outer", Outer(vecC(1, 2), vecC(3, 4, 5)).val, 2, 3, []float64{3, 4, 5, 6, 8, 10}, 0)
	laMatEq(t, "T", T(b).val, 3, 2, []float64{1, 0, 0, 1, 2, 1}, 0)
	laScalarEq(t, "Sum vec", Sum(vecC(1, 2, 3.5)).val, 6.5, 0)
	laScalarEq(t, "Sum mat", Sum(b).val, 5, 0)
	laVecEq(t, "Fill vec", Fill(Scalar(2.5), 3).val, []float64{2.5, 2.5, 2.5}, 0)
	laMatEq(t, "Fill mat", Fill(Scalar(-1), 2, 1).val, 2, 1, []float64{-1, -1}, 0)
	laScalarEq(t, "Mean", Mean(b).val, 5.0/6, 1e-15)
	laScalarEq(t, "Norm1", Norm1(vecC(1, -2, 3)).val, 6, 0)
	laScalarEq(t, "Norm2", Norm2(vecC(3, -4)).val, 5, 1e-15)
	laScalarEq(t, "Norm2 mat", Norm2(a).val, math.Sqrt(30), 1e-15)
	laScalarEq(t, "Trace", Trace(a).val, 5, 0)
	laScalarEq(t, "Det", Det(a).val, -2, 1e-12)
	laScalarEq(t, "LogDet", LogDet(a).val, math.Log(2), 1e-12)
	laMatEq(t, "Inv", Inv(a).val, 2, 2, []float64{-2, 1, 1.5, -0.5}, 1e-12)
	laVecEq(t, "Solve vec", Solve(a, vecC(5, 11)).val, []float64{1, 2}, 1e-12)
	laMatEq(t, "Solve mat", Solve(a, matC(2, 2, 5, 1, 11, 3)).val, 2, 2, []float64{1, 1, 2, 0}, 1e-12)
	laMatEq(t, "Diag", Diag(vecC(1, 2)).val, 2, 2, []float64{1, 0, 0, 2}, 0)
	laVecEq(t, "TakeDiag", TakeDiag(a).val, []float64{1, 4}, 0)
	laVecEq(t, "Slice", Slice(vecC(1, 2, 3, 4), 1, 3).val, []float64{2, 3}, 0)
	laVecEq(t, "Concat", Concat(vecC(1), vecC(2, 3), vecC(4)).val, []float64{1, 2, 3, 4}, 0)
	laVecEq(t, "Row", Row(b, 1).val, []float64{0, 1, 1}, 0)
	laVecEq(t, "Col", Col(b, 2).val, []float64{2, 1}, 0)
	laMatEq(t, "AddBias", AddBias(b, vecC(10, 20)).val, 2, 3, []float64{11, 10, 12, 20, 21, 21}, 0)
	laVecEq(t, "AddBias vec", AddBias(vecC(1, 2), vecC(10, 20)).val, []float64{11, 22}, 0)
	laVecEq(t, "RowSums", RowSums(b).val, []float64{3, 2}, 0)
	laVecEq(t, "ColSums", ColSums(b).val, []float64{1, 1, 3}, 0)

	// Strided views as inputs: a column view and a sub-matrix.
	big := mat.NewDense(3, 4, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	sub := big.Slice(0, 2, 1, 3).(*mat.Dense) // [[2 3] [6 7]]
	col := big.ColView(0).(*mat.VecDense)     // [1 5 9]
	laVecEq(t, "MatVec view", MatVec(Const(sub), vecC(1, 1)).val, []float64{5, 13}, 0)
	laMatEq(t, "Outer view", Outer(Const(col), vecC(1, 2)).val, 3, 2, []float64{1, 2, 5, 10, 9, 18}, 0)
	laMatEq(t, "AddBias view", AddBias(Const(sub), vecC(1, 2)).val, 2, 2, []float64{3, 4, 8, 9}, 0)
	laVecEq(t, "RowSums view", RowSums(Const(sub)).val, []float64{5, 13}, 0)
	laVecEq(t, "Slice view", Slice(Const(col), 1, 3).val, []float64{5, 9}, 0)
}

func TestLinalgResultsDoNotAlias(t *testing.T) {
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	y := Slice(Const(x), 0, 3).val.(*mat.VecDense)
	y.SetVec(0, 100)
	if x.AtVec(0) != 1 {
		t.Fatal("Slice result shares storage with its input")
	}
	m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	r := Row(Const(m), 0).val.(*mat.VecDense)
	r.SetVec(0, 100)
	if m.At(0, 0) != 1 {
		t.Fatal("Row result shares storage with its input")
	}
}

// ---- gradients ----------------------------------------------------------------

// laInputs makes a generator of random inputs for a gradient case, one
// value from each of gs.
func laInputs(gs ...func(*rand.Rand) any) func(*rand.Rand) []any {
	return func(rng *rand.Rand) []any {
		out := make([]any, len(gs))
		for i, g := range gs {
			out[i] = g(rng)
		}
		return out
	}
}

func TestLinalgGradients(t *testing.T) {
	v := func(n int) func(*rand.Rand) any {
		return func(rng *rand.Rand) any { return laRandVec(rng, n, -1, 1) }
	}
	m := func(r, c int) func(*rand.Rand) any {
		return func(rng *rand.Rand) any { return laRandMat(rng, r, c, -1, 1) }
	}
	wc := func(n int) func(*rand.Rand) any {
		return func(rng *rand.Rand) any { return laWellConditioned(rng, n) }
	}
	ins := laInputs
	cases := []laGradCase{
		{"MatVec", func(x []*Var) *Var { return MatVec(x[0], x[1]) }, ins(m(3, 4), v(4))},
		{"MatVec const vector", func(x []*Var) *Var { return MatVec(x[0], Const(mat.NewVecDense(4, []float64{1, -2, 0.5, 3}))) }, ins(m(3, 4))},
		{"MatVec const matrix", func(x []*Var) *Var { return MatVec(matC(2, 3, 1, 2, 3, -4, 5, 6), x[0]) }, ins(v(3))},
		{"MatMul const left", func(x []*Var) *Var { return MatMul(matC(2, 3, 1, 2, 3, -4, 5, 6), x[0]) }, ins(m(3, 2))},
		{"MatMul const right", func(x []*Var) *Var { return MatMul(x[0], matC(3, 2, 1, 2, 3, -4, 5, 6)) }, ins(m(2, 3))},
		{"MatTVec", func(x []*Var) *Var { return matTVec(x[0], x[1]) }, ins(m(3, 4), v(3))},
		{"MatMul", func(x []*Var) *Var { return MatMul(x[0], x[1]) }, ins(m(3, 4), m(4, 2))},
		{"MatMulTN", func(x []*Var) *Var { return matMul(x[0], x[1], true, false) }, ins(m(4, 3), m(4, 2))},
		{"MatMulNT", func(x []*Var) *Var { return matMul(x[0], x[1], false, true) }, ins(m(3, 4), m(2, 4))},
		{"MatMulTT", func(x []*Var) *Var { return matMul(x[0], x[1], true, true) }, ins(m(4, 3), m(2, 4))},
		{"Dot", func(x []*Var) *Var { return Dot(x[0], x[1]) }, ins(v(5), v(5))},
		{"Dot self", func(x []*Var) *Var { return Dot(x[0], x[0]) }, ins(v(5))},
		{"Outer", func(x []*Var) *Var { return Outer(x[0], x[1]) }, ins(v(3), v(4))},
		{"T", func(x []*Var) *Var { return MatVec(T(x[0]), x[1]) }, ins(m(3, 4), v(3))},
		{"Sum vec", func(x []*Var) *Var { return Sum(Mul(x[0], x[0])) }, ins(v(4))},
		{"Sum mat", func(x []*Var) *Var { return Sum(Mul(x[0], x[0])) }, ins(m(2, 3))},
		{"Fill vec", func(x []*Var) *Var { return Mul(Fill(x[0], 3), x[1]) }, ins(func(r *rand.Rand) any { return r.Float64() }, v(3))},
		{"Fill mat", func(x []*Var) *Var { return Mul(Fill(Mul(x[0], x[0]), 2, 3), x[1]) }, ins(func(r *rand.Rand) any { return r.Float64() }, m(2, 3))},
		{"Mean vec", func(x []*Var) *Var { return Mean(Mul(x[0], x[0])) }, ins(v(4))},
		{"Mean mat", func(x []*Var) *Var { return Mean(Mul(x[0], x[0])) }, ins(m(3, 2))},
		{"Norm1 vec", func(x []*Var) *Var { return Norm1(x[0]) }, ins(v(5))},
		{"Norm1 mat", func(x []*Var) *Var { return Norm1(x[0]) }, ins(m(2, 3))},
		{"Norm2 vec", func(x []*Var) *Var { return Norm2(x[0]) }, ins(v(5))},
		{"Norm2 mat", func(x []*Var) *Var { return Norm2(x[0]) }, ins(m(2, 3))},
		{"Trace", func(x []*Var) *Var { return Trace(MatMul(x[0], x[0])) }, ins(m(3, 3))},
		{"Det", func(x []*Var) *Var { return Det(x[0]) }, ins(wc(3))},
		{"Det 1×1", func(x []*Var) *Var { return Det(x[0]) }, ins(wc(1))},
		{"LogDet", func(x []*Var) *Var { return LogDet(x[0]) }, ins(wc(4))},
		{"LogDet negative det", func(x []*Var) *Var { return LogDet(Neg(x[0])) }, ins(wc(3))},
		{"Inv", func(x []*Var) *Var { return Inv(x[0]) }, ins(wc(3))},
		{"Solve vec", func(x []*Var) *Var { return Solve(x[0], x[1]) }, ins(wc(3), v(3))},
		{"Solve mat", func(x []*Var) *Var { return Solve(x[0], x[1]) }, ins(wc(3), m(3, 2))},
		{"SolveT vec", func(x []*Var) *Var { return laSolve(x[0], x[1], true) }, ins(wc(3), v(3))},
		{"SolveT mat", func(x []*Var) *Var { return laSolve(x[0], x[1], true) }, ins(wc(3), m(3, 2))},
		{"Diag", func(x []*Var) *Var { return MatVec(Diag(x[0]), x[1]) }, ins(v(3), v(3))},
		{"TakeDiag", func(x []*Var) *Var { return TakeDiag(MatMul(x[0], x[0])) }, ins(m(3, 3))},
		{"Slice", func(x []*Var) *Var { return Mul(Slice(x[0], 1, 4), Slice(x[0], 2, 5)) }, ins(v(6))},
		{"Concat", func(x []*Var) *Var { return Mul(Concat(x[0], x[1], x[0]), Concat(x[1], x[0], x[0])) }, ins(v(2), v(2))},
		{"Row", func(x []*Var) *Var { return Mul(Row(x[0], 1), Row(x[0], 2)) }, ins(m(3, 4))},
		{"Col", func(x []*Var) *Var { return Mul(Col(x[0], 0), Col(x[0], 3)) }, ins(m(3, 4))},
		{"AddBias", func(x []*Var) *Var { return Mul(AddBias(x[0], x[1]), x[0]) }, ins(m(3, 4), v(3))},
		{"AddBias vec", func(x []*Var) *Var { return Mul(AddBias(x[0], x[1]), x[1]) }, ins(v(3), v(3))},
		{"RowSums", func(x []*Var) *Var { return Mul(RowSums(x[0]), RowSums(x[0])) }, ins(m(3, 4))},
		{"ColSums", func(x []*Var) *Var { return Mul(ColSums(x[0]), ColSums(x[0])) }, ins(m(3, 4))},
	}
	laCheckCases(t, cases)
}

func TestLinalgNorm2AtZero(t *testing.T) {
	var g *mat.VecDense
	y := Grad(func(x *Var) *Var { return Norm2(x) }, mat.NewVecDense(2, nil), &g)
	if y.(float64) != 0 || g.AtVec(0) != 0 || g.AtVec(1) != 0 {
		t.Fatalf("Norm2 at zero: value %v gradient %v, want 0 and zero subgradient", y, g)
	}
}

func TestLinalgSingular(t *testing.T) {
	sing := matC(2, 2, 1, 2, 2, 4)
	laCheckShapeErrors(t, []laShapeCase{
		{"Inv singular", func() { Inv(sing) }, "ad.Inv: matrix (2×2) is singular"},
		{"Solve singular", func() { Solve(sing, vecC(1, 1)) }, "ad.Solve: matrix (2×2) is singular"},
		{"Det grad singular", func() {
			var g *mat.Dense
			Grad(Det, mat.NewDense(2, 2, []float64{1, 2, 2, 4}), &g)
		}, "ad.Inv: matrix (2×2) is singular"},
	})
	if d := Det(sing).val.(float64); d != 0 {
		t.Fatalf("Det of singular = %v, want 0", d)
	}
	if ld := LogDet(sing).val.(float64); !math.IsInf(ld, -1) {
		t.Fatalf("LogDet of singular = %v, want -Inf", ld)
	}
}

func TestLinalgShapeErrors(t *testing.T) {
	v2, v3 := vecC(1, 2), vecC(1, 2, 3)
	m23, m22 := matC(2, 3, 1, 2, 3, 4, 5, 6), matC(2, 2, 1, 2, 3, 4)
	laCheckShapeErrors(t, []laShapeCase{
		{"MatVec shape", func() { MatVec(Const(mat.NewDense(300, 784, nil)), Const(mat.NewVecDense(100, nil))) }, "ad.MatVec: matrix is 300×784 but vector has length 100"},
		{"MatVec not matrix", func() { MatVec(v2, v2) }, "ad.MatVec: first argument is vector(2), not a matrix"},
		{"MatVec not vector", func() { MatVec(m23, m23) }, "ad.MatVec: second argument is matrix(2×3), not a vector"},
		{"MatMul shape", func() { MatMul(m23, m23) }, "ad.MatMul: first matrix is 2×3 but second is 2×3"},
		{"MatMul scalar", func() { MatMul(m23, Scalar(1)) }, "ad.MatMul: second argument is scalar, not a matrix"},
		{"Dot", func() { Dot(v2, v3) }, "ad.Dot: vectors have lengths 2 and 3"},
		{"Outer", func() { Outer(v2, m22) }, "ad.Outer: second argument is matrix(2×2), not a vector"},
		{"T", func() { T(v2) }, "ad.T: argument is vector(2), not a matrix"},
		{"Sum", func() { Sum(Const([]float64{1})) }, "ad.Sum: argument is []float64(1), not a vector or matrix"},
		{"Fill dims", func() { Fill(Scalar(1), 1, 2, 3) }, "ad.Fill: shape must be n (vector) or r, c (matrix), got 3 dimensions"},
		{"Fill zero", func() { Fill(Scalar(1), 0) }, "ad.Fill: dimensions must be positive"},
		{"Fill non-scalar", func() { Fill(v2, 2) }, "ad.Fill: argument is vector(2), not a scalar"},
		{"Mean", func() { Mean(Scalar(1)) }, "ad.Mean: argument is scalar, not a vector or matrix"},
		{"Norm1", func() { Norm1(Scalar(1)) }, "ad.Norm1: argument is scalar"},
		{"Norm2", func() { Norm2(Scalar(1)) }, "ad.Norm2: argument is scalar"},
		{"Trace", func() { Trace(m23) }, "ad.Trace: matrix is 2×3, not square"},
		{"Det", func() { Det(m23) }, "ad.Det: matrix is 2×3, not square"},
		{"LogDet", func() { LogDet(v2) }, "ad.LogDet: argument is vector(2), not a matrix"},
		{"Inv", func() { Inv(m23) }, "ad.Inv: matrix is 2×3, not square"},
		{"Solve vec", func() { Solve(m22, v3) }, "ad.Solve: matrix is 2×2 but vector has length 3"},
		{"Solve mat", func() { Solve(m22, T(m23)) }, "ad.Solve: matrix is 2×2 but right-hand side is 3×2"},
		{"Solve scalar", func() { Solve(m22, Scalar(1)) }, "ad.Solve: right-hand side is scalar, not a vector or matrix"},
		{"Diag", func() { Diag(m22) }, "ad.Diag: argument is matrix(2×2), not a vector"},
		{"TakeDiag", func() { TakeDiag(m23) }, "ad.TakeDiag: matrix is 2×3, not square"},
		{"Slice range", func() { Slice(v3, 1, 4) }, "ad.Slice: bounds [1:4] out of range for a vector of length 3"},
		{"Slice empty", func() { Slice(v3, 2, 2) }, "ad.Slice: bounds [2:2] out of range"},
		{"Slice neg", func() { Slice(v3, -1, 2) }, "ad.Slice: bounds [-1:2]"},
		{"Concat none", func() { Concat() }, "ad.Concat: no vectors"},
		{"Concat mat", func() { Concat(v2, m22) }, "ad.Concat: argument 1 is matrix(2×2), not a vector"},
		{"Row", func() { Row(m23, 2) }, "ad.Row: row 2 out of range for a 2×3 matrix"},
		{"Col", func() { Col(m23, -1) }, "ad.Col: column -1 out of range for a 2×3 matrix"},
		{"AddBias", func() { AddBias(m23, v3) }, "ad.AddBias: matrix is 2×3 but bias has length 3"},
		{"AddBias vec", func() { AddBias(v2, v3) }, "ad.AddBias: vector has length 2 but bias has length 3"},
		{"AddBias bias", func() { AddBias(m23, m22) }, "ad.AddBias: bias is matrix(2×2), not a vector"},
		{"RowSums", func() { RowSums(v2) }, "ad.RowSums: argument is vector(2), not a matrix"},
		{"ColSums", func() { ColSums(Scalar(2)) }, "ad.ColSums: argument is scalar, not a matrix"},
	})
}

// Ops inside a recorded computation report shape errors the same way.
func TestLinalgShapeErrorOnTape(t *testing.T) {
	msg := laPanics(func() {
		var g any
		Grad(func(w *Var) *Var { return Sum(MatVec(w, vecC(1, 2, 3))) }, mat.NewDense(2, 2, nil), &g)
	})
	if !strings.Contains(msg, "ad.MatVec: matrix is 2×2 but vector has length 3") {
		t.Fatalf("panic %q", msg)
	}
}

var laInnerOp *Op

func init() {
	laInnerOp = &Op{
		Name: "inner",
		Forward: func(in []any) any {
			checkSameShape("inner", in[0], in[1])
			switch a := in[0].(type) {
			case float64:
				return a * in[1].(float64)
			case *mat.VecDense:
				return mat.Dot(a, in[1].(*mat.VecDense))
			case *mat.Dense:
				b := in[1].(*mat.Dense)
				s := 0.0
				r, c := a.Dims()
				for i := 0; i < r; i++ {
					s += floats.Dot(a.RawRowView(i)[:c], b.RawRowView(i)[:c])
				}
				return s
			}
			panic(fmt.Sprintf("ad: internal error: inner product of %s", describe(in[0])))
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Scale(in[1], g), Scale(in[0], g)}
		},
	}
}

// laInner (for the tests) is the sum of the element-wise product of two values of the same
// shape (Frobenius inner product for matrices).
func laInner(a, b *Var) *Var { return Apply(laInnerOp, a, b) }
