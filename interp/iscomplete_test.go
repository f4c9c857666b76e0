package interp

import "testing"

// TestIsComplete checks the statuses and indents the parser gives: an
// error at the end of the input is "incomplete", one before it "invalid".
func TestIsComplete(t *testing.T) {
	cases := []struct{ code, status, indent string }{
		// Complete cells of every kind.
		{"x := 1", "complete", ""},
		{"", "complete", ""},
		{"import \"fmt\"\nfunc f() {}\nf()\nfmt.Println(1)", "complete", ""},
		{"func (n int) {\n\tprintln(n)\n}(3)", "complete", ""},
		{"type P struct{ X float64 }\nfunc (p P) Norm() float64 { return p.X }", "complete", ""},
		{"x := 1 +\n\t2", "complete", ""},
		{"package main\nfunc main() {}", "complete", ""},
		// Magics and help requests keep their answer, whatever follows.
		{"%time x", "complete", ""},
		{"%%time\nfor {", "complete", ""},
		{"mat.NewDense?", "complete", ""},
		// The input ends inside something that more lines can finish.
		{"func f() {", "incomplete", "\t"},
		{"for i := 0; i < 3; i++ {\n\tif i > 1 {", "incomplete", "\t\t"},
		{"x := []int{1,\n", "incomplete", "\t"},
		{"p := Point{X: 1,", "incomplete", "\t"},
		{"m := map[string][]int{\"a\": {1,", "incomplete", "\t\t"},
		{"if x {", "incomplete", "\t"},
		{"switch {", "incomplete", "\t"},
		{"go func() {", "incomplete", "\t"},
		{"if x {\n} else", "incomplete", ""},
		{"type T struct {", "incomplete", "\t"},
		{"import (", "incomplete", "\t"},
		{"var x int =", "incomplete", ""},
		{"x := 1 +", "incomplete", ""},
		{"v := a.", "incomplete", ""},
		{"s := `raw", "incomplete", ""},
		{"s := `raw\nstill raw", "incomplete", ""},
		{"x := 1 /* a comment", "incomplete", ""},
		{"func (p P) Norm() float64 {", "incomplete", "\t"},
		{"package main\nfunc main() {", "incomplete", "\t"},
		// Not a method (no name) but the start of a function literal
		// that "}(v)" calls: the parser says incomplete.
		{"func (x) {", "incomplete", "\t"},
		// The parser stops before the end: no further line repairs it.
		{"x := )", "invalid", ""},
		{"}", "invalid", ""},
		{"x := 1 }", "invalid", ""},
		{"func f() {}\nx y", "invalid", ""},
		{"func f() {} garbage", "invalid", ""},
		{"f(x := 1,", "invalid", ""},
		{"for i := range 10 {\n\tx := )", "invalid", ""},
		{"x := []int{1 2,", "invalid", ""},
		{"func (p P) Norm() float64 {\n\treturn )", "invalid", ""},
		{"package main\nfunc main() { x := ) ", "invalid", ""},
		{`s := "not terminated`, "invalid", ""},
		{`import "fmt`, "invalid", ""},
		{"r := 'a", "invalid", ""},
		{"x := 08", "invalid", ""},
		// A newline follows on Enter, and Go puts a semicolon there.
		{"fmt.Println(1", "invalid", ""},
		{"x := []int{1", "invalid", ""},
		{"if x\n{", "invalid", ""},
		{"x := 1\ncase 2:", "invalid", ""},
	}
	e := &Evaluator{}
	for _, c := range cases {
		st, ind := e.IsComplete(c.code)
		if st != c.status || ind != c.indent {
			t.Errorf("%q: got %q %q, want %q %q", c.code, st, ind, c.status, c.indent)
		}
	}
}
