package ad

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Element-wise operations. Every function in this file works on a float64
// scalar, a *mat.VecDense or a *mat.Dense, element by element, and returns a
// new value of the same shape (inputs are never modified). Binary operations
// take two values of the same shape, or a scalar and a vector or matrix: the
// scalar is then used with every element ("broadcast"), and its gradient is
// the sum of the gradients of the elements it was used with. Any other pair of
// shapes panics with a message naming the operation and both shapes, e.g.
// "ad.Mul: shapes differ: vector(3) and matrix(2×2)".
//
// The gradients follow Haskell backprop's formulas exactly (backprop.md §2.3).
// They are written with ad operations, so they can be differentiated again
// (see Gradients). Comparisons are done on values (x.Float() < 0) and pass no
// gradient: a branch taken on a comparison contributes only through the Vars
// it uses.

// shape kinds of numeric values.
const (
	kindOther = iota
	kindScalar
	kindVec
	kindMat
)

func kindOf(x any) int {
	switch x := x.(type) {
	case float64:
		return kindScalar
	case *mat.VecDense:
		if x != nil {
			return kindVec
		}
	case *mat.Dense:
		if x != nil {
			return kindMat
		}
	}
	return kindOther
}

// numLen returns the number of elements of a vector or matrix.
func numLen(x any) int {
	switch x := x.(type) {
	case *mat.VecDense:
		return x.Len()
	case *mat.Dense:
		if x.IsEmpty() {
			return 0
		}
		r, c := x.Dims()
		return r * c
	}
	return 1
}

// flat returns the elements of a vector or matrix as one contiguous slice in
// row-major order. It aliases the value's storage when that is contiguous and
// copies it otherwise; callers must not modify the result.
func flat(x any) []float64 {
	switch x := x.(type) {
	case *mat.VecDense:
		n := x.Len()
		if n == 0 {
			return nil
		}
		raw := x.RawVector()
		if raw.Inc == 1 {
			return raw.Data[:n]
		}
		out := make([]float64, n)
		for i := range out {
			out[i] = raw.Data[i*raw.Inc]
		}
		return out
	case *mat.Dense:
		if x.IsEmpty() {
			return nil
		}
		raw := x.RawMatrix()
		if raw.Stride == raw.Cols {
			return raw.Data[:raw.Rows*raw.Cols]
		}
		out := make([]float64, 0, raw.Rows*raw.Cols)
		for i := 0; i < raw.Rows; i++ {
			out = append(out, raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols]...)
		}
		return out
	}
	panic(fmt.Sprintf("ad: internal error: flat of %s", describe(x)))
}

// withData returns a new vector or matrix shaped like x holding data.
func withData(x any, data []float64) any {
	switch x := x.(type) {
	case *mat.VecDense:
		if len(data) == 0 {
			return &mat.VecDense{}
		}
		return mat.NewVecDense(len(data), data)
	case *mat.Dense:
		if len(data) == 0 {
			return &mat.Dense{}
		}
		r, c := x.Dims()
		return mat.NewDense(r, c, data)
	}
	panic(fmt.Sprintf("ad: internal error: withData of %s", describe(x)))
}

// numericOnly panics unless x is a scalar, vector or matrix.
func numericOnly(name string, x any) int {
	k := kindOf(x)
	if k == kindOther {
		panic(fmt.Sprintf("ad.%s: value is %s; want a scalar (float64), *mat.VecDense or *mat.Dense (use ad.Coerce for a named float type)", name, describe(x)))
	}
	return k
}

// mapValues applies f to every element of x, into storage from b (nil:
// fresh storage).
func mapValues(b *fwdBufs, name string, x any, f func(float64) float64) any {
	if numericOnly(name, x) == kindScalar {
		return f(x.(float64))
	}
	src := flat(x)
	y, out := b.like(x)
	for i, v := range src {
		out[i] = f(v)
	}
	return y
}

// kernelForward returns the forward function of an element-wise op that
// computes f on a scalar and runs kernel over the elements of a vector or
// matrix (the table-driven exp and logistic of expkernel.go).
func kernelForward(name string, f func(float64) float64, kernel func(dst, src []float64)) forwardFunc {
	return func(b *fwdBufs, in []any) any {
		x := in[0]
		if numericOnly(name, x) == kindScalar {
			return f(x.(float64))
		}
		src := flat(x)
		y, out := b.like(x)
		kernel(out, src)
		return y
	}
}

// binaryShape checks that x and y can be combined element-wise and returns
// the kind of the result.
func binaryShape(name string, x, y any) int {
	kx, ky := numericOnly(name, x), numericOnly(name, y)
	switch {
	case kx == kindScalar:
		return ky
	case ky == kindScalar:
		return kx
	}
	if same, _ := sameDims(x, y); !same {
		panic(fmt.Sprintf("ad.%s: shapes differ: %s and %s", name, describe(x), describe(y)))
	}
	return kx
}

// zipValues applies f to the elements of x and y pairwise (broadcasting a
// scalar), into storage from b (nil: fresh storage).
func zipValues(b *fwdBufs, name string, x, y any, f func(a, b float64) float64) any {
	kx := kindOf(x)
	ky := kindOf(y)
	if binaryShape(name, x, y) == kindScalar {
		return f(x.(float64), y.(float64))
	}
	switch {
	case kx == kindScalar:
		a := x.(float64)
		src := flat(y)
		z, out := b.like(y)
		for i, v := range src {
			out[i] = f(a, v)
		}
		return z
	case ky == kindScalar:
		c := y.(float64)
		src := flat(x)
		z, out := b.like(x)
		for i, a := range src {
			out[i] = f(a, c)
		}
		return z
	}
	xs, ys := flat(x), flat(y)
	z, out := b.like(x)
	ys = ys[:len(xs)]
	for i, a := range xs {
		out[i] = f(a, ys[i])
	}
	return z
}

// zip3Values applies f to the elements of three values of the same shape.
func zip3Values(x, y, z any, f func(a, b, c float64) float64) any {
	if kindOf(x) == kindScalar {
		return f(x.(float64), y.(float64), z.(float64))
	}
	xs, ys, zs := flat(x), flat(y), flat(z)
	ys, zs = ys[:len(xs)], zs[:len(xs)]
	out := make([]float64, len(xs))
	for i, a := range xs {
		out[i] = f(a, ys[i], zs[i])
	}
	return withData(x, out)
}

// unbroadcast reduces the gradient g of a broadcast result to the shape of
// the input x: the sum of its elements when x is a scalar.
func unbroadcast(g, x *Var) *Var {
	if g == nil {
		return nil
	}
	if _, ok := x.val.(float64); ok {
		if _, ok := g.val.(float64); !ok {
			return sumElems(g)
		}
	}
	return g
}

// sumElemsOp sums the elements of a vector or matrix (used for the gradient
// of a broadcast scalar); its gradient broadcasts back. broadcastOp is its
// adjoint. They are set in init because their gradients refer to each other.
var sumElemsOp, broadcastOp *Op

func init() {
	sumElemsOp = &Op{
		Name: "sum",
		Forward: func(in []any) any {
			numericOnly("sum", in[0])
			if f, ok := in[0].(float64); ok {
				return f
			}
			s := 0.0
			for _, v := range flat(in[0]) {
				s += v
			}
			return s
		},
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			return []*Var{Apply(broadcastOp, g, Const(in[0].val))}
		},
	}
	broadcastOp = &Op{
		Name:    "broadcast",
		Forward: broadcastForward,
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var {
			return []*Var{sumElems(g), nil}
		},
	}
}

func sumElems(x *Var) *Var { return Apply(sumElemsOp, x) }

// broadcastForward makes a value shaped like its second input with every
// element equal to its first (a scalar); the second input only gives the
// shape.
func broadcastForward(in []any) any {
	s := in[0].(float64)
	if kindOf(in[1]) == kindScalar {
		return s
	}
	data := make([]float64, numLen(in[1]))
	if s != 0 {
		for i := range data {
			data[i] = s
		}
	}
	return withData(in[1], data)
}

// unaryDef defines an element-wise op: f, its derivative df(x, y) as a
// plain function of the element x and the result y = f(x), and the same
// derivative dv written with ad ops (the op's Backward, used for
// higher-order derivatives). kernel, when set, computes f over a slice
// without a call per element; fast, when set, replaces the first-order
// fast path g∘df (fastpath.go registers one for every unaryDef).
type unaryDef struct {
	op     **Op
	name   string
	f      func(float64) float64
	df     func(x, y float64) float64
	dv     func(x, y *Var) *Var
	kernel func(dst, src []float64)
	fast   gradFunc
}

// unaryForward returns the forward function of d.
func unaryForward(d unaryDef) forwardFunc {
	if d.kernel != nil {
		return kernelForward(d.name, d.f, d.kernel)
	}
	name, f := d.name, d.f
	return func(b *fwdBufs, in []any) any { return mapValues(b, name, in[0], f) }
}

// unaryOp builds the op of d.
func unaryOp(d unaryDef) *Op {
	name, df, dv := d.name, d.df, d.dv
	gdf := func(g, x, y float64) float64 { return g * df(x, y) }
	return &Op{
		Name:    name,
		Forward: plainForward(unaryForward(d)),
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			x := in[0]
			if g.IsConst() && x.IsConst() && out.IsConst() {
				return []*Var{Const(zip3Values(g.val, x.val, out.val, gdf))}
			}
			return []*Var{Mul(g, dv(x, out))}
		},
	}
}

// unaryDefs lists the element-wise ops built by unaryOp; set in init.
var unaryDefs []unaryDef

// The element-wise ops; set in init because their gradients use each other.
var negOp, signumOp, stepOp, absOp, recipOp, expOp, logOp, sqrtOp, squareOp, sinOp, cosOp, tanOp, asinOp, acosOp, atanOp, sinhOp, coshOp, tanhOp, asinhOp, acoshOp, atanhOp, logisticOp, reluOp, softplusOp *Op

func init() {
	negOp = &Op{
		Name:     "Neg",
		Forward:  func(in []any) any { return mapValues(nil, "Neg", in[0], func(v float64) float64 { return -v }) },
		Backward: func(g *Var, _ []*Var, _ *Var) []*Var { return []*Var{Neg(g)} },
	}
	signumOp = &Op{
		Name:     "Signum",
		Forward:  func(in []any) any { return mapValues(nil, "Signum", in[0], signum) },
		Backward: func(*Var, []*Var, *Var) []*Var { return []*Var{nil} },
	}
	stepOp = &Op{ // 1 where x > 0, else 0: the derivative of ReLU
		Name: "step",
		Forward: func(in []any) any {
			return mapValues(nil, "step", in[0], func(v float64) float64 {
				if v > 0 {
					return 1
				}
				return 0
			})
		},
		Backward: func(*Var, []*Var, *Var) []*Var { return []*Var{nil} },
	}
	unaryDefs = []unaryDef{
		{&absOp, "Abs", math.Abs,
			func(x, _ float64) float64 { return signum(x) },
			func(x, _ *Var) *Var { return Signum(x) }, nil, nil},
		{&recipOp, "Recip", func(x float64) float64 { return 1 / x },
			func(_, y float64) float64 { return -y * y },
			func(_, y *Var) *Var { return Neg(Square(y)) }, nil, nil},
		{&expOp, "Exp", math.Exp,
			func(_, y float64) float64 { return y },
			func(_, y *Var) *Var { return y }, expInto, nil},
		{&logOp, "Log", math.Log,
			func(x, _ float64) float64 { return 1 / x },
			func(x, _ *Var) *Var { return Recip(x) }, nil, nil},
		{&sqrtOp, "Sqrt", math.Sqrt,
			func(_, y float64) float64 { return 1 / (2 * y) },
			func(_, y *Var) *Var { return Recip(Scale(y, Scalar(2))) }, nil, nil},
		{&squareOp, "Square", func(x float64) float64 { return x * x },
			func(x, _ float64) float64 { return 2 * x },
			func(x, _ *Var) *Var { return Scale(x, Scalar(2)) }, nil, nil},
		{&sinOp, "Sin", math.Sin,
			func(x, _ float64) float64 { return math.Cos(x) },
			func(x, _ *Var) *Var { return Cos(x) }, nil, nil},
		{&cosOp, "Cos", math.Cos,
			func(x, _ float64) float64 { return -math.Sin(x) },
			func(x, _ *Var) *Var { return Neg(Sin(x)) }, nil, nil},
		{&tanOp, "Tan", math.Tan,
			func(x, _ float64) float64 { c := math.Cos(x); return 1 / (c * c) },
			func(x, _ *Var) *Var { return Recip(Square(Cos(x))) }, nil, nil},
		{&asinOp, "Asin", math.Asin,
			func(x, _ float64) float64 { return 1 / math.Sqrt(1-x*x) },
			func(x, _ *Var) *Var { return Recip(Sqrt(Sub(Scalar(1), Square(x)))) }, nil, nil},
		{&acosOp, "Acos", math.Acos,
			func(x, _ float64) float64 { return -1 / math.Sqrt(1-x*x) },
			func(x, _ *Var) *Var { return Neg(Recip(Sqrt(Sub(Scalar(1), Square(x))))) }, nil, nil},
		{&atanOp, "Atan", math.Atan,
			func(x, _ float64) float64 { return 1 / (x*x + 1) },
			func(x, _ *Var) *Var { return Recip(AddScalar(Square(x), Scalar(1))) }, nil, nil},
		{&sinhOp, "Sinh", math.Sinh,
			func(x, _ float64) float64 { return math.Cosh(x) },
			func(x, _ *Var) *Var { return Cosh(x) }, nil, nil},
		{&coshOp, "Cosh", math.Cosh,
			func(x, _ float64) float64 { return math.Sinh(x) },
			func(x, _ *Var) *Var { return Sinh(x) }, nil, nil},
		{&tanhOp, "Tanh", math.Tanh,
			func(x, _ float64) float64 { c := math.Cosh(x); return 1 / (c * c) },
			func(x, _ *Var) *Var { return Recip(Square(Cosh(x))) }, nil, nil},
		{&asinhOp, "Asinh", math.Asinh,
			func(x, _ float64) float64 { return 1 / math.Sqrt(x*x+1) },
			func(x, _ *Var) *Var { return Recip(Sqrt(AddScalar(Square(x), Scalar(1)))) }, nil, nil},
		{&acoshOp, "Acosh", math.Acosh,
			func(x, _ float64) float64 { return 1 / math.Sqrt(x*x-1) },
			func(x, _ *Var) *Var { return Recip(Sqrt(AddScalar(Square(x), Scalar(-1)))) }, nil, nil},
		{&atanhOp, "Atanh", math.Atanh,
			func(x, _ float64) float64 { return 1 / (1 - x*x) },
			func(x, _ *Var) *Var { return Recip(Sub(Scalar(1), Square(x))) }, nil, nil},
		{&logisticOp, "Logistic", logistic,
			func(_, y float64) float64 { return y * (1 - y) },
			// The logistic function is the hidden layer of most networks here: its
			// value and gradient are loops without a call per element.
			func(_, y *Var) *Var { return Mul(y, Sub(Scalar(1), y)) }, logisticInto, logisticGrad},
		{&reluOp, "ReLU", func(x float64) float64 {
			if x > 0 {
				return x
			}
			return 0
		},
			func(x, _ float64) float64 {
				if x > 0 {
					return 1
				}
				return 0
			},
			func(x, _ *Var) *Var { return Apply(stepOp, x) }, nil, nil},
		{&softplusOp, "Softplus", softplus,
			func(x, _ float64) float64 { return logistic(x) },
			func(x, _ *Var) *Var { return Logistic(x) }, nil, nil},
	}
	for _, d := range unaryDefs {
		*d.op = unaryOp(d)
	}
}

func signum(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // 0, −0 or NaN
}

// logistic is 1/(1+e^−x).
//
// The one formula is accurate to rounding everywhere: for x < 0, e^−x is
// large but 1 + e^−x and its reciprocal lose no relative precision, and
// for x < −709 e^−x overflows to +Inf and the result is 0 (the true value
// is below the smallest normal float64). Vectors and matrices use the
// faster logisticInto (expkernel.go), which agrees with it to 3 ulp.
func logistic(x float64) float64 {
	return 1 / (1 + math.Exp(-x))
}

// softplus is log(1+eˣ), computed without overflow.
func softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// Neg returns −x element-wise. Gradient: −g.
func Neg(x *Var) *Var { return Apply(negOp, x) }

// Abs returns |x| element-wise. Gradient: g·signum(x) (0 at 0).
func Abs(x *Var) *Var { return Apply(absOp, x) }

// Signum returns the sign of x element-wise (−1, 0 or 1). Gradient: zero.
func Signum(x *Var) *Var { return Apply(signumOp, x) }

// Recip returns 1/x element-wise. Gradient: −g/x².
func Recip(x *Var) *Var { return Apply(recipOp, x) }

// Exp returns eˣ element-wise. Gradient: g·eˣ.
func Exp(x *Var) *Var { return Apply(expOp, x) }

// Log returns the natural logarithm of x element-wise. Gradient: g/x.
func Log(x *Var) *Var { return Apply(logOp, x) }

// Sqrt returns √x element-wise. Gradient: g/(2√x).
func Sqrt(x *Var) *Var { return Apply(sqrtOp, x) }

// Square returns x² element-wise. Gradient: 2x·g.
func Square(x *Var) *Var { return Apply(squareOp, x) }

// Sin returns sin x element-wise. Gradient: g·cos x.
func Sin(x *Var) *Var { return Apply(sinOp, x) }

// Cos returns cos x element-wise. Gradient: −g·sin x.
func Cos(x *Var) *Var { return Apply(cosOp, x) }

// Tan returns tan x element-wise. Gradient: g/cos²x.
func Tan(x *Var) *Var { return Apply(tanOp, x) }

// Asin returns arcsin x element-wise. Gradient: g/√(1−x²).
func Asin(x *Var) *Var { return Apply(asinOp, x) }

// Acos returns arccos x element-wise. Gradient: −g/√(1−x²).
func Acos(x *Var) *Var { return Apply(acosOp, x) }

// Atan returns arctan x element-wise. Gradient: g/(x²+1).
func Atan(x *Var) *Var { return Apply(atanOp, x) }

// Sinh returns sinh x element-wise. Gradient: g·cosh x.
func Sinh(x *Var) *Var { return Apply(sinhOp, x) }

// Cosh returns cosh x element-wise. Gradient: g·sinh x.
func Cosh(x *Var) *Var { return Apply(coshOp, x) }

// Tanh returns tanh x element-wise. Gradient: g/cosh²x.
func Tanh(x *Var) *Var { return Apply(tanhOp, x) }

// Asinh returns arsinh x element-wise. Gradient: g/√(x²+1).
func Asinh(x *Var) *Var { return Apply(asinhOp, x) }

// Acosh returns arcosh x element-wise. Gradient: g/√(x²−1).
func Acosh(x *Var) *Var { return Apply(acoshOp, x) }

// Atanh returns artanh x element-wise. Gradient: g/(1−x²).
func Atanh(x *Var) *Var { return Apply(atanhOp, x) }

// Logistic returns the logistic sigmoid 1/(1+e^−x) element-wise, computed
// without overflow. Gradient: g·σ(x)·(1−σ(x)).
func Logistic(x *Var) *Var { return Apply(logisticOp, x) }

// ReLU returns max(x, 0) element-wise. Gradient: g where x > 0, else 0.
func ReLU(x *Var) *Var { return Apply(reluOp, x) }

// Softplus returns log(1+eˣ) element-wise, computed without overflow.
// Gradient: g·σ(x) (the logistic sigmoid).
func Softplus(x *Var) *Var { return Apply(softplusOp, x) }

// The binary element-wise ops; set in init because their gradients use
// each other.
var subOp, mulOp, divOp, powOp, logBaseOp, scaleOp *Op

func init() {
	subOp = &Op{
		Name:    "Sub",
		Forward: plainForward(subForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			var dy *Var
			if in[1].NeedsGrad() {
				dy = unbroadcast(Neg(g), in[1])
			}
			return []*Var{unbroadcast(g, in[0]), dy}
		},
	}
	mulOp = &Op{
		Name:    "Mul",
		Forward: plainForward(mulForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			var dx, dy *Var
			if in[0].NeedsGrad() {
				dx = unbroadcast(Mul(g, in[1]), in[0])
			}
			if in[1].NeedsGrad() {
				dy = unbroadcast(Mul(g, in[0]), in[1])
			}
			return []*Var{dx, dy}
		},
	}
	divOp = &Op{
		Name:    "Div",
		Forward: plainForward(divForward),
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			// (g/y, −g·x/y²) = (g/y, −(g/y)·out)
			gy := Div(g, in[1])
			var dy *Var
			if in[1].NeedsGrad() {
				dy = unbroadcast(Neg(Mul(gy, out)), in[1])
			}
			return []*Var{unbroadcast(gy, in[0]), dy}
		},
	}
	powOp = &Op{
		Name:    "Pow",
		Forward: plainForward(powForward),
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			x, y := in[0], in[1]
			// (g·y·x^(y−1), g·x^y·log x)
			var dx, dy *Var
			if x.NeedsGrad() {
				dx = unbroadcast(Mul(g, Mul(y, Pow(x, AddScalar(y, Scalar(-1))))), x)
			}
			if y.NeedsGrad() {
				dy = unbroadcast(Mul(g, Mul(out, Log(x))), y)
			}
			return []*Var{dx, dy}
		},
	}
	logBaseOp = &Op{
		Name:    "LogBase",
		Forward: plainForward(logBaseForward),
		Backward: func(g *Var, in []*Var, out *Var) []*Var {
			b, x := in[0], in[1]
			// (−g·logBase b x/(log b · b), g/(x · log b))
			lb := Log(b)
			var db, dx *Var
			if b.NeedsGrad() {
				db = unbroadcast(Neg(Div(Mul(g, out), Mul(lb, b))), b)
			}
			if x.NeedsGrad() {
				dx = unbroadcast(Div(g, Mul(x, lb)), x)
			}
			return []*Var{db, dx}
		},
	}
	scaleOp = &Op{
		Name:    "Scale",
		Forward: plainForward(scaleForward),
		Backward: func(g *Var, in []*Var, _ *Var) []*Var {
			var dx, ds *Var
			if in[0].NeedsGrad() {
				dx = Scale(g, in[1])
			}
			if in[1].NeedsGrad() {
				ds = unbroadcast(Mul(g, in[0]), in[1])
			}
			return []*Var{dx, ds}
		},
	}
}

// The forward functions of the binary element-wise ops.

func subForward(b *fwdBufs, in []any) any {
	return zipValues(b, "Sub", in[0], in[1], func(a, b float64) float64 { return a - b })
}

func mulForward(b *fwdBufs, in []any) any {
	return zipValues(b, "Mul", in[0], in[1], func(a, b float64) float64 { return a * b })
}

func divForward(b *fwdBufs, in []any) any {
	return zipValues(b, "Div", in[0], in[1], func(a, b float64) float64 { return a / b })
}

func powForward(b *fwdBufs, in []any) any { return zipValues(b, "Pow", in[0], in[1], math.Pow) }

func logBaseForward(b *fwdBufs, in []any) any {
	return zipValues(b, "LogBase", in[0], in[1], func(b, x float64) float64 { return math.Log(x) / math.Log(b) })
}

func scaleForward(b *fwdBufs, in []any) any {
	s, ok := in[1].(float64)
	if !ok {
		panic(fmt.Sprintf("ad.Scale: the factor must be a scalar, got %s", describe(in[1])))
	}
	return mapValues(b, "Scale", in[0], func(v float64) float64 { return s * v })
}

// Sub returns x − y element-wise (either may be a scalar, broadcast to the
// other's shape). Gradient: (g, −g). It panics naming both shapes if they
// differ.
func Sub(x, y *Var) *Var { return Apply(subOp, x, y) }

// Mul returns the element-wise (Hadamard) product x·y (either may be a
// scalar, broadcast to the other's shape). Gradient: (g·y, g·x). For a matrix
// product use MatMul. It panics naming both shapes if they differ.
func Mul(x, y *Var) *Var { return Apply(mulOp, x, y) }

// Div returns x/y element-wise (either may be a scalar, broadcast to the
// other's shape). Gradient: (g/y, −g·x/y²). It panics naming both shapes if
// they differ.
func Div(x, y *Var) *Var { return Apply(divOp, x, y) }

// Pow returns x^y element-wise (either may be a scalar, broadcast to the
// other's shape). Gradient: (g·y·x^(y−1), g·x^y·log x); the second is NaN
// for x ≤ 0, where x^y is not differentiable in y. It panics naming both
// shapes if they differ.
func Pow(x, y *Var) *Var { return Apply(powOp, x, y) }

// LogBase returns the logarithm of x in base b, log x / log b, element-wise
// (either may be a scalar; the argument order is backprop's logBase b x).
// Gradient: (−g·logBase b x/(b·log b), g/(x·log b)).
func LogBase(b, x *Var) *Var { return Apply(logBaseOp, b, x) }

// Scale returns s·x, where s is a scalar Var and x a scalar, vector or
// matrix. Gradient: (g·s, Σ g·x). It panics if s is not a scalar.
func Scale(x, s *Var) *Var { return Apply(scaleOp, x, s) }

// AddScalar returns x + s, adding the scalar s to every element of x (a
// scalar, vector or matrix). It is Add with a broadcast scalar.
func AddScalar(x, s *Var) *Var {
	if _, ok := s.val.(float64); !ok {
		panic(fmt.Sprintf("ad.AddScalar: the second argument must be a scalar, got %s", describe(s.val)))
	}
	return Add(x, s)
}
