package interp

import "testing"

func TestZZScratch(t *testing.T) {
	try := func(steps ...string) {
		out, errw := &syncBuf{}, &syncBuf{}
		s, _ := newSession(out, errw)
		for i, c := range steps {
			res, fail := s.run(t.Context(), c, i+1)
			if fail != nil {
				t.Logf("%q -> ERR %s", c, fail.evalue)
			} else {
				t.Logf("%q -> %v %q", c, res.value, out.take())
			}
		}
	}
	cb := "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(g())) }, 1.0)"
	try("h := func() (int, int) { return 1, 2 }\nq := 0\nfor j := 0; j < 2; j++ { if a, b := h(); true { q += a + b } }\nq")
	try("h := func() (int, int) { return 1, 2 }\nq := 0\nfor j := 0; j < 2; j++ { for k := 0; k < 1; k++ { if a, b := h(); true { q += a + b } } }\nq")
	try("h := func() (int, int) { return 1, 2 }\nq := 0\nswitch { case true: if a, b := h(); true { q += a + b } }\nq")
	try("h := func() (int, int) { return 1, 2 }\nq := 0\nfor j := 0; j < 2; j++ { __gp1, __gp2 := h(); a := __gp1; b := __gp2; q += a + b }\nq")
	try("h := func() (int, int) { return 1, 2 }\nq := 0\nfor j := 0; j < 2; j++ { a, b := 1, 2; q += a + b }\nq")
	try("A, B := 1, 2", "func g() int { return A + B }", cb)
	try("f := func() (int, int) { return 1, 2 }", "var A, B = f()", "func g() int { return A + B }", cb)
	try("f := func() (int, int) { return 1, 2 }", "var A, B int\nA, B = f()", "func g() int { return A + B }", cb)
	try("m := map[string]int{\"a\": 1}", "A, ok := m[\"a\"]", "func g() int { if !ok { return -1 }; return A }", cb)
	try("f := func() (int, int) { return 1, 2 }", "A, B := f()\nA + B")
	try("import \"strconv\"\nx, err := strconv.Atoi(\"12\")", "func g() int { if err != nil { return -1 }; return x }", cb)
}
