package ad

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// First-order gradients on plain values, in recycled storage.
//
// Every op's Backward is written with ad ops so that it can be
// differentiated again (Gradients). The backward pass of Grad needs only
// first-order gradients, and for them the ops that make up typical models
// (products, affine layers, element-wise maps, sums, losses and field reads)
// also carry a grad function on plain values. It writes its results into
// vectors and matrices taken from a work: a free list that outlives the
// pass. The gradients of intermediate nodes never reach the user (gradN
// copies the inputs' gradients into the destinations), so at the end of the
// pass every buffer handed out goes back to the free list, and the next
// training step allocates no gradient storage at all.
//
// Recycling is only safe while no code outside this package has seen a
// recycled buffer. So the pass marks its work as escaped, and recycles
// nothing, as soon as it runs an op without a grad function (a custom op,
// whose VJP or Backward may keep the gradient it is given), or when the
// caller keeps the gradients (Record) or hands them out as they are (a *any
// destination).

// gradFunc computes the gradients of an op's inputs from the gradient g of
// its result: for each input k with need[k] set, gin[k] = its gradient (nil
// for none). into[k], when not nil, is a matrix of input k's shape that the
// function may overwrite with that gradient and return (see into.go).
// Results are fresh values from w (which may be nil: then they are simply
// allocated) or values the op does not own, such as g itself; they must not
// be written to later. A gradFunc that does not handle the value types it
// gets returns false before writing anything, and the pass falls back to the
// op's VJP or Backward.
type gradFunc func(w *work, g any, in []any, out any, need []bool, into []*mat.Dense, gin []any) bool

// work holds the recyclable storage of backward passes and the scratch
// slices of one pass. A nil *work allocates.
type work struct {
	vecs    map[int][]*mat.VecDense // free vectors by length
	mats    map[[2]int][]*mat.Dense // free matrices by shape
	usedV   []*mat.VecDense         // handed out during this pass
	usedM   []*mat.Dense
	kept    int // bytes held in the free lists
	handed  int // bytes handed out (tracked) in this pass
	escaped bool

	// Scratch of the pass, reused across passes.
	grads []any
	owned []bool
	vals  []any
	need  []bool
	into  []*mat.Dense
	gin   []any

	solo   []any        // per node: the buffer from w its gradient is, when nothing else refers to it
	stored []storedGrad // scratch of backward: the gradients one step stored
	fresh  []any        // scratch of endStep
	later  []any        // buffers replaced during a step, held from its end on

	// Scratch of planInto (into.go).
	cands   []cand
	seen    []int
	spans   []span
	intoMap map[int]*mat.Dense
}

// maxKept bounds the bytes a work keeps for reuse, and maxPass the bytes
// of gradient storage one pass takes from it; beyond that (say, a loss
// summed example by example, each with its own 2 MB weight gradient) the
// pass allocates as usual and the garbage collector frees what it drops.
const (
	maxKept = 64 << 20
	maxPass = 32 << 20
)

var works = sync.Pool{New: func() any {
	return &work{vecs: map[int][]*mat.VecDense{}, mats: map[[2]int][]*mat.Dense{}}
}}

// getWork returns a work from the pool, ready for a pass.
func getWork() *work {
	w := works.Get().(*work)
	w.escaped, w.handed = false, 0
	return w
}

// escape marks w's buffers as seen by code outside the package: they will
// not be recycled.
func (w *work) escape() { w.escaped = true }

// release ends a pass: the buffers handed out go back to the free lists
// unless they escaped, the scratch is cleared, and w returns to the pool.
func (w *work) release() {
	if !w.escaped {
		for _, b := range w.solo {
			if b != nil {
				w.free(b)
			}
		}
		for _, v := range w.usedV {
			w.free(v)
		}
		for _, m := range w.usedM {
			w.free(m)
		}
	}
	clear(w.usedV)
	clear(w.usedM)
	w.usedV, w.usedM = w.usedV[:0], w.usedM[:0]
	clear(w.grads)
	clear(w.solo)
	clear(w.vals)
	clear(w.into)
	clear(w.gin)
	clear(w.stored)
	clear(w.intoMap)
	works.Put(w)
}

// vec returns a vector of length n > 0 whose elements the caller must all
// overwrite.
func (w *work) vec(n int) *mat.VecDense {
	if w == nil || w.handed+8*n > maxPass {
		return mat.NewVecDense(n, nil)
	}
	w.handed += 8 * n
	var v *mat.VecDense
	if l := w.vecs[n]; len(l) > 0 {
		v = l[len(l)-1]
		l[len(l)-1] = nil
		w.vecs[n] = l[:len(l)-1]
		w.kept -= 8 * n
	} else {
		v = mat.NewVecDense(n, nil)
	}
	w.usedV = append(w.usedV, v)
	return v
}

// dense returns an r×c matrix (r, c > 0) whose elements the caller must all
// overwrite.
func (w *work) dense(r, c int) *mat.Dense {
	if w == nil || w.handed+8*r*c > maxPass {
		return mat.NewDense(r, c, nil)
	}
	w.handed += 8 * r * c
	var m *mat.Dense
	k := [2]int{r, c}
	if l := w.mats[k]; len(l) > 0 {
		m = l[len(l)-1]
		l[len(l)-1] = nil
		w.mats[k] = l[:len(l)-1]
		w.kept -= 8 * r * c
	} else {
		m = mat.NewDense(r, c, nil)
	}
	w.usedM = append(w.usedM, m)
	return m
}

// storedGrad is a gradient one backward step stored: as the gradient of
// node slot, or (slot −1) inside the sparse gradient of a composite value.
type storedGrad struct {
	g    any
	slot int
}

// storedScratch returns an empty list for the gradients one backward step
// stores.
func (w *work) storedScratch() []storedGrad {
	clear(w.stored)
	return w.stored[:0]
}

// keepBytes reports whether n more bytes fit in the free lists, and counts
// them if so.
func (w *work) keepBytes(n int) bool {
	if w.kept+n > maxKept {
		return false
	}
	w.kept += n
	return true
}

// refersTo reports whether the gradient g is the buffer b or a part
// holding it.
func refersTo(g any, b any) bool {
	if p, ok := g.(part); ok {
		return refersTo(p.g, b)
	}
	switch g := g.(type) {
	case *mat.VecDense:
		bv, ok := b.(*mat.VecDense)
		return ok && g == bv
	case *mat.Dense:
		bm, ok := b.(*mat.Dense)
		return ok && g == bm
	}
	return false
}

// refs counts the stored gradients that refer to b and returns the slot of
// the last of them.
func refs(stored []storedGrad, b any) (n, slot int) {
	for _, s := range stored {
		if refersTo(s.g, b) {
			n, slot = n+1, s.slot
		}
	}
	return n, slot
}

// free returns the buffer b (a *mat.VecDense or *mat.Dense from w, which
// nothing refers to any more) to the free lists.
func (w *work) free(b any) {
	switch b := b.(type) {
	case *mat.VecDense:
		w.handed -= 8 * b.Len()
		if w.keepBytes(8 * b.Len()) {
			w.vecs[b.Len()] = append(w.vecs[b.Len()], b)
		}
	case *mat.Dense:
		r, c := b.Dims()
		w.handed -= 8 * r * c
		if w.keepBytes(8 * r * c) {
			w.mats[[2]int{r, c}] = append(w.mats[[2]int{r, c}], b)
		}
	}
}

// hold keeps the buffer b until the end of the pass.
func (w *work) hold(b any) {
	switch b := b.(type) {
	case *mat.VecDense:
		w.usedV = append(w.usedV, b)
	case *mat.Dense:
		w.usedM = append(w.usedM, b)
	}
}

// settle decides the fate of a buffer after a backward step, from the
// gradients the step stored: free if none refers to it, the own buffer of
// a node if exactly one node's gradient is it, else held to the end.
func (w *work) settle(b any, stored []storedGrad) {
	switch n, slot := refs(stored, b); {
	case n == 0:
		w.free(b)
	case n == 1 && slot >= 0 && w.solo[slot] == nil:
		w.solo[slot] = b
	default:
		w.hold(b)
	}
}

// replaced is called when the gradient of node j becomes sum (another
// contribution was added): the buffer node j's gradient was alone is free
// if sum does not refer to it.
func (w *work) replaced(j int, sum any) {
	if w.escaped || w.solo[j] == nil {
		return
	}
	b := w.solo[j]
	w.solo[j] = nil
	if plainGrad(sum) && !refersTo(sum, b) {
		w.free(b)
	} else {
		w.later = append(w.later, b) // held once endStep has settled the step's own buffers
	}
}

// endStep settles, after the backward step of node i, the buffers its grad
// function took from w (those handed out since the marks) and, when node
// i's gradient is being dropped, the buffer that gradient was alone. plain
// says whether node i's gradient was a plain value: a sparse one was
// materialized into a composite value the step may have stored, which can
// refer to the buffer without refersTo seeing it, so it is held.
//
// Every buffer handed out in a pass is, at any time, in exactly one of the
// free lists, the used lists (held to the end of the pass) or w.solo.
func (w *work) endStep(markV, markM int, stored []storedGrad, i int, dropping, plain bool) {
	w.stored = stored[:0]
	if w.escaped {
		clear(w.later)
		w.later = w.later[:0]
		return
	}
	fresh := w.fresh[:0]
	for _, v := range w.usedV[markV:] {
		fresh = append(fresh, v)
	}
	for _, m := range w.usedM[markM:] {
		fresh = append(fresh, m)
	}
	clear(w.usedV[markV:])
	clear(w.usedM[markM:])
	w.usedV, w.usedM = w.usedV[:markV], w.usedM[:markM]
	for _, b := range fresh {
		w.settle(b, stored)
	}
	clear(fresh)
	w.fresh = fresh[:0]
	for _, b := range w.later {
		w.hold(b)
	}
	clear(w.later)
	w.later = w.later[:0]
	if b := w.solo[i]; dropping && b != nil {
		w.solo[i] = nil
		if plain {
			w.settle(b, stored)
		} else {
			w.hold(b)
		}
	}
}

// passSlices returns the per-pass slices sized for n nodes.
func (w *work) passSlices(n int) (grads []any, owned []bool) {
	if cap(w.grads) < n {
		w.grads, w.owned, w.solo = make([]any, n), make([]bool, n), make([]any, n)
	}
	w.grads, w.owned, w.solo = w.grads[:n], w.owned[:n], w.solo[:n]
	clear(w.grads)
	clear(w.owned)
	clear(w.solo)
	return w.grads, w.owned
}

// argSlices returns the per-op scratch slices sized for n inputs.
func (w *work) argSlices(n int) (vals []any, need []bool, into []*mat.Dense, gin []any) {
	if cap(w.vals) < n {
		w.vals, w.need, w.into, w.gin = make([]any, n), make([]bool, n), make([]*mat.Dense, n), make([]any, n)
	}
	w.vals, w.need, w.into, w.gin = w.vals[:n], w.need[:n], w.into[:n], w.gin[:n]
	clear(w.gin)
	return w.vals, w.need, w.into, w.gin
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
func (w *work) like(x any) (any, []float64) {
	switch x := x.(type) {
	case *mat.VecDense:
		v := w.vec(x.Len())
		return v, v.RawVector().Data
	case *mat.Dense:
		r, c := x.Dims()
		m := w.dense(r, c)
		return m, m.RawMatrix().Data
	}
	panic("ad: internal error: work.like of " + describe(x))
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

// ---- the grad functions ----------------------------------------------------

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
	return func(w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
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
	return func(w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
		da, db, ok := matMulGradients(w, ta, tb, g, in[0].(*mat.Dense), in[1].(*mat.Dense), need[0], need[1], into[0], into[1])
		gin[0], gin[1] = da, db
		return ok
	}
}

// passGrad is the gradient of ops whose result's gradient is each input's
// gradient unchanged (Add of two values of one shape, AddBias of a vector).
func passGrad(w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
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
func addBiasGrad(w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
	if _, ok := in[0].(*mat.VecDense); ok {
		return passGrad(w, g, in, nil, need, nil, gin)
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
func denseGrad(w *work, g any, in []any, _ any, need []bool, into []*mat.Dense, gin []any) bool {
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
	return func(w *work, g any, in []any, out any, need []bool, _ []*mat.Dense, gin []any) bool {
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
func logisticGrad(w *work, g any, in []any, out any, need []bool, into []*mat.Dense, gin []any) bool {
	gs, ys := contiguous(g), contiguous(out)
	if gs == nil || ys == nil || len(gs) != len(ys) {
		return unaryGrad(func(_, y float64) float64 { return y * (1 - y) })(w, g, in, out, need, into, gin)
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
func softmaxCEGrad(w *work, g any, in []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
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

// partGrad is the gradient of reading the part at l of a composite value:
// a sparse gradient holding g at l.
func partGrad(l loc) gradFunc {
	return func(_ *work, g any, _ []any, _ any, need []bool, _ []*mat.Dense, gin []any) bool {
		if need[0] {
			gin[0] = l.part(g)
		}
		return true
	}
}
