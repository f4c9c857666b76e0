package ad

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Neural-network ops. Vectors are single samples; a matrix is a batch whose
// columns are samples (so a layer computes W·X with W of shape out×in and X
// of shape in×batch). Softmax and its relatives work on a vector or on each
// column of a matrix. Losses return the sum over all samples of a batch.

// softmaxInto computes the softmax (or log-softmax if log is set) of each
// column of the r×c row-major data x into out, stably (subtracting the
// column maximum before exponentiating). scratch, if at least 2c long, is
// used as working storage.
func softmaxInto(out, x []float64, stride, r, c int, log bool, scratch []float64) {
	if len(scratch) < 2*c {
		scratch = make([]float64, 2*c)
	}
	mx, sum := scratch[:c], scratch[c:2*c]
	clear(sum)
	for j := range mx {
		mx[j] = math.Inf(-1)
	}
	for i := 0; i < r; i++ {
		for j, v := range x[i*stride : i*stride+c] {
			if v > mx[j] {
				mx[j] = v
			}
		}
	}
	for j := range mx {
		if math.IsInf(mx[j], -1) {
			mx[j] = 0 // an all −Inf column: no maximum to subtract
		}
	}
	for i := 0; i < r; i++ {
		row := out[i*c : (i+1)*c]
		for j, v := range x[i*stride : i*stride+c] {
			e := math.Exp(v - mx[j])
			sum[j] += e
			if log {
				row[j] = v - mx[j]
			} else {
				row[j] = e
			}
		}
	}
	for j := range sum {
		if log {
			sum[j] = math.Log(sum[j])
		} else {
			sum[j] = 1 / sum[j]
		}
	}
	for i := 0; i < r; i++ {
		row := out[i*c : (i+1)*c]
		for j := range row {
			if log {
				row[j] -= sum[j]
			} else {
				row[j] *= sum[j]
			}
		}
	}
}

// softmaxValue returns the softmax (or log-softmax) of a vector or of each
// column of a matrix, in storage from b (nil: fresh storage).
func softmaxValue(b *fwdBufs, op string, x any, log bool) any {
	switch x := x.(type) {
	case *mat.VecDense:
		if x != nil && x.Len() > 0 {
			n := x.Len()
			out := b.vec(n)
			var tmp [2]float64
			softmaxInto(out.RawVector().Data, laRawVec(x), 1, n, 1, log, tmp[:])
			return out
		}
	case *mat.Dense:
		if x != nil && !x.IsEmpty() {
			raw := x.RawMatrix()
			out := b.dense(raw.Rows, raw.Cols)
			softmaxInto(out.RawMatrix().Data, raw.Data, raw.Stride, raw.Rows, raw.Cols, log, b.scratch(2*raw.Cols))
			return out
		}
	}
	panic(fmt.Sprintf("ad.%s: argument is %s, not a vector or matrix", op, describe(x)))
}

func softmaxForward(b *fwdBufs, in []any) any { return softmaxValue(b, "Softmax", in[0], false) }

func logSoftmaxForward(b *fwdBufs, in []any) any { return softmaxValue(b, "LogSoftmax", in[0], true) }

// colSpread returns, for a vector x, Fill(s, n) where s is the scalar sum of
// v; for a matrix x (r rows), the matrix whose every row is ColSums(v). It
// is the "sum over the softmax axis, broadcast back" used by the gradients.
func colSpread(v *Var, x any) *Var {
	if m, ok := x.(*mat.Dense); ok {
		r, _ := m.Dims()
		return spreadRows(ColSums(v), r)
	}
	return laFillLike(Sum(v), x)
}

var softmaxOp *Op

func init() {
	softmaxOp = &Op{
		Name:    "Softmax",
		Forward: plainForward(softmaxForward),
		Backward: func(g *Var, _ []*Var, out *Var) []*Var {
			// dx = y∘(g − Σ(y∘g)), the sum taken per sample.
			return []*Var{Mul(out, Sub(g, colSpread(Mul(out, g), out.val)))}
		},
	}
}

// Softmax returns exp(xᵢ)/Σⱼexp(xⱼ) for a vector x, or that of every column
// of a matrix (a batch whose columns are samples), computed stably. The
// result has the shape of x. It panics if x is not a vector or matrix.
func Softmax(x *Var) *Var { return Apply(softmaxOp, x) }

var logSoftmaxOp *Op

func init() {
	logSoftmaxOp = &Op{
		Name:    "LogSoftmax",
		Forward: plainForward(logSoftmaxForward),
		Backward: func(g *Var, _ []*Var, out *Var) []*Var {
			// dx = g − softmax(x)·Σg, the sum taken per sample.
			return []*Var{Sub(g, Mul(Exp(out), colSpread(g, out.val)))}
		},
	}
}

// LogSoftmax returns xᵢ − log Σⱼexp(xⱼ) for a vector x, or that of every
// column of a matrix, computed stably (it stays finite where Log(Softmax(x))
// would underflow to −Inf). It panics if x is not a vector or matrix.
func LogSoftmax(x *Var) *Var { return Apply(logSoftmaxOp, x) }

var crossEntropyOp *Op

func init() {
	crossEntropyOp = &Op{
		Name: "CrossEntropy",
		Forward: func(in []any) any {
			laVecOrMat("CrossEntropy", "prediction", in[0])
			checkSameShape("CrossEntropy", in[0], in[1])
			s := 0.0
			switch p := in[0].(type) {
			case *mat.VecDense:
				t := in[1].(*mat.VecDense)
				for i := 0; i < p.Len(); i++ {
					if ti := t.AtVec(i); ti != 0 {
						s -= ti * math.Log(p.AtVec(i))
					}
				}
			case *mat.Dense:
				t := in[1].(*mat.Dense)
				r, c := p.Dims()
				for i := 0; i < r; i++ {
					for j := 0; j < c; j++ {
						if tij := t.At(i, j); tij != 0 {
							s -= tij * math.Log(p.At(i, j))
						}
					}
				}
			}
			return s
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			ng := Neg(g)
			var dp, dt *Var
			if in[0].NeedsGrad() {
				dp = Scale(laDiv0(in[1], in[0]), ng)
			}
			if in[1].NeedsGrad() {
				dt = Scale(Log(in[0]), ng)
			}
			return []*Var{dp, dt}
		},
	}
}

// CrossEntropy returns −Σ tᵢ·log pᵢ for a predicted distribution p and a
// target t of the same shape (vectors, or matrices whose columns are
// samples, summed over the batch). Terms with tᵢ = 0 contribute 0 to the
// value and to the gradient with respect to p even where pᵢ = 0. Prefer SoftmaxCrossEntropy on logits: it is exact where p
// underflows. It panics if the shapes differ.
func CrossEntropy(p, target *Var) *Var {
	return Apply(crossEntropyOp, p, target)
}

var softmaxCEOp *Op

func init() {
	softmaxCEOp = &Op{
		Name:    "SoftmaxCrossEntropy",
		Forward: plainForward(softmaxCEForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			x, t := in[0], in[1]
			// dx = g·(softmax(x)·Σt − t), the sum taken per sample;
			// dt = −g·logsoftmax(x).
			var dx, dt *Var
			if x.NeedsGrad() {
				dx = Scale(Sub(Mul(Softmax(x), colSpread(t, x.val)), t), g)
			}
			if t.NeedsGrad() {
				dt = Scale(LogSoftmax(x), Neg(g))
			}
			return []*Var{dx, dt}
		},
	}
}

// softmaxCEForward computes −Σ t∘logsoftmax(x); the log-softmax goes into
// scratch storage from b.
func softmaxCEForward(b *fwdBufs, in []any) any {
	laVecOrMat("SoftmaxCrossEntropy", "logits", in[0])
	checkSameShape("SoftmaxCrossEntropy", in[0], in[1])
	z := softmaxValue(b, "SoftmaxCrossEntropy", in[0], true)
	s := 0.0
	switch z := z.(type) {
	case *mat.VecDense:
		t := in[1].(*mat.VecDense)
		for i := 0; i < z.Len(); i++ {
			if ti := t.AtVec(i); ti != 0 {
				s -= ti * z.AtVec(i)
			}
		}
	case *mat.Dense:
		t := in[1].(*mat.Dense)
		r, c := z.Dims()
		zd := z.RawMatrix().Data
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if tij := t.At(i, j); tij != 0 {
					s -= tij * zd[i*c+j]
				}
			}
		}
	}
	return s
}

// SoftmaxCrossEntropy returns CrossEntropy(Softmax(logits), target) computed
// in one stable step from the log-softmax: −Σ tᵢ·(xᵢ − log Σⱼexp(xⱼ)). For a
// matrix the columns are samples and the losses are summed over the batch.
// Its gradient with respect to the logits is softmax(x)·Σt − t (softmax − t
// for a one-hot or probability target). It panics if the shapes differ.
func SoftmaxCrossEntropy(logits, target *Var) *Var {
	return Apply(softmaxCEOp, logits, target)
}

var squaredErrorOp *Op

func init() {
	squaredErrorOp = &Op{
		Name: "SquaredError",
		Forward: func(in []any) any {
			laVecOrMat("SquaredError", "first argument", in[0])
			checkSameShape("SquaredError", in[0], in[1])
			s := 0.0
			d := zipValues(nil, "SquaredError", in[0], in[1], func(x, y float64) float64 { return x - y })
			for _, v := range flat(d) {
				s += v * v
			}
			return s
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			d := Scale(Sub(in[0], in[1]), Scale(g, Scalar(2)))
			return []*Var{d, Neg(d)}
		},
	}
}

// SquaredError returns Σ(xᵢ − yᵢ)², the squared Euclidean (or Frobenius)
// distance between two vectors or matrices of the same shape. It panics if
// the shapes differ.
func SquaredError(x, y *Var) *Var { return Apply(squaredErrorOp, x, y) }

var denseOp *Op

func init() {
	denseOp = &Op{
		Name:    "Dense",
		Forward: plainForward(denseForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			w, b, x := in[0], in[1], in[2]
			var dw, db, dx *Var
			if _, ok := x.val.(*mat.VecDense); ok {
				if w.NeedsGrad() {
					dw = Outer(g, x)
				}
				if b.NeedsGrad() {
					db = g
				}
				if x.NeedsGrad() {
					dx = matTVec(w, g)
				}
			} else {
				if w.NeedsGrad() {
					dw = matMul(g, x, false, true)
				}
				if b.NeedsGrad() {
					db = RowSums(g)
				}
				if x.NeedsGrad() {
					dx = matMul(w, g, true, false)
				}
			}
			return []*Var{dw, db, dx}
		},
	}
}

// denseForward computes W·x + b (W·X + b·1ᵀ), adding the bias inside the
// matrix product, into storage from bufs.
func denseForward(bufs *fwdBufs, in []any) any {
	w := laMatArg("Dense", "weights", in[0])
	b := laVecArg("Dense", "bias", in[1])
	r, c := w.Dims()
	if b.Len() != r {
		panic(fmt.Sprintf("ad.Dense: weights are %d×%d but bias has length %d", r, c, b.Len()))
	}
	wr := w.RawMatrix()
	switch x := in[2].(type) {
	case *mat.VecDense:
		if x != nil {
			if x.Len() != c {
				panic(fmt.Sprintf("ad.Dense: weights are %d×%d but input vector has length %d", r, c, x.Len()))
			}
			y := bufs.vec(r)
			yd := y.RawVector().Data
			copy(yd, laRawVec(b))
			blas64.Gemv(blas.NoTrans, 1, wr, x.RawVector(), 1, blas64.Vector{N: r, Inc: 1, Data: yd})
			return y
		}
	case *mat.Dense:
		if x != nil {
			xr, n := x.Dims()
			if xr != c {
				panic(fmt.Sprintf("ad.Dense: weights are %d×%d but input batch is %d×%d", r, c, xr, n))
			}
			bs := laRawVec(b)
			y := bufs.dense(r, n)
			yd := y.RawMatrix().Data
			for i := 0; i < r; i++ {
				row := yd[i*n : (i+1)*n]
				for j := range row {
					row[j] = bs[i]
				}
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, wr, x.RawMatrix(), 1, y.RawMatrix())
			return y
		}
	}
	panic(fmt.Sprintf("ad.Dense: input is %s, not a vector or matrix", describe(in[2])))
}

// Dense is a fused affine layer: W·x + b for weights W (r×c), bias b
// (length r) and an input vector x (length c), or W·X + b·1ᵀ for a batch X
// (c×n, columns are samples). It makes one tape node instead of two and
// adds the bias inside the matrix product. It panics if the shapes do not
// match, naming them.
func Dense(w, b, x *Var) *Var { return Apply(denseOp, w, b, x) }
