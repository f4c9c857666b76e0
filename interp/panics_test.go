package interp

import (
	"context"
	"strings"
	"testing"
)

// TestRuntimePanicMessages checks that runtime panics read as Go's: each
// expected text is what go run prints for the same code.
func TestRuntimePanicMessages(t *testing.T) {
	runSteps(t, []step{
		{code: "a := []int{1, 2, 3}\ni := 5\nfmt.Println(a[0])\nfmt.Println(a[i])", err: "RuntimeError: 4:1: runtime error: index out of range [5] with length 3"},
		{code: "neg := -1\n_ = a[neg]", err: "runtime error: index out of range [-1]\n"},
		{code: "s := \"abc\"\nj := 3\nfmt.Println(s[j-1])\nfmt.Println(s[j])", err: "runtime error: index out of range [3] with length 3"},
		{code: "arr := [3]string{\"a\", \"b\", \"c\"}\nfmt.Println(arr[j])", err: "runtime error: index out of range [3] with length 3"},
		{code: "pa := &arr\nfmt.Println(pa[j])", err: "runtime error: index out of range [3] with length 3"},
		{code: "var u8 uint8 = 4\n_ = a[u8]", err: "runtime error: index out of range [4] with length 3"},
		{code: "type Box struct{ Xs []int }\nbx := Box{a}\n_ = bx.Xs[len(bx.Xs)]", err: "runtime error: index out of range [3] with length 3"},
		// Slice expressions: the capacity of a slice, the length of an
		// array or a string.
		{code: "hi := 5\nfmt.Println(len(a[:2]))\nfmt.Println(a[:hi])", err: "runtime error: slice bounds out of range [:5] with capacity 3"},
		{code: "fmt.Println(a[hi:])", err: "runtime error: slice bounds out of range [5:3]"},
		{code: "lo, hi2 := 2, 1\nfmt.Println(s[lo:hi2])", err: "runtime error: slice bounds out of range [2:1]"},
		{code: "fmt.Println(arr[:hi])", err: "runtime error: slice bounds out of range [:5] with length 3"},
		{code: "fmt.Println(s[1:hi])", err: "runtime error: slice bounds out of range [:5] with length 3"},
		{code: "fmt.Println(a[0:1:hi])", err: "runtime error: slice bounds out of range [::5] with capacity 3"},
		{code: "fmt.Println(a[0:hi2+2:2])", err: "runtime error: slice bounds out of range [:3:2]"},
		// Translated reflect panics.
		{code: "n := -1\n_ = make([]int, n)", err: "runtime error: makeslice: len out of range"},
		{code: "var st fmt.Stringer\nfmt.Println(st == nil)\nfmt.Println(st.String())", err: "RuntimeError: 3:1: runtime error: invalid memory address or nil pointer dereference"},
		{code: "type Conf struct{ Name string }\nvar c *Conf\nfmt.Println(c.Name)", err: "runtime error: invalid memory address or nil pointer dereference"},
		{code: "var fn func()\nfn()", err: "RuntimeError: 2:1: runtime error: invalid memory address or nil pointer dereference"},
		{code: "var x any = \"s\"\n_ = x.(int)", err: "RuntimeError: 2:5: interface conversion: interface {} is string, not int\n"},
		{code: "var nilErr error\npanic(nilErr)", err: "Panic: 2:1: panic called with nil argument"},
		// Already Go's (pinned here so that the table above does not
		// change them).
		{code: "var m map[string]int\nm[\"a\"] = 1", err: "RuntimeError: 2:1: assignment to entry in nil map"},
		{code: "zero := 0\n_ = 1 / zero", err: "RuntimeError: 2:5: runtime error: integer divide by zero"},
		{code: "ch := make(chan int)\nclose(ch)\nclose(ch)", err: "RuntimeError: 3:1: close of closed channel"},
		// Inside a function (not rewritten, see bounds.go): Go's wording
		// without the values, and the frame in the function.
		{code: "func at(xs []int, k int) int {\n\treturn xs[k] * 2\n}\nat(a, 7)", err: "runtime error: index out of range\nTraceback (innermost first):\n  at, this cell line 2:9"},
		{code: "func first[T any](xs []T) T { return xs[0] }\nfirst([]string{})", err: "runtime error: index out of range"},
		{code: "func atS[S ~[]E, E any](s S, i int) E { return s[i] }\natS(a, 9)", err: "runtime error: index out of range"},
	})
}

// TestIndexRewriteKeepsSemantics checks the index and slice expressions
// the bounds rewrite touches or leaves alone: assignments, ++, &a[i], map
// indexes, generic instantiations, strings and arrays.
func TestIndexRewriteKeepsSemantics(t *testing.T) {
	runSteps(t, []step{
		{code: "a := []int{1, 2, 3}\ni := 1\na[i] = 10\na[i+1]++\np := &a[0]\n*p = 7\na[i] += 5\nfmt.Println(a, a[i:], a[:i], a[0:i:i+1], cap(a[0:i:i+1]))", out: "[7 15 4] [15 4] [7] [7] 2\n"},
		{code: "m := map[string]int{\"a\": 1}\nk := \"b\"\nm[k]++\nv, ok := m[\"z\"]\nfmt.Println(m[k], m[\"a\"], v, ok)", out: "1 1 0 false\n"},
		{code: "func id[T any](x T) T { return x }\nfmt.Println(id[int](4), id[string](\"s\"))", out: "4 s\n"},
		{code: "s := \"héllo\"\nj := 1\nfmt.Println(s[j], s[j:], s[:j+2], len(s[j:j]))", out: "195 éllo hé 0\n"},
		{code: "arr := [3]int{1, 2, 3}\narr[j] = 9\nq := &arr\nq[2] = 8\nfmt.Println(arr, q[:j], arr[j:])", out: "[1 9 8] [1] [9 8]\n"},
		{code: "grid := [][]int{{1, 2}, {3, 4}}\ngrid[j][0] = 30\nfmt.Println(grid[j][0], grid[0][j])", out: "30 2\n"},
		// a[i] = f(): Go calls f before it checks i, so such an index is
		// not rewritten (the message has no values).
		{code: "func f() int { fmt.Println(\"f called\"); return 1 }\nbad := 5\na[bad] = f()", err: "runtime error: index out of range"},
	})
}

// TestIndexInLoopHasNoValues pins the difference %help lists: inside a
// for or range statement an index is not rewritten (no call per
// iteration), so the panic has Go's wording without the values.
func TestIndexInLoopHasNoValues(t *testing.T) {
	s, err := newSession(&syncBuf{}, &syncBuf{})
	if err != nil {
		t.Fatal(err)
	}
	_, fail := s.run(context.Background(), "arr := [3]string{\"a\", \"b\", \"c\"}\nfor i := 0; i <= len(arr); i++ {\n\t_ = arr[i]\n}", 1)
	if fail == nil || fail.Name != "RuntimeError" || !strings.HasSuffix(fail.Value, ": runtime error: index out of range") {
		t.Fatalf("want Go's index error without values, got %v", fail)
	}
}

// TestPanicValues checks that panic with a value of a cell type prints as
// Go's runtime prints it, and that recover still gets the value itself.
func TestPanicValues(t *testing.T) {
	runSteps(t, []step{
		{code: "type Code int\npanic(Code(42))", err: "Panic: 2:1: main.Code(42)"},
		{code: "type Name string\npanic(Name(\"x\"))", err: "main.Name(\"x\")"},
		{code: "type Ratio float64\npanic(Ratio(1.5))", err: "main.Ratio(1.5)"},
		{code: "type On bool\npanic(On(true))", err: "main.On(true)"},
		{code: "type ParseError struct{ Line int }\nfunc (e *ParseError) Error() string { return fmt.Sprintf(\"parse error on line %d\", e.Line) }"},
		{code: "panic(&ParseError{Line: 7})", err: "Panic: 1:1: parse error on line 7"},
		{code: "var err error = &ParseError{Line: 8}\npanic(err)", err: "parse error on line 8"},
		{code: "type Pt struct{ X int }\nfunc (p Pt) String() string { return fmt.Sprintf(\"Pt(%d)\", p.X) }\npanic(Pt{3})", err: "Panic: 3:1: Pt(3)"},
		{code: "type Raw struct{ X int }\npanic(&Raw{3})", err: "(*main.Raw) 0x"},
		{code: "panic(\"plain\")", err: "Panic: 1:1: plain"},
		{code: "func catch() (r any) {\n\tdefer func() { r = recover() }()\n\tpanic(Code(3))\n}\nfmt.Println(catch())", out: "3\n"},
	})
}
