package gotypes

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/generic"

	"github.com/gopherprop/gopherprop/interp/symbols"
)

// check type-checks src against the interpreter's packages and returns
// the errors, one per line.
func check(t *testing.T, src string) string {
	t.Helper()
	fset := token.NewFileSet()
	im := NewImporter(fset, generic.Sources[:], stdlib.Symbols, symbols.Symbols)
	f, err := parser.ParseFile(fset, "cell.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	conf := types.Config{Importer: im, Error: func(err error) { errs = append(errs, err.(types.Error).Msg) }}
	conf.Check("main", fset, []*ast.File{f}, nil)
	return strings.Join(errs, "\n")
}

func TestImporterAcceptsValidPrograms(t *testing.T) {
	for _, src := range []string{
		`package main
import ("fmt"; "strings"; "strconv"; "errors"; "time"; "sort"; "os"; "io")
func main() {
	var sb strings.Builder
	sb.WriteString("x")
	n, err := strconv.Atoi("12")
	fmt.Fprintln(os.Stdout, sb.String(), n, err, errors.New("e"), time.Second*2, io.EOF)
	xs := []int{3, 1}
	sort.Ints(xs)
	var _ fmt.Stringer = time.Duration(1)
	var _ error = &strconv.NumError{}
	_ = time.Now().Add(time.Hour).Format(time.RFC3339)
}`,
		`package main
import ("gonum.org/v1/gonum/mat"; "github.com/gopherprop/gopherprop/ad"; "gonum.org/v1/plot"; "gonum.org/v1/plot/plotter")
func main() {
	m := mat.NewDense(2, 2, nil)
	var _ mat.Matrix = m
	v := mat.NewVecDense(2, nil)
	v.MulVec(m.T(), v)
	var x *ad.Var = ad.Const(v)
	_ = ad.Sum(ad.Square(x))
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 2}})
	_, _ = l, err
	p.Add(l)
	_ = mat.Formatted(m, mat.Prefix(" "))
}`,
		`package main
import ("slices"; "maps"; "cmp")
func main() {
	x := []int{2, 1}
	_ = slices.Index(x, 1)
	_ = cmp.Compare(1, 2)
	_ = maps.Clone(map[string]int{})
}`,
	} {
		if errs := check(t, src); errs != "" {
			t.Errorf("valid program rejected:\n%s\n---\n%s", errs, src)
		}
	}
}

func TestImporterFindsErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`package main
import "strconv"
func main() { x := strconv.Atoi("1"); _ = x }`, "assignment mismatch: 1 variable but strconv.Atoi returns 2 values"},
		{`package main
import "gonum.org/v1/gonum/mat"
func main() { m := mat.NewDense(2, 2, nil); m.Nope() }`, "m.Nope undefined (type *mat.Dense has no field or method Nope)"},
		{`package main
import "fmt"
func f() int { fmt.Println() }
func main() {}`, "missing return"},
		{`package main
import "context"
func main() { _ = context }`, "use of package context not in selector"},
	} {
		if got := check(t, c.src); !strings.Contains(got, c.want) {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}
