"""Compiled cells (%%compile) through the real kernel and jupyter_client.

    /usr/bin/python3 tests/kernel/compiled_test.py [-v]

The kernel must be built with -trimpath (tests/kernel/lib.sh does), and the
go toolchain and a C compiler must be on PATH. One kernel runs every test,
in order: a compiled package used from later cells (gonum, ad.Grad, an
interface implemented by a cell type), a recompile that replaces it, a
compiler error at the cell's line and column, a module fetched through
the Go module proxy (github.com/google/uuid; needs the network) and one
refused, %test running a compiled cell's tests and benchmarks, cgo (a
compiled cell calling the C math library, a cgo module from the proxy,
github.com/mattn/go-pointer, and a missing C header), and the interrupt of
a compiled loop that does not poll.
"""

import sys
import time
import unittest

from kerneltest import KernelTestCase, execute


class Compiled(KernelTestCase):
    def run_cell(self, code, timeout=180):
        """Runs code; returns (reply content, stdout text, result text)."""
        content, out, result, _ = execute(self.kc, code, timeout)
        return content, out, result

    def ok(self, code, timeout=180):
        content, out, result = self.run_cell(code, timeout)
        self.assertEqual(content["status"], "ok", "%r failed: %s: %s" % (code, content.get("ename"), content.get("evalue")))
        return out, result

    def test_1_compile_and_use(self):
        t0 = time.time()
        self.ok('''%%compile geo
import "math"

// Point is a point in the plane.
type Point struct{ X, Y float64 }

func (p Point) Norm() float64 { return math.Hypot(p.X, p.Y) }

type Shape interface{ Area() float64 }

func Total(s []Shape) float64 {
	t := 0.0
	for _, x := range s {
		t += x.Area()
	}
	return t
}

func Loss(x *ad.Var) *ad.Var { return ad.Mul(x, ad.Sin(x)) }

func Scale(m *mat.Dense, k float64) *mat.Dense {
	var r mat.Dense
	r.Scale(k, m)
	return &r
}

func Map[T any](xs []T, f func(T) T) []T {
	for i := range xs {
		xs[i] = f(xs[i])
	}
	return xs
}

var MapF = Map[float64]
''', timeout=300)
        print("first %%compile (gonum, ad): %.1f s" % (time.time() - t0), file=sys.stderr)
        # Without import "geo", with a compiled interface implemented by a
        # cell type, a compiled loss through ad.Grad, gonum both ways.
        out, _ = self.ok('''type Sq struct{ s float64 }
func (q Sq) Area() float64 { return q.s * q.s }
p := geo.Point{3, 4}
fmt.Println(p.Norm(), geo.Total([]geo.Shape{Sq{2}, Sq{3}}))
var g float64
v := ad.Grad(geo.Loss, 2.0, &g)
fmt.Printf("%.6f %.6f\\n", v, g)
m := geo.Scale(mat.NewDense(1, 2, []float64{1, 2}), 3)
fmt.Println(m.At(0, 0), m.At(0, 1), geo.MapF([]float64{1, 2}, func(x float64) float64 { return -x }))''')
        self.assertEqual(out.splitlines(), ["5 13", "1.818595 0.077004", "3 6 [-1 -2]"])
        # With import "geo" too.
        out, _ = self.ok('import "geo"\nfmt.Println(geo.Point{6, 8}.Norm())')
        self.assertEqual(out.strip(), "10")
        # An uninstantiated generic gets advice.
        content, _, _ = self.run_cell("geo.Map([]int{1}, func(i int) int { return i })")
        self.assertEqual(content["status"], "error")
        self.assertIn("var MapF = Map[float64]", content["evalue"])

    def test_2_recompile(self):
        t0 = time.time()
        self.ok('''%%compile geo
type Point struct{ X, Y float64 }

func (p Point) Norm() float64 { return p.X * p.Y }

func Show(p Point) float64 { return p.Norm() }
''')
        print("warm %%compile: %.2f s" % (time.time() - t0), file=sys.stderr)
        out, _ = self.ok("q := geo.Point{3, 4}\nfmt.Println(q.Norm(), geo.Show(q))")
        self.assertEqual(out.strip(), "12 12")
        # p was made by the first version.
        content, _, _ = self.run_cell("geo.Show(p)")
        self.assertEqual(content["status"], "error")
        self.assertIn("a geo.Point made before geo was recompiled", content["evalue"])

    def test_3_compile_error(self):
        content, _, _ = self.run_cell('''%%compile bad
func F() int {
	return "x"
}''')
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "CompileError")
        self.assertTrue(content["evalue"].startswith("3:9: "), content["evalue"])
        self.assertIn('cannot use "x"', content["evalue"])
        tb = "\n".join(content["traceback"])
        self.assertIn('3 |     return "x"', tb)
        self.assertIn("^", tb)
        # The session survived.
        out, _ = self.ok("fmt.Println(q.Norm())")
        self.assertEqual(out.strip(), "12")

    def test_4_module_from_proxy(self):
        # Not preloaded: fetched through the Go module proxy, compiled,
        # loaded; progress is shown while it happens.
        out, _ = self.ok('import "github.com/google/uuid"\n'
                         'u := uuid.NewSHA1(uuid.NameSpaceURL, []byte("gopherprop"))\n'
                         'fmt.Println(u.Version(), len(u.String()))', timeout=300)
        self.assertIn("compiling github.com/google/uuid@v", out)
        self.assertTrue(out.strip().endswith("VERSION_5 36"), out)
        out, _ = self.ok("%go list")
        self.assertIn("github.com/google/uuid", out)
        self.assertIn("%%compile geo, version 2", out)
        # A module that would change a module the kernel is built with.
        content, _, _ = self.run_cell("%go get golang.org/x/image/math/fixed@v0.31.0", timeout=300)
        self.assertEqual(content["status"], "error")
        self.assertIn("needs golang.org/x/image v0.31.0, but the kernel is built with golang.org/x/image v0.", content["evalue"])
        # A compiled cell importing the module fetched above.
        out, _ = self.ok('%%compile ids\nimport "github.com/google/uuid"\n\n'
                         'func New(name string) string { return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String() }')
        out, _ = self.ok('fmt.Println(ids.New("gopherprop") == u.String())')
        self.assertEqual(out.strip(), "true")
        # A package of a module the kernel already has, not preloaded.
        out, _ = self.ok('import "gonum.org/v1/gonum/graph/simple"\n'
                         'g := simple.NewUndirectedGraph()\n'
                         'g.SetEdge(g.NewEdge(simple.Node(1), simple.Node(2)))\n'
                         'fmt.Println(g.Nodes().Len())', timeout=300)
        self.assertEqual(out.strip().splitlines()[-1], "2")

    def test_5_test(self):
        out, _ = self.ok('''%%compile vec
%test
func Dot(a, b []float64) (s float64) {
	for i := range a {
		s += a[i] * b[i]
	}
	return
}

func TestDot(t *testing.T) {
	if got := Dot([]float64{1, 2}, []float64{3, 4}); got != 11 {
		t.Errorf("Dot = %v, want 11", got)
	}
}

func BenchmarkDot(b *testing.B) {
	x := make([]float64, 100)
	for i := 0; i < b.N; i++ {
		Dot(x, x)
	}
}''', timeout=300)
        self.assertIn("--- PASS: TestDot", out)
        self.assertRegex(out, r"BenchmarkDot-\d+\s+\d+\s+[\d.]+ ns/op")
        out, _ = self.ok("fmt.Println(vec.Dot([]float64{2}, []float64{3}))")
        self.assertEqual(out.strip(), "6")
        content, out, _ = self.run_cell('''%%compile vec2
func Half(x float64) float64 { return x / 2 }

%test
func TestHalf(t *testing.T) {
	if Half(3) != 1 {
		t.Errorf("Half(3) = %v", Half(3))
	}
}''', timeout=300)
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "TestFailure")
        self.assertIn("--- FAIL: TestHalf", out)
        self.assertIn("line 7: Half(3) = 1.5", out)  # the cell's own line
        # Compiled and loaded all the same.
        out, _ = self.ok("fmt.Println(vec2.Half(5))")
        self.assertEqual(out.strip(), "2.5")

    def test_6_cgo(self):
        # A compiled cell calling C (the C math library through cgo).
        self.ok('''%%compile cmath
// #cgo LDFLAGS: -lm
// #include <math.h>
import "C"

// Sqrt is the C library's square root.
func Sqrt(x float64) float64 { return float64(C.sqrt(C.double(x))) }''', timeout=300)
        out, _ = self.ok("fmt.Println(cmath.Sqrt(9))")
        self.assertEqual(out.strip(), "3")
        # A module from the Go module proxy that uses cgo (malloc'd handles).
        out, _ = self.ok('import pointer "github.com/mattn/go-pointer"\n'
                         'h := pointer.Save("kept by C")\n'
                         'fmt.Println(pointer.Restore(h))\n'
                         'pointer.Unref(h)', timeout=300)
        self.assertEqual(out.strip().splitlines()[-1], "kept by C")
        # A C library the system does not have: the C compiler's message,
        # and the session goes on.
        content, out, _ = self.run_cell('''%%compile nolib
// #include <gopherprop_no_such_library.h>
import "C"

func F() {}''', timeout=300)
        self.assertEqual(content["status"], "error")
        self.assertIn("2:11: fatal error: gopherprop_no_such_library.h", content["evalue"])
        out, _ = self.ok("fmt.Println(cmath.Sqrt(4))")
        self.assertEqual(out.strip(), "2")

    def test_9_interrupt_non_polling(self):
        self.ok('''%%compile spin
func Spin(n int) int {
	s := 0
	for i := 0; ; i++ {
		s += i % n
	}
	return s
}''')
        self.ok("kept := 1")
        msg_id = self.kc.execute("spin.Spin(7)")
        time.sleep(1.0)
        t0 = time.time()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        dt = time.time() - t0
        self.assertEqual(reply["parent_header"].get("msg_id"), msg_id)
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertIn("variables", c["evalue"])
        self.assertIn("lost", c["evalue"])
        self.assertLess(dt, 6.0)
        print("non-polling compiled loop: worker restarted %.1f s after the interrupt" % dt, file=sys.stderr)
        self.assertTrue(self.km.is_alive())
        content, _, _ = self.run_cell("fmt.Println(kept)")
        self.assertEqual(content["status"], "error")  # state is gone
        out, _ = self.ok("fmt.Println(1 + 2)")
        self.assertEqual(out.strip(), "3")


if __name__ == "__main__":
    unittest.main()
