package interp

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/kernel"
)

// TestInterruptStopsCompiledADWork checks that an interrupt also stops long
// compiled work through ad's cancellation hook: the goroutine running it
// ends, instead of leaking until the work is done.
func TestInterruptStopsCompiledADWork(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "x := mat.NewVecDense(3, []float64{1, 2, 3})", "<no result>")
	base, err := e.stats()
	if err != nil {
		t.Fatal(err)
	}
	out := newRecOutput()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *kernel.ExecError, 1)
	go func() {
		// About a billion optimisation steps of compiled code.
		_, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "fmt.Println(\"go\")\nad.Minimize(ad.Norm2, x, ad.NewSGD(1e-9), 1<<30)"}, out)
		done <- err
	}()
	out.waitFor(t, "go")
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err == nil || err.Name != "Interrupted" {
		t.Fatalf("want Interrupted, got %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := e.stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Goroutines <= base.Goroutines {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compiled work still running after the interrupt: %d goroutines, %d before", st.Goroutines, base.Goroutines)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustValue(t, e, "x.Len()", "3")
}

func TestCompletion(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "type Pt struct{ Alpha, Beta float64 }\nfunc (p Pt) Norm() float64 { return p.Alpha }\npt := Pt{1, 2}\nm := mat.NewDense(2, 2, nil)\ncounter := 3\né := 1", "<no result>")
	cases := []struct {
		code   string
		cursor int // -1: end
		want   []string
		start  int
		absent []string
	}{
		{"mat.NewD", -1, []string{"NewDense", "NewDiagDense"}, 4, nil},
		{"x := math.Sq", -1, []string{"Sqrt"}, 10, nil},
		{"fm", -1, []string{"fmt"}, 0, nil},
		{"cou", -1, []string{"counter"}, 0, nil},
		{"pt.", -1, []string{"Alpha", "Beta", "Norm"}, 3, nil},
		{"m.A", -1, []string{"At"}, 2, nil},
		{"ret", -1, []string{"return"}, 0, nil},
		{"plotter.NewL", -1, []string{"NewLine"}, 8, nil},
		{"é + cou", -1, []string{"counter"}, 4, nil},    // cursor in code points
		{"cou + x", 3, []string{"counter"}, 0, nil},     // cursor in the middle
		{"__g", -1, nil, 0, []string{"__gprt"}},         // internal names hidden
		{"strings.Rep", -1, []string{"Repeat"}, 8, nil}, // importable, not imported yet: no members
	}
	for _, c := range cases {
		cur := c.cursor
		if cur < 0 {
			cur = len([]rune(c.code))
		}
		got := e.Complete(c.code, cur)
		if c.code == "strings.Rep" {
			// strings is neither imported nor auto-imported: nothing.
			if len(got.Matches) != 0 {
				t.Fatalf("%q: unexpected matches %v", c.code, got.Matches)
			}
			continue
		}
		for _, w := range c.want {
			if !contains(got.Matches, w) {
				t.Fatalf("%q: %q not in %v", c.code, w, got.Matches)
			}
		}
		for _, a := range c.absent {
			if contains(got.Matches, a) {
				t.Fatalf("%q: %q should not be offered", c.code, a)
			}
		}
		if got.CursorStart != c.start || got.CursorEnd != cur {
			t.Fatalf("%q: cursor %d-%d, want %d-%d", c.code, got.CursorStart, got.CursorEnd, c.start, cur)
		}
	}
	// Kinds for JupyterLab.
	kinds := map[string]string{}
	for _, m := range e.Complete("mat.New", 7).Metadata["_jupyter_types_experimental"].([]any) {
		mm := m.(map[string]any)
		kinds[mm["text"].(string)] = mm["type"].(string)
	}
	if kinds["NewDense"] != "function" {
		t.Fatalf("kinds %v", kinds)
	}
	// Members of a redefined type.
	mustValue(t, e, "type Pt struct{ Alpha, Beta, Gamma float64 }\npt2 := Pt{}", "<no result>")
	if got := e.Complete("pt2.G", 5); !contains(got.Matches, "Gamma") || !contains(e.Complete("pt2.", 4).Matches, "Norm") {
		t.Fatalf("redefined type members: %v / %v", got.Matches, e.Complete("pt2.", 4).Matches)
	}
	// After importing strings, its members complete.
	mustValue(t, e, "import \"strings\"", "<no result>")
	if got := e.Complete("strings.Rep", 11); !contains(got.Matches, "Repeat") {
		t.Fatalf("strings.Rep after import: %v", got.Matches)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestInspection(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "// double returns twice x.\nfunc double(x int) int { return 2 * x }\nv := 3.5\nm := mat.NewDense(1, 1, nil)", "<no result>")
	mustValue(t, e, "type Circle struct{ R float64 }\nfunc (c Circle) String() string { return fmt.Sprintf(\"Circle(%g)\", c.R) }\ncs := []Circle{{1}, {2}}", "<no result>")
	cases := []struct {
		code   string
		cursor int
		has    []string
	}{
		{"mat.NewDense(2, 2, nil)", 6, []string{"func NewDense(r, c int, data []float64) *Dense", "NewDense creates a new Dense matrix"}},
		{"math.Sqrt(2)", 7, []string{"func Sqrt(x float64) float64", "Sqrt returns the square root"}},
		{"double(4)", 2, []string{"func double(x int) int", "double returns twice x."}},
		{"v", 1, []string{"v: float64 = 3.5"}},
		// A value of cell-declared types: the checker's type, Go's printing.
		{"cs", 1, []string{"cs: []Circle = [Circle(1) Circle(2)]"}},
		{"fmt", 1, []string{"package fmt", "Package fmt implements formatted I/O"}},
		{"y := ad.Scalar(1)", 9, []string{"func Scalar(x float64) *Var"}},
		{"m.At(0, 0)", 3, []string{"func (m *Dense) At(i, j int) float64", "At returns the element"}},
	}
	for _, c := range cases {
		got := e.Inspect(c.code, c.cursor, 0)
		text, _ := got.Data["text/plain"].(string)
		if !got.Found {
			t.Fatalf("%q: not found", c.code)
		}
		for _, h := range c.has {
			if !strings.Contains(text, h) {
				t.Fatalf("%q: %q not in %q", c.code, h, text)
			}
		}
	}
	if got := e.Inspect("nosuchname", 3, 0); got.Found {
		t.Fatalf("nosuchname found: %v", got.Data)
	}
}

func TestPagerHelp(t *testing.T) {
	e := newTestEvaluator(t, nil)
	for _, code := range []string{"?mat.NewDense", "mat.NewDense?"} {
		res, err, _ := exec1(t, e, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Payload) != 1 || res.Payload[0]["source"] != "page" {
			t.Fatalf("%q: payload %v", code, res.Payload)
		}
		text := res.Payload[0]["data"].(map[string]any)["text/plain"].(string)
		if !strings.Contains(text, "NewDense creates") {
			t.Fatalf("%q: page %q", code, text)
		}
	}
	if _, err, _ := exec1(t, e, "?nosuch"); err == nil || !strings.Contains(err.Value, "no documentation") {
		t.Fatalf("?nosuch: %v", err)
	}
}

func TestMagics(t *testing.T) {
	e := newTestEvaluator(t, nil)
	cases := []struct {
		code, stdout, value, err string
	}{
		{"%help", "%reset", "", ""},
		{"answer := 42\nfunc twice(x int) int { return 2 * x }", "", "", ""},
		{"%who", "answer", "", ""},
		{"%who", "twice", "", ""},
		{"const kk = 3\n%who", "", "", "expected statement"}, // magics start a cell
		{"const kk = 3", "", "", ""},
		{"%who", "kk               const", "", ""},
		{"%time twice(answer)", "Wall time:", "84", ""},
		{"%%time\ny := twice(2)\ny + 1", "Wall time:", "5", ""},
		{"%env GP_TEST_VAR=hello", "env: GP_TEST_VAR=hello", "", ""},
		{"%env GP_TEST_VAR", "hello", "", ""},
		{"import \"os\"\nos.Getenv(\"GP_TEST_VAR\")", "", `"hello"`, ""},
		{"%version", "yaegi v0.16.1", "", ""},
		{"%reset", "state reset", "", ""},
		{"answer", "", "", "undefined"},
		{"1 + 1", "", "2", ""},
		{"%nosuch", "", "", "unknown magic %nosuch"},
		{"%env NOPE_NOT_SET_XYZ", "", "", "not set"},
		{"%time", "", "", "usage"},
	}
	for i, c := range cases {
		res, err, out := exec1(t, e, c.code)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Value+strings.Join(err.Traceback, "\n"), c.err) {
				t.Fatalf("%d %q: want error %q, got %v", i, c.code, c.err, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d %q: %v %v", i, c.code, err, err.Traceback)
		}
		if c.code == "%who" && strings.Count(out.text("stdout"), "\nkk ") > 0 && strings.Count("\n"+out.text("stdout"), "\nkk ") != 1 {
			t.Fatalf("%%who lists kk more than once: %q", out.text("stdout"))
		}
		if !strings.Contains(out.text("stdout"), c.stdout) {
			t.Fatalf("%d %q: stdout %q lacks %q", i, c.code, out.text("stdout"), c.stdout)
		}
		got := ""
		if res.Data != nil {
			got = fmt.Sprint(res.Data["text/plain"])
		}
		if got != c.value {
			t.Fatalf("%d %q: value %q, want %q", i, c.code, got, c.value)
		}
	}
}

// TestRichResultOfCellType checks that the final value of a type declared
// in a cell is rendered with its display methods (HTML here).
func TestRichResultOfCellType(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "type card struct{ N int }\nfunc (c card) HTML() string { return fmt.Sprintf(\"<i>card %d</i>\", c.N) }", "<no result>")
	for _, code := range []string{"card{N: 3}", "c := card{N: 3}\nc", "[]card{{N: 3}}[0]"} {
		res, err, _ := exec1(t, e, code)
		if err != nil {
			t.Fatal(code, err, err.Traceback)
		}
		if res.Data["text/html"] != "<i>card 3</i>" {
			t.Fatalf("%q: bundle %v", code, res.Data)
		}
	}
	// Results that cannot be assigned still show.
	mustValue(t, e, "func Id[T any](x T) T { return x }\nId(5)", "5")
}

// TestEveryFormatForCellTypes checks that each entry of display's format
// table is honoured for a type declared in a cell, both as a cell's final
// value and passed to display.Show. Each format gets a fresh session, so
// that no other type's display method is declared.
func TestEveryFormatForCellTypes(t *testing.T) {
	for i, f := range display.Formats() {
		e := newTestEvaluator(t, nil)
		typ := fmt.Sprintf("fmt%d", i)
		result, body, want := "string", `"`+f.Method+`"`, f.Method
		if f.Binary {
			result, body = "[]byte", `[]byte("`+f.Method+`")`
			want = base64.StdEncoding.EncodeToString([]byte(f.Method))
		}
		decl := fmt.Sprintf("type %s struct{ N int }\nfunc (v %s) %s() %s { return %s }", typ, typ, f.Method, result, body)
		mustValue(t, e, decl, "<no result>")
		for _, code := range []string{typ + "{N: 1}", "v" + typ + " := " + typ + "{N: 1}\nv" + typ} {
			res, err, _ := exec1(t, e, code)
			if err != nil {
				t.Fatal(code, err, err.Traceback)
			}
			if res.Data[f.MIME] != want {
				t.Errorf("%s: final value %q: %s = %v, want %q (bundle %v)", f.Method, code, f.MIME, res.Data[f.MIME], want, res.Data)
			}
		}
		code := "w" + typ + " := " + typ + "{N: 2}\ndisplay.Show(w" + typ + ")"
		_, err, out := exec1(t, e, code)
		if err != nil {
			t.Fatal(code, err, err.Traceback)
		}
		var got any
		for _, ev := range out.snapshot() {
			if ev.kind == "display" {
				got = ev.data[f.MIME]
			}
		}
		if got != want {
			t.Errorf("%s: display.Show: %s = %v, want %q (events %v)", f.Method, f.MIME, got, want, out.snapshot())
		}
	}
}
