package interp

import (
	"reflect"
	"testing"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// FuzzFrontEnd feeds arbitrary cells to the splitter, the rewriter, the
// printer and IsComplete: none may panic (the worker would report an
// InternalError). The seeds run with every go test.
func FuzzFrontEnd(f *testing.F) {
	for _, seed := range []string{
		"x := 1", "import \"fmt\"\nfmt.Println(1)", "func f() {}\nf()",
		"for i := range 10 { go func() { _ = i }() }", "if v := 3; min(v, 2) > 0 {}",
		"switch x := max(1, 2); x {}", "clear(m)", "type T struct{ A int }\nfunc (t T) M() {}",
		"s := `raw\nstring`", "/* c */ x := 1 // d", "for {", "}", "x := )", "func (", "%time x", "?fmt",
		"for i := 0; i < min(3, n); i++ {}", "lbl:\nfor range n {}", "var (\n\ta = 1\n)",
	} {
		f.Add(seed)
	}
	kinds := func(string) reflect.Kind { return reflect.Int }
	s := &session{}
	f.Fuzz(func(t *testing.T, code string) {
		isComplete(code)
		items, err := cell.Split(code)
		if err != nil {
			return
		}
		n := 0
		rw := &cell.Rewriter{GlobalKind: kinds, Shadowed: map[string]bool{}, N: &n}
		rw.Prepare(items)
		for i := range items {
			rw.RewriteItem(&items[i])
			for _, st := range items[i].Stmts {
				s.nodeSource(items[i].Fset, st, "1")
			}
			for _, d := range items[i].Decls {
				s.nodeSource(items[i].Fset, d, "1")
			}
		}
	})
}
