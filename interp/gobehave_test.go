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
	})
}
