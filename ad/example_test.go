package ad_test

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
)

// A whole training loop: a parameter struct, a loss reading its fields, the
// gradient written into a struct of the same type, and an SGD update.
func Example_sgd() {
	type Model struct {
		W *mat.Dense
		B *mat.VecDense
	}
	m := Model{W: mat.NewDense(1, 2, []float64{0.5, -0.5}), B: mat.NewVecDense(1, []float64{0})}
	x := mat.NewVecDense(2, []float64{1, 2})
	y := mat.NewVecDense(1, []float64{1})
	loss := func(p *ad.Var) *ad.Var {
		pred := ad.Add(ad.MatVec(ad.Field(p, "W"), ad.Const(x)), ad.Field(p, "B"))
		return ad.Sum(ad.Square(ad.Sub(pred, ad.Const(y))))
	}
	var g Model // the gradient has the parameters' type
	for i := 0; i < 3; i++ {
		l := ad.Grad(loss, m, &g)
		fmt.Printf("loss %.4f\n", l)
		m.W.Apply(func(r, c int, w float64) float64 { return w - 0.1*g.W.At(r, c) }, m.W)
		m.B.AddScaledVec(m.B, -0.1, g.B)
	}
	// Output:
	// loss 2.2500
	// loss 0.0900
	// loss 0.0036
}

func ExampleGrad() {
	// f(x) = √(4x): f(9) = 6, f'(9) = 1/3.
	f := func(x *ad.Var) *ad.Var { return ad.Sqrt(ad.Mul(x, ad.Scalar(4))) }
	var dx float64
	y := ad.Grad(f, 9.0, &dx)
	fmt.Println(y, dx)
	// Output: 6 0.3333333333333333
}

func ExampleGrad2() {
	// f(x, xs) = Σ xs²/x at (9, [1 6 2]), inputs of different types.
	f := func(x, xs *ad.Var) *ad.Var { return ad.Div(ad.Sum(ad.Square(xs)), x) }
	var dx float64
	var dxs *mat.VecDense
	y := ad.Grad2(f, 9.0, mat.NewVecDense(3, []float64{1, 6, 2}), &dx, &dxs)
	fmt.Printf("%.4f %.4f %.4f\n", y, dx, mat.Formatted(dxs.T(), mat.Squeeze()))
	// Output: 4.5556 -0.5062 [0.2222  1.3333  0.4444]
}

func ExampleGradN() {
	// Any number of inputs; a nil destination skips a gradient.
	f := func(xs []*ad.Var) *ad.Var {
		return ad.Mul(ad.Mul(xs[0], xs[1]), ad.Exp(xs[2]))
	}
	var da, dc float64
	y := ad.GradN(f, []any{2.0, 3.0, 0.0}, []any{&da, nil, &dc})
	fmt.Println(y, da, dc)
	// Output: 6 3 6
}

func ExampleGradWith() {
	// A vector–Jacobian product: the seed is the gradient of the output.
	f := func(x *ad.Var) *ad.Var { return ad.Square(x) }
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	seed := mat.NewVecDense(3, []float64{1, 0, -1})
	var dx *mat.VecDense
	ad.GradWith(f, x, seed, &dx)
	fmt.Println(dx.RawVector().Data)
	// Output: [2 0 -6]
}

func ExampleEval() {
	// Eval records nothing: it costs what the plain gonum code costs.
	f := func(x *ad.Var) *ad.Var { return ad.Logistic(x) }
	fmt.Printf("%.4f\n", ad.Eval(f, 0.5))
	// Output: 0.6225
}

func ExampleField() {
	type MT struct{ X, Y, Z float64 }
	// backprop's gradBP (\mt -> x*y + z) (MT 5 7 2) = MT 7 5 1.
	f := func(mt *ad.Var) *ad.Var {
		return ad.Add(ad.Mul(ad.Field(mt, "X"), ad.Field(mt, "Y")), ad.Field(mt, "Z"))
	}
	var g MT
	ad.Grad(f, MT{5, 7, 2}, &g)
	fmt.Printf("%+v\n", g)
	// Output: {X:7 Y:5 Z:1}
}

func ExampleSetField() {
	type P struct{ A, B float64 }
	// Replace field A by A², then use both fields.
	f := func(p *ad.Var) *ad.Var {
		q := ad.UpdateField(p, "A", ad.Square)
		return ad.Mul(ad.Field(q, "A"), ad.Field(q, "B"))
	}
	var g P
	ad.Grad(f, P{3, 2}, &g)
	fmt.Printf("%+v\n", g)
	// Output: {A:12 B:9}
}

func ExampleSplit() {
	// backprop's funcOnList: √(x/y)·z on a slice.
	f := func(xs *ad.Var) *ad.Var {
		e := ad.Split(xs)
		return ad.Mul(ad.Sqrt(ad.Div(e[0], e[1])), e[2])
	}
	var g []float64
	y := ad.Grad(f, []float64{3, 5, -2}, &g)
	fmt.Printf("%.4f %.4f\n", y, g)
	// Output: -1.5492 [-0.2582 0.1549 0.7746]
}

func ExampleJoin() {
	// Join collects scalars into a []float64 (backprop's collectVar).
	f := func(x *ad.Var) *ad.Var {
		xs := ad.Join([]*ad.Var{x, ad.Square(x), ad.Scalar(1)})
		return ad.Mul(ad.Index(xs, 1), ad.Index(xs, 0))
	}
	var dx float64
	y := ad.Grad(f, 2.0, &dx)
	fmt.Println(y, dx)
	// Output: 8 12
}

func ExampleStruct() {
	type Pair struct{ A, B float64 }
	// Build a struct from Vars, then read it back.
	f := func(x *ad.Var) *ad.Var {
		p := ad.Struct(Pair{}, map[string]*ad.Var{"A": ad.Sin(x), "B": x})
		return ad.Mul(ad.Field(p, "A"), ad.Field(p, "B"))
	}
	var dx float64
	ad.Grad(f, 0.0, &dx)
	fmt.Println(dx)
	// Output: 0
}

func ExampleOp1() {
	// A custom op with a hand-written vector–Jacobian product.
	cube := ad.Op1("cube", func(x any) (any, func(g any) any) {
		v := x.(float64)
		return v * v * v, func(g any) any { return g.(float64) * 3 * v * v }
	})
	var dx float64
	y := ad.Grad(func(x *ad.Var) *ad.Var { return cube(x) }, 2.0, &dx)
	fmt.Println(y, dx)
	// Output: 8 12
}

func ExampleApply() {
	// An Op whose gradient is written with ad ops can be differentiated twice.
	softsign := &ad.Op{
		Name:    "softsign",
		Forward: func(in []any) any { x := in[0].(float64); return x / (1 + math.Abs(x)) },
		Backward: func(g *ad.Var, in []*ad.Var, _ *ad.Var) []*ad.Var {
			d := ad.AddScalar(ad.Abs(in[0]), ad.Scalar(1))
			return []*ad.Var{ad.Div(g, ad.Square(d))}
		},
	}
	var d2 float64
	ad.Grad(func(x *ad.Var) *ad.Var { return ad.Gradients(ad.Apply(softsign, x), x)[0] }, 1.0, &d2)
	fmt.Println(d2)
	// Output: -0.25
}

func ExampleNoGrad() {
	round := ad.NoGrad("round", func(x any) any { return math.Round(x.(float64)) })
	var dx float64
	// The rounded value is only compared, so its missing gradient is never needed.
	y := ad.Grad(func(x *ad.Var) *ad.Var {
		if round(x).Float() > 2 {
			return ad.Square(x)
		}
		return x
	}, 2.6, &dx)
	fmt.Printf("%.2f %.1f\n", y, dx)
	// Output: 6.76 5.2
}

func ExampleIso() {
	type Celsius struct{ Deg float64 }
	// Wrap a float64 in a struct and unwrap it: derivative one.
	wrap := func(x any) any { return Celsius{x.(float64)} }
	unwrap := func(c any) any { return c.(Celsius).Deg }
	var dx float64
	ad.Grad(func(x *ad.Var) *ad.Var {
		c := ad.Iso(x, "wrap", wrap, unwrap)
		return ad.Square(ad.Field(c, "Deg"))
	}, 3.0, &dx)
	fmt.Println(dx)
	// Output: 6
}

func ExampleRecord() {
	// Record runs the function and its backward pass and returns the tape.
	tape := ad.Record(func(xs []*ad.Var) *ad.Var {
		return ad.Mul(ad.Sin(xs[0]), xs[1])
	}, 0.0, 2.0)
	for _, n := range tape.Nodes() {
		fmt.Println(n.ID, n.Op, n.Inputs, n.Shape, n.Grad)
	}
	fmt.Println("output", tape.Output())
	// Output:
	// 0 input [] scalar 2
	// 1 input [] scalar 0
	// 2 Sin [0] scalar 2
	// 3 Mul [2 1] scalar 1
	// output 3
}

func ExampleGradients() {
	// Second derivative of x³ at 2 (= 6x = 12) by differentiating the gradient.
	var d2 float64
	ad.Grad(func(x *ad.Var) *ad.Var {
		y := ad.Mul(x, ad.Square(x))
		return ad.Gradients(y, x)[0] // 3x², itself differentiable
	}, 2.0, &d2)
	fmt.Println(d2)
	// Output: 12
}

func ExampleCheckGrad() {
	type Layer struct {
		W *mat.Dense
		B *mat.VecDense
	}
	l := Layer{W: mat.NewDense(2, 2, []float64{0.1, 0.2, -0.3, 0.4}), B: mat.NewVecDense(2, []float64{0.5, -0.5})}
	x := mat.NewVecDense(2, []float64{1, -1})
	f := func(xs []*ad.Var) *ad.Var {
		h := ad.Add(ad.MatVec(ad.Field(xs[0], "W"), ad.Const(x)), ad.Field(xs[0], "B"))
		return ad.Sum(ad.Tanh(h))
	}
	r := ad.CheckGrad(f, []any{l}, 0)
	fmt.Println(r.Checked, r.MaxRelErr < 1e-8)
	// Output: 6 true
}

func ExampleSetContext() {
	// The notebook kernel installs a context per cell; once it is cancelled,
	// long computations stop with ErrInterrupted.
	ctx, cancel := context.WithCancel(context.Background())
	ad.SetContext(ctx)
	defer ad.SetContext(context.Background())
	cancel()
	defer func() { fmt.Println(recover() == ad.ErrInterrupted) }()
	ad.Grad(func(x *ad.Var) *ad.Var { return ad.Sin(x) }, 1.0, nil)
	// Output: true
}

// A mini-batch training loop with a Session: the batch's forward values
// (here 3×4 and 1×4 matrices; megabytes in a real network) are written into
// the session's buffers, reused on every step. The value a call returns
// (and any value read from its Vars) is valid until the session's next
// call; the gradient written into g is the caller's.
func ExampleSession() {
	type Layer struct {
		W *mat.Dense
		B *mat.VecDense
	}
	p := Layer{W: mat.NewDense(1, 3, []float64{0.1, -0.2, 0.3}), B: mat.NewVecDense(1, nil)}
	// Four samples (columns) of y = x₀ + 2x₁ − x₂ + 1.
	x := mat.NewDense(3, 4, []float64{1, 0, 0, 2, 0, 1, 0, 1, 0, 0, 1, 1})
	y := mat.NewDense(1, 4, []float64{2, 3, 0, 4})
	loss := func(p *ad.Var) *ad.Var {
		pred := ad.AddBias(ad.MatMul(ad.Field(p, "W"), ad.Const(x)), ad.Field(p, "B"))
		return ad.SquaredError(pred, ad.Const(y))
	}
	var s ad.Session
	var g Layer
	opt := ad.NewAdam(0.1)
	for step := range 300 {
		l := s.Grad(loss, p, &g).(float64)
		opt.Step(&p, g)
		if step%100 == 0 {
			fmt.Printf("step %d: loss %.4f\n", step, l)
		}
	}
	pred := s.Eval(func(p *ad.Var) *ad.Var {
		return ad.AddBias(ad.MatMul(ad.Field(p, "W"), ad.Const(x)), ad.Field(p, "B"))
	}, p).(*mat.Dense)
	fmt.Printf("predictions %.2f and %.2f, want 2 and 4\n", pred.At(0, 0), pred.At(0, 3))
	// Output:
	// step 0: loss 27.6300
	// step 100: loss 0.0003
	// step 200: loss 0.0000
	// predictions 2.00 and 4.00, want 2 and 4
}

// A custom op whose VJP returns the weight gradient g·xᵀ as an OuterGrad:
// the backward pass writes it straight into the destination matrix, which
// a training loop passes again on every step.
func ExampleOuterGrad() {
	matVec := ad.Op2("matVec", func(w, x any) (any, func(g any) (any, any)) {
		W, X := w.(*mat.Dense), x.(*mat.VecDense)
		r, _ := W.Dims()
		y := mat.NewVecDense(r, nil)
		y.MulVec(W, X)
		return y, func(g any) (any, any) {
			G := g.(*mat.VecDense)
			dx := mat.NewVecDense(X.Len(), nil)
			dx.MulVec(W.T(), G)
			return ad.OuterGrad(1, G, X), dx
		}
	})
	x := mat.NewVecDense(3, []float64{1, 2, 3})
	W := mat.NewDense(2, 3, []float64{1, 0, 0, 0, 1, 0})
	dW := mat.NewDense(2, 3, nil) // reused: the gradient is written into it
	ad.Grad(func(w *ad.Var) *ad.Var { return ad.Sum(matVec(w, ad.Const(x))) }, W, &dW)
	fmt.Println(mat.Formatted(dW))
	// Output:
	// ⎡1  2  3⎤
	// ⎣1  2  3⎦
}
