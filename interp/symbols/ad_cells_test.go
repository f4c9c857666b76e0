package symbols_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// The notebook-style cells run through yaegi, in order (a notebook front-end
// splits cells the same way: declarations, then statements).
var yaegiCells = []string{
	`import (
	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)`,
	`type Net struct {
	W     *mat.Dense
	B     *mat.VecDense
	scale float64
	steps int
}

func loss(x, target *mat.VecDense) func(n *ad.Var) *ad.Var {
	return func(n *ad.Var) *ad.Var {
		h := ad.Add(ad.MatVec(ad.Field(n, "W"), ad.Const(x)), ad.Field(n, "B"))
		d := ad.Sub(ad.Tanh(h), ad.Const(target))
		return ad.Mul(ad.Field(n, "scale"), ad.Sum(ad.Square(d)))
	}
}`,
	`x := mat.NewVecDense(3, []float64{0.5, -1, 2})
target := mat.NewVecDense(2, []float64{0.25, -0.5})
net := Net{W: mat.NewDense(2, 3, []float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}), B: mat.NewVecDense(2, []float64{0.05, -0.05}), scale: 0.5}`,
	`var g Net`,
	`l0 := ad.Grad(loss(x, target), net, &g).(float64)
gW, gB, gScale := g.W, g.B, g.scale
var step mat.Dense
step.Scale(0.1, g.W)
net.W.Sub(net.W, &step)
net.B.AddScaledVec(net.B, -0.1, g.B)
net.steps++
l1 := ad.Eval(loss(x, target), net).(float64)`,
	// A custom op defined in the cell: compiled code calls the interpreted closures.
	`cube := ad.Op1("cube", func(x any) (any, func(g any) any) {
	v := x.(float64)
	return v * v * v, func(g any) any { return g.(float64) * 3 * v * v }
})
var dc float64
c0 := ad.Grad(func(x *ad.Var) *ad.Var { return ad.Add(cube(x), ad.Sin(x)) }, 2.0, &dc).(float64)`,
	// Building a cell struct from Vars, slices split and joined.
	`var gs Net`,
	`s0 := ad.Grad(func(n *ad.Var) *ad.Var {
	m := ad.Struct(Net{}, map[string]*ad.Var{"B": ad.Square(ad.Field(n, "B")), "scale": ad.Field(n, "scale")})
	bs := ad.Split(ad.Field(m, "B"))
	j := ad.Join([]*ad.Var{bs[1], bs[0]})
	return ad.Mul(ad.Field(m, "scale"), ad.Add(ad.Index(j, 0), ad.Index(j, 1)))
}, net, &gs).(float64)
gsB, gsScale := gs.B, gs.scale`,
}

// yaegiNet is the compiled twin of the cell's Net.
type yaegiNet struct {
	W     *mat.Dense
	B     *mat.VecDense
	Scale float64
	Steps int
}

// TestYaegiNotebookSnippet runs the cells through yaegi with the kernel's
// symbol tables (interp/symbols) and checks every number against the same
// computation compiled.
func TestYaegiNotebookSnippet(t *testing.T) {
	testYaegiSnippet(t, symbols.Symbols)
}

// runYaegiCells evaluates notebook-style cells in a fresh yaegi
// interpreter with the standard library and syms, as the kernel does, and
// returns a function reading the value of a global of the cells.
func runYaegiCells(t *testing.T, syms map[string]map[string]reflect.Value, cells []string) func(name string) any {
	t.Helper()
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(syms); err != nil {
		t.Fatal(err)
	}
	for k, c := range cells {
		if _, err := i.Eval(c); err != nil {
			t.Fatalf("cell %d: %v\n%s", k, err, c)
		}
	}
	return func(name string) any {
		t.Helper()
		v, err := i.Eval(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v.Interface()
	}
}

func testYaegiSnippet(t *testing.T, syms map[string]map[string]reflect.Value) {
	get := runYaegiCells(t, syms, yaegiCells)

	// The same computation, compiled.
	x := mat.NewVecDense(3, []float64{0.5, -1, 2})
	target := mat.NewVecDense(2, []float64{0.25, -0.5})
	net := yaegiNet{W: mat.NewDense(2, 3, []float64{0.1, -0.2, 0.3, 0.4, 0.5, -0.6}), B: mat.NewVecDense(2, []float64{0.05, -0.05}), Scale: 0.5}
	loss := func(n *ad.Var) *ad.Var {
		h := ad.Add(ad.MatVec(ad.Field(n, "W"), ad.Const(x)), ad.Field(n, "B"))
		d := ad.Sub(ad.Tanh(h), ad.Const(target))
		return ad.Mul(ad.Field(n, "Scale"), ad.Sum(ad.Square(d)))
	}
	var g yaegiNet
	l0 := ad.Grad(loss, net, &g).(float64)
	if res := ad.CheckGrad(func(xs []*ad.Var) *ad.Var { return loss(xs[0]) }, []any{net}, 0); res.MaxRelErr > 1e-6 {
		t.Fatalf("compiled gradient check: %v", res)
	}
	var step mat.Dense
	step.Scale(0.1, g.W)
	net.W.Sub(net.W, &step)
	net.B.AddScaledVec(net.B, -0.1, g.B)
	l1 := ad.Eval(loss, net).(float64)

	if got := get("l0").(float64); got != l0 {
		t.Errorf("loss in the cell %v, compiled %v", got, l0)
	}
	if got := get("gW").(*mat.Dense); !mat.EqualApprox(got, g.W, 1e-15) {
		t.Errorf("gradient W in the cell\n%v\ncompiled\n%v", mat.Formatted(got), mat.Formatted(g.W))
	}
	if got := get("gB").(*mat.VecDense); !mat.EqualApprox(got, g.B, 1e-15) {
		t.Errorf("gradient B in the cell %v, compiled %v", got, g.B)
	}
	if got := get("gScale").(float64); math.Abs(got-g.Scale) > 1e-15 || got == 0 {
		t.Errorf("gradient of the unexported field in the cell %v, compiled %v", got, g.Scale)
	}
	if got := get("l1").(float64); got != l1 || !(l1 < l0) {
		t.Errorf("loss after the SGD step: cell %v, compiled %v (before %v)", got, l1, l0)
	}
	if got := get("net.W").(*mat.Dense); !mat.EqualApprox(got, net.W, 1e-15) {
		t.Errorf("weights after the step differ")
	}
	if got, want := get("c0").(float64), 8+math.Sin(2); got != want {
		t.Errorf("custom op value %v, want %v", got, want)
	}
	if got, want := get("dc").(float64), 12+math.Cos(2); got != want {
		t.Errorf("custom op gradient %v, want %v", got, want)
	}
	b0, b1 := net.B.AtVec(0), net.B.AtVec(1)
	if got, want := get("s0").(float64), net.Scale*(b0*b0+b1*b1); math.Abs(got-want) > 1e-15 {
		t.Errorf("Struct in the cell: value %v, want %v", got, want)
	}
	if got := get("gsB").(*mat.VecDense); math.Abs(got.AtVec(0)-2*net.Scale*b0) > 1e-15 || math.Abs(got.AtVec(1)-2*net.Scale*b1) > 1e-15 {
		t.Errorf("Struct in the cell: gradient B %v", got)
	}
	if got := get("gsScale").(float64); math.Abs(got-(b0*b0+b1*b1)) > 1e-15 {
		t.Errorf("Struct in the cell: gradient of scale %v", got)
	}
	// The cell's gradient struct really is the cell's type, filled in place.
	if kind := reflect.TypeOf(get("g")).Kind(); kind != reflect.Struct {
		t.Errorf("g is a %v", kind)
	}
	if got := get("g.steps").(int); got != 0 {
		t.Errorf("non-differentiable field got gradient %v", got)
	}
}
