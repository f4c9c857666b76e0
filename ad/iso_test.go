package ad

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type celsius float64

type point struct{ X, Y float64 }

type vec2 struct{ X, Y float64 }

func TestIso(t *testing.T) {
	// A point stored as a [2]-slice and back: derivative one.
	toSlice := func(p any) any { q := p.(point); return []float64{q.X, q.Y} }
	toPoint := func(s any) any { xs := s.([]float64); return point{xs[0], xs[1]} }
	f := func(p *Var) *Var {
		xs := Iso(p, "point→slice", toSlice, toPoint)
		return Mul(Index(xs, 0), Exp(Index(xs, 1)))
	}
	var g point
	y := Grad(f, point{2, 0.5}, &g)
	if !near(y.(float64), 2*math.Exp(0.5)) || !near(g.X, math.Exp(0.5)) || !near(g.Y, 2*math.Exp(0.5)) {
		t.Fatalf("value %v gradient %+v", y, g)
	}
	res := CheckGrad(func(xs []*Var) *Var { return f(xs[0]) }, []any{point{0.3, -0.7}}, 0)
	if res.MaxRelErr > 1e-7 {
		t.Fatal(res)
	}
	// Second order through Iso.
	res = CheckGrad(func(xs []*Var) *Var {
		gp := Gradients(f(xs[0]), xs[0])[0]
		return Mul(Field(gp, "X"), Field(gp, "Y"))
	}, []any{point{0.3, -0.7}}, 0)
	if res.MaxRelErr > 1e-6 {
		t.Fatal(res)
	}
	if msg := panics(func() { Iso(Scalar(1), "bad", nil, nil) }); !strings.Contains(msg, "ad.Iso bad: to and from must both be non-nil") {
		t.Fatalf("%q", msg)
	}
}

func TestCoerce(t *testing.T) {
	// A named float type: coerce to float64 for the math, gradient comes back as celsius.
	var g celsius
	y := Grad(func(c *Var) *Var {
		x := Coerce(c, 0.0)
		return Coerce(Square(x), celsius(0))
	}, celsius(3), &g)
	if y.(celsius) != 9 || g != 6 {
		t.Fatalf("value %v gradient %v", y, g)
	}
	// Struct types with identical fields.
	var gp point
	Grad(func(p *Var) *Var {
		q := Coerce(p, vec2{})
		return Mul(Field(q, "X"), Field(q, "Y"))
	}, point{3, 4}, &gp)
	if gp != (point{4, 3}) {
		t.Fatalf("struct coercion gradient %+v", gp)
	}
	// Second order through Coerce.
	var d2 celsius
	Grad(func(c *Var) *Var {
		x := Coerce(c, 0.0)
		return Coerce(Gradients(Mul(x, Square(x)), c)[0], 0.0)
	}, celsius(2), &d2)
	if d2 != 12 {
		t.Fatalf("second derivative through Coerce %v, want 12", d2)
	}
	same := Scalar(1)
	if Coerce(same, 2.0) != same {
		t.Fatal("Coerce to the same type must return its input")
	}
	if msg := panics(func() { Coerce(Scalar(1), mat.NewVecDense(1, nil)) }); msg != "ad.Coerce: cannot convert float64 to *mat.VecDense" {
		t.Fatalf("%q", msg)
	}
	if msg := panics(func() { Exp(Const(celsius(1))) }); !strings.Contains(msg, "use ad.Coerce for a named float type") {
		t.Fatalf("%q", msg)
	}
}
