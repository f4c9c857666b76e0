package cell

import (
	"strings"
	"testing"
)

// TestSplitErrors checks where Split reports syntax errors: at the user's
// own text (a stray '}' that would close the statement wrapper, a broken
// method body, a broken function literal), and AtEnd only when the parser
// stopped at the end of the cell's last item.
func TestSplitErrors(t *testing.T) {
	cases := []struct {
		code      string
		line, col int
		msg       string
		atEnd     bool
	}{
		{"}", 1, 1, "unexpected '}'", false},
		{"x := 1\n  }", 2, 3, "unexpected '}'", false},
		{"func (p P) Norm() float64 {\n\treturn )\n}", 2, 9, "expected operand", false},
		{"func (n int) { x := ) }(3)", 1, 21, "expected operand", false},
		{"func (x) {", 1, 11, "expected '}'", true},
		{"func (p P) Norm() float64 {", 1, 28, "expected '}'", true},
		{"x := 1 +;\ny := 2", 1, 9, "expected operand", false},
		{"x := 1 +", 1, 9, "expected operand", true},
		{"a := 1\nx := f(\n\t1,", 3, 4, "expected operand", true},
		{"s := `a\nb", 1, 6, "raw string literal not terminated", true},
		{`s := "a`, 1, 6, "string literal not terminated", false},
	}
	for _, c := range cases {
		_, err := Split(c.code)
		if err == nil {
			t.Errorf("%q: no error", c.code)
			continue
		}
		if err.Line != c.line || err.Col != c.col || !strings.Contains(err.Msg, c.msg) || err.AtEnd != c.atEnd {
			t.Errorf("%q: got %d:%d %q AtEnd=%v, want %d:%d %q AtEnd=%v", c.code, err.Line, err.Col, err.Msg, err.AtEnd, c.line, c.col, c.msg, c.atEnd)
		}
	}
	// Both readings of "func (" that parse keep their kind.
	for code, kind := range map[string]Kind{"func (p P) M() {}": DeclItem, "func (n int) { _ = n }(3)": StmtItem} {
		items, err := Split(code)
		if err != nil || len(items) != 1 || items[0].Kind != kind {
			t.Errorf("%q: items %v, error %v; want one %v", code, items, err, kind)
		}
	}
}
