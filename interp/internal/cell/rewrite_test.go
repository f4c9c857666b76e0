package cell

import (
	"go/ast"
	"testing"
)

// TestParenCallAssign checks which assignments x = f(...) get their call
// parenthesized (calls of functions, which may have named results) and
// which are left as written (builtins, which have none, so that their
// runtime errors keep the call's column; a shadowed builtin name is a
// function like any other).
func TestParenCallAssign(t *testing.T) {
	for _, c := range []struct {
		src   string
		paren bool
	}{
		{"x = f()", true},
		{"x = pkg.F(1)", true},
		{"_ = make([]int, n)", false},
		{"x = len(s)", false},
		{"x = append(x, 1)", false},
		{"x := f()", false}, // a declaration: no earlier x to alias
		{"x, y = f()", false},
	} {
		items, err := Split(c.src)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		it := &items[len(items)-1]
		r := &Rewriter{}
		r.Prepare(items)
		r.RewriteItem(it)
		as, ok := it.Stmts[0].(*ast.AssignStmt)
		if !ok {
			t.Fatalf("%q: not an assignment after rewriting: %T", c.src, it.Stmts[0])
		}
		p, isParen := as.Rhs[0].(*ast.ParenExpr)
		if isParen != c.paren {
			t.Errorf("%q: parenthesized %v, want %v", c.src, isParen, c.paren)
		}
		if isParen && p.Pos() != p.X.Pos() {
			t.Errorf("%q: the parentheses are at %v, the call at %v", c.src, p.Pos(), p.X.Pos())
		}
	}
	items, _ := Split("x = len(s)")
	r := &Rewriter{Shadowed: map[string]bool{"len": true}}
	r.Prepare(items)
	r.RewriteItem(&items[0])
	if _, ok := items[0].Stmts[0].(*ast.AssignStmt).Rhs[0].(*ast.ParenExpr); !ok {
		t.Error("a shadowed len is a function: its call should be parenthesized")
	}
}
