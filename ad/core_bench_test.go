package ad

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkElementwise compares the gradient of Σ logistic(x)·y over vectors
// of 1000 elements (ad) with the same gradient written by hand (manual).
func BenchmarkElementwise(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randVec(r, 1000), randVec(r, 1000)
	b.Run("manual", func(b *testing.B) {
		b.ReportAllocs()
		dx := mat.NewVecDense(1000, nil)
		for i := 0; i < b.N; i++ {
			for k := 0; k < 1000; k++ {
				s := logistic(x.AtVec(k))
				dx.SetVec(k, y.AtVec(k)*s*(1-s))
			}
		}
	})
	b.Run("ad", func(b *testing.B) {
		b.ReportAllocs()
		var dx *mat.VecDense
		f := func(v *Var) *Var { return sumElems(Mul(Logistic(v), Const(y))) }
		for i := 0; i < b.N; i++ {
			Grad(f, x, &dx)
		}
	})
}

// BenchmarkFieldAccess measures reading one field of a struct of ten 100×100
// matrices (field) against differentiating that matrix directly (direct):
// with sparse accumulation the cost of the nine unused fields is zeroing the
// destination's matrices in place.
func BenchmarkFieldAccess(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	mk := func() *mat.Dense { return randMat(r, 100, 100) }
	w := wide{mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk()}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		var g *mat.Dense
		for i := 0; i < b.N; i++ {
			Grad(func(m *Var) *Var { return sumElems(Square(m)) }, w.C, &g)
		}
	})
	b.Run("field", func(b *testing.B) {
		b.ReportAllocs()
		var g wide
		for i := 0; i < b.N; i++ {
			Grad(func(s *Var) *Var { return sumElems(Square(Field(s, "C"))) }, w, &g)
		}
	})
}

// BenchmarkScalarChain measures the per-op overhead of the tape on scalar
// code: 100 steps of x ← sin(x)·x + x, differentiated (ad) against the same
// derivative computed by hand with the chain rule (manual).
func BenchmarkScalarChain(b *testing.B) {
	b.Run("manual", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			x, d := 0.5, 1.0
			for k := 0; k < 100; k++ {
				s, c := sinCos(x)
				d *= c*x + s + 1
				x = s*x + x
			}
			if d == 0 {
				b.Fatal()
			}
		}
	})
	b.Run("ad", func(b *testing.B) {
		b.ReportAllocs()
		var dx float64
		f := func(x *Var) *Var {
			for k := 0; k < 100; k++ {
				x = Add(Mul(Sin(x), x), x)
			}
			return x
		}
		for i := 0; i < b.N; i++ {
			Grad(f, 0.5, &dx)
		}
	})
}

func sinCos(x float64) (float64, float64) { return math.Sin(x), math.Cos(x) }
