"""Cells that behave as the same Go compiled (issue 12), through the kernel.

    /usr/bin/python3 tests/kernel/test_gobehave.py [-v] [unittest args]

Runs cells in the real gopherprop kernel (kernelspec installed by
tests/kernel/lib.sh; its name is $GOPHERPROP_KERNEL_NAME, default
"gopherprop") through jupyter_client and compares what they print with what
`go run` prints for the same declarations and statements: values of
cell-declared types through fmt, encoding/json and errors.As, func main
as an ordinary function, method expressions, a typed iota block declared
before its type, errors.Is with a cell type's Is method, %T through ...any, x.(io.Writer)
of a cell type,
syntax errors in gc's words, Go's deadlock error with the session kept, and
runtime panics with Go's messages. One kernel serves the class; each test uses its
own names.
"""

import unittest

from kerneltest import KernelTestCase, execute

# Cells run in order, each with the output go run prints for the same
# declarations and statements ("" for a cell that only declares).
PRINTS_AS_GO = {
    "printing cell types": [
        (
            "type GbCelsius float64\n"
            'func (c GbCelsius) String() string { return fmt.Sprintf("%.1fC", float64(c)) }\n'
            "type GbShape interface{ Area() float64 }\n"
            "type GbCircle struct{ R float64 }\n"
            "func (c GbCircle) Area() float64 { return 3 * c.R * c.R }\n"
            'func (c GbCircle) String() string { return fmt.Sprintf("Circle(%g)", c.R) }\n'
            "type GbRect struct{ W, H float64 }\n"
            "func (r GbRect) Area() float64 { return r.W * r.H }\n"
            "type GbS struct{ A int; b string }",
            "",
        ),
        ('c := GbCelsius(21.5)\nfmt.Printf("%d %v %T\\n", c, c, c)',
         "%!d(main.GbCelsius=21.5) 21.5C main.GbCelsius\n"),
        ('sh := []GbShape{GbCircle{1}, GbRect{2, 3}}\nfmt.Println(sh)\nfmt.Printf("%+v %T\\n", sh, sh)',
         "[Circle(1) {2 3}]\n[Circle(1) {W:2 H:3}] []main.GbShape\n"),
        ('s := GbS{1, "x"}\nfmt.Printf("%T %+v %#v\\n", s, s, s)\nfmt.Println(&s)',
         'main.GbS {A:1 b:x} main.GbS{A:1, b:"x"}\n&{1 x}\n'),
    ],
    "json embedded": [
        (
            'import "encoding/json"\n'
            'type GbBase struct{ ID int `json:"id"` }\n'
            'type GbUser struct { GbBase; Name string `json:"name"`; secret int }\n'
            'b, _ := json.Marshal(GbUser{GbBase{1}, "ann", 3})\n'
            "fmt.Println(string(b))",
            '{"id":1,"name":"ann"}\n',
        ),
    ],
    "errors.As": [
        (
            'import "errors"\n'
            "type GbErr struct{ Code int }\n"
            'func (e *GbErr) Error() string { return fmt.Sprintf("code %d", e.Code) }\n'
            'err := fmt.Errorf("wrap: %w", &GbErr{42})\n'
            "var target *GbErr\n"
            "fmt.Println(errors.As(err, &target), target.Code, err)",
            "true 42 wrap: code 42\n",
        ),
    ],
    "errors.Is with Is methods": [
        (
            'import "errors"\n'
            "type GbCode int\n"
            'func (e GbCode) Error() string { return fmt.Sprintf("code %d", int(e)) }\n'
            "func (e GbCode) Is(target error) bool { t, ok := target.(GbCode); return ok && (t == 0 || t == e) }",
            "",
        ),
        (
            'gbE := fmt.Errorf("w: %w", GbCode(3))\n'
            "fmt.Println(errors.Is(gbE, GbCode(3)), errors.Is(gbE, GbCode(4)), errors.Is(gbE, GbCode(0)))",
            "true false true\n",
        ),
    ],
    "errors.As into an interface literal, == of unwrapped errors": [
        (
            'import "errors"\n'
            "type GbNF struct{ Key string }\n"
            'func (e *GbNF) Error() string { return "not found: " + e.Key }\n'
            'gbW := fmt.Errorf("lookup: %w", &GbNF{"k"})\n'
            "var gbNF *GbNF\n"
            "var gbRE interface{ RuntimeError() }\n"
            "fmt.Println(errors.As(gbW, &gbNF), errors.Unwrap(gbW) == error(gbNF), errors.As(gbW, &gbRE))",
            "true true false\n",
        ),
    ],
    "Format method": [
        (
            "type GbVec struct{ X, Y float64 }\n"
            "func (v GbVec) Format(f fmt.State, verb rune) { fmt.Fprintf(f, \"(%g, %g)\", v.X, v.Y) }\n"
            "fmt.Println(GbVec{1, 2.5}, []GbVec{{3, 4}})",
            "(1, 2.5) [(3, 4)]\n",
        ),
    ],
    "%T of a method expression": [
        (
            "type GbP2 struct{ X int }\n"
            "func (p GbP2) Add(q GbP2) GbP2 { return GbP2{p.X + q.X} }\n"
            'gbAdd := GbP2.Add\nfmt.Printf("%T %v\\n", gbAdd, gbAdd(GbP2{1}, GbP2{2}))',
            "func(main.GbP2, main.GbP2) main.GbP2 {3}\n",
        ),
    ],
    "json omitempty nil pointer": [
        (
            'import "encoding/json"\ntype GbCar struct {\n\tModel string `json:"model"`\n\tOwner *string `json:"owner,omitempty"`\n}\n'
            'gbB, _ := json.Marshal(GbCar{Model: "T"})\nfmt.Println(string(gbB))',
            '{"model":"T"}\n',
        ),
    ],
    "%T through ...any": [
        (
            "type GbPerson struct{ Name string; Age int }\n"
            "func GbZ(args ...any) []string { var ts []string; for _, v := range args { ts = append(ts, fmt.Sprintf(\"%T\", v)) }; return ts }\n"
            "fmt.Println(GbZ(GbPerson{}, &GbPerson{}, []GbPerson{}))",
            "[main.GbPerson *main.GbPerson []main.GbPerson]\n",
        ),
    ],
    "assertion to io.Writer": [
        (
            'import "io"\n'
            "type GbTW struct{}\n"
            'func (GbTW) Write(p []byte) (int, error) { fmt.Println("write", len(p)); return len(p), nil }\n'
            "var gbT any = GbTW{}\n"
            'gbT.(io.Writer).Write([]byte("ab"))\n'
            "_, gbOK := gbT.(io.Writer)\n"
            "fmt.Println(gbOK)",
            "write 2\ntrue\n",
        ),
    ],
    "func main is ordinary": [
        ('func main() { fmt.Println("main ran") }', ""),
        ('fmt.Println("next")', "next\n"),
        ("main()", "main ran\n"),
    ],
    "method expressions and iota": [
        (
            "type GbPt struct{ X int }\n"
            "func (p GbPt) Get() int { return p.X }\n"
            "func (p *GbPt) Set(v int) { p.X = v }\n"
            "f := GbPt.Get\ng := (*GbPt).Set\nq := GbPt{3}\ng(&q, 7)\nfmt.Println(f(q))",
            "7\n",
        ),
        ("const (\n\tGbA GbKind = iota\n\tGbB\n\tGbC\n)\ntype GbKind int\nfmt.Println(GbA, GbB, GbC)", "0 1 2\n"),
    ],
}

# Cells that panic, each with the error name and value (line:column and Go's
# message, as go run prints it after "panic: ").
PANICS_AS_GO = [
    ("gbA := []int{1, 2, 3}\ngbI := 5\nfmt.Println(gbA[gbI])",
     "RuntimeError", "3:1: runtime error: index out of range [5] with length 3"),
    ("gbHi := 5\nfmt.Println(gbA[:gbHi])",
     "RuntimeError", "2:1: runtime error: slice bounds out of range [:5] with capacity 3"),
    ('gbS := "abc"\n_ = gbS[gbI-2]', "RuntimeError", "2:1: runtime error: index out of range [3] with length 3"),
    ("gbN := -1\n_ = make([]int, gbN)", "RuntimeError", "2:5: runtime error: makeslice: len out of range"),
    ("var gbSt fmt.Stringer\nfmt.Println(gbSt.String())",
     "RuntimeError", "2:1: runtime error: invalid memory address or nil pointer dereference"),
    ('var gbX any = "s"\n_ = gbX.(int)', "RuntimeError", "2:5: interface conversion: interface {} is string, not int"),
    ("var gbFn func()\ngbFn()", "RuntimeError", "2:1: runtime error: invalid memory address or nil pointer dereference"),
    ("type GbPCode int\npanic(GbPCode(42))", "Panic", "2:1: main.GbPCode(42)"),
    ("type GbPParseErr struct{ Line int }\n"
     'func (e *GbPParseErr) Error() string { return fmt.Sprintf("parse error on line %d", e.Line) }\n'
     "panic(&GbPParseErr{Line: 7})", "Panic", "3:1: parse error on line 7"),
]


class GoBehaviour(KernelTestCase):
    def run_cell(self, code):
        """Executes code; returns (reply content, stdout text, result text)."""
        content, out, result, _ = execute(self.kc, code, streams=("stdout",))
        return content, out, result

    def ok(self, code):
        content, out, result = self.run_cell(code)
        self.assertEqual(content["status"], "ok", "%s\n%s" % (code, content))
        return out, result

    def test_prints_as_go(self):
        for name, cells in PRINTS_AS_GO.items():
            with self.subTest(name):
                for code, want in cells:
                    out, _ = self.ok(code)
                    self.assertEqual(out, want, code)

    def test_final_value_prints_as_go(self):
        self.ok(
            "type GbfShape interface{ Area() float64 }\n"
            "type GbfCircle struct{ R float64 }\n"
            "func (c GbfCircle) Area() float64 { return 3 * c.R * c.R }\n"
            'func (c GbfCircle) String() string { return fmt.Sprintf("Circle(%g)", c.R) }\n'
            "type GbfRect struct{ W, H float64 }\n"
            "func (r GbfRect) Area() float64 { return r.W * r.H }"
        )
        _, result = self.ok("[]GbfShape{GbfCircle{1}, GbfRect{2, 3}, nil}")
        self.assertEqual(result, "[Circle(1) {2 3} <nil>]")

    def test_deadlock_keeps_state(self):
        self.ok("gbKept := 41")
        content, out, _ = self.run_cell('gbCh := make(chan int)\nfmt.Println("before")\ngbCh <- 1')
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["evalue"], "fatal error: all goroutines are asleep - deadlock!")
        self.assertEqual(out, "before\n")
        _, result = self.ok("gbKept + 1")
        self.assertEqual(result, "42")

    def test_syntax_error_gc_wording(self):
        content, _, _ = self.run_cell('func gbBroken() {\n\tfmt.Println("x"\n')
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "SyntaxError")
        self.assertEqual(
            content["evalue"], "2:17: syntax error: unexpected newline in argument list; possibly missing comma or )"
        )
        out, _ = self.ok('fmt.Println("after")')
        self.assertEqual(out, "after\n")

    def test_runtime_panics_as_go(self):
        for code, ename, evalue in PANICS_AS_GO:
            with self.subTest(code):
                content, _, _ = self.run_cell(code)
                self.assertEqual(content["status"], "error")
                self.assertEqual((content["ename"], content["evalue"]), (ename, evalue))
        _, result = self.ok("gbA[2] + len(gbS)")
        self.assertEqual(result, "6")

    def test_method_expressions_and_iota(self):
        out, _ = self.ok(
            "type GbPt struct{ X int }\n"
            "func (p GbPt) Get() int { return p.X }\n"
            "func (p *GbPt) Set(v int) { p.X = v }\n"
            "f := GbPt.Get\ng := (*GbPt).Set\nq := GbPt{3}\ng(&q, 7)\nfmt.Println(f(q))"
        )
        self.assertEqual(out, "7\n")
        out, _ = self.ok("const (\n\tGbA GbKind = iota\n\tGbB\n\tGbC\n)\ntype GbKind int\nfmt.Println(GbA, GbB, GbC)")
        self.assertEqual(out, "0 1 2\n")


if __name__ == "__main__":
    unittest.main()
