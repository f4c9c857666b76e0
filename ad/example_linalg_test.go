package ad_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
)

// The gradient of a matrix–vector product with respect to the matrix is the
// outer product of the seed and the vector.
func ExampleMatVec() {
	w := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	x := ad.Const(mat.NewVecDense(3, []float64{1, 0, -1}))
	var dw *mat.Dense
	y := ad.Grad(func(w *ad.Var) *ad.Var { return ad.Sum(ad.MatVec(w, x)) }, w, &dw)
	fmt.Println(y)
	fmt.Println(mat.Formatted(dw))
	// Output:
	// -4
	// ⎡ 1   0  -1⎤
	// ⎣ 1   0  -1⎦
}

// Shape errors name the op and both shapes.
func ExampleMatVec_shapeError() {
	defer func() { fmt.Println(recover()) }()
	ad.MatVec(ad.Const(mat.NewDense(300, 784, nil)), ad.Const(mat.NewVecDense(100, nil)))
	// Output: ad.MatVec: matrix is 300×784 but vector has length 100
}

func ExampleMatMul() {
	a := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	b := ad.Const(mat.NewDense(2, 1, []float64{1, 1}))
	var da *mat.Dense
	y := ad.Grad(func(a *ad.Var) *ad.Var { return ad.Trace(ad.MatMul(ad.MatMul(a, b), ad.T(b))) }, a, &da)
	fmt.Println(y)
	fmt.Println(mat.Formatted(da))
	// Output:
	// 10
	// ⎡1  1⎤
	// ⎣1  1⎦
}

// The gradient of the Euclidean norm ‖x‖ is x/‖x‖.
func ExampleNorm2() {
	var dx *mat.VecDense
	y := ad.Grad(ad.Norm2, mat.NewVecDense(2, []float64{3, 4}), &dx)
	fmt.Printf("%v %.4f\n", y, mat.Formatted(dx.T()))
	// Output: 5 [0.6000  0.8000]
}

// Solve differentiates through the solution of a linear system.
func ExampleSolve() {
	a := mat.NewDense(2, 2, []float64{2, 0, 0, 4})
	b := mat.NewVecDense(2, []float64{2, 8})
	var da *mat.Dense
	var db *mat.VecDense
	y := ad.Grad2(func(a, b *ad.Var) *ad.Var { return ad.Sum(ad.Solve(a, b)) }, a, b, &da, &db)
	fmt.Println(y) // x = [1 2]
	fmt.Println(mat.Formatted(db.T()))
	fmt.Println(mat.Formatted(da))
	// Output:
	// 3
	// [ 0.5  0.25]
	// ⎡ -0.5     -1⎤
	// ⎣-0.25   -0.5⎦
}

// LogDet's gradient is the inverse transpose.
func ExampleLogDet() {
	var da *mat.Dense
	y := ad.Grad(ad.LogDet, mat.NewDense(2, 2, []float64{2, 0, 0, 4}), &da)
	fmt.Printf("%.4f\n", y)
	fmt.Println(mat.Formatted(da))
	// Output:
	// 2.0794
	// ⎡ 0.5     0⎤
	// ⎣   0  0.25⎦
}

// Slices and concatenation of vectors.
func ExampleConcat() {
	x := mat.NewVecDense(4, []float64{1, 2, 3, 4})
	var dx *mat.VecDense
	y := ad.Grad(func(x *ad.Var) *ad.Var {
		swapped := ad.Concat(ad.Slice(x, 2, 4), ad.Slice(x, 0, 2)) // [3 4 1 2]
		return ad.Dot(swapped, ad.Const(mat.NewVecDense(4, []float64{1, 10, 100, 1000})))
	}, x, &dx)
	fmt.Println(y, mat.Formatted(dx.T()))
	// Output: 2143 [ 100  1000     1    10]
}

// The fused loss equals cross-entropy of the softmax, and its gradient with
// respect to the logits is softmax − target.
func ExampleSoftmaxCrossEntropy() {
	logits := mat.NewVecDense(3, []float64{1, 2, 3})
	target := ad.Const(mat.NewVecDense(3, []float64{0, 0, 1}))
	var dl *mat.VecDense
	loss := ad.Grad(func(z *ad.Var) *ad.Var { return ad.SoftmaxCrossEntropy(z, target) }, logits, &dl)
	same := ad.Eval(func(z *ad.Var) *ad.Var { return ad.CrossEntropy(ad.Softmax(z), target) }, logits)
	fmt.Printf("%.6f %.6f\n", loss, same)
	fmt.Printf("%.4f\n", mat.Formatted(dl.T()))
	// Output:
	// 0.407606 0.407606
	// [ 0.0900   0.2447  -0.3348]
}

// A batch is a matrix whose columns are samples: MatMul, AddBias and a
// column-wise softmax.
func ExampleAddBias() {
	w := ad.Const(mat.NewDense(2, 2, []float64{1, 0, 0, 1}))
	b := ad.Const(mat.NewVecDense(2, []float64{0, 1}))
	x := ad.Const(mat.NewDense(2, 3, []float64{0, 1, 2, 0, 1, 2})) // 3 samples
	p := ad.Softmax(ad.AddBias(ad.MatMul(w, x), b))
	fmt.Printf("%.4f\n", mat.Formatted(p.Mat()))
	// Output:
	// ⎡0.2689  0.2689  0.2689⎤
	// ⎣0.7311  0.7311  0.7311⎦
}

// Dense is a fused layer W·x + b for a sample or a batch: one tape node.
func ExampleDense() {
	type layer struct {
		W *mat.Dense
		B *mat.VecDense
	}
	l := layer{W: mat.NewDense(1, 2, []float64{0.5, -1}), B: mat.NewVecDense(1, []float64{2})}
	x := ad.Const(mat.NewVecDense(2, []float64{4, 1}))
	var g layer
	y := ad.Grad(func(l *ad.Var) *ad.Var {
		return ad.Sum(ad.Dense(ad.Field(l, "W"), ad.Field(l, "B"), x))
	}, l, &g)
	fmt.Println(y, mat.Formatted(g.W), mat.Formatted(g.B.T()))
	// Output: 3 [4  1] [1]
}
