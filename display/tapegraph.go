package display

import (
	"fmt"
	"html"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// graphNode is one box of a computation graph drawing.
type graphNode struct {
	id     int
	op     string
	shape  string
	inputs []int
	value  string // short value (scalars), "" otherwise
	grad   string // gradient size after a backward pass, "" if none
	output bool
}

// maxGraphNodes is the largest graph drawn box by box; larger ones are
// summarised by op counts.
const maxGraphNodes = 400

// Layout constants of the graph drawing, in pixels (at 96 dots per inch).
const (
	gCharW   = 7.2 // width of a character at font-size 12 monospace
	gLineH   = 15.0
	gPadX    = 10.0
	gPadY    = 6.0
	gGapX    = 24.0
	gGapY    = 44.0
	gMargin  = 16.0
	gMinBoxW = 60.0
)

// vnode is a box of the drawing or, for real < 0, a dummy point that
// routes an edge spanning several layers.
type vnode struct {
	real         int // index into nodes, or -1
	layer        int
	w, h         float64
	x, y         float64 // centre x; top y
	order        float64
	preds, succs []int // vnodes in the layers above and below
}

// edgePath is one data-flow edge: the vnodes it passes through, from the
// input to the consumer, and the input slot at the consumer.
type edgePath struct {
	via        []int
	slot, nIns int
}

// graphLayout is a laid-out graph drawing, in pixels with y growing
// downwards: one box per node (index = node ID) and one path per edge.
type graphLayout struct {
	width, height float64
	boxes         []graphBox
	edges         []graphEdge
}

// graphBox is a node's box: left, top, width and height.
type graphBox struct{ x, y, w, h float64 }

// graphEdge is a data-flow edge from (x0, y0): a cubic curve with vertical
// tangents to each point of steps (straight, when line is set, for the
// run across a layer that a dummy point stands for), ending at the top
// of the consumer's box.
type graphEdge struct {
	x0, y0 float64
	steps  []edgeStep
}

type edgeStep struct {
	x, y float64
	line bool
}

// layoutGraph lays out the graph in layers (Sugiyama style: each node one
// layer below its deepest input, inputs just above their first use, long
// edges routed through dummy points, crossings reduced by barycentre
// ordering, nodes pulled towards their neighbours) with inputs at the top
// and the output at the bottom. Node IDs must be 0…len-1 in topological
// order (as recorded on a tape).
func layoutGraph(nodes []graphNode) graphLayout {
	n := len(nodes)
	valid := func(in, i int) bool { return in >= 0 && in < i }

	// Layers: longest path from the sources, then sources moved down to
	// just above their first consumer.
	layer := make([]int, n)
	for i, nd := range nodes {
		for _, in := range nd.inputs {
			if valid(in, i) && layer[in]+1 > layer[i] {
				layer[i] = layer[in] + 1
			}
		}
	}
	firstUse := make([]int, n)
	for i := range firstUse {
		firstUse[i] = -1
	}
	for i, nd := range nodes {
		for _, in := range nd.inputs {
			if valid(in, i) && (firstUse[in] < 0 || layer[i] < firstUse[in]) {
				firstUse[in] = layer[i]
			}
		}
	}
	for i, nd := range nodes {
		if len(nd.inputs) == 0 && firstUse[i] > 0 {
			layer[i] = firstUse[i] - 1
		}
	}

	vs := make([]vnode, n)
	maxLayer := 0
	for i, nd := range nodes {
		lines := nodeLines(nd)
		wmax := 0
		for _, l := range lines {
			wmax = max(wmax, len([]rune(l)))
		}
		vs[i] = vnode{real: i, layer: layer[i],
			w: math.Max(gMinBoxW, float64(wmax)*gCharW+2*gPadX),
			h: float64(len(lines))*gLineH + 2*gPadY}
		maxLayer = max(maxLayer, layer[i])
	}
	var edges []edgePath
	for i, nd := range nodes {
		for k, in := range nd.inputs {
			if !valid(in, i) {
				continue
			}
			e := edgePath{via: []int{in}, slot: k, nIns: len(nd.inputs)}
			prev := in
			for l := layer[in] + 1; l < layer[i]; l++ {
				vs = append(vs, vnode{real: -1, layer: l, w: 2})
				d := len(vs) - 1
				vs[prev].succs = append(vs[prev].succs, d)
				vs[d].preds = append(vs[d].preds, prev)
				e.via = append(e.via, d)
				prev = d
			}
			vs[prev].succs = append(vs[prev].succs, i)
			vs[i].preds = append(vs[i].preds, prev)
			e.via = append(e.via, i)
			edges = append(edges, e)
		}
	}
	layers := make([][]int, maxLayer+1)
	for i := range vs {
		layers[vs[i].layer] = append(layers[vs[i].layer], i)
	}
	setOrder := func(ids []int) {
		for k, id := range ids {
			vs[id].order = float64(k)
		}
	}
	for _, ids := range layers {
		setOrder(ids)
	}
	mean := func(ids []int, f func(int) float64) (float64, bool) {
		if len(ids) == 0 {
			return 0, false
		}
		s := 0.0
		for _, id := range ids {
			s += f(id)
		}
		return s / float64(len(ids)), true
	}
	// Crossing reduction: barycentre sweeps down and up.
	for iter := 0; iter < 4; iter++ {
		sweep := func(l int, nbrs func(int) []int) {
			ids := layers[l]
			key := make(map[int]float64, len(ids))
			for _, id := range ids {
				k, ok := mean(nbrs(id), func(j int) float64 { return vs[j].order })
				if !ok {
					k = vs[id].order
				}
				key[id] = k
			}
			sort.SliceStable(ids, func(a, b int) bool { return key[ids[a]] < key[ids[b]] })
			setOrder(ids)
		}
		for l := 1; l <= maxLayer; l++ {
			sweep(l, func(id int) []int { return vs[id].preds })
		}
		for l := maxLayer - 1; l >= 0; l-- {
			sweep(l, func(id int) []int { return vs[id].succs })
		}
	}
	// Coordinates: pack each layer, then pull nodes towards the mean x of
	// their neighbours while keeping the order and the gaps.
	place := func(ids []int, want func(int) (float64, bool)) {
		if len(ids) == 0 {
			return
		}
		desired := make([]float64, len(ids))
		for k, id := range ids {
			if x, ok := want(id); ok {
				desired[k] = x
			} else {
				desired[k] = vs[id].x
			}
		}
		xs := append([]float64(nil), desired...)
		for k := 1; k < len(ids); k++ {
			minX := xs[k-1] + (vs[ids[k-1]].w+vs[ids[k]].w)/2 + gGapX
			if xs[k] < minX {
				xs[k] = minX
			}
		}
		// Shift the packed layer so that it sits on its desired centre.
		dm := 0.0
		for k := range ids {
			dm += desired[k] - xs[k]
		}
		dm /= float64(len(ids))
		for k, id := range ids {
			vs[id].x = xs[k] + dm
		}
	}
	for _, ids := range layers {
		x := 0.0
		for _, id := range ids {
			vs[id].x = x + vs[id].w/2
			x += vs[id].w + gGapX
		}
	}
	nbrX := func(f func(int) []int) func(int) (float64, bool) {
		return func(id int) (float64, bool) {
			return mean(f(id), func(j int) float64 { return vs[j].x })
		}
	}
	for iter := 0; iter < 4; iter++ {
		for l := 1; l <= maxLayer; l++ {
			place(layers[l], nbrX(func(id int) []int { return vs[id].preds }))
		}
		for l := maxLayer - 1; l >= 0; l-- {
			place(layers[l], nbrX(func(id int) []int { return vs[id].succs }))
		}
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for i := range vs {
		minX = math.Min(minX, vs[i].x-vs[i].w/2)
		maxX = math.Max(maxX, vs[i].x+vs[i].w/2)
	}
	for i := range vs {
		vs[i].x += gMargin - minX
	}
	width := maxX - minX + 2*gMargin
	layerTop := make([]float64, len(layers))
	layerH := make([]float64, len(layers))
	y := gMargin
	for l, ids := range layers {
		for _, id := range ids {
			layerH[l] = math.Max(layerH[l], vs[id].h)
		}
		layerTop[l] = y
		for _, id := range ids {
			vs[id].y = y + (layerH[l]-vs[id].h)/2
		}
		y += layerH[l] + gGapY
	}
	height := y - gGapY + gMargin

	lay := graphLayout{width: width, height: height, boxes: make([]graphBox, n)}
	for i := 0; i < n; i++ {
		p := &vs[i]
		lay.boxes[i] = graphBox{x: p.x - p.w/2, y: p.y, w: p.w, h: p.h}
	}
	for _, e := range edges {
		from, to := &vs[e.via[0]], &vs[e.via[len(e.via)-1]]
		ge := graphEdge{x0: from.x, y0: from.y + from.h}
		for _, d := range e.via[1 : len(e.via)-1] {
			l := vs[d].layer
			ge.steps = append(ge.steps, edgeStep{x: vs[d].x, y: layerTop[l]}, edgeStep{x: vs[d].x, y: layerTop[l] + layerH[l], line: true})
		}
		// Spread the arrow heads of several inputs along the top edge.
		ge.steps = append(ge.steps, edgeStep{x: to.x - to.w/2 + to.w*float64(e.slot+1)/float64(e.nIns+1), y: to.y})
		lay.edges = append(lay.edges, ge)
	}
	return lay
}

// nodeLines returns the text lines of a node's box.
func nodeLines(n graphNode) []string {
	head := n.op
	if n.output {
		head += " (output)"
	}
	second := n.shape
	if n.value != "" {
		second += " = " + n.value
	}
	lines := []string{head + " #" + strconv.Itoa(n.id), second}
	if n.grad != "" {
		lines = append(lines, "∇ "+n.grad)
	}
	return lines
}

// graphSummary describes a graph too large to draw: node counts per op.
func graphSummary(nodes []graphNode) (text, htm string) {
	count := map[string]int{}
	for _, nd := range nodes {
		count[nd.op]++
	}
	ops := make([]string, 0, len(count))
	for op := range count {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if count[ops[i]] != count[ops[j]] {
			return count[ops[i]] > count[ops[j]]
		}
		return ops[i] < ops[j]
	})
	head := fmt.Sprintf("tape with %d nodes (more than %d are not drawn); nodes per op:", len(nodes), maxGraphNodes)
	var t, h strings.Builder
	t.WriteString(head)
	h.WriteString(`<div>` + html.EscapeString(head) + `<table>`)
	for _, op := range ops {
		fmt.Fprintf(&t, "\n  %-12s %d", op, count[op])
		fmt.Fprintf(&h, `<tr><td>%s</td><td style="text-align:right">%d</td></tr>`, html.EscapeString(op), count[op])
	}
	h.WriteString(`</table></div>`)
	return t.String(), h.String()
}

// norm returns the Euclidean (Frobenius) norm of a float64, a gonum
// vector or matrix, a []float64, or a struct, slice or map of these, and
// whether v held any numbers.
func norm(v any) (float64, bool) {
	ss, ok := sumSquares(reflect.ValueOf(v), 0)
	return math.Sqrt(ss), ok
}

func sumSquares(rv reflect.Value, depth int) (float64, bool) {
	if !rv.IsValid() || depth > 8 {
		return 0, false
	}
	if rv.CanInterface() {
		switch x := rv.Interface().(type) {
		case float64:
			return x * x, true
		case mat.Matrix:
			if isNilPointer(x) {
				return 0, false
			}
			r, c := x.Dims()
			s := 0.0
			for i := 0; i < r; i++ {
				for j := 0; j < c; j++ {
					a := x.At(i, j)
					s += a * a
				}
			}
			return s, true
		}
	}
	switch rv.Kind() {
	case reflect.Float64, reflect.Float32:
		f := rv.Float()
		return f * f, true
	case reflect.Ptr, reflect.Interface:
		if rv.IsNil() {
			return 0, false
		}
		return sumSquares(rv.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		s, any := 0.0, false
		for i := 0; i < rv.Len(); i++ {
			a, ok := sumSquares(rv.Index(i), depth+1)
			s, any = s+a, any || ok
		}
		return s, any
	case reflect.Map:
		s, any := 0.0, false
		it := rv.MapRange()
		for it.Next() {
			a, ok := sumSquares(it.Value(), depth+1)
			s, any = s+a, any || ok
		}
		return s, any
	case reflect.Struct:
		s, any := 0.0, false
		for i := 0; i < rv.NumField(); i++ {
			a, ok := sumSquares(rv.Field(i), depth+1)
			s, any = s+a, any || ok
		}
		return s, any
	}
	return 0, false
}
