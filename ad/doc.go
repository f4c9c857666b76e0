// Package ad is reverse-mode automatic differentiation for Go, on ordinary
// values of different types: float64 scalars, gonum vectors and matrices,
// and structs, slices and maps of them. It follows the Haskell library
// backprop (and Python's autograd): write the computation as a Go function,
// get the gradient with respect to any input, with the input's own type and
// shape.
//
// # Values and Vars
//
// A *Var is a value taking part in a computation: a float64, a
// *mat.VecDense, a *mat.Dense, a struct (or pointer to struct) whose fields
// are such values, a slice, a map with string keys, or a user type that
// implements Backprop. Operations are package-level functions taking and
// returning *Var: Add, Sub, Mul, Div, Exp, Tanh, Logistic, MatVec, MatMul,
// Softmax, ... The element-wise operations work on scalars, vectors and
// matrices alike (a scalar is broadcast over a vector or matrix). Read a
// Var's value with Value, Float, Vec or Mat, and branch on it freely:
//
//	if x.Float() < 0 { return ad.Neg(x) }
//
// Comparisons pass no gradient; only the Vars an answer is built from do.
// Constants (Const, Scalar) never receive a gradient, and an operation whose
// inputs are all constants records nothing.
//
// # The tape
//
// The running functions call your function on input Vars recorded on a
// tape (a Wengert list). Each operation on a recorded Var appends one node:
// its Op, its inputs and its value. The backward pass walks the tape once,
// from the output's own node down to the inputs, handing each node's
// gradient to its Op's vector–Jacobian product and adding what comes back
// into the gradients of its inputs. An input used several times gets the
// sum; an input not used gets a zero of its shape; a function returning its
// input gets gradient one. Record returns the tape of a run for inspection
// and drawing (Tape.Nodes, Tape.Output).
//
// # Running functions
//
// Eval runs a function without recording (no cost over plain gonum code).
// Grad, Grad2 and GradN run it, write the gradients and return the value;
// GradWith and GradNWith take an explicit output gradient (a
// vector–Jacobian product).
// Gradients are written through destination pointers, one per input:
//
//	type Net struct {
//		W *mat.Dense
//		B *mat.VecDense
//	}
//	var g Net
//	loss := ad.Grad(func(n *ad.Var) *ad.Var {
//		h := ad.Add(ad.MatVec(ad.Field(n, "W"), ad.Const(x)), ad.Field(n, "B"))
//		return ad.Sum(ad.Square(ad.Sub(ad.Tanh(h), ad.Const(y))))
//	}, net, &g)
//	// g.W and g.B now hold ∂loss/∂W and ∂loss/∂B
//
// This is the one form that works both in compiled Go and in notebook cells
// (the interpreter cannot type-assert a cell's struct type back from an
// interface). The destination's matrices and vectors are reused when their
// shapes match, so a training loop allocates no new gradient storage. A
// *any destination receives a fresh value instead, and nil skips a gradient.
//
// # Structs, slices and maps
//
// Field reads a struct field (backprop's ^^.), SetField and UpdateField
// replace one (.~~ and %~~), Struct builds a struct from field Vars. Index
// and Key read an element of a slice or vector and an entry of a map; Split
// and SplitMap split a container into Vars of its parts, Join and JoinMap
// collect Vars into a slice or map. Gradients of parts are accumulated
// sparsely: reading m of n fields costs O(m), and no zero values are built
// for the others. Iso and Coerce change a value's representation with
// derivative one. Struct types declared in notebook cells work too (their
// unexported fields are reachable by their names).
//
// # Custom operations
//
// An Op is data: a Forward function and a gradient, either a VJP on plain
// values or a Backward written with ad operations. Op1, Op2 and Op3 make
// functions from a forward function returning its vector–Jacobian closure
// (backprop's op1, op2, op3); Apply applies any Op; NoGrad makes an op with
// no gradient, which fails with a *NoGradError only if a gradient actually
// reaches it.
//
// # Higher order
//
// Gradients, called inside a running function, returns gradients as Vars
// recorded on the same tape: differentiate them again for second
// derivatives, Hessian–vector products and Jacobian–vector products. Every
// library operation has a Backward, so any composition of them is
// differentiable to any order; ops with only a VJP are first-order.
// Built on it: Jacobian (one reverse pass per output), JVP (forward-mode
// Jacobian–vector product by the double-VJP trick), HVP and Hessian
// (reverse over reverse); ExampleHessian runs Newton's method with them.
//
// # Training
//
// The optimizers SGD (NewSGD, NewMomentum) and Adam (NewAdam) update any
// parameter struct in place from a gradient of the same shape, and
// Minimize runs a loop of them. ParallelGrad splits a batch across
// goroutines, one tape each, and sums the gradients. Building with the tag
// openblas (cgo and OpenBLAS) makes gonum use OpenBLAS; BLAS reports which
// implementation is in use.
//
// # Cost
//
// Every op computes its result eagerly with gonum and returns a fresh value,
// so the forward pass costs what the gonum calls cost plus one small
// allocation per op, and the garbage collector frees the values later. The backward pass of Grad reuses memory: weight
// gradients are written straight into the destination's matrices, and the
// common ops (products, affine layers, element-wise maps, softmax
// cross-entropy, field reads) compute their first-order gradients into
// buffers recycled from one Grad call to the next, so a training step
// allocates little beyond its forward values. Gradients that leave the
// package as they are (a *any destination, a custom op's VJP, Record) are
// never recycled. On backprop's MNIST network a training step costs within
// about 10% of a hand-written gonum step (see BenchmarkMLP).
//
// A Session goes further for loops that call the same function again and
// again: its Grad, GradN, Eval and EvalN write the forward values of the
// library's ops into buffers the session owns and reuses on its next call
// (where the shape at the same position of the pass matches), so a
// training step on a large batch allocates almost nothing. The price is an
// explicit lifetime: the values a call produces are valid until the
// session's next call.
//
// # Checking and cancelling
//
// CheckGrad compares any gradient with central finite differences and
// reports the worst relative error and where. SetContext installs a context
// that long compiled work (backward passes, optimizers) polls: once it is
// cancelled they stop by panicking with ErrInterrupted, which is how a
// notebook's Interrupt button stops compiled code.
//
// Shape errors panic before any gonum call, with a message naming the
// operation and both shapes, e.g. "ad.Mul: shapes differ: vector(3) and
// vector(4)". No state is shared between running functions; each uses its
// own tape, so gradients may be computed concurrently on separate
// goroutines.
package ad
