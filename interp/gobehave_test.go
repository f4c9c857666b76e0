package interp

import "testing"

// Cells that must behave as the same Go code compiled (issue 12).

// TestFuncMainIsOrdinary checks that a cell's func main is an ordinary
// function: it runs when called, and later cells do not run it again.
func TestFuncMainIsOrdinary(t *testing.T) {
	runSteps(t, []step{
		{code: "func main() { fmt.Println(\"main ran\") }\nmain()", out: "main ran\n"},
		{code: "fmt.Println(\"next\")", out: "next\n"},
		{code: "func main() { fmt.Println(\"main 2\") }", out: ""},
		{code: "func helper() { main() }\nhelper()", out: "main 2\n"},
		{code: "func f() int { main := 3; return main }\nf()", value: "3"},
		{code: "type T struct{ main int }\nT{main: 4}.main", value: "4"},
	})
}

// TestPrintingCellTypes checks fmt, encoding/json and errors.As on values of
// cell-declared types against what the same program prints compiled (the
// expected strings are go run's output for these declarations).
func TestPrintingCellTypes(t *testing.T) {
	decls := "type Celsius float64\n" +
		"func (c Celsius) String() string { return fmt.Sprintf(\"%.1f°C\", float64(c)) }\n" +
		"type Shape interface{ Area() float64 }\n" +
		"type Circle struct{ R float64 }\n" +
		"func (c Circle) Area() float64 { return 3 * c.R * c.R }\n" +
		"func (c Circle) String() string { return fmt.Sprintf(\"Circle(%g)\", c.R) }\n" +
		"type Rect struct{ W, H float64 }\n" +
		"func (r Rect) Area() float64 { return r.W * r.H }\n" +
		"type S struct{ A int; b string }\n" +
		"type Temp struct{ C Celsius; m map[string]Celsius; M map[string]Celsius }"
	runSteps(t, []step{
		{code: decls},
		{code: "c := Celsius(21.5)\nfmt.Printf(\"%d %v %s %q %T %6.2f\\n\", c, c, c, c, c, c)",
			out: "%!d(main.Celsius=21.5) 21.5°C 21.5°C \"21.5°C\" main.Celsius  21.50\n"},
		{code: "fmt.Println(c, []Celsius{1, 2})", out: "21.5°C [1.0°C 2.0°C]\n"},
		{code: "shapes := []Shape{Circle{1}, Rect{2, 3}, nil}\nfmt.Println(shapes)\nfmt.Printf(\"%+v %T %T\\n\", shapes, shapes, shapes[2])\nfmt.Printf(\"%#v\\n\", shapes)",
			out: "[Circle(1) {2 3} <nil>]\n[Circle(1) {W:2 H:3} <nil>] []main.Shape <nil>\n[]main.Shape{main.Circle{R:1}, main.Rect{W:2, H:3}, main.Shape(nil)}\n"},
		{code: "s := S{1, \"x\"}\nfmt.Printf(\"%T %T %v %+v %#v\\n\", s, &s, s, s, s)",
			out: "main.S *main.S {1 x} {A:1 b:x} main.S{A:1, b:\"x\"}\n"},
		// A cell's final value prints as compiled Go prints it with %v.
		{code: "shapes", value: "[Circle(1) {2 3} <nil>]"},
		{code: "s", value: "{1 x}"},
		{code: "map[string]Shape{\"b\": Rect{1, 2}, \"a\": Circle{3}}", value: "map[a:Circle(3) b:{1 2}]"},
		{code: "c", value: "21.5°C"},
		{code: "fmt.Println(&s, []*S{nil})\nvar a any = Circle{5}\nvar sh Shape = Rect{1, 1}\nfmt.Println(a, sh)", out: "&{1 x} [<nil>]\nCircle(5) {1 1}\n"},
		// Methods are not called through unexported fields; map keys sorted.
		{code: "fmt.Printf(\"%v|%+v\\n\", Temp{C: 3, m: map[string]Celsius{\"a\": 1}, M: map[string]Celsius{\"b\": 2, \"a\": 1}}, Temp{})",
			out: "{3.0°C map[a:1] map[a:1.0°C b:2.0°C]}|{C:0.0°C m:map[] M:map[]}\n"},
		{code: "func describe(v any) string { return fmt.Sprintf(\"%v (%T)\", v, v) }\ndescribe(Circle{2}) + describe(&Rect{1, 2}) + describe(3)",
			value: "Circle(2) (main.Circle)&{1 2} (*main.Rect)3 (int)"},
		{code: "import \"encoding/json\"\ntype Base struct{ ID int `json:\"id\"` }\ntype User struct { Base; Name string `json:\"name\"`; secret int; Tags []string `json:\"tags,omitempty\"`; T Celsius }\n" +
			"b, _ := json.Marshal(User{Base{1}, \"ann\", 3, nil, 2})\nfmt.Println(string(b))", out: "{\"id\":1,\"name\":\"ann\",\"T\":2}\n"},
		{code: "type Money int\nfunc (m Money) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`\"$%d\"`, int(m))), nil }\n" +
			"b2, _ := json.Marshal(map[string][]Money{\"x\": {1, 2}})\nstring(b2)", value: "{\"x\":[\"$1\",\"$2\"]}"},
	})
}

// TestErrorsCellTypes checks errors.As and %w with cell-declared error
// types.
func TestErrorsCellTypes(t *testing.T) {
	runSteps(t, []step{
		{code: "import \"errors\"\ntype MyErr struct{ Code int }\nfunc (e *MyErr) Error() string { return fmt.Sprintf(\"code %d\", e.Code) }\n" +
			"func fail() error { return fmt.Errorf(\"wrap: %w\", &MyErr{42}) }"},
		{code: "err := fail()\nvar me *MyErr\nfmt.Println(errors.As(err, &me), err, me.Code)\nfmt.Printf(\"%T %v\\n\", errors.Unwrap(err), errors.Unwrap(err))", out: "true wrap: code 42 42\n*main.MyErr code 42\n"},
		{code: "var me2 *MyErr\nfmt.Println(errors.As(errors.New(\"plain\"), &me2), me2 == nil)", out: "false true\n"},
		{code: "j := errors.Join(errors.New(\"a\"), fmt.Errorf(\"b: %w\", &MyErr{5}))\nfmt.Println(errors.As(j, &me2), me2.Code)", out: "true 5\n"},
		{code: "func check() bool { var t *MyErr; ok := errors.As(fail(), &t); return ok && t.Code == 42 }\ncheck()", value: "true"},
		{code: "var sentinel = &MyErr{1}\ne4 := fmt.Errorf(\"x: %w\", sentinel)\n" +
			"fmt.Println(errors.Is(e4, sentinel), errors.Is(e4, &MyErr{1}), errors.Is(sentinel, sentinel), errors.Is(nil, sentinel))", out: "true false true false\n"},
		{code: "var ErrNotFound = errors.New(\"not found\")\ne3 := fmt.Errorf(\"lookup: %w\", ErrNotFound)\nfmt.Println(errors.Is(e3, ErrNotFound), errors.Is(e3, sentinel))", out: "true false\n"},
	})
}

// TestMethodExprsAndDecls checks method expressions, a typed iota block
// declared before its type, and := of a named result inside a function.
func TestMethodExprsAndDecls(t *testing.T) {
	runSteps(t, []step{
		{code: "type Pt struct{ X int }\nfunc (p Pt) Get() int { return p.X }\nfunc (p *Pt) Set(v int) { p.X = v }\n" +
			"func (p Pt) Sum(xs ...int) int { s := p.X; for _, x := range xs { s += x }; return s }"},
		{code: "f := Pt.Get\ng := (*Pt).Set\nq := Pt{3}\ng(&q, 7)\nfmt.Println(f(q), Pt.Sum(q, 1, 2), (*Pt).Get(&q))", out: "7 10 7\n"},
		{code: "func use() int { h := Pt.Get; return h(Pt{9}) }\nuse()", value: "9"},
		{code: "const (\n\tKA Kind = iota\n\tKB\n\tKC\n)\ntype Kind int\nfmt.Println(KA, KB, KC)", out: "0 1 2\n"},
		{code: "const N = 3\ntype Arr [N]int\nvar a Arr\nlen(a)", value: "3"},
		{code: "import \"strconv\"\nfunc parse(s string) (n int, err error) {\n\tr, err := strconv.Atoi(s)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\treturn r * 2, nil\n}\nfmt.Println(parse(\"21\"))\nfmt.Println(parse(\"x\"))",
			out: "42 <nil>\n0 strconv.Atoi: parsing \"x\": invalid syntax\n"},
	})
}

// TestDeadlock checks that a cell whose goroutines are all blocked stops
// with Go's message and keeps the session, and that goroutines that sleep
// or compute are not taken for a deadlock.
func TestDeadlock(t *testing.T) {
	const msg = "fatal error: all goroutines are asleep - deadlock!"
	runSteps(t, []step{
		{code: "kept := 41\nch := make(chan int)\nch <- 1", err: msg},
		{code: "kept + 1", value: "42"},
		{code: "import \"sync\"\nvar wg sync.WaitGroup\nwg.Add(1)\ngo func() {}()\nwg.Wait()", err: msg},
		{code: "select {}", err: msg},
		{code: "import \"time\"\ndone := make(chan bool)\ngo func() { time.Sleep(2500 * time.Millisecond); done <- true }()\n<-done\nfmt.Println(\"slept\")", out: "slept\n"},
		{code: "res := make(chan int)\nfunc work(n int) { s := 0; for i := 0; i < n; i++ { s += i }; res <- s }\ngo work(2000000)\nfmt.Println(<-res)", out: "1999999000000\n"},
	})
}

// TestDeadlockInWorker checks the deadlock error through the worker
// process, whose own goroutines (memory watchdog, pipes) must not hide it.
func TestDeadlockInWorker(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "kept := 41", "<no result>")
	_, err, out := exec1(t, e, "ch := make(chan int)\nfmt.Println(\"before\")\nch <- 1")
	if err == nil || err.Name != "FatalError" || err.Value != "fatal error: all goroutines are asleep - deadlock!" {
		t.Fatalf("want Go's deadlock error, got %v", err)
	}
	if got := out.text("stdout"); got != "before\n" {
		t.Fatalf("stdout %q", got)
	}
	mustValue(t, e, "kept + 1", "42")
}

// TestGoDifferences pins each remaining difference from compiled Go that
// %help and the README list, so that the list stays true: when one of
// these starts to behave as Go, update the list and this test.
func TestGoDifferences(t *testing.T) {
	runSteps(t, []step{
		// The standard library is Go 1.22's, except slices, maps, cmp and
		// iter (whose differences TestStdlibPackages pins).
		{code: "import \"strings\"\nstrings.Lines", err: "undefined: strings.Lines"},
		// An index out of range inside a loop does not name the index and
		// the length (TestIndexInLoopHasNoValues checks the exact message).
		{code: "xs := []int{1, 2, 3}\nfor i := 0; i < 5; i++ { _ = xs[i] }", err: "runtime error: index out of range"},
		// Nor inside a function, where recover gets the interpreter's message as a string.
		{code: "func safeAt(k int) (r any) {\n\tdefer func() { r = recover() }()\n\t_ = xs[k]\n\treturn\n}\nfmt.Printf(\"%T %v\\n\", safeAt(7), safeAt(7))", out: "string reflect: slice index out of range\n"},
		// The Is method of a cell struct type held by value in an error is
		// not consulted by errors.Is (yaegi keeps only the struct's last
		// field in its error wrapper); TestErrorsIsMethod has the cases that
		// work.
		// reflect and type switches do not see a cell type's methods
		// through a compiled interface (the assertion x.(io.Writer) works:
		// TestAssertCompiledInterface).
		{code: "import (\"io\"; \"reflect\")\ntype RW struct{}\nfunc (RW) Write(p []byte) (int, error) { return len(p), nil }\n" +
			"var rw any = RW{}\n_, isW := rw.(io.Writer)\nsw := false\nswitch rw.(type) {\ncase io.Writer:\n\tsw = true\n}\n" +
			"fmt.Println(isW, sw, reflect.TypeOf(RW{}).Implements(reflect.TypeOf((*io.Writer)(nil)).Elem()))", out: "true false false\n"},
		{code: "import \"errors\"\ntype StructErr struct{ C int }\nfunc (c StructErr) Error() string { return \"c\" }\nfunc (c StructErr) Is(t error) bool { return true }\nerrors.Is(StructErr{5}, StructErr{0})", value: "false"},
	})
}

// TestErrorsIsMethod checks that errors.Is calls the Is(error) bool method
// of a cell error type (value and pointer receivers), also on a value
// wrapped by fmt.Errorf's %w, as compiled Go does.
func TestErrorsIsMethod(t *testing.T) {
	runSteps(t, []step{
		{code: "import \"errors\"\ntype Code int\nfunc (e Code) Error() string { return fmt.Sprintf(\"code %d\", int(e)) }\n" +
			"func (e Code) Is(target error) bool { t, ok := target.(Code); return ok && (t == 0 || t == e) }\n" +
			"type PE struct{ A, B int }\nfunc (e *PE) Error() string { return \"pe\" }\nfunc (e *PE) Is(target error) bool { t, ok := target.(*PE); return ok && t.A == e.A }"},
		{code: "err := fmt.Errorf(\"w: %w\", Code(3))\nfmt.Println(errors.Is(err, Code(3)), errors.Is(err, Code(4)), errors.Is(err, Code(0)), errors.Is(Code(5), Code(0)), errors.Is(Code(5), Code(6)))\nfmt.Println(err)",
			out: "true false true true false\nw: code 3\n"},
		{code: "err2 := fmt.Errorf(\"w: %w\", &PE{1, 2})\nfmt.Println(errors.Is(err2, &PE{1, 5}), errors.Is(err2, &PE{2, 2}), errors.Is(errors.Join(errors.New(\"x\"), err2), &PE{1, 0}))",
			out: "true false true\n"},
		{code: "func find(e error) bool { return errors.Is(e, Code(0)) }\nfind(fmt.Errorf(\"a: %w\", fmt.Errorf(\"b: %w\", Code(9))))", value: "true"},
	})
}

// TestPercentTVariadicAny checks %T and %v of cell types passed through a
// ...any parameter, slices of them included (yaegi#1691).
func TestPercentTVariadicAny(t *testing.T) {
	runSteps(t, []step{
		{code: "type Person struct {\n\tName string\n\tAge  int\n}\n" +
			"func Z(args ...any) []string {\n\ttyps := []string{}\n\tfor _, v := range args {\n\t\ttyps = append(typs, fmt.Sprintf(\"%T\", v))\n\t}\n\treturn typs\n}\n" +
			"func personDetails() (name string, age int) { return \"Peter\", 9 }"},
		{code: "fmt.Println(Z(personDetails()))\nfmt.Println(Z(Person{}))\nfmt.Println(Z(&Person{}, []Person{}))",
			out: "[string int]\n[main.Person]\n[*main.Person []main.Person]\n"},
		{code: "func show(args ...any) string { return fmt.Sprintf(\"%v %+v\", args[0], args[0]) }\nshow([]Person{{\"Ann\", 3}})", value: "[{Ann 3}] [{Name:Ann Age:3}]"},
	})
}

// TestSyntaxErrorGcWording checks that a cell's syntax error is reported in
// gc's words at the cell's line and column (the table is
// cell.GcSyntaxMessage, checked against go build in package cell).
func TestSyntaxErrorGcWording(t *testing.T) {
	runSteps(t, []step{
		{code: "fmt.Println(\"ok\")", out: "ok\n"},
		{code: "func broken() {\n\tfmt.Println(\"x\"\n", err: "2:17: syntax error: unexpected newline in argument list; possibly missing comma or )"},
		{code: "x := []int{1 2}", err: "1:14: syntax error: unexpected literal 2 in composite literal; possibly missing comma or }"},
		{code: "fmt.Println(\"still\")", out: "still\n"},
	})
}

// TestAssertCompiledInterface checks x.(io.Writer) and its comma-ok form
// for cell types with a Write method held in an interface (yaegi#919).
func TestAssertCompiledInterface(t *testing.T) {
	runSteps(t, []step{
		{code: "import (\"io\"; \"os\")\ntype TW struct{}\nfunc (TW) Write(p []byte) (int, error) { fmt.Println(\"TW\", len(p)); return len(p), nil }\n" +
			"type CW struct{ N int; Name string }\nfunc (c *CW) Write(p []byte) (int, error) { c.N += len(p); fmt.Println(c.Name, c.N); return len(p), nil }"},
		{code: "var t interface{}\nt = TW{}\nt.(io.Writer).Write(nil)", out: "TW 0\n"},
		{code: "var a any = &CW{Name: \"cw\"}\nw, ok := a.(io.Writer)\nfmt.Println(ok)\nw.Write([]byte(\"abc\"))\nfmt.Fprint(w, \"xy\")\nfmt.Println(a.(*CW).N)", out: "true\ncw 3\ncw 5\n5\n"},
		{code: "var n any = 3\n_, ok2 := n.(io.Writer)\nvar f any = os.Stdout\n_, ok3 := f.(io.Writer)\nfmt.Println(ok2, ok3)", out: "false true\n"},
		{code: "func writeTo(x any) bool { w, ok := x.(io.Writer); if ok { w.Write([]byte(\"q\")) }; return ok }\nwriteTo(TW{})", out: "TW 1\n", value: "true"},
	})
}

// TestErrorsAsInterfaceTarget checks errors.As into a pointer to an
// interface literal or a cell-declared interface.
func TestErrorsAsInterfaceTarget(t *testing.T) {
	runSteps(t, []step{
		{code: "import \"errors\"\nfunc safeDiv(a, b int) (q int, err error) {\n\tdefer func() {\n\t\tif r := recover(); r != nil {\n\t\t\terr = fmt.Errorf(\"recovered: %v\", r)\n\t\t}\n\t}()\n\treturn a / b, nil\n}\n" +
			"type Temporary interface{ Temporary() bool }\ntype netErr struct{ msg string }\nfunc (e *netErr) Error() string { return e.msg }\nfunc (e *netErr) Temporary() bool { return true }"},
		{code: "_, err := safeDiv(1, 0)\nvar re interface{ RuntimeError() }\nfmt.Println(errors.As(err, &re))", out: "false\n"},
		{code: "var tm interface{ Temporary() bool }\nok := errors.As(fmt.Errorf(\"x: %w\", &netErr{\"down\"}), &tm)\nfmt.Println(ok, tm != nil)\nvar tm2 interface{ Temporary() bool }\nfmt.Println(errors.As(errors.New(\"plain\"), &tm2), tm2 == nil)", out: "true true\nfalse true\n"},
		{code: "fmt.Println(tm.Temporary())", out: "true\n"},
		{code: "var to interface{ Timeout() bool }\nfmt.Println(errors.As(&netErr{\"y\"}, &to))", out: "false\n"},
	})
}

// TestErrorCompareWrapped checks == and != of errors holding the same cell
// error value, one of them unwrapped from fmt.Errorf's %w.
func TestErrorCompareWrapped(t *testing.T) {
	runSteps(t, []step{
		{code: "import \"errors\"\ntype NotFound struct{ Key string }\nfunc (e *NotFound) Error() string { return \"not found: \" + e.Key }\n" +
			"func lookup(k string) error { return fmt.Errorf(\"lookup %q: %w\", k, &NotFound{Key: k}) }"},
		{code: "err := lookup(\"alpha\")\nvar nf *NotFound\nfmt.Println(errors.As(err, &nf), nf.Key)\nfmt.Println(errors.Unwrap(err) == error(nf), errors.Unwrap(err) != error(nf), errors.Unwrap(err) == error(&NotFound{\"alpha\"}))",
			out: "true alpha\ntrue false false\n"},
		{code: "var sentinel = errors.New(\"s\")\nvar e2 error = sentinel\nfmt.Println(e2 == sentinel, err == nil, err != nil, errors.Unwrap(err) == sentinel)", out: "true false true false\n"},
	})
}

// TestFormatMethod checks that a cell type's Format method (parameters
// named, as they usually are) is used by Println, Printf and inside slices.
func TestFormatMethod(t *testing.T) {
	runSteps(t, []step{
		{code: "type Vec struct{ X, Y float64 }\nfunc (v Vec) Format(f fmt.State, verb rune) {\n\tswitch verb {\n\tcase 'v', 's':\n\t\tif f.Flag('+') {\n\t\t\tfmt.Fprintf(f, \"Vec{X: %g, Y: %g}\", v.X, v.Y)\n\t\t\treturn\n\t\t}\n\t\tfmt.Fprintf(f, \"(%g, %g)\", v.X, v.Y)\n\tdefault:\n\t\tfmt.Fprintf(f, \"%%!%c(Vec)\", verb)\n\t}\n}"},
		{code: "v := Vec{1, 2.5}\nfmt.Println(v)\nfmt.Printf(\"%v %+v %s %d\\n\", v, v, v, v)\nfmt.Println([]Vec{v, {3, 4}})",
			out: "(1, 2.5)\n(1, 2.5) Vec{X: 1, Y: 2.5} (1, 2.5) %!d(Vec)\n[(1, 2.5) (3, 4)]\n"},
		{code: "type Tag string\nfunc (t Tag) String() string { return \"#\" + string(t) }\nfunc (t Tag) MarshalJSON() (b []byte, err error) { return []byte(`\"tag:` + string(t) + `\"`), nil }\n" +
			"import \"encoding/json\"\nb, _ := json.Marshal([]Tag{\"a\"})\nfmt.Println(Tag(\"x\"), string(b))", out: "#x [\"tag:a\"]\n"},
	})
}

// TestPercentTFuncTypes checks %T of func values whose signatures mention
// cell types (a method expression among them).
func TestPercentTFuncTypes(t *testing.T) {
	runSteps(t, []step{
		{code: "type Point struct{ X, Y int }\nfunc (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }"},
		{code: "add := Point.Add\nfmt.Println(add(Point{1, 2}, Point{3, 4}))\nfmt.Printf(\"%T|%T|%v\\n\", add, func(p *Point) []Point { return nil }, 3)", out: "{4 6}\nfunc(main.Point, main.Point) main.Point|func(*main.Point) []main.Point|3\n"},
		{code: "n := 0\nnext := func() func(Point) int { n++; return nil }\nfmt.Printf(\"%T %d\\n\", next(), n)", out: "func(main.Point) int 1\n"},
	})
}

// TestJSONOmitemptyNilPointer checks that a nil *string field tagged
// omitempty is left out of a cell struct's JSON, and a set one is kept.
func TestJSONOmitemptyNilPointer(t *testing.T) {
	runSteps(t, []step{
		{code: "import (\"encoding/json\"; \"strings\")\ntype Color int\nfunc (c Color) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToLower([]string{\"RED\", \"GREEN\"}[c])) }\n" +
			"type Car struct {\n\tModel string `json:\"model\"`\n\tColors []Color `json:\"colors\"`\n\tOwner *string `json:\"owner,omitempty\"`\n}"},
		{code: "b, err := json.Marshal(Car{Model: \"T\", Colors: []Color{0, 1}})\nfmt.Println(string(b), err)\nann := \"ann\"\nb, _ = json.Marshal(Car{Model: \"U\", Owner: &ann})\nfmt.Println(string(b))",
			out: "{\"model\":\"T\",\"colors\":[\"red\",\"green\"]} <nil>\n{\"model\":\"U\",\"colors\":null,\"owner\":\"ann\"}\n"},
	})
}
