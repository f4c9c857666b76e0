package ad

import (
	"reflect"
	"unsafe"

	"gonum.org/v1/gonum/mat"
)

// Gradient destinations double as workspace. A training loop passes the
// same gradient struct to Grad on every step; the matrices it holds are
// overwritten anyway. So before the backward pass, gradN maps each
// destination matrix to the tape node whose gradient will end up in it (a
// matrix input, or the first Field or Index read of a matrix field or
// element of a struct or slice input, at any depth: Net.L1.W, or the W of
// a layer struct in a []any split by Split; a *any destination holding a
// value of the input's type counts as that value),
// and the backward pass offers that matrix to the fast path of the op
// producing the node's first gradient contribution (see gradFunc in
// fastpath.go). The products behind MatVec, MatMul and Dense write the
// gradient straight into it, and later contributions are added in place.
// This saves allocating, zeroing
// and copying a fresh gradient matrix on every step, which dominates small
// batches (the 784×300 weight gradient of the MNIST network is 1.9 MB).
//
// A destination is only used when it shares no memory with any value the
// backward pass reads (the user may pass the parameters themselves as the
// destination) nor with another destination.

// span is the address range of a matrix's or vector's backing array.
type span struct{ lo, hi uintptr }

func floatsSpan(d []float64) (span, bool) {
	if len(d) == 0 {
		return span{}, false
	}
	lo := uintptr(unsafe.Pointer(&d[0]))
	return span{lo, lo + uintptr(len(d))*8}, true
}

func matSpan(x any) (span, bool) {
	switch m := x.(type) {
	case *mat.Dense:
		if m == nil || m.IsEmpty() {
			return span{}, false
		}
		return floatsSpan(m.RawMatrix().Data)
	case *mat.VecDense:
		if m == nil || m.IsEmpty() {
			return span{}, false
		}
		return floatsSpan(m.RawVector().Data)
	}
	return span{}, false
}

// overlaps reports whether s and o share an address.
func (s span) overlaps(o span) bool { return s.lo < o.hi && o.lo < s.hi }

func overlapsSpans(s span, spans []span) bool {
	for _, o := range spans {
		if s.overlaps(o) {
			return true
		}
	}
	return false
}

// collectSpans appends the spans of every matrix and vector in x (looking
// into structs, pointers to structs, slices and maps).
func collectSpans(x any, out []span, depth int) []span {
	switch x.(type) {
	case nil, float64:
		return out
	case *mat.Dense, *mat.VecDense:
		if s, ok := matSpan(x); ok {
			out = append(out, s)
		}
		return out
	}
	if depth > 8 {
		return out
	}
	rv := reflect.ValueOf(x)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		for i := 0; i < rv.NumField(); i++ {
			if f := rv.Field(i); f.CanInterface() {
				out = collectSpans(f.Interface(), out, depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			out = collectSpans(rv.Index(i).Interface(), out, depth+1)
		}
	case reflect.Map:
		it := rv.MapRange()
		for it.Next() {
			out = collectSpans(it.Value().Interface(), out, depth+1)
		}
	}
	return out
}

// cand is a node whose gradient may be written into a destination matrix.
type cand struct {
	id int
	m  *mat.Dense
}

// planInto sets t.into: for each node whose gradient will be stored into a
// destination matrix, that matrix.
func (t *Tape) planInto(in []*Var, xs, dxs []any, w *work) {
	cands := w.cands[:0]
	defer func() { clear(cands); w.cands = cands[:0] }()
	sameShape := func(m *mat.Dense, like any) bool {
		x, ok := like.(*mat.Dense)
		if m == nil || !ok || m.IsEmpty() || x == nil {
			return false
		}
		r1, c1 := m.Dims()
		r2, c2 := x.Dims()
		return r1 == r2 && c1 == c2
	}
	for i, d := range dxs {
		dv, ok := destValue(d, xs[i])
		if !ok {
			continue
		}
		if m, ok := dv.Interface().(*mat.Dense); ok {
			if sameShape(m, xs[i]) {
				cands = append(cands, cand{in[i].id, m})
			}
			continue
		}
		dv = containerDest(dv)
		if !dv.IsValid() {
			continue
		}
		// Walk the Field and Index reads of the input, and of its fields
		// and elements that are structs or slices, at any depth (Net.L1.W,
		// or a []any of layer structs split by Split): nodes are in
		// recording order, so a part's node comes after the node of the
		// value it is read from.
		dests := append(w.dests[:0], structAt{in[i].id, dv})
		seen := w.seen[:0] // (parent node, field or element) pairs already taken
	nodes:
		for j := in[i].id + 1; j < len(t.nodes); j++ {
			n := &t.nodes[j]
			if !readsPart(n) || n.inputs[0].tape != t {
				continue
			}
			parent := n.inputs[0].id
			var pv reflect.Value
			for _, sd := range dests {
				if sd.id == parent {
					pv = sd.v
				}
			}
			f := n.op.part.index
			if !pv.IsValid() {
				continue
			}
			var fv reflect.Value
			switch {
			case n.op.part.kind == locField && pv.Kind() == reflect.Struct && f < pv.NumField():
				fv = pv.Field(f)
			case n.op.part.kind == locElem && pv.Kind() == reflect.Slice && f < pv.Len():
				fv = pv.Index(f)
			}
			if !fv.IsValid() || !fv.CanInterface() {
				continue
			}
			for k := 0; k+1 < len(seen); k += 2 {
				if seen[k] == parent && seen[k+1] == f {
					continue nodes
				}
			}
			seen = append(seen, parent, f)
			if fv.Kind() == reflect.Interface {
				fv = fv.Elem()
			}
			if !fv.IsValid() {
				continue
			}
			if m, ok := fv.Interface().(*mat.Dense); ok {
				if sameShape(m, n.val) {
					cands = append(cands, cand{j, m})
				}
			} else if sv := containerDest(fv); sv.IsValid() {
				dests = append(dests, structAt{j, sv})
			}
		}
		clear(dests)
		w.seen, w.dests = seen[:0], dests[:0]
	}
	if len(cands) == 0 {
		return
	}
	// Everything the backward pass may read, collected once.
	used := w.spans[:0]
	for k := range t.nodes {
		n := &t.nodes[k]
		if readsPart(n) {
			continue // a field's or element's value is part of its input's value, collected there
		}
		used = collectSpans(n.val, used, 0)
		for _, v := range n.inputs {
			if v.tape != t {
				used = collectSpans(v.val, used, 0)
			}
		}
	}
	defer func() { w.spans = used[:0] }()
	for k, c := range cands {
		s, _ := matSpan(c.m)
		if overlapsSpans(s, used) {
			continue
		}
		shared := false // no two nodes share a destination
		for _, o := range cands[:k] {
			if os, _ := matSpan(o.m); s.overlaps(os) {
				shared = true
			}
		}
		if shared {
			continue
		}
		if t.into == nil {
			if w.intoMap == nil {
				w.intoMap = make(map[int]*mat.Dense, len(cands))
			}
			t.into = w.intoMap
		}
		t.into[c.id] = c.m
	}
}

// structAt is a struct or slice inside a gradient destination and the node
// whose gradient it receives.
type structAt struct {
	id int
	v  reflect.Value
}

// containerDest returns v, or the struct v points to, if that is a struct
// or a slice; else the zero Value.
func containerDest(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct && v.Kind() != reflect.Slice {
		return reflect.Value{}
	}
	return v
}

// destValue returns the value the gradient of input x is written into for
// the destination d: *d, or, for a *any, the value it holds when that has
// x's type (store fills it in place). ok is false for a nil destination
// and for a *any that will be given a fresh value.
func destValue(d any, x any) (v reflect.Value, ok bool) {
	if d == nil {
		return reflect.Value{}, false
	}
	v = reflect.ValueOf(d).Elem()
	if v.Kind() == reflect.Interface {
		v = v.Elem()
		if !v.IsValid() || v.Type() != reflect.TypeOf(x) {
			return reflect.Value{}, false
		}
	}
	return v, true
}

// readsPart reports whether node n reads a field of its input (Field) or
// an element of its slice (Index, Split).
func readsPart(n *node) bool {
	return n.op != nil && n.op.part != nil && (n.op.part.kind == locField || n.op.part.kind == locElem) && len(n.inputs) == 1
}
