package ad

var addOp = &Op{
	Name: "Add",
	Forward: func(in []any) any {
		kx, ky := kindOf(in[0]), kindOf(in[1])
		if kx != kindOther && ky != kindOther && (kx == kindScalar) != (ky == kindScalar) {
			return zipValues("Add", in[0], in[1], func(a, b float64) float64 { return a + b })
		}
		checkSameShape("Add", in[0], in[1])
		return add(in[0], in[1])
	},
	Backward: func(g *Var, in []*Var, _ *Var) []*Var {
		return []*Var{unbroadcast(g, in[0]), unbroadcast(g, in[1])}
	},
}

// Add returns x + y for two values of the same shape: scalars, vectors,
// matrices, or structs, slices and maps of them. A scalar added to a vector
// or matrix is added to every element (its gradient is the sum of g). Add
// panics naming both shapes if they differ.
func Add(x, y *Var) *Var { return Apply(addOp, x, y) }
