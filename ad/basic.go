package ad

var addOp = &Op{
	Name: "Add",
	Forward: func(in []any) any {
		checkSameShape("Add", in[0], in[1])
		return add(in[0], in[1])
	},
	Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{g, g} },
}

// Add returns x + y for two values of the same shape: scalars, vectors,
// matrices, or structs, slices and maps of them. It panics naming both
// shapes if they differ.
func Add(x, y *Var) *Var { return Apply(addOp, x, y) }
