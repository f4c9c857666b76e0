package cell

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestRewriteRangeFunc checks the code a range-over-func loop becomes,
// with every way out of its body.
func TestRewriteRangeFunc(t *testing.T) {
	src := `package p

func f(seq func(func(int) bool), pairs func(func(string, int) bool)) (int, error) {
outer:
	for i := range 3 {
		for v := range seq {
			if v == 0 {
				continue
			}
			if v == 1 {
				continue outer
			}
			if v == 2 {
				break outer
			}
			for j := 0; j < 2; j++ {
				if j == 1 {
					break
				}
			}
			if v == i {
				return v, nil
			}
			if v > 9 {
				break
			}
		}
	}
	var k string
	for k = range pairs {
	}
	return 0, nil
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	tmp := func(p string) string { n++; return fmt.Sprintf("__gp%s%d", p, n) }
	info := func(rs *ast.RangeStmt) (RangeFunc, bool) {
		id, _ := rs.X.(*ast.Ident)
		if id == nil {
			return RangeFunc{}, false
		}
		switch id.Name {
		case "seq":
			return RangeFunc{Params: []ast.Expr{ast.NewIdent("int")}, Results: []ast.Expr{ast.NewIdent("int"), ast.NewIdent("error")}}, true
		case "pairs":
			return RangeFunc{Params: []ast.Expr{ast.NewIdent("string"), ast.NewIdent("int")}, Results: []ast.Expr{ast.NewIdent("int"), ast.NewIdent("error")}}, true
		}
		return RangeFunc{}, false
	}
	if _, changed := RewriteRangeFunc(f, info, tmp); !changed {
		t.Fatal("nothing rewritten")
	}
	var buf bytes.Buffer
	if err := format.Node(&buf, token.NewFileSet(), f); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	if _, err := parser.ParseFile(token.NewFileSet(), "", got, 0); err != nil {
		t.Fatalf("rewritten code does not parse: %v\n%s", err, got)
	}
	for _, want := range []string{
		"(seq)(func(v int) bool {",
		"return true\n\t\t\t\t}\n\t\t\t\tif v == 1 {", // continue
		"continue outer",                              // after the call
		"break outer",                                 // after the call
		"\t\t\t\t\t\tbreak\n",                         // the inner loop's own break stays
		"__gpR2, __gpR3 = v, nil",                     // return values kept
		"return __gpR2, __gpR3",
		"(pairs)(func(__gpV", // assigned, not defined, variable
		"k = __gpV",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten code lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "range seq") || strings.Contains(got, "range pairs") {
		t.Errorf("a range over a func is left:\n%s", got)
	}
}
