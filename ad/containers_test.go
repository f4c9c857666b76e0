package ad

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

type inner struct {
	A float64
	V *mat.VecDense
}

type outer struct {
	In    inner
	P     *inner
	M     *mat.Dense
	Xs    []float64
	Vs    []*mat.VecDense
	Named map[string]float64
	Label string
}

func randVec(r *rand.Rand, n int) *mat.VecDense {
	v := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		v.SetVec(i, r.Float64()*2-1)
	}
	return v
}

func randMat(r *rand.Rand, rows, cols int) *mat.Dense {
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			m.Set(i, j, r.Float64()*2-1)
		}
	}
	return m
}

func randOuter(r *rand.Rand) outer {
	return outer{
		In:    inner{A: r.Float64() + 0.5, V: randVec(r, 3)},
		P:     &inner{A: r.Float64() + 0.5, V: randVec(r, 3)},
		M:     randMat(r, 2, 3),
		Xs:    []float64{r.Float64(), r.Float64(), r.Float64()},
		Vs:    []*mat.VecDense{randVec(r, 3), randVec(r, 3)},
		Named: map[string]float64{"a": r.Float64(), "b": r.Float64()},
		Label: "net",
	}
}

func TestContainerGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cases := []struct {
		name string
		f    func(s *Var) *Var
	}{
		{"nested field", func(s *Var) *Var {
			in := Field(s, "In")
			return Mul(Field(in, "A"), sumElems(Square(Field(in, "V"))))
		}},
		{"pointer field", func(s *Var) *Var {
			p := Field(s, "P")
			return Add(Exp(Field(p, "A")), sumElems(Field(p, "V")))
		}},
		{"field used twice", func(s *Var) *Var {
			m := Field(s, "M")
			return sumElems(Mul(m, Tanh(Field(s, "M"))))
		}},
		{"slice index", func(s *Var) *Var {
			xs := Field(s, "Xs")
			return Mul(Index(xs, 0), Sin(Index(xs, 2)))
		}},
		{"split and join", func(s *Var) *Var {
			es := Split(Field(s, "Xs"))
			j := Join([]*Var{Square(es[2]), es[0], Mul(es[0], es[1])})
			return Add(Mul(Index(j, 0), Index(j, 2)), Index(j, 1))
		}},
		{"slice of vectors", func(s *Var) *Var {
			vs := Split(Field(s, "Vs"))
			return sumElems(Mul(vs[0], Exp(vs[1])))
		}},
		{"vector elements", func(s *Var) *Var {
			es := Split(Field(Field(s, "In"), "V"))
			return Add(Mul(es[0], es[1]), Square(es[2]))
		}},
		{"map keys", func(s *Var) *Var {
			m := Field(s, "Named")
			return Div(Key(m, "a"), Add(Key(m, "b"), Scalar(2)))
		}},
		{"split and join map", func(s *Var) *Var {
			es := SplitMap(Field(s, "Named"))
			j := JoinMap(map[string]*Var{"x": Square(es["a"]), "y": es["b"]})
			return Mul(Key(j, "x"), Key(j, "y"))
		}},
		{"set field", func(s *Var) *Var {
			in := Field(s, "In")
			in2 := SetField(in, "A", Mul(Field(in, "A"), Scalar(3)))
			return Mul(Field(in2, "A"), sumElems(Field(in2, "V")))
		}},
		{"update field", func(s *Var) *Var {
			s2 := UpdateField(s, "M", func(m *Var) *Var { return Square(m) })
			return Add(sumElems(Field(s2, "M")), Field(Field(s2, "P"), "A"))
		}},
		{"set index and key", func(s *Var) *Var {
			xs := SetIndex(Field(s, "Xs"), 1, Exp(Index(Field(s, "Xs"), 0)))
			m := SetKey(Field(s, "Named"), "c", Index(xs, 1))
			return Add(sumTo(Mul(Key(m, "c"), Key(m, "a"))), Index(xs, 2))
		}},
		{"struct building", func(s *Var) *Var {
			in := Struct(inner{}, map[string]*Var{"A": Field(Field(s, "P"), "A"), "V": Field(Field(s, "In"), "V")})
			return Mul(Field(in, "A"), sumElems(Square(Field(in, "V"))))
		}},
		{"pointer struct building", func(s *Var) *Var {
			in := Struct(&inner{V: mat.NewVecDense(1, []float64{4})}, map[string]*Var{"A": Field(Field(s, "In"), "A")})
			return Mul(Field(in, "A"), sumElems(Field(in, "V")))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randOuter(r)
			res := CheckGrad(func(xs []*Var) *Var { return c.f(xs[0]) }, []any{x}, 0)
			if res.MaxRelErr > 1e-6 {
				t.Fatalf("%v", res)
			}
			// Gradient into a struct destination has every part, of the right shape.
			var g outer
			Grad(c.f, x, &g)
			if g.M == nil || g.P == nil || g.P.V == nil || g.In.V == nil || len(g.Vs) != 2 || len(g.Xs) != 3 || len(g.Named) != 2 {
				t.Fatalf("incomplete gradient %+v", g)
			}
			if r, c := g.M.Dims(); r != 2 || c != 3 || g.Vs[1].Len() != 3 {
				t.Fatalf("gradient shapes wrong: %+v", g)
			}
			// Second order through containers (all container ops have a Backward).
			res = CheckGrad(func(xs []*Var) *Var {
				gr := Gradients(c.f(xs[0]), xs[0])[0]
				return Add(Square(Field(Field(gr, "In"), "A")), sumElems(Square(Field(gr, "M"))))
			}, []any{x}, 0)
			if res.MaxRelErr > 1e-5 {
				t.Fatalf("second order: %v", res)
			}
		})
	}
}

func TestContainerValues(t *testing.T) {
	in := inner{A: 2, V: mat.NewVecDense(2, []float64{1, 2})}
	s := Const(in)
	s2 := SetField(s, "A", Scalar(5))
	if got := s2.Value().(inner); got.A != 5 || got.V != in.V || in.A != 2 {
		t.Fatalf("SetField = %+v (original %+v)", got, in)
	}
	p := SetField(Const(&in), "A", Scalar(7))
	if got := p.Value().(*inner); got.A != 7 || got == &in || in.A != 2 {
		t.Fatal("SetField on a pointer must return a new pointer and keep the original")
	}
	j := Join([]*Var{Scalar(1), Scalar(2)})
	if xs, ok := j.Value().([]float64); !ok || len(xs) != 2 || xs[1] != 2 {
		t.Fatalf("Join of scalars = %#v, want []float64", j.Value())
	}
	jv := Join([]*Var{Const(in.V), Const(in.V)})
	if _, ok := jv.Value().([]*mat.VecDense); !ok {
		t.Fatalf("Join of vectors = %T", jv.Value())
	}
	if _, ok := Join([]*Var{Scalar(1), Const(in.V)}).Value().([]any); !ok {
		t.Fatal("Join of mixed types must give []any")
	}
	type Floats []float64
	if _, ok := JoinAs(Floats(nil), []*Var{Scalar(1)}).Value().(Floats); !ok {
		t.Fatal("JoinAs must use the example's type")
	}
	if xs := JoinAs(Floats(nil), nil).Value().(Floats); len(xs) != 0 {
		t.Fatal("JoinAs of nothing must be empty")
	}
	m := JoinMap(map[string]*Var{"a": Scalar(1), "b": Scalar(2)}).Value().(map[string]float64)
	if m["a"] != 1 || m["b"] != 2 {
		t.Fatalf("JoinMap = %v", m)
	}
	v := SetIndex(Const(in.V), 1, Scalar(9)).Vec()
	if v.AtVec(1) != 9 || in.V.AtVec(1) != 2 {
		t.Fatal("SetIndex on a vector must copy")
	}
	st := Struct(inner{A: 1}, map[string]*Var{"V": Const(in.V)}).Value().(inner)
	if st.A != 1 || st.V != in.V {
		t.Fatalf("Struct = %+v", st)
	}
	var dv *mat.VecDense
	y := Grad(func(x *Var) *Var { return Index(x, 1) }, mat.NewVecDense(3, []float64{1, 2, 3}), &dv)
	if y.(float64) != 2 || !mat.Equal(dv, mat.NewVecDense(3, []float64{0, 1, 0})) {
		t.Fatalf("Index on a vector: %v %v", y, dv)
	}
}

func TestContainerErrors(t *testing.T) {
	in := inner{A: 2, V: mat.NewVecDense(2, nil)}
	type hidden struct{ a float64 }
	type embeds struct{ inner }
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { Field(Const(in), "B") }, `ad.Field: inner has no field "B" (fields: A, V)`},
		{func() { Field(Scalar(1), "A") }, "ad.Field: value is scalar, not a struct"},
		{func() { Field(Const(embeds{in}), "A") }, `ad.Field: field "A" of embeds is promoted from the embedded field inner; use ad.Field(ad.Field(s, "inner"), "A")`},
		{func() { Field(Const(hidden{a: 1}), "a") }, `ad.Field: field "a" of hidden is unexported`},
		{func() { SetField(Const(in), "A", Const(in.V)) }, "ad.SetField: field A of inner has type float64 but the value is vector(2)"},
		{func() { Index(Const([]float64{1, 2, 3}), 3) }, "ad.Index: index 3 out of range for []float64(3) of length 3"},
		{func() { Index(Const(in.V), -1) }, "ad.Index: index -1 out of range for vector(2) of length 2"},
		{func() { Index(Const(in), 0) }, "ad.Index: value is inner, not a slice or *mat.VecDense"},
		{func() { Key(Const(map[string]float64{"a": 1, "b": 2}), "c") }, `ad.Key: map has no key "c" (keys: a, b)`},
		{func() { Key(Const(map[int]float64{}), "c") }, "ad.Key: value is map[int]float64(0), not a map with string keys"},
		{func() { Split(Scalar(1)) }, "ad.Split: value is scalar, not a slice or *mat.VecDense"},
		{func() { Join(nil) }, "ad.Join: no elements"},
		{func() { JoinAs(1.0, []*Var{Scalar(1)}) }, "ad.JoinAs: example is scalar, not a slice"},
		{func() { JoinAs([]float64{}, []*Var{Const(in.V)}) }, "ad.JoinAs: element 0 of []float64 has type float64 but the value is vector(2)"},
		{func() { Struct(in, map[string]*Var{"Q": Scalar(1)}) }, `ad.Struct: inner has no field "Q"`},
		{func() { SetIndex(Const(in.V), 0, Const(in.V)) }, "ad.SetIndex: element 0 of a vector must be a scalar, got vector(2)"},
	} {
		msg := panics(c.f)
		if !strings.HasPrefix(msg, c.want) {
			t.Errorf("panic %q, want prefix %q", msg, c.want)
		}
	}
}

// wide is a struct with many matrix fields, of which a loss reads one.
type wide struct {
	A, B, C, D, E, F, G, H, I, J *mat.Dense
}

func TestSparseFieldGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	mk := func() *mat.Dense { return randMat(r, 40, 40) }
	w := wide{mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk()}
	loss := func(uses int) func(s *Var) *Var {
		return func(s *Var) *Var {
			acc := Scalar(0)
			for i := 0; i < uses; i++ {
				acc = Add(acc, sumElems(Field(s, "C")))
			}
			return acc
		}
	}
	// Before materialization the input's gradient is sparse: one part.
	tp := NewTape()
	x := tp.Input(w)
	tp.backward(loss(3)(x), nil, false, nil)
	if ac, ok := tp.grads[x.id].(*acc); !ok || len(ac.parts) != 1 {
		t.Fatalf("gradient of the struct is %T, want a sparse accumulator with one part", tp.grads[x.id])
	}
	// Reading one field of ten costs no zero matrices: allocations do not
	// depend on the number of fields (compare with a two-field struct) and
	// each further use costs the same small constant, with the destination
	// reused.
	var g wide
	Grad(loss(1), w, &g)
	a1 := testing.AllocsPerRun(20, func() { Grad(loss(1), w, &g) })
	a5 := testing.AllocsPerRun(20, func() { Grad(loss(5), w, &g) })
	type narrow struct{ A, C *mat.Dense }
	n := narrow{w.A, w.C}
	var gn narrow
	Grad(loss(1), n, &gn)
	n1 := testing.AllocsPerRun(20, func() { Grad(loss(1), n, &gn) })
	if a1 > n1+1 {
		t.Errorf("allocations grow with the number of unused fields: %v for 10 fields, %v for 2", a1, n1)
	}
	// A 40×40 zero or sum matrix would be one allocation per use at least;
	// each use must cost far less than a matrix per field.
	if per := (a5 - a1) / 4; per > 60 {
		t.Errorf("each field use costs %v allocations", per)
	}
	if mat.Sum(g.C) != 5*40*40 || mat.Sum(g.A) != 0 || g.A == nil {
		t.Fatalf("wrong gradient: sum C %v, sum A %v", mat.Sum(g.C), mat.Sum(g.A))
	}
	t.Logf("allocations: 10 fields 1 use %v, 5 uses %v; 2 fields 1 use %v", a1, a5, n1)
}

func TestGradMap(t *testing.T) {
	m := map[string]*mat.VecDense{"w": mat.NewVecDense(2, []float64{1, 2}), "b": mat.NewVecDense(2, []float64{3, 4})}
	var g map[string]*mat.VecDense
	y := Grad(func(x *Var) *Var { return sumElems(Square(Key(x, "w"))) }, m, &g)
	if y.(float64) != 5 || !mat.Equal(g["w"], mat.NewVecDense(2, []float64{2, 4})) || g["b"] == nil || mat.Sum(g["b"]) != 0 {
		t.Fatalf("map gradient %v %v", y, g)
	}
	if math.IsNaN(y.(float64)) {
		t.Fatal()
	}
}

type params map[string]*mat.VecDense

type model struct {
	Layers []inner
	Heads  map[string]inner
	Extra  params
}

func TestNestedContainers(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	mk := func() inner { return inner{A: r.Float64() + 0.5, V: randVec(r, 3)} }
	x := model{
		Layers: []inner{mk(), mk(), mk()},
		Heads:  map[string]inner{"cls": mk(), "reg": mk()},
		Extra:  params{"bias": randVec(r, 3), "unused": randVec(r, 2)},
	}
	f := func(m *Var) *Var {
		l1 := Index(Field(m, "Layers"), 1)
		h := Key(Field(m, "Heads"), "reg")
		b := Key(Field(m, "Extra"), "bias")
		v := Add(Mul(Field(l1, "V"), Field(h, "V")), b)
		l1b := SetField(l1, "A", Square(Field(l1, "A")))
		return Mul(Field(l1b, "A"), sumElems(Tanh(v)))
	}
	res := CheckGrad(func(xs []*Var) *Var { return f(xs[0]) }, []any{x}, 0)
	if res.MaxRelErr > 1e-6 || res.Checked != 3*4+2*4+5 {
		t.Fatalf("%v", res)
	}
	// Pointer input, gradient into a pointer destination, reused twice.
	var g *model
	for k := 0; k < 2; k++ {
		Grad(f, &x, &g)
	}
	if g == nil || len(g.Layers) != 3 || g.Layers[0].V == nil || g.Layers[0].A != 0 || g.Heads["cls"].V == nil || g.Extra["unused"].Len() != 2 {
		t.Fatalf("incomplete gradient %+v", g)
	}
	var want model
	Grad(f, x, &want)
	if g.Layers[1].A != want.Layers[1].A || !mat.Equal(g.Heads["reg"].V, want.Heads["reg"].V) || !mat.Equal(g.Extra["bias"], want.Extra["bias"]) {
		t.Fatal("pointer and value inputs give different gradients")
	}
	if mat.Sum(g.Extra["unused"]) != 0 || g.Layers[1].A == 0 {
		t.Fatal("wrong sparse gradient")
	}
	// SetField on a pointer input.
	res = CheckGrad(func(xs []*Var) *Var {
		p := SetField(xs[0], "A", Exp(Field(xs[0], "A")))
		return Mul(Field(p, "A"), sumElems(Field(p, "V")))
	}, []any{&inner{A: 0.3, V: randVec(r, 3)}}, 0)
	if res.MaxRelErr > 1e-6 || res.Checked != 4 {
		t.Fatalf("%v", res)
	}
}

func TestIndexOps(t *testing.T) {
	// Index keeps one op per kind and position below maxIndexOps: slice
	// elements and vector elements at the same index are different ops,
	// indexes from maxIndexOps on get a fresh op, and all of them read the
	// right element, on several goroutines at once. Gradients against
	// finite differences.
	n := maxIndexOps + 44
	v := mat.NewVecDense(n, nil)
	s := make([]float64, n)
	for i := range s {
		v.SetVec(i, 0.5+float64(i%7)/10)
		s[i] = 1 + float64(i%5)/10
	}
	idx := []int{0, 3, 3, maxIndexOps - 1, maxIndexOps, n - 1}
	f := func(xs []*Var) *Var {
		acc := Scalar(0)
		for k, i := range idx {
			acc = Add(acc, Mul(Scalar(float64(k+1)), Mul(Index(xs[0], i), Sin(Index(xs[1], i)))))
		}
		return acc
	}
	want := 0.0
	for k, i := range idx {
		want += float64(k+1) * v.AtVec(i) * math.Sin(s[i])
	}
	errs := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for r := 0; r < 20; r++ {
				if y := EvalN(f, []any{v, s}).(float64); math.Abs(y-want) > 1e-12 {
					errs <- fmt.Errorf("f = %v, want %v", y, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if r := CheckGrad(f, []any{v, s}, 0); r.MaxRelErr > 1e-6 {
		t.Fatalf("gradient: %v", r)
	}
	// Reading an element makes no op: what is left is the Var and the
	// scalar it holds.
	g := func(xs []*Var) *Var { return Index(xs[0], 3) }
	EvalN(g, []any{v})
	a := testing.AllocsPerRun(20, func() { EvalN(g, []any{v}) })
	t.Logf("EvalN of one Index: %v allocations", a)
	if a > 4 {
		t.Errorf("EvalN of one Index makes %v allocations", a)
	}
}
