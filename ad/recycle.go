package ad

import (
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Buffer recycling for the backward pass.
//
// The fast paths (fastpath.go) write their results into vectors and
// matrices taken from a work: a free list that outlives the pass. The
// gradients of intermediate nodes never reach the user (gradN copies the
// inputs' gradients into the destinations), so at the end of the pass every
// buffer handed out goes back to the free list, and the next training step
// allocates no gradient storage at all. The backward pass (backward.go)
// calls this mechanism at three points only: vec/dense (through the fast
// paths), replaced (a node's gradient was summed) and endStep (after each
// node), plus escape and release.
//
// Recycling is only safe while no code outside this package has seen a
// recycled buffer. A custom op's VJP or Backward may keep the gradient it
// is given, or return it as an input's gradient, so that buffer is pinned
// (expose): it never returns to the free lists. The pass marks its whole
// work as escaped, and recycles nothing, when a custom op is given a
// composite gradient (a struct, slice or map, which may hold buffers
// anywhere inside), or when the caller keeps the gradients (Record) or
// hands them out as they are (a *any destination).

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
	pinned  []any // buffers exposed to code outside the package (expose)

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
	dests   []structAt
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

// expose is called before code outside the package (a custom op's VJP or
// Backward) sees the gradient g. A plain gradient is pinned: if it is a
// buffer from w it never returns to the free lists, since the op may keep
// it or return it (or a view of it) as an input's gradient; the rest of
// the pass still recycles. A composite gradient may hold buffers anywhere
// inside, so the whole pass escapes.
func (w *work) expose(g any) {
	switch g := g.(type) {
	case float64:
	case *mat.VecDense, *mat.Dense:
		w.pinned = append(w.pinned, g)
	default:
		w.escape()
	}
}

// isPinned reports whether the buffer b was exposed in this pass.
func (w *work) isPinned(b any) bool {
	for _, p := range w.pinned {
		if refersTo(p, b) {
			return true
		}
	}
	return false
}

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
	clear(w.pinned)
	w.pinned = w.pinned[:0]
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
	n := bytesOf(b)
	w.handed -= n
	if len(w.pinned) > 0 && w.isPinned(b) {
		return // the garbage collector frees it once the op lets go
	}
	if !w.keepBytes(n) {
		return
	}
	switch b := b.(type) {
	case *mat.VecDense:
		w.vecs[b.Len()] = append(w.vecs[b.Len()], b)
	case *mat.Dense:
		r, c := b.Dims()
		w.mats[[2]int{r, c}] = append(w.mats[[2]int{r, c}], b)
	}
}

// bytesOf returns the bytes of the elements of b, a *mat.VecDense or
// *mat.Dense from a work.
func bytesOf(b any) int {
	switch b := b.(type) {
	case *mat.VecDense:
		return 8 * b.Len()
	case *mat.Dense:
		r, c := b.Dims()
		return 8 * r * c
	}
	return 0
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
