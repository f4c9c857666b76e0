package display

import (
	"encoding/base64"
	"strconv"

	"github.com/gopherprop/gopherprop/ad"
)

// TapeSVG draws the computation recorded on t (see ad.Record) as an SVG
// graph: one box per node with its op name, ID and value shape (and the
// value of scalars), arrows from each input to the op that reads it, the
// inputs at the top and the output (red box) at the bottom. After a
// backward pass every node shows the size of its gradient as
// "∇ ‖g‖ = …" (the Euclidean norm of all its numbers); nodes no gradient
// reached have a dashed border. Tapes of more than 400 nodes are not drawn;
// TapeSVG then returns "" and Tape shows a summary of ops instead.
// TapePNG draws the same picture as a PNG file.
func TapeSVG(t *ad.Tape) string {
	nodes := tapeNodes(t)
	if len(nodes) > maxGraphNodes {
		return ""
	}
	s, err := graphSVG(nodes)
	if err != nil {
		return ""
	}
	return s
}

// TapePNG draws the computation recorded on t as a PNG file at 96 dots
// per inch: the drawing of TapeSVG, nil for tapes of more than 400 nodes.
func TapePNG(t *ad.Tape) []byte {
	nodes := tapeNodes(t)
	if len(nodes) > maxGraphNodes {
		return nil
	}
	b, err := graphPNG(nodes)
	if err != nil {
		return nil
	}
	return b
}

// Tape displays the drawing of the computation recorded on t (see
// TapeSVG).
func Tape(t *ad.Tape) *Handle {
	return showBundle(tapeBundle(t), nil)
}

func tapeNodes(t *ad.Tape) []graphNode {
	if t == nil {
		return nil
	}
	ns := t.Nodes()
	out := t.Output()
	nodes := make([]graphNode, len(ns))
	for i, n := range ns {
		g := graphNode{id: n.ID, op: n.Op, shape: n.Shape, inputs: n.Inputs, output: n.ID == out}
		if f, ok := n.Value.(float64); ok {
			g.value = formatFloat(f)
		}
		if n.Grad != nil {
			if nm, ok := norm(n.Grad); ok {
				g.grad = "‖g‖ = " + formatFloat(nm)
				if f, ok := n.Grad.(float64); ok {
					g.grad = "g = " + formatFloat(f)
				}
			}
		}
		nodes[i] = g
	}
	return nodes
}

// tapeBundle is the MIME bundle of a tape drawing: SVG and, for
// notebooks that do not trust SVG and for viewers without it, PNG.
func tapeBundle(t *ad.Tape) map[string]any {
	nodes := tapeNodes(t)
	if len(nodes) > maxGraphNodes {
		text, htm := graphSummary(nodes)
		return map[string]any{"text/plain": text, "text/html": htm}
	}
	text := "<ad.Tape with " + strconv.Itoa(len(nodes)) + " nodes>"
	if len(nodes) == 0 {
		return textBundle("<empty ad.Tape>")
	}
	svg, err := graphSVG(nodes)
	if err != nil {
		return textBundle(text + ": " + err.Error())
	}
	pngData, err := graphPNG(nodes)
	if err != nil {
		return textBundle(text + ": " + err.Error())
	}
	return map[string]any{"image/svg+xml": svg, "image/png": base64.StdEncoding.EncodeToString(pngData), "text/plain": text}
}

// adBundle returns the bundle of values of package ad that Bundle treats
// specially, or nil.
func adBundle(v any) map[string]any {
	if t, ok := v.(*ad.Tape); ok {
		if t == nil {
			return textBundle("<nil>")
		}
		return tapeBundle(t)
	}
	return nil
}
