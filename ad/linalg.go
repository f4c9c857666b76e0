package ad

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Linear algebra on gonum values (hmatrix-backprop's set, adapted). Vectors
// are *mat.VecDense, matrices *mat.Dense. Every op checks the shapes of its
// inputs before calling gonum and panics with a message naming the op and
// the shapes involved. Results are freshly allocated and never share storage
// with the inputs. Every gradient is written with ad ops (Backward), so the
// ops can be differentiated twice (see Gradients), and the gradients of
// inputs that need none (Var.NeedsGrad: a constant data batch or target)
// are skipped, not computed and thrown away.

// ---- argument helpers ----------------------------------------------------

func laVecArg(op, what string, x any) *mat.VecDense {
	v, ok := x.(*mat.VecDense)
	if !ok || v == nil {
		panic(fmt.Sprintf("ad.%s: %s is %s, not a vector", op, what, describe(x)))
	}
	return v
}

func laMatArg(op, what string, x any) *mat.Dense {
	m, ok := x.(*mat.Dense)
	if !ok || m == nil {
		panic(fmt.Sprintf("ad.%s: %s is %s, not a matrix", op, what, describe(x)))
	}
	return m
}

func laScalarArg(op, what string, x any) float64 {
	f, ok := x.(float64)
	if !ok {
		panic(fmt.Sprintf("ad.%s: %s is %s, not a scalar", op, what, describe(x)))
	}
	return f
}

func laSquareArg(op string, x any) *mat.Dense {
	m := laMatArg(op, "argument", x)
	if r, c := m.Dims(); r != c {
		panic(fmt.Sprintf("ad.%s: matrix is %d×%d, not square", op, r, c))
	}
	return m
}

// vecOrMat panics unless x is a vector or a matrix.
func laVecOrMat(op, what string, x any) {
	switch v := x.(type) {
	case *mat.VecDense:
		if v != nil {
			return
		}
	case *mat.Dense:
		if v != nil {
			return
		}
	}
	panic(fmt.Sprintf("ad.%s: %s is %s, not a vector or matrix", op, what, describe(x)))
}

// rawVec returns the elements of v as a contiguous slice, copying only if v
// is a strided view.
func laRawVec(v *mat.VecDense) []float64 {
	raw := v.RawVector()
	if raw.Inc == 1 {
		return raw.Data[:v.Len()]
	}
	out := make([]float64, v.Len())
	for i := range out {
		out[i] = v.AtVec(i)
	}
	return out
}

// rows calls f with each row of m as a contiguous slice.
func laRows(m *mat.Dense, f func(i int, row []float64)) {
	raw := m.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		f(i, raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols])
	}
}

func laDims(m *mat.Dense) string {
	r, c := m.Dims()
	return fmt.Sprintf("%d×%d", r, c)
}

// ---- products --------------------------------------------------------------

// matVecOp computes op(A)·x where op(A) is A or Aᵀ.
func matVecOp(trans bool) *Op {
	name := "MatVec"
	if trans {
		name = "MatTVec"
	}
	return &Op{
		Name:    name,
		Forward: plainForward(matVecForward(trans)),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			a, x := in[0], in[1]
			var da, dx *Var
			if trans { // y = Aᵀx: dA = x gᵀ, dx = A g
				if a.NeedsGrad() {
					da = Outer(x, g)
				}
				if x.NeedsGrad() {
					dx = MatVec(a, g)
				}
			} else {
				if a.NeedsGrad() {
					da = Outer(g, x)
				}
				if x.NeedsGrad() {
					dx = matTVec(a, g)
				}
			}
			return []*Var{da, dx}
		},
	}
}

// matVecForward returns the forward function of op(A)·x.
func matVecForward(trans bool) forwardFunc {
	name := "MatVec"
	if trans {
		name = "MatTVec"
	}
	return func(b *fwdBufs, in []any) any {
		a := laMatArg(name, "first argument", in[0])
		x := laVecArg(name, "second argument", in[1])
		r, c := a.Dims()
		if trans {
			r, c = c, r
		}
		if x.Len() != c {
			if trans {
				panic(fmt.Sprintf("ad.%s: transposed matrix is %d×%d but vector has length %d", name, r, c, x.Len()))
			}
			panic(fmt.Sprintf("ad.%s: matrix is %d×%d but vector has length %d", name, r, c, x.Len()))
		}
		// BLAS directly: the result is fresh (or a buffer of b, which
		// shares no storage with the inputs), so none of MulVec's
		// overlap checks and receiver handling are needed.
		t := blas.NoTrans
		if trans {
			t = blas.Trans
		}
		if r == 0 {
			return &mat.VecDense{}
		}
		y := b.vec(r)
		if c > 0 {
			blas64.Gemv(t, 1, a.RawMatrix(), x.RawVector(), 0, y.RawVector())
		} else {
			y.Zero()
		}
		return y
	}
}

var matVecOpN, matVecOpT *Op

func init() {
	matVecOpN = matVecOp(false)
	matVecOpT = matVecOp(true)
}

// MatVec returns the matrix–vector product A·x. A is r×c, x has length c
// and the result has length r. It panics if A is not a matrix, x is not a
// vector, or the shapes do not match, e.g.
// "ad.MatVec: matrix is 300×784 but vector has length 100".
func MatVec(a, x *Var) *Var { return Apply(matVecOpN, a, x) }

// matTVec returns Aᵀ·x without forming Aᵀ.
func matTVec(a, x *Var) *Var { return Apply(matVecOpT, a, x) }

// matMulOps[ta][tb] compute op(A)·op(B), where op transposes its operand if
// the flag is set, using gonum's transposed views (no copies). The gradients
// of products are products with transposed operands.
var matMulOps [2][2]*Op

func init() {
	for ta := range 2 {
		for tb := range 2 {
			matMulOps[ta][tb] = newMatMulOp(ta == 1, tb == 1)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newMatMulOp(ta, tb bool) *Op {
	name := "MatMul"
	switch {
	case ta && tb:
		name = "MatMulTT"
	case ta:
		name = "MatMulTN"
	case tb:
		name = "MatMulNT"
	}
	return &Op{
		Name:    name,
		Forward: plainForward(matMulForward(name, ta, tb)),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			a, b := in[0], in[1]
			var da, db *Var
			switch {
			case !a.NeedsGrad():
			case ta: // dA = op(B)·Gᵀ
				da = matMul(b, g, tb, true)
			default: // dA = G·op(B)ᵀ
				da = matMul(g, b, false, !tb)
			}
			switch {
			case !b.NeedsGrad():
			case tb: // dB = Gᵀ·op(A)
				db = matMul(g, a, true, ta)
			default: // dB = op(A)ᵀ·G
				db = matMul(a, g, !ta, false)
			}
			return []*Var{da, db}
		},
	}
}

// matMulForward returns the forward function of op(A)·op(B).
func matMulForward(name string, ta, tb bool) forwardFunc {
	return func(bufs *fwdBufs, in []any) any {
		a := laMatArg(name, "first argument", in[0])
		b := laMatArg(name, "second argument", in[1])
		var av, bv mat.Matrix = a, b
		if ta {
			av = a.T()
		}
		if tb {
			bv = b.T()
		}
		ar, ac := av.Dims()
		br, bc := bv.Dims()
		if ac != br {
			panic(fmt.Sprintf("ad.%s: first matrix is %d×%d but second is %d×%d", name, ar, ac, br, bc))
		}
		c := bufs.dense(ar, bc)
		gemmInto(c, a, b, ta, tb)
		return c
	}
}

func matMul(a, b *Var, ta, tb bool) *Var {
	return Apply(matMulOps[b2i(ta)][b2i(tb)], a, b)
}

// MatMul returns the matrix product A·B. A is r×k, B is k×c and the result
// is r×c. It panics if either argument is not a matrix or the inner
// dimensions differ.
func MatMul(a, b *Var) *Var { return matMul(a, b, false, false) }

var outerOp *Op

func init() {
	outerOp = &Op{
		Name: "Outer",
		Forward: func(in []any) any {
			u := laVecArg("Outer", "first argument", in[0])
			v := laVecArg("Outer", "second argument", in[1])
			r, c := u.Len(), v.Len()
			data := make([]float64, r*c)
			vs := laRawVec(v)
			for i := 0; i < r; i++ {
				floats.ScaleTo(data[i*c:(i+1)*c], u.AtVec(i), vs)
			}
			return mat.NewDense(r, c, data)
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{MatVec(g, in[1]), matTVec(g, in[0])}
		},
	}
}

// Outer returns the outer product u·vᵀ of two vectors: an r×c matrix for
// lengths r and c. It panics if either argument is not a vector.
func Outer(u, v *Var) *Var { return Apply(outerOp, u, v) }

var dotOp *Op

func init() {
	dotOp = &Op{
		Name: "Dot",
		Forward: func(in []any) any {
			x := laVecArg("Dot", "first argument", in[0])
			y := laVecArg("Dot", "second argument", in[1])
			if x.Len() != y.Len() {
				panic(fmt.Sprintf("ad.Dot: vectors have lengths %d and %d", x.Len(), y.Len()))
			}
			return mat.Dot(x, y)
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Scale(in[1], g), Scale(in[0], g)}
		},
	}
}

// Dot returns the scalar product xᵀy of two vectors of the same length. It
// panics if the lengths differ or an argument is not a vector.
func Dot(x, y *Var) *Var { return Apply(dotOp, x, y) }

var transposeOp *Op

func init() {
	transposeOp = &Op{
		Name: "T",
		Forward: func(in []any) any {
			a := laMatArg("T", "argument", in[0])
			return mat.DenseCopyOf(a.T())
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{T(g)} },
	}
}

// T returns the transpose of the r×c matrix A as a new c×r matrix. Products
// with a transpose are better written without it where the library offers
// a fused form (the gradients of MatVec and MatMul use gonum's transposed
// views internally). It panics if A is not a matrix.
func T(a *Var) *Var { return Apply(transposeOp, a) }

// ---- reductions and broadcasts -------------------------------------------

var sumOp *Op

func init() {
	sumOp = &Op{
		Name: "Sum",
		Forward: func(in []any) any {
			switch x := in[0].(type) {
			case *mat.VecDense:
				if x != nil {
					return mat.Sum(x)
				}
			case *mat.Dense:
				if x != nil {
					return mat.Sum(x)
				}
			case float64:
				return x
			}
			panic(fmt.Sprintf("ad.Sum: argument is %s, not a vector or matrix", describe(in[0])))
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var { return []*Var{laFillLike(g, in[0].val)} },
	}
}

// Sum returns the sum of the elements of a vector or matrix as a scalar (a
// scalar is returned unchanged). It panics for other values.
func Sum(x *Var) *Var { return Apply(sumOp, x) }

// fillLike fills a value shaped like x with the scalar s.
func laFillLike(s *Var, x any) *Var {
	switch x := x.(type) {
	case *mat.VecDense:
		return Fill(s, x.Len())
	case *mat.Dense:
		r, c := x.Dims()
		return Fill(s, r, c)
	}
	return s
}

func fillOp(shape []int) *Op {
	return &Op{
		Name: "Fill",
		Forward: func(in []any) any {
			s := laScalarArg("Fill", "argument", in[0])
			if len(shape) == 1 {
				v := mat.NewVecDense(shape[0], nil)
				if s != 0 {
					raw := v.RawVector().Data
					for i := range raw {
						raw[i] = s
					}
				}
				return v
			}
			m := mat.NewDense(shape[0], shape[1], nil)
			if s != 0 {
				raw := m.RawMatrix().Data
				for i := range raw {
					raw[i] = s
				}
			}
			return m
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{Sum(g)} },
	}
}

// Fill returns a vector (one dimension n) or a matrix (two dimensions r, c)
// whose every element is the scalar s (hmatrix's konst). Its gradient with
// respect to s is the sum of the incoming gradient. It panics if s is not a
// scalar or the shape is not one or two positive dimensions.
func Fill(s *Var, shape ...int) *Var {
	if len(shape) < 1 || len(shape) > 2 {
		panic(fmt.Sprintf("ad.Fill: shape must be n (vector) or r, c (matrix), got %d dimensions", len(shape)))
	}
	for _, d := range shape {
		if d <= 0 {
			panic(fmt.Sprintf("ad.Fill: dimensions must be positive, got %v", shape))
		}
	}
	return Apply(fillOp(append([]int(nil), shape...)), s)
}

func laCount(x any) int {
	switch x := x.(type) {
	case *mat.VecDense:
		return x.Len()
	case *mat.Dense:
		r, c := x.Dims()
		return r * c
	}
	return 1
}

var meanOp *Op

func init() {
	meanOp = &Op{
		Name: "Mean",
		Forward: func(in []any) any {
			laVecOrMat("Mean", "argument", in[0])
			return sumOp.Forward(in).(float64) / float64(laCount(in[0]))
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{laFillLike(Scale(g, Scalar(1/float64(laCount(in[0].val)))), in[0].val)}
		},
	}
}

// Mean returns the mean of the elements of a vector or matrix. It panics
// for other values.
func Mean(x *Var) *Var { return Apply(meanOp, x) }

var norm1Op *Op

func init() {
	norm1Op = &Op{
		Name: "Norm1",
		Forward: func(in []any) any {
			laVecOrMat("Norm1", "argument", in[0])
			s := 0.0
			for _, v := range flat(in[0]) {
				s += math.Abs(v)
			}
			return s
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Scale(Const(mapValues(nil, "Norm1", in[0].val, signum)), g)}
		},
	}
}

// Norm1 returns the 1-norm Σ|xᵢ| of a vector, or the entrywise 1-norm
// Σ|aᵢⱼ| of a matrix (not the induced operator norm). At a zero element the
// gradient uses the subgradient 0. It panics for other values.
func Norm1(x *Var) *Var { return Apply(norm1Op, x) }

var norm2Op *Op

func init() {
	norm2Op = &Op{
		Name: "Norm2",
		Forward: func(in []any) any {
			laVecOrMat("Norm2", "argument", in[0])
			switch x := in[0].(type) {
			case *mat.VecDense:
				return mat.Norm(x, 2)
			default:
				return mat.Norm(x.(*mat.Dense), 2) // Frobenius
			}
		},
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			if out.val.(float64) == 0 {
				return []*Var{Const(zero(in[0].val))}
			}
			return []*Var{Scale(in[0], Div(g, out))}
		},
	}
}

// Norm2 returns the Euclidean norm √Σxᵢ² of a vector, or the Frobenius norm
// of a matrix (not the induced operator norm). Its gradient x/‖x‖ is taken
// as zero at x = 0. It panics for other values.
func Norm2(x *Var) *Var { return Apply(norm2Op, x) }

var rowSumsOp *Op

func init() {
	rowSumsOp = &Op{
		Name: "RowSums",
		Forward: func(in []any) any {
			m := laMatArg("RowSums", "argument", in[0])
			r, _ := m.Dims()
			out := make([]float64, r)
			laRows(m, func(i int, row []float64) { out[i] = floats.Sum(row) })
			return mat.NewVecDense(r, out)
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			_, c := in[0].val.(*mat.Dense).Dims()
			return []*Var{spreadCols(g, c)}
		},
	}
}

// RowSums returns the vector of the sums of each row of an r×c matrix
// (length r). It panics if m is not a matrix.
func RowSums(m *Var) *Var { return Apply(rowSumsOp, m) }

var colSumsOp *Op

func init() {
	colSumsOp = &Op{
		Name: "ColSums",
		Forward: func(in []any) any {
			m := laMatArg("ColSums", "argument", in[0])
			_, c := m.Dims()
			out := make([]float64, c)
			laRows(m, func(_ int, row []float64) { floats.Add(out, row) })
			return mat.NewVecDense(c, out)
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			r, _ := in[0].val.(*mat.Dense).Dims()
			return []*Var{spreadRows(g, r)}
		},
	}
}

// ColSums returns the vector of the sums of each column of an r×c matrix
// (length c). It panics if m is not a matrix.
func ColSums(m *Var) *Var { return Apply(colSumsOp, m) }

// spreadCols returns the r×c matrix whose every column is v (length r).
func spreadCols(v *Var, c int) *Var {
	return Apply(&Op{
		Name: "SpreadCols",
		Forward: func(in []any) any {
			x := laRawVec(laVecArg("SpreadCols", "argument", in[0]))
			m := mat.NewDense(len(x), c, nil)
			laRows(m, func(i int, row []float64) {
				for j := range row {
					row[j] = x[i]
				}
			})
			return m
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{RowSums(g)} },
	}, v)
}

// spreadRows returns the r×c matrix whose every row is v (length c).
func spreadRows(v *Var, r int) *Var {
	return Apply(&Op{
		Name: "SpreadRows",
		Forward: func(in []any) any {
			x := laRawVec(laVecArg("SpreadRows", "argument", in[0]))
			m := mat.NewDense(r, len(x), nil)
			laRows(m, func(_ int, row []float64) { copy(row, x) })
			return m
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{ColSums(g)} },
	}, v)
}

var addBiasOp *Op

func init() {
	addBiasOp = &Op{
		Name:    "AddBias",
		Forward: plainForward(addBiasForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			if _, ok := in[0].val.(*mat.VecDense); ok {
				return []*Var{g, g}
			}
			return []*Var{g, RowSums(g)}
		},
	}
}

// addBiasForward computes X + b·1ᵀ (x + b for a vector x) into storage
// from bufs.
func addBiasForward(bufs *fwdBufs, in []any) any {
	b := laVecArg("AddBias", "bias", in[1])
	if x, ok := in[0].(*mat.VecDense); ok && x != nil {
		if x.Len() != b.Len() {
			panic(fmt.Sprintf("ad.AddBias: vector has length %d but bias has length %d", x.Len(), b.Len()))
		}
		if x.Len() == 0 {
			return &mat.VecDense{}
		}
		y := bufs.vec(x.Len())
		y.AddVec(x, b)
		return y
	}
	x := laMatArg("AddBias", "first argument", in[0])
	r, c := x.Dims()
	if r != b.Len() {
		panic(fmt.Sprintf("ad.AddBias: matrix is %d×%d but bias has length %d", r, c, b.Len()))
	}
	out := bufs.dense(r, c)
	bs := laRawVec(b)
	xr := x.RawMatrix()
	od := out.RawMatrix().Data
	for i := 0; i < r; i++ {
		bi := bs[i]
		src := xr.Data[i*xr.Stride : i*xr.Stride+c]
		dst := od[i*c : (i+1)*c]
		for j, v := range src {
			dst[j] = v + bi
		}
	}
	return out
}

// AddBias adds the bias vector b (length r) to every column of the r×n
// batch matrix X (columns are samples): X + b·1ᵀ. For a vector X (a batch of
// one) it is X + b. Its gradient with respect to b is the row sums of the
// incoming gradient. It panics if the shapes do not match.
func AddBias(x, b *Var) *Var { return Apply(addBiasOp, x, b) }

// ---- square matrices -------------------------------------------------------

var traceOp *Op

func init() {
	traceOp = &Op{
		Name: "Trace",
		Forward: func(in []any) any {
			return mat.Trace(laSquareArg("Trace", in[0]))
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			n, _ := in[0].val.(*mat.Dense).Dims()
			return []*Var{Diag(Fill(g, n))}
		},
	}
}

// Trace returns the sum of the diagonal of a square matrix. It panics if A
// is not a square matrix.
func Trace(a *Var) *Var { return Apply(traceOp, a) }

// lu factorizes a square matrix, panicking if it is singular.
func laLuOf(op string, a *mat.Dense) *mat.LU {
	var lu mat.LU
	lu.Factorize(a)
	if _, sign := lu.LogDet(); sign == 0 {
		panic(fmt.Sprintf("ad.%s: matrix (%s) is singular", op, laDims(a)))
	}
	return &lu
}

func laCheckCond(op string, a *mat.Dense, err error) {
	if err == nil {
		return
	}
	if c, ok := err.(mat.Condition); ok && !math.IsInf(float64(c), 1) && !math.IsNaN(float64(c)) {
		return // ill-conditioned but solved; the result is as accurate as the data allows
	}
	panic(fmt.Sprintf("ad.%s: matrix (%s) is singular: %v", op, laDims(a), err))
}

var invOp *Op

func init() {
	invOp = &Op{
		Name: "Inv",
		Forward: func(in []any) any {
			a := laSquareArg("Inv", in[0])
			n, _ := a.Dims()
			lu := laLuOf("Inv", a)
			out := mat.NewDense(n, n, nil)
			eye := mat.NewDiagDense(n, nil)
			for i := 0; i < n; i++ {
				eye.SetDiag(i, 1)
			}
			laCheckCond("Inv", a, lu.SolveTo(out, false, eye))
			return out
		},
		Backward: func(g *Var, _ []*Var, out *Var) []*Var {
			// dA = −A⁻ᵀ·G·A⁻ᵀ
			return []*Var{Neg(matMul(matMul(out, g, true, false), out, false, true))}
		},
	}
}

// Inv returns the inverse of a square matrix. It panics if A is not square
// or is singular. An ill-conditioned matrix gives an inaccurate inverse;
// prefer Solve to multiplying by Inv.
func Inv(a *Var) *Var { return Apply(invOp, a) }

var detOp *Op

func init() {
	detOp = &Op{
		Name: "Det",
		Forward: func(in []any) any {
			return mat.Det(laSquareArg("Det", in[0]))
		},
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			// dA = g·det(A)·A⁻ᵀ
			return []*Var{Scale(T(Inv(in[0])), Mul(g, out))}
		},
	}
}

// Det returns the determinant of a square matrix. Its gradient det(A)·A⁻ᵀ
// needs the inverse: the backward pass panics if A is singular. It panics
// if A is not a square matrix.
func Det(a *Var) *Var { return Apply(detOp, a) }

var logDetOp *Op

func init() {
	logDetOp = &Op{
		Name: "LogDet",
		Forward: func(in []any) any {
			ld, _ := mat.LogDet(laSquareArg("LogDet", in[0]))
			return ld
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Scale(T(Inv(in[0])), g)}
		},
	}
}

// LogDet returns log|det A|, the logarithm of the absolute value of the
// determinant of a square matrix, computed from an LU factorization without
// overflow. It is −Inf for a singular matrix, whose gradient A⁻ᵀ does not
// exist (the backward pass panics). It panics if A is not square.
func LogDet(a *Var) *Var { return Apply(logDetOp, a) }

func solveOp(trans bool) *Op {
	name := "Solve"
	if trans {
		name = "SolveT"
	}
	return &Op{
		Name: name,
		Forward: func(in []any) any {
			a := laSquareArg(name, in[0])
			n, _ := a.Dims()
			switch b := in[1].(type) {
			case *mat.VecDense:
				if b != nil {
					if b.Len() != n {
						panic(fmt.Sprintf("ad.%s: matrix is %d×%d but vector has length %d", name, n, n, b.Len()))
					}
					lu := laLuOf(name, a)
					x := mat.NewVecDense(n, nil)
					laCheckCond(name, a, lu.SolveVecTo(x, trans, b))
					return x
				}
			case *mat.Dense:
				if b != nil {
					br, bc := b.Dims()
					if br != n {
						panic(fmt.Sprintf("ad.%s: matrix is %d×%d but right-hand side is %d×%d", name, n, n, br, bc))
					}
					lu := laLuOf(name, a)
					x := mat.NewDense(n, bc, nil)
					laCheckCond(name, a, lu.SolveTo(x, trans, b))
					return x
				}
			}
			panic(fmt.Sprintf("ad.%s: right-hand side is %s, not a vector or matrix", name, describe(in[1])))
		},
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			a := in[0]
			gb := laSolve(a, g, !trans) // op(A)⁻ᵀ·G
			var ga *Var
			_, vec := out.val.(*mat.VecDense)
			switch {
			case vec && !trans:
				ga = Outer(gb, out)
			case vec:
				ga = Outer(out, gb)
			case !trans:
				ga = matMul(gb, out, false, true)
			default:
				ga = matMul(out, gb, false, true)
			}
			return []*Var{Neg(ga), gb}
		},
	}
}

var solveOpN, solveOpT *Op

func init() {
	solveOpN = solveOp(false)
	solveOpT = solveOp(true)
}

func laSolve(a, b *Var, trans bool) *Var {
	if trans {
		return Apply(solveOpT, a, b)
	}
	return Apply(solveOpN, a, b)
}

// Solve returns the solution X of A·X = B for a square n×n matrix A and a
// right-hand side B that is a vector of length n (the result is a vector)
// or an n×k matrix (the result is n×k), using an LU factorization. It
// panics if A is not square, is singular, or the shapes do not match.
func Solve(a, b *Var) *Var { return laSolve(a, b, false) }

var diagOp *Op

func init() {
	diagOp = &Op{
		Name: "Diag",
		Forward: func(in []any) any {
			v := laVecArg("Diag", "argument", in[0])
			n := v.Len()
			m := mat.NewDense(n, n, nil)
			for i := 0; i < n; i++ {
				m.Set(i, i, v.AtVec(i))
			}
			return m
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{TakeDiag(g)} },
	}
}

// Diag returns the n×n diagonal matrix whose diagonal is the vector v of
// length n. It panics if v is not a vector.
func Diag(v *Var) *Var { return Apply(diagOp, v) }

var takeDiagOp *Op

func init() {
	takeDiagOp = &Op{
		Name: "TakeDiag",
		Forward: func(in []any) any {
			m := laSquareArg("TakeDiag", in[0])
			n, _ := m.Dims()
			v := mat.NewVecDense(n, nil)
			for i := 0; i < n; i++ {
				v.SetVec(i, m.At(i, i))
			}
			return v
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{Diag(g)} },
	}
}

// TakeDiag returns the diagonal of a square n×n matrix as a vector of length
// n. It panics if A is not a square matrix.
func TakeDiag(a *Var) *Var { return Apply(takeDiagOp, a) }

// ---- slicing and assembling -------------------------------------------------

// Slice returns the elements i, i+1, …, j−1 of the vector v as a new vector
// of length j−i, like v[i:j]. It panics unless 0 ≤ i < j ≤ length of v.
func Slice(v *Var, i, j int) *Var {
	return Apply(&Op{
		Name: "Slice",
		Forward: func(in []any) any {
			x := laVecArg("Slice", "argument", in[0])
			if i < 0 || j > x.Len() || i >= j {
				panic(fmt.Sprintf("ad.Slice: bounds [%d:%d] out of range for a vector of length %d (need 0 ≤ i < j ≤ %d)", i, j, x.Len(), x.Len()))
			}
			out := mat.NewVecDense(j-i, nil)
			out.CopyVec(x.SliceVec(i, j))
			return out
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{padVec(g, i, in[0].val.(*mat.VecDense).Len())}
		},
	}, v)
}

// padVec returns the vector of length n that is zero except for v placed at
// offset i.
func padVec(v *Var, i, n int) *Var {
	return Apply(&Op{
		Name: "Pad",
		Forward: func(in []any) any {
			x := in[0].(*mat.VecDense)
			out := mat.NewVecDense(n, nil)
			out.SliceVec(i, i+x.Len()).(*mat.VecDense).CopyVec(x)
			return out
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Slice(g, i, i+in[0].val.(*mat.VecDense).Len())}
		},
	}, v)
}

var concatOp *Op

func init() {
	concatOp = &Op{
		Name: "Concat",
		Forward: func(in []any) any {
			if len(in) == 0 {
				panic("ad.Concat: no vectors")
			}
			n := 0
			for k, x := range in {
				n += laVecArg("Concat", fmt.Sprintf("argument %d", k), x).Len()
			}
			out := mat.NewVecDense(n, nil)
			off := 0
			for _, x := range in {
				v := x.(*mat.VecDense)
				out.SliceVec(off, off+v.Len()).(*mat.VecDense).CopyVec(v)
				off += v.Len()
			}
			return out
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			out := make([]*Var, len(in))
			off := 0
			for k, x := range in {
				n := x.val.(*mat.VecDense).Len()
				out[k] = Slice(g, off, off+n)
				off += n
			}
			return out
		},
	}
}

// Concat returns the vectors joined end to end into one vector whose length
// is the sum of theirs. It panics if it gets no arguments or an argument is
// not a vector.
func Concat(vs ...*Var) *Var {
	if len(vs) == 0 {
		panic("ad.Concat: no vectors")
	}
	return Apply(concatOp, vs...)
}

// Row returns row i of the r×c matrix m as a vector of length c. It panics
// if m is not a matrix or i is out of range.
func Row(m *Var, i int) *Var {
	return Apply(&Op{
		Name: "Row",
		Forward: func(in []any) any {
			a := laMatArg("Row", "argument", in[0])
			r, c := a.Dims()
			if i < 0 || i >= r {
				panic(fmt.Sprintf("ad.Row: row %d out of range for a %d×%d matrix", i, r, c))
			}
			out := mat.NewVecDense(c, nil)
			out.CopyVec(a.RowView(i))
			return out
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			r, _ := in[0].val.(*mat.Dense).Dims()
			return []*Var{laEmbed(g, i, r, true)}
		},
	}, m)
}

// Col returns column j of the r×c matrix m as a vector of length r. It
// panics if m is not a matrix or j is out of range.
func Col(m *Var, j int) *Var {
	return Apply(&Op{
		Name: "Col",
		Forward: func(in []any) any {
			a := laMatArg("Col", "argument", in[0])
			r, c := a.Dims()
			if j < 0 || j >= c {
				panic(fmt.Sprintf("ad.Col: column %d out of range for a %d×%d matrix", j, r, c))
			}
			out := mat.NewVecDense(r, nil)
			out.CopyVec(a.ColView(j))
			return out
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			_, c := in[0].val.(*mat.Dense).Dims()
			return []*Var{laEmbed(g, j, c, false)}
		},
	}, m)
}

// embed returns a matrix that is zero except for v as row i (isRow, n rows)
// or as column i (n columns).
func laEmbed(v *Var, i, n int, isRow bool) *Var {
	return Apply(&Op{
		Name: "Embed",
		Forward: func(in []any) any {
			x := in[0].(*mat.VecDense)
			if isRow {
				m := mat.NewDense(n, x.Len(), nil)
				m.SetRow(i, laRawVec(x))
				return m
			}
			m := mat.NewDense(x.Len(), n, nil)
			m.SetCol(i, laRawVec(x))
			return m
		},
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var {
			if isRow {
				return []*Var{Row(g, i)}
			}
			return []*Var{Col(g, i)}
		},
	}, v)
}

// ---- element-wise helpers used by the gradients ----------------------------
//
// These small ops let the gradients above and in nn.go be written with ad
// ops (so they are differentiable again) without depending on the public
// element-wise API. They accept scalars, vectors and matrices.

var laDiv0Op *Op

func init() {
	laDiv0Op = &Op{
		Name: "div0",
		Forward: func(in []any) any {
			checkSameShape("div0", in[0], in[1])
			return zipValues(nil, "div0", in[0], in[1], func(x, y float64) float64 {
				if x == 0 {
					return 0
				}
				return x / y
			})
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			ga := Div(g, in[1])
			return []*Var{ga, Neg(Mul(ga, laDiv0(in[0], in[1])))}
		},
	}
}

// laDiv0 is a/b element-wise with 0 wherever a is 0 (even where b is 0):
// the t/p of a cross-entropy gradient, where terms with t = 0 vanish.
func laDiv0(a, b *Var) *Var { return Apply(laDiv0Op, a, b) }
