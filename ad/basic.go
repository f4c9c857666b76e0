package ad

import "gonum.org/v1/gonum/floats"

var addOp *Op

func init() {
	addOp = &Op{
		Name:    "Add",
		Forward: plainForward(addForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{unbroadcast(g, in[0]), unbroadcast(g, in[1])}
		},
	}
}

// Add returns x + y for two values of the same shape: scalars, vectors,
// matrices, or structs, slices and maps of them. A scalar added to a vector
// or matrix is added to every element (its gradient is the sum of g). Add
// panics naming both shapes if they differ.
func Add(x, y *Var) *Var { return Apply(addOp, x, y) }

// addForward adds two values of one shape, or a scalar to every element of
// a vector or matrix; vectors and matrices go into storage from b.
func addForward(b *fwdBufs, in []any) any {
	kx, ky := kindOf(in[0]), kindOf(in[1])
	if kx != kindOther && ky != kindOther && (kx == kindScalar) != (ky == kindScalar) {
		return zipValues(b, "Add", in[0], in[1], func(a, b float64) float64 { return a + b })
	}
	checkSameShape("Add", in[0], in[1])
	if kx == kindVec || kx == kindMat {
		xs, ys := flat(in[0]), flat(in[1])
		z, out := b.like(in[0])
		floats.AddTo(out, xs, ys)
		return z
	}
	return add(in[0], in[1])
}
