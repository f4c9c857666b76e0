package interp

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// syncBuf is a goroutine-safe buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// step is one cell of a front-end scenario and what it must produce.
type step struct {
	code   string
	value  string // fmt %v of the result; "" means no result
	out    string // expected stdout (exact) unless "" and outHas == ""
	outHas string // substring of stdout
	err    string // substring of the error (traceback joined); "" means success
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	out := &syncBuf{}
	errw := &syncBuf{}
	s, err := newSession(out, errw)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range steps {
		res, fail := s.run(context.Background(), st.code, i+1)
		gotOut := out.take()
		stderr := errw.take()
		if st.err != "" {
			if fail == nil {
				t.Fatalf("step %d %q: want error containing %q, got success (value %v)", i, st.code, st.err, res.value)
			}
			all := fail.Name + ": " + fail.Value + "\n" + strings.Join(fail.Traceback, "\n")
			if !strings.Contains(all, st.err) {
				t.Fatalf("step %d %q: error %q does not contain %q", i, st.code, all, st.err)
			}
			continue
		}
		if fail != nil {
			t.Fatalf("step %d %q: unexpected error %s\n%s\nstderr: %s", i, st.code, fail.Error(), strings.Join(fail.Traceback, "\n"), stderr)
		}
		got := ""
		if res.hasValue {
			got = fmt.Sprint(res.value)
			if res.text != "" {
				got = res.text // what resultBundle shows as text/plain
			}
		}
		if got != st.value {
			t.Fatalf("step %d %q: value %q, want %q (hasValue=%v)", i, st.code, got, st.value, res.hasValue)
		}
		if st.outHas != "" {
			if !strings.Contains(gotOut, st.outHas) {
				t.Fatalf("step %d %q: stdout %q does not contain %q", i, st.code, gotOut, st.outHas)
			}
		} else if gotOut != st.out {
			t.Fatalf("step %d %q: stdout %q, want %q", i, st.code, gotOut, st.out)
		}
	}
}

func TestFrontEnd(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
	}{
		{"expression result", []step{{code: "1+2", value: "3"}}},
		{"statement has no result", []step{{code: "x := 3"}, {code: "x", value: "3"}, {code: "x = 4"}, {code: "x++"}, {code: "x", value: "5"}}},
		{"no stale value after void call", []step{
			{code: "type S struct{A int}\nfunc (s *S) M() {}\ns := &S{A: 1}\ns", value: "&{1}"},
			{code: "s.M()"},
			{code: "func vv() {}\nvv()"},
			{code: "import \"strings\"\nvar b strings.Builder\nb.Reset()"},
			{code: "if true { _ = 1 }"},
			{code: "m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\nm.T().At(0, 1)", value: "3"},
			{code: "m.Set(0, 0, 5)"},
			{code: "mat.NewDense(1, 1, nil).Set(0, 0, 1)"},
			{code: "m.RawMatrix().Rows", value: "2"},
			{code: "fmt.Sprint(m.At(0, 0))", value: "5"},
		}},
		{"print calls show no result", []step{{code: `fmt.Println("hi")`, out: "hi\n"}, {code: `fmt.Printf("%d\n", 7)`, out: "7\n"}}},
		{"mixed import decl statement", []step{
			{code: "import \"strings\"\nfunc up(s string) string { return strings.ToUpper(s) }\nx := up(\"ab\")\nfmt.Println(x)\nx", value: "AB", out: "AB\n"},
		}},
		{"re-running an importing cell", []step{
			{code: "import \"strings\"\nstrings.Repeat(\"a\", 2)", value: "aa"},
			{code: "import \"strings\"\nstrings.Repeat(\"a\", 3)", value: "aaa"},
			{code: "import (\n\t\"sort\"\n\t\"strings\"\n)\nxs := []string{\"b\", \"a\"}\nsort.Strings(xs)\nstrings.Join(xs, \",\")", value: "a,b"},
		}},
		{"conflicting import name", []step{
			{code: "import \"math/rand\"\nrand.Intn(1)", value: "0"},
			{code: "import \"crypto/rand\"", err: "already imported"},
		}},
		{"unknown package", []step{{code: "import \"unique\"", err: "not available"}}},
		{"auto imports", []step{
			{code: "math.Sqrt(16)", value: "4"},
			{code: "m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\nm.At(1, 0)", value: "3"},
		}},
		{"auto import not when shadowed", []step{
			{code: "type T struct{ Sqrt float64 }\nmath := T{2}\nmath.Sqrt", value: "2"},
		}},
		{"redefined function seen by earlier callers", []step{
			{code: "func f() int { return 1 }\nfunc g() int { return f() * 10 }\ng()", value: "10"},
			{code: "func f() int { return 2 }"},
			{code: "g()", value: "20"},
			{code: "func h() int { return g() + 1 }\nh()", value: "21"},
			{code: "func f() int { return 3 }\nh()", value: "31"},
		}},
		{"redefined method is seen by callers", []step{
			{code: "type P struct{}\nfunc (P) Name() string { return \"a\" }\nfunc show(p P) string { return p.Name() }\nshow(P{})", value: "a"},
			{code: "func (P) Name() string { return \"b\" }\nshow(P{})", value: "b"},
			{code: "show(P{})", value: "b"},
			{code: "func (P) Name() string { return \"c\" }\nfunc (p P) Twice() string { return p.Name() + p.Name() }\nP{}.Twice()", value: "cc"},
			{code: "show(P{})", value: "c"},
		}},
		{"identical re-run of declarations", []step{
			{code: "type T struct{A int}\nfunc (t T) Get() int { return t.A }\nT{3}.Get()", value: "3"},
			{code: "type T struct{A int}\nfunc (t T) Get() int { return t.A }\nT{4}.Get()", value: "4"},
		}},
		{"type re-run with other layout or comments is the same type", []step{
			{code: "type R struct{ A int }\nfunc (r R) Get() int { return r.A }\nR{1}.Get()", value: "1"},
			{code: "// R is a record.\ntype R struct {\n\tA int // the value\n}\n\nfunc (r R) Get() int {\n\treturn r.A\n}\nR{2}.Get()", value: "2"},
			{code: "func uses() int { s := 0; for i := range 3 { s += min(i, 1) }; return s }\nuses()", value: "2"},
			{code: "func uses() int { s := 0; for i := range 3 { s += min(i, 1) }; return s }\nuses()", value: "2"},
		}},
		{"redefined type is honoured", []step{
			{code: "type T struct{ A int }\nfunc (t T) Sum() int { return t.A }\nfunc mk() T { return T{A: 1} }"},
			{code: "old := mk()\nold.Sum()", value: "1"},
			{code: "type T struct{ A, B int }\nT{A: 1, B: 2}", value: "{1 2}"},
			{code: "T{A: 4, B: 2}.Sum()", value: "4"},
			{code: "mk().B", value: "0"},
			{code: "old.A", value: "1"},
			{code: "var t2 T\nt2.B = 5\nt2", value: "{0 5}"},
			{code: "type T struct{ A, B, C int }\nfunc (t T) Sum() int { return t.A + t.B + t.C }\nT{1, 2, 3}.Sum()", value: "6"},
			{code: "x := T{1, 2}", err: "too few values"},
		}},
		{"redefined pointer method; old values keep the old method", []step{
			{code: "type Acc struct{ n int }\nfunc (a *Acc) Add(k int) { a.n += k }\nfunc (a *Acc) N() int { return a.n }"},
			{code: "a := &Acc{}\na.Add(2)\na.N()", value: "2"},
			{code: "func (a *Acc) Add(k int) { a.n += 10 * k }\nb := &Acc{}\nb.Add(2)\nb.N()", value: "20"},
			{code: "a.Add(1)\na.N()", value: "3"},
		}},
		{"method that no longer compiles after a type change is dropped", []step{
			{code: "type U struct{ X int }\nfunc (u U) GetX() int { return u.X }\nU{7}.GetX()", value: "7"},
			{code: "type U struct{ Y int }\nU{Y: 1}", value: "{1}"},
			{code: "U{Y: 1}.GetX()", err: "GetX"},
		}},
		{"failed compile leaves no half-defined function", []step{
			{code: "func h1() int { return 1 }\nfunc bad() int { return \"s\" }", err: "CompileError"},
			{code: "h1()", err: "undefined: h1"},
			{code: "func k() int { return 1 }"},
			{code: "func k() int { return 2 }\nfunc bad2() int { return \"s\" }", err: "CompileError"},
			{code: "k()", value: "1"},
		}},
		{"type from a failed cell is not silently replaced", []step{
			{code: "type Q struct{ A int }\nfunc bad() int { return \"s\" }", err: "CompileError"},
			{code: "type Q struct{ A, B int }\nQ{A: 1, B: 2}", value: "{1 2}"},
			{code: "func bad() int { return 1 }\nQ{A: bad()}", value: "{1 0}"},
		}},
		{"comments, raw strings and labels", []step{
			{code: "// only a comment\n/* and a block */"},
			{code: "s := `func x() {\n import \\\"y\\\"`\nlen(s)", value: "24"},
			{code: "n := 0\nouter:\nfor i := 0; i < 3; i++ {\n\tfor j := 0; j < 3; j++ {\n\t\tif j == 1 { continue outer }\n\t\tn++\n\t}\n}\nn", value: "3"},
		}},
		{"generics, methods and interfaces", []step{
			{code: "func Sum[T int | float64](xs []T) T { var s T; for _, x := range xs { s += x }; return s }\nSum([]float64{1.5, 2})", value: "3.5"},
			{code: "type Shape interface{ Area() float64 }\ntype Sq struct{ S float64 }\nfunc (q *Sq) Area() float64 { return q.S * q.S }\nvar sh Shape = &Sq{3}\nsh.Area()", value: "9"},
		}},
		{"redefined const is seen by functions", []step{
			{code: "const k = 2\nfunc scaled(x int) int { return k * x }\nscaled(5)", value: "10"},
			{code: "const k = 3\nscaled(5)", value: "15"},
		}},
		{"package cell", []step{
			{code: "package main\n\nimport \"fmt\"\n\nfunc Hello() string { return fmt.Sprint(\"hi\") }"},
			{code: "Hello()", value: "hi"},
		}},
		{"top-level var", []step{
			{code: "b := 2\nvar c = b * 2\nc", value: "4"},
			{code: "var d int\nd", value: "0"},
			{code: "var (\n\te = 1\n\tf = \"x\"\n)\nf", value: "x"},
		}},
		{"compile error position", []step{
			{code: "x := 1\ny := x + \"s\"", err: "2:"},
			{code: "a := 1\n\tzz := nosuch + 1", err: "2:8: undefined: nosuch"},
			{code: "q := nosuch", err: "1:6: undefined: nosuch"},
			{code: "func ff() int {\n\treturn nosuch2\n}", err: "2:9: undefined: nosuch2"},
			{code: "x := )", err: "SyntaxError"},
		}},
		{"panic position", []step{
			{code: "func bad() int { var a []int; return a[5] }"},
			{code: "x := 1\ny := bad()", err: "line 2:6"},
			{code: "panic(\"boom\")", err: "Panic: 1:1: boom"},
			{code: "var m map[string]int\nm[\"a\"] = 1", err: "assignment to entry in nil map"},
			{code: "z := 0\n_ = 1 / z", err: "divide by zero"},
			{code: "import \"os\"\nos.Exit(3)", err: "os.Exit(3)"},
			{code: "1 + 1", value: "2"},
		}},
		{"state after panic", []step{
			{code: "pv := 5\npanic(\"x\")", err: "x"},
			{code: "pv", value: "5"},
		}},
		{"range over int", []step{
			{code: "s := 0\nfor i := range 5 { s += i }\ns", value: "10"},
			{code: "n := 4\nc := 0\nfor range n { c++ }\nc", value: "4"},
			{code: "func sum(n int) int { t := 0; for i := range n { t += i }; return t }\nsum(4)", value: "6"},
			{code: "xs := []int{7, 8}\nt := 0\nfor i := range len(xs) { t += xs[i] }\nt", value: "15"},
			{code: "u := 0\nfor i := range xs { u += i }\nu", value: "1"},
			{code: "var n64 int64 = 3\nvar k int64\nfor i := range n64 { k += i }\nk", value: "3"},
		}},
		{"range over func", []step{
			{code: "seq := func(yield func(int) bool) { _ = yield(1) && yield(2) }\nfor v := range seq { fmt.Println(v) }", out: "1\n2\n"},
		}},
		{"min max clear", []step{
			{code: "a, b := 3.5, 2.0\nmin(a, b)", value: "2"},
			{code: "max(1, 7, 3)", value: "7"},
			{code: "x := 2.5\ny := max(x, 1)\ny", value: "2.5"},
			{code: "y2 := min(0, x)\ny2", value: "0"},
			{code: "func lo(p, q int) int { return min(p, q) }\nlo(4, 9)", value: "4"},
			{code: "if v := 3; min(v, 10) == 3 { fmt.Println(\"ok\") }", out: "ok\n"},
			{code: "m := map[string]int{\"a\": 1}\nclear(m)\nlen(m)", value: "0"},
			{code: "s := []int{1, 2}\nclear(s)\ns", value: "[0 0]"},
			{code: "min(\"b\", \"a\")", value: "a"},
		}},
		{"per-iteration loop variables", []step{
			{code: "var fs []func() int\nfor i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }\nt := 0\nfor _, f := range fs { t += f() }\nt", value: "3"},
			{code: "var gs []func() int\nfor _, v := range []int{1, 2, 3} { gs = append(gs, func() int { return v }) }\nu := 0\nfor _, g := range gs { u += g() }\nu", value: "6"},
			{code: "c := 0\nfor i := 0; i < 10; i++ { if i%2 == 0 { i++ }; c++ }\nc", value: "5"},
		}},
		{"multi-value define inside a top-level block", []step{
			{code: "h := func() (int, int) { return 1, 2 }\nq := 0\nfor j := 0; j < 2; j++ { a, b := h(); q += a + b }\nq", value: "6"},
			{code: "r := 0\nif true { a, b := h(); r = a*10 + b }\nr", value: "12"},
			{code: "m := map[string]int{\"k\": 4}\nvar e any = 5\nt := 0\nfor j := 0; j < 2; j++ { v, ok := m[\"k\"]; if ok { t += v }; w, ok2 := e.(int); if ok2 { t += w } }\nt", value: "18"},
			{code: "u := 0\nswitch { case u == 0: for k := 0; k < 3; k++ { if a, b := h(); a < b { u += b } } }\nu", value: "6"},
			{code: "ch := make(chan int, 1)\nch <- 7\ngot := 0\nselect { case v, ok := <-ch: if ok { got = v } }\ngot", value: "7"},
			{code: "v := 0\n{ var a, b = h(); v = a + b }\nv", value: "3"},
			{code: "if a, b := h(); a < b { fmt.Println(a, b) }", out: "1 2\n"},
			{code: "for j := 0; j < 1; j++ { a, b := h(); fmt.Println(a + b) }", out: "3\n"},
			{code: "func bad2() (int, int) { var s []int; return s[1], 0 }"},
			{code: "x := 1\nfor j := 0; j < 1; j++ {\n\ta, b := bad2()\n\tx = a + b\n}", err: "top level, this cell line 2"},
			{code: "x := 1\nfor j := 0; j < 1; j++ {\n\ta, b := h()\n\tx = a + \"s\" + b\n}", err: "4:6: "},
			{code: "var fs []func() int\nfor i := 0; i < 2; i++ { a, b := h(); fs = append(fs, func() int { return i*a + b }) }\nfs[0]() + fs[1]()", value: "5"},
		}},
		{"a call's result assigned to an existing variable (named results start at zero)", []step{
			{code: "func upto(n int) (out []int) {\n\tfor i := 0; i < n; i++ {\n\t\tout = append(out, i)\n\t}\n\treturn out\n}\nvar got []int\ngot = upto(2)\ngot = upto(3)\ngot", value: "[0 1 2]"},
			{code: "type box struct{ s []int }\nvar b box\nb.s = upto(2)\nb.s = upto(1)\nb.s", value: "[0]"},
			{code: "func run() []int {\n\tvar r []int\n\tfor k := 1; k <= 2; k++ {\n\t\tr = upto(k)\n\t}\n\treturn r\n}\nrun()", value: "[0 1]"},
			{code: "var total []int\nfunc addOne() (o []int) { o = append(total, 1); return }\ntotal = addOne()\ntotal = addOne()\ntotal", value: "[1 1]"},
			{code: "func count() (n int, err error) { n++; return }\nfunc count2(x int) (y int) { y += x; return }"},
			{code: "var c int\nvar e error\nfor k := 0; k < 3; k++ {\n\tif c, e = count(); e == nil {\n\t\tc = count2(c)\n\t}\n}\nc = count2(7)\nc = count2(7)\nc", value: "7"},
			{code: "n := 0\nfor k := 0; k < 3; k++ {\n\tc, _ := count()\n\tn += c\n}\nn", value: "3"},
			{code: "sum := 0\nf := func(k int) (s int) { s += k; return }\nfor k := 1; k <= 3; k++ {\n\tsum += f(k)\n}\nsum", value: "6"},
			{code: "x := 3\nif x = count2(4); x == 4 { fmt.Println(\"four\") }", out: "four\n"},
		}},
		{"global from multi-value define read by a called-back func", []step{
			{code: "f := func() (int, int) { return 1, 2 }"},
			{code: "A, B := f()"},
			{code: "func g() int { return A + B }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(g())) }, 1.0)", value: "3"},
			{code: "A + B", value: "3"},
			{code: "import \"strconv\"\nN, err := strconv.Atoi(\"12\")\nfunc parsed() int { if err != nil { return -1 }; return N }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(parsed())) }, 1.0)", value: "12"},
			{code: "var C, D = f()\nfunc cd() int { return C*10 + D }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(cd())) }, 1.0)", value: "12"},
			{code: "var (\n\tE     = 5\n\tF, G int = f()\n)\nfunc efg() int { return E*100 + F*10 + G }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(efg())) }, 1.0)", value: "512"},
			{code: "_, H := f()\nfunc hh() int { return H }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(hh())) }, 1.0)", value: "2"},
		}},
		{"top-level comma-ok definitions", []step{
			{code: "var e any = 3\nm := map[string]int{\"a\": 1}"},
			{code: "v, ok := e.(int)\nx, found := m[\"a\"]"},
			{code: "func g() int { if !ok || !found { return -1 }; return v*10 + x }"},
			{code: "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(g())) }, 1.0)", value: "31"},
			{code: "s, isStr := e.(string)\nfmt.Printf(\"%q %v\", s, isStr)", out: "\"\" false"},
			{code: "func mk() map[string]int { fmt.Println(\"mk\"); return m }\ny, ok2 := mk()[fmt.Sprint(\"a\")]\ny*10 + len(fmt.Sprint(ok2))", value: "14", out: "mk\n"},
			{code: "var z, ok3 = m[\"b\"]\nfmt.Println(z, ok3)", out: "0 false\n"},
			{code: "_, ok4 := m[\"a\"]\nok4", value: "true"},
		}},
		{"single variable from a two-result call", []step{
			{code: "import \"strconv\"\nx := strconv.Atoi(\"zz\")", err: "assignment mismatch: 1 variable but strconv.Atoi returns 2 values"},
			{code: "y := 0\ny = strconv.Atoi(\"1\")", err: "2:5: assignment mismatch: 1 variable but strconv.Atoi returns 2 values"},
			{code: "func two() (int, error) { return 1, nil }\nfunc use() int { v := two(); return v }", err: "assignment mismatch: 1 variable but two returns 2 values"},
			{code: "func one() int { return 1 }"},
			{code: "a, b := one()", err: "assignment mismatch: 2 variables but one returns 1 value"},
			{code: "var p, q, r = strconv.Atoi(\"1\")", err: "assignment mismatch: 3 variables but strconv.Atoi returns 2 values"},
			{code: "n, err := strconv.Atoi(\"12\")\nn", value: "12"},
			{code: "func shadow(strconv fakeConv) int { x := strconv.Atoi(\"1\"); return x }\ntype fakeConv struct{}\nfunc (fakeConv) Atoi(s string) int { return len(s) }\nshadow(fakeConv{})", value: "1"},
		}},
		{"user-defined min is not rewritten", []step{
			{code: "func min(a, b string) string { return a + b }\nmin(\"x\", \"y\")", value: "xy"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runSteps(t, c.steps) })
	}
}
