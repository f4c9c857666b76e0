package ad

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// First-order fast paths: gradients on plain values, in recycled storage.
//
// Every op's Backward is written with ad ops so that it can be
// differentiated again (Gradients). The backward pass of Grad needs only
// first-order gradients, and for the ops that make up typical models
// (products, affine layers, element-wise maps, sums, losses and part reads)
// it uses a fast path on plain values instead, which takes its storage
// from a work (recycle.go). fastPaths below is the one registry of them;
// TestFastPathsMatchBackward checks every entry against the op's Backward
// and finite differences.

// gradFunc computes the gradients of op's inputs from the gradient g of
// its result: for each input k with need[k] set, gin[k] = its gradient (nil
// for none). into[k], when not nil, is a matrix of input k's shape that the
// function may overwrite with that gradient and return (see into.go).
// Results are fresh values from w (which may be nil: then they are simply
// allocated) or values the op does not own, such as g itself; they must not
// be written to later. A gradFunc that does not handle the value types it
// gets returns false before writing anything, and the pass falls back to the
// op's VJP or Backward.
type gradFunc func(op *Op, w *work, g any, in []any, out any, need []bool, into []*mat.Dense, gin []any) bool

// fastPaths is the registry: the fast path of each of the library's ops
// that has one. Ops reading a part of a composite value (Field, Index, Key)
// are made per part, so they are one entry, partFast, keyed by Op.part.
// Built on first use, after the package's init functions built the ops.
var fastPaths = sync.OnceValue(func() map[*Op]gradFunc {
	m := map[*Op]gradFunc{
		addOp:           passGrad,
		addBiasOp:       addBiasGrad,
		denseOp:         denseGrad,
		softmaxCEOp:     softmaxCEGrad,
		matVecOpN:       matVecGrad(false),
		matVecOpT:       matVecGrad(true),
		matMulOps[0][0]: matMulGrad(false, false),
		matMulOps[0][1]: matMulGrad(false, true),
		matMulOps[1][0]: matMulGrad(true, false),
		matMulOps[1][1]: matMulGrad(true, true),
		subOp:           subGrad,
		mulOp:           mulGrad,
		scaleOp:         scaleGrad,
		softmaxOp:       softmaxGrad,
		logSoftmaxOp:    logSoftmaxGrad,
		crossEntropyOp:  crossEntropyGrad,
	}
	for _, d := range unaryDefs {
		if d.fast != nil {
			m[*d.op] = d.fast
		} else {
			m[*d.op] = unaryGrad(d.df)
		}
	}
	return m
})

// fastPath returns op's fast path, or nil.
func fastPath(op *Op) gradFunc {
	if op.part != nil {
		return partFast
	}
	return fastPaths()[op]
}

// ---- helpers ----------------------------------------------------------------

// contiguous returns the elements of a vector or matrix as one slice when
// they are stored contiguously (no strided view), else nil.
func contiguous(x any) []float64 {
	switch x := x.(type) {
	case *mat.VecDense:
		if x == nil || x.Len() == 0 {
			return nil
		}
		if raw := x.RawVector(); raw.Inc == 1 {
			return raw.Data[:x.Len()]
		}
	case *mat.Dense:
		if x == nil || x.IsEmpty() {
			return nil
		}
		if raw := x.RawMatrix(); raw.Stride == raw.Cols {
			return raw.Data[:raw.Rows*raw.Cols]
		}
	}
	return nil
}

// like returns a fresh value of x's shape from w (x a contiguous vector or
// matrix) and its elements.
func (w *work) like(x any) (any, []float64) { return likeIn(w, x) }

// storage hands out vectors and matrices whose elements the caller must
// all overwrite: a backward pass's work (recycle.go) or a session's forward
// buffers (session.go); a nil one allocates.
type storage interface {
	vec(n int) *mat.VecDense
	dense(r, c int) *mat.Dense
}

// likeIn returns a value of x's shape (x a vector or matrix) from s and its
// elements.
func likeIn[S storage](s S, x any) (any, []float64) {
	if numLen(x) == 0 {
		return withData(x, nil), nil
	}
	switch x := x.(type) {
	case *mat.VecDense:
		v := s.vec(x.Len())
		return v, v.RawVector().Data
	case *mat.Dense:
		r, c := x.Dims()
		m := s.dense(r, c)
		return m, m.RawMatrix().Data
	}
	panic("ad: internal error: like of " + describe(x))
}

// destFor returns into if it is a contiguous r×c matrix, else a fresh one.
func (w *work) destFor(into *mat.Dense, r, c int) *mat.Dense {
	if into != nil {
		if ir, ic := into.Dims(); ir == r && ic == c && into.RawMatrix().Stride == c {
			return into
		}
	}
	return w.dense(r, c)
}

// ---- the fast paths ---------------------------------------------------------

// matVecGradients returns the gradients of y = op(A)·x: dA = g·xᵀ (x·gᵀ
// for Aᵀ) written into intoA when it fits, and dx = op(A)ᵀ·g.
func matVecGradients(w *work, trans bool, g any, a *mat.Dense, xv any, needA, needX bool, intoA *mat.Dense) (da, dx any, ok bool) {
	gv, x := contiguous(g), contiguous(xv)
	if gv == nil || x == nil {
		return nil, nil, false
	}
	r, c := a.Dims()
	if needA {
		u, v := gv, x // dA = u·vᵀ
		if trans {
			u, v = x, gv
		}
		d := w.destFor(intoA, r, c)
		dd := d.RawMatrix().Data
		for i, ui := range u {
			floats.ScaleTo(dd[i*c:(i+1)*c], ui, v)
		}
		da = d
	}
	if needX {
		n, t := c, blas.Trans
		if trans {
			n, t = r, blas.NoTrans
		}
		d := w.vec(n)
		blas64.Gemv(t, 1, a.RawMatrix(), blas64.Vector{N: len(gv), Inc: 1, Data: gv}, 0, d.RawVector())
		dx = d
	}
	return da, dx, true
}

func matVecGrad(trans bool) gradFunc {
	return func(_ *Op, w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
		da, dx, ok := matVecGradients(w, trans, g, in[0].(*mat.Dense), in[1], need[0], need[1], into[0])
		gin[0], gin[1] = da, dx
		return ok
	}
}

// gemmInto writes op(A)·op(B) into dst (beta 0).
func gemmInto(dst *mat.Dense, a, b *mat.Dense, ta, tb bool) {
	t := func(f bool) blas.Transpose {
		if f {
			return blas.Trans
		}
		return blas.NoTrans
	}
	blas64.Gemm(t(ta), t(tb), 1, a.RawMatrix(), b.RawMatrix(), 0, dst.RawMatrix())
}

// matMulGradients returns the gradients of C = op(A)·op(B): dA = G·op(B)ᵀ
// (op(B)·Gᵀ when A is transposed) and dB = op(A)ᵀ·G (Gᵀ·op(A) when B is
// transposed), written into intoA and intoB when they fit.
func matMulGradients(w *work, ta, tb bool, g any, a, b *mat.Dense, needA, needB bool, intoA, intoB *mat.Dense) (da, db any, ok bool) {
	gm, ok := g.(*mat.Dense)
	if !ok || gm == nil {
		return nil, nil, false
	}
	if needA {
		r, c := a.Dims()
		d := w.destFor(intoA, r, c)
		if ta {
			gemmInto(d, b, gm, tb, true)
		} else {
			gemmInto(d, gm, b, false, !tb)
		}
		da = d
	}
	if needB {
		r, c := b.Dims()
		d := w.destFor(intoB, r, c)
		if tb {
			gemmInto(d, gm, a, true, ta)
		} else {
			gemmInto(d, a, gm, !ta, false)
		}
		db = d
	}
	return da, db, true
}

func matMulGrad(ta, tb bool) gradFunc {
	return func(_ *Op, w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
		da, db, ok := matMulGradients(w, ta, tb, g, in[0].(*mat.Dense), in[1].(*mat.Dense), need[0], need[1], into[0], into[1])
		gin[0], gin[1] = da, db
		return ok
	}
}

// passGrad is the gradient of ops whose result's gradient is each input's
// gradient unchanged (Add of two values of one shape, AddBias of a vector).
func passGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	for k, x := range in {
		if need[k] && kindOf(x) != kindOf(g) {
			return false // a broadcast scalar: its gradient is a sum
		}
	}
	for k := range in {
		if need[k] {
			gin[k] = g
		}
	}
	return true
}

// rowSums returns the row sums of the r×c matrix g in a vector from w.
func (w *work) rowSums(g *mat.Dense) *mat.VecDense {
	r, c := g.Dims()
	gd := g.RawMatrix()
	d := w.vec(r)
	dd := d.RawVector().Data
	for i := 0; i < r; i++ {
		dd[i] = floats.Sum(gd.Data[i*gd.Stride : i*gd.Stride+c])
	}
	return d
}

// addBiasGrad is the gradient of X + b·1ᵀ: dX = G, db = the row sums of G.
func addBiasGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	if _, ok := in[0].(*mat.VecDense); ok {
		return passGrad(nil, w, g, in, nil, need, nil, gin)
	}
	gm, ok := g.(*mat.Dense)
	if !ok || gm == nil {
		return false
	}
	if need[0] {
		gin[0] = g
	}
	if need[1] {
		gin[1] = w.rowSums(gm)
	}
	return true
}

// denseGrad is the gradient of the fused layer W·x + b (W·X + b·1ᵀ): dW
// and dx are those of the product, db is g (the row sums of G).
func denseGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
	wm := in[0].(*mat.Dense)
	var ok bool
	switch x := in[2].(type) {
	case *mat.VecDense:
		if gin[0], gin[2], ok = matVecGradients(w, false, g, wm, x, need[0], need[2], into[0]); ok && need[1] {
			gin[1] = g
		}
	case *mat.Dense:
		if gin[0], gin[2], ok = matMulGradients(w, false, false, g, wm, x, need[0], need[2], into[0], nil); ok && need[1] {
			gin[1] = w.rowSums(g.(*mat.Dense))
		}
	}
	return ok
}

// unaryGrad is the gradient of an element-wise map with derivative df(x, y):
// g∘df(x, y).
func unaryGrad(df func(x, y float64) float64) gradFunc {
	return func(_ *Op, w *work, g any, in []any, out any, need []bool, _ []*mat.Dense, gin []any) bool {
		if !need[0] {
			return true
		}
		if x, ok := in[0].(float64); ok {
			gs, ok1 := g.(float64)
			y, ok2 := out.(float64)
			if !ok1 || !ok2 {
				return false
			}
			gin[0] = gs * df(x, y)
			return true
		}
		gs, xs, ys := contiguous(g), contiguous(in[0]), contiguous(out)
		if gs == nil || xs == nil || ys == nil || len(gs) != len(xs) || len(ys) != len(xs) {
			return false
		}
		d, ds := w.like(in[0])
		for i, x := range xs {
			ds[i] = gs[i] * df(x, ys[i])
		}
		gin[0] = d
		return true
	}
}

// logisticGrad is g∘y∘(1−y) without a call per element.
func logisticGrad(_ *Op, w *work, g any, in []any, out any, need []bool, into []*mat.Dense, gin []any) bool {
	gs, ys := contiguous(g), contiguous(out)
	if gs == nil || ys == nil || len(gs) != len(ys) {
		return unaryGrad(func(_, y float64) float64 { return y * (1 - y) })(nil, w, g, in, out, need, into, gin)
	}
	if !need[0] {
		return true
	}
	d, ds := w.like(out)
	for i, y := range ys {
		ds[i] = gs[i] * y * (1 - y)
	}
	gin[0] = d
	return true
}

// softmaxCEGrad is the gradient of SoftmaxCrossEntropy with respect to the
// logits: g·(softmax(x)·Σt − t), the sum taken per sample.
func softmaxCEGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	gs, ok := g.(float64)
	xs, ts := contiguous(in[0]), contiguous(in[1])
	if !ok || need[1] || xs == nil || ts == nil {
		return false
	}
	if !need[0] {
		return true
	}
	r, c := len(xs), 1
	if m, ok := in[0].(*mat.Dense); ok {
		r, c = m.Dims()
	}
	d, ds := w.like(in[0])
	var tmp [2]float64
	scratch := tmp[:]
	if c > 1 {
		scratch = make([]float64, 2*c)
	}
	softmaxInto(ds, xs, c, r, c, false, scratch)
	tsum := scratch[:c]
	clear(tsum)
	for i := 0; i < r; i++ {
		for j, t := range ts[i*c : (i+1)*c] {
			tsum[j] += t
		}
	}
	for i := 0; i < r; i++ {
		row, trow := ds[i*c:(i+1)*c], ts[i*c:(i+1)*c]
		for j := range row {
			row[j] = gs * (row[j]*tsum[j] - trow[j])
		}
	}
	gin[0] = d
	return true
}

// partFast is the gradient of an op reading the part at op.part of a
// composite value (Field, Index, Key): a sparse gradient holding g there.
func partFast(op *Op, _ *work, g any, _ []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	if need[0] {
		gin[0] = op.part.part(g)
	}
	return true
}

// sameFlat returns the elements of the values xs when they are all
// contiguous vectors, or all contiguous matrices, of one shape; else nil.
// Scalars are handled by the callers.
func sameFlat(xs ...any) [][]float64 {
	k := kindOf(xs[0])
	if k != kindVec && k != kindMat {
		return nil
	}
	out := make([][]float64, len(xs))
	for i, x := range xs {
		if kindOf(x) != k {
			return nil
		}
		if same, _ := sameDims(x, xs[0]); !same {
			return nil
		}
		if out[i] = contiguous(x); out[i] == nil {
			return nil
		}
	}
	return out
}

// subGrad is the gradient of x − y for two values of one shape: (g, −g).
func subGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	if gs, ok := g.(float64); ok {
		if _, ok0 := in[0].(float64); !ok0 {
			return false
		}
		if _, ok1 := in[1].(float64); !ok1 {
			return false
		}
		if need[0] {
			gin[0] = gs
		}
		if need[1] {
			gin[1] = -gs
		}
		return true
	}
	f := sameFlat(g, in[0], in[1])
	if f == nil {
		return false // a broadcast scalar or a composite value
	}
	if need[0] {
		gin[0] = g
	}
	if need[1] {
		d, ds := w.like(g)
		for i, v := range f[0] {
			ds[i] = -v
		}
		gin[1] = d
	}
	return true
}

// mulGrad is the gradient of x∘y for two values of one shape: (g∘y, g∘x).
func mulGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	if gs, ok := g.(float64); ok {
		x, ok0 := in[0].(float64)
		y, ok1 := in[1].(float64)
		if !ok0 || !ok1 {
			return false
		}
		if need[0] {
			gin[0] = gs * y
		}
		if need[1] {
			gin[1] = gs * x
		}
		return true
	}
	f := sameFlat(g, in[0], in[1])
	if f == nil {
		return false
	}
	for k, other := range [2][]float64{f[2], f[1]} {
		if !need[k] {
			continue
		}
		d, ds := w.like(g)
		for i, v := range f[0] {
			ds[i] = v * other[i]
		}
		gin[k] = d
	}
	return true
}

// scaleGrad is the gradient of s·x for a scalar s: (s·g, Σ g∘x).
func scaleGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	s, ok := in[1].(float64)
	if !ok {
		return false
	}
	if gs, ok := g.(float64); ok {
		x, ok := in[0].(float64)
		if !ok {
			return false
		}
		if need[0] {
			gin[0] = s * gs
		}
		if need[1] {
			gin[1] = gs * x
		}
		return true
	}
	f := sameFlat(g, in[0])
	if f == nil {
		return false
	}
	if need[0] {
		d, ds := w.like(g)
		floats.ScaleTo(ds, s, f[0])
		gin[0] = d
	}
	if need[1] {
		gin[1] = floats.Dot(f[0], f[1])
	}
	return true
}

// columns returns the number of samples (columns) c of a softmax input x
// and the stride of one sample's elements: a vector is one sample.
func columns(x any) int {
	if m, ok := x.(*mat.Dense); ok {
		_, c := m.Dims()
		return c
	}
	return 1
}

// perSample is the common start of the per-sample (per-column) gradients:
// the flat data of g and out, the number of samples c, and a zeroed
// scratch of c sums from w. ok is false when g and out are not flat values
// of the same shape (the caller then takes the general path).
func perSample(w *work, g, out any) (gs, ys []float64, c int, sums []float64, ok bool) {
	f := sameFlat(g, out)
	if f == nil {
		return nil, nil, 0, nil, false
	}
	c = columns(out)
	sums = w.vec(c).RawVector().Data
	clear(sums)
	return f[0], f[1], c, sums, true
}

// softmaxGrad is the gradient of Softmax: y∘(g − Σ(y∘g)), the sum taken
// per sample (column).
func softmaxGrad(_ *Op, w *work, g any, in []any, out any, need []bool, _ []*mat.Dense, gin []any) bool {
	gs, ys, c, sums, ok := perSample(w, g, out)
	if !ok || !need[0] {
		return ok
	}
	for i, y := range ys {
		sums[i%c] += y * gs[i]
	}
	d, ds := w.like(out)
	for i, y := range ys {
		ds[i] = y * (gs[i] - sums[i%c])
	}
	gin[0] = d
	return true
}

// logSoftmaxGrad is the gradient of LogSoftmax: g − softmax(x)·Σg, the sum
// taken per sample (column); softmax(x) is exp of the result.
func logSoftmaxGrad(_ *Op, w *work, g any, in []any, out any, need []bool, _ []*mat.Dense, gin []any) bool {
	gs, ys, c, sums, ok := perSample(w, g, out)
	if !ok || !need[0] {
		return ok
	}
	for i, v := range gs {
		sums[i%c] += v
	}
	d, ds := w.like(out)
	for i, y := range ys {
		ds[i] = gs[i] - math.Exp(y)*sums[i%c]
	}
	gin[0] = d
	return true
}

// crossEntropyGrad is the gradient of CrossEntropy(p, t): (−g·t/p with 0
// where t = 0, −g·log p).
func crossEntropyGrad(_ *Op, w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	gs, ok := g.(float64)
	f := sameFlat(in[0], in[1])
	if !ok || f == nil {
		return false
	}
	ps, ts := f[0], f[1]
	if need[0] {
		d, ds := w.like(in[0])
		for i, t := range ts {
			if t == 0 {
				ds[i] = 0
			} else {
				ds[i] = -gs * t / ps[i]
			}
		}
		gin[0] = d
	}
	if need[1] {
		d, ds := w.like(in[1])
		for i, p := range ps {
			ds[i] = -gs * math.Log(p)
		}
		gin[1] = d
	}
	return true
}
