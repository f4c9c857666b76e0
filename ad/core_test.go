package ad

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type testLayer struct {
	W *mat.Dense
	B *mat.VecDense
	S float64
	N int
}

func TestCoreFieldAddSparse(t *testing.T) {
	l := testLayer{W: mat.NewDense(2, 2, []float64{1, 2, 3, 4}), B: mat.NewVecDense(2, []float64{5, 6}), S: 2, N: 7}
	var g testLayer
	y := Grad(func(l *Var) *Var {
		s := Field(l, "S")
		return Add(Add(s, s), s) // 3·S
	}, l, &g)
	if y.(float64) != 6 {
		t.Fatalf("value = %v, want 6", y)
	}
	if g.S != 3 || g.N != 0 {
		t.Fatalf("grad S = %v N = %v, want 3, 0", g.S, g.N)
	}
	if g.W == nil || mat.Sum(g.W) != 0 || g.B == nil || mat.Sum(g.B) != 0 {
		t.Fatalf("unused fields must get zero gradients of their shape: %v %v", g.W, g.B)
	}
	// Reuse of destination storage.
	w := g.W
	Grad(func(l *Var) *Var { return Field(l, "S") }, l, &g)
	if g.W != w {
		t.Fatal("gradient storage was not reused")
	}
}

func TestCoreIdentityAndConst(t *testing.T) {
	var dx float64
	y := Grad(func(x *Var) *Var { return x }, 9.0, &dx)
	if y.(float64) != 9 || dx != 1 {
		t.Fatalf("identity: %v %v", y, dx)
	}
	y = Grad(func(x *Var) *Var { return Scalar(3) }, 9.0, &dx)
	if y.(float64) != 3 || dx != 0 {
		t.Fatalf("constant: %v %v", y, dx)
	}
	var dv any
	Grad(func(x *Var) *Var { return Add(x, x) }, mat.NewVecDense(2, []float64{1, 2}), &dv)
	if v := dv.(*mat.VecDense); v.AtVec(0) != 2 || v.AtVec(1) != 2 {
		t.Fatalf("fan-in: %v", v)
	}
	if math.IsNaN(dx) {
		t.Fatal()
	}
}

func TestCheckGradStruct(t *testing.T) {
	l := testLayer{W: mat.NewDense(1, 2, []float64{1, 2}), B: mat.NewVecDense(2, []float64{5, 6}), S: 2}
	bad := Op1("bad", func(x any) (any, func(any) any) {
		v := x.(float64)
		return v * v, func(g any) any { return g.(float64) * 3 * v } // wrong: should be 2v
	})
	good := func(xs []*Var) *Var { s := Field(xs[0], "S"); return Add(Add(s, s), xs[1]) }
	r := CheckGrad(good, []any{l, 4.0}, 0)
	if r.MaxRelErr > 1e-7 || r.Checked != 6 {
		t.Fatalf("good gradient: %v", r)
	}
	r = CheckGrad(func(xs []*Var) *Var { return bad(Field(xs[0], "S")) }, []any{l}, 0)
	if r.MaxRelErr < 0.1 || r.Where != "input 0.S" {
		t.Fatalf("bad gradient not caught: %v", r)
	}
	if l.S != 2 || l.W.At(0, 1) != 2 {
		t.Fatal("CheckGrad modified its input")
	}
}

func TestValueAlgebra(t *testing.T) {
	// Slices of different lengths are zero-padded; maps are united.
	s := add([]float64{1, 2}, []float64{10, 20, 30}).([]float64)
	if len(s) != 3 || s[0] != 11 || s[1] != 22 || s[2] != 30 {
		t.Fatalf("slice add %v", s)
	}
	m := add(map[string]float64{"a": 1, "b": 2}, map[string]float64{"b": 3, "c": 4}).(map[string]float64)
	if len(m) != 3 || m["a"] != 1 || m["b"] != 5 || m["c"] != 4 {
		t.Fatalf("map add %v", m)
	}
	// Nested structs: non-differentiable fields stay zero.
	type in struct {
		V    *mat.VecDense
		Name string
	}
	type out struct {
		In  in
		P   *in
		F   float64
		N   int
		Arr [2]float64
	}
	x := out{In: in{mat.NewVecDense(2, []float64{1, 2}), "a"}, P: &in{mat.NewVecDense(1, []float64{3}), "b"}, F: 4, N: 5, Arr: [2]float64{6, 7}}
	o := one(x).(out)
	if o.In.V.AtVec(1) != 1 || o.P.V.AtVec(0) != 1 || o.F != 1 || o.N != 0 || o.In.Name != "" || o.Arr[1] != 1 || o.P == x.P {
		t.Fatalf("one %+v", o)
	}
	z := zero(x).(out)
	sum := add(add(o, z), o).(out)
	if sum.In.V.AtVec(0) != 2 || sum.P.V.AtVec(0) != 2 || sum.F != 2 || sum.Arr[0] != 2 {
		t.Fatalf("add %+v", sum)
	}
	// The inputs are untouched.
	if x.In.V.AtVec(0) != 1 || o.In.V.AtVec(0) != 1 {
		t.Fatal("add modified its arguments")
	}
	if msg := panics(func() { add(mat.NewVecDense(2, nil), mat.NewVecDense(3, nil)) }); msg != "ad.add: shapes differ: vector(2) and vector(3)" {
		t.Fatalf("%q", msg)
	}
}
