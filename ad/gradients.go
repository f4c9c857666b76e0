package ad

import "fmt"

// Gradients returns the gradients of y with respect to xs as Vars recorded
// on the same tape as y, so that they can themselves be differentiated
// (PyTorch's create_graph, autograd's grad of grad). Use it inside a
// function passed to Grad to compute higher-order derivatives, for example a
// Hessian–vector product:
//
//	hv := ad.Grad(func(x *ad.Var) *ad.Var {
//		g := ad.Gradients(f(x), x)[0]
//		return ad.Dot(g, ad.Const(v))
//	}, x0, &dst)
//
// Every op on the path must have a Backward (all of the library's ops on
// scalars, vectors and matrices do); an op with only a VJP makes Gradients
// panic with a message naming it. A gradient with respect to an input that
// does not influence y is a constant zero. Gradients needs a recording
// run: inside Eval or EvalN (where nothing is recorded) every gradient it
// returns is zero; use it inside Grad, GradN, Record or CheckGrad.
func Gradients(y *Var, xs ...*Var) []*Var {
	out := make([]*Var, len(xs))
	t := y.tape
	if t == nil {
		for i, x := range xs {
			out[i] = Const(zero(x.val))
		}
		return out
	}
	for i, x := range xs {
		if x.tape != nil && x.tape != t {
			panic(fmt.Sprintf("ad.Gradients: input %d belongs to another computation", i))
		}
	}
	grads := make([]*Var, y.id+1)
	grads[y.id] = Const(one(y.val))
	for i := y.id; i >= 0; i-- {
		if i&63 == 0 {
			CheckInterrupt()
		}
		g := grads[i]
		n := t.nodes[i]
		if g == nil || n.op == nil {
			continue
		}
		if n.op.Backward == nil {
			if n.op.VJP != nil {
				panic(fmt.Sprintf("ad.Gradients: op %s has no differentiable gradient (only a VJP), so it cannot be differentiated twice", n.name))
			}
			panic(&NoGradError{Op: n.name})
		}
		gin := n.op.Backward(g, n.inputs, &Var{val: n.val, tape: t, id: i})
		for k, v := range n.inputs {
			if v.tape != t || gin[k] == nil {
				continue
			}
			if grads[v.id] == nil {
				grads[v.id] = gin[k]
			} else {
				grads[v.id] = Add(grads[v.id], gin[k])
			}
		}
	}
	for i, x := range xs {
		if x.tape == t && x.id <= y.id && grads[x.id] != nil {
			out[i] = grads[x.id]
		} else {
			out[i] = Const(zero(x.val))
		}
	}
	return out
}
