package interp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

const testWorkerEnv = "GOPHERPROP_INTERP_TEST_WORKER"

// TestMain lets the test binary act as the worker: the Evaluator re-executes
// it with testWorkerEnv set, so interp tests need no built gopherprop binary.
func TestMain(m *testing.M) {
	if os.Getenv(testWorkerEnv) == "1" {
		// A compiled "library" that exits the process, as a misbehaving
		// dependency could.
		extraSymbols["gopherprop/testlib/testlib"] = map[string]reflect.Value{"Exit": reflect.ValueOf(os.Exit)}
		os.Exit(WorkerMain(nil))
	}
	os.Exit(m.Run())
}

// newTestEvaluator starts an Evaluator whose worker is this test binary.
func newTestEvaluator(t testing.TB, mod func(*Options)) *Evaluator {
	t.Helper()
	opts := Options{Command: os.Args[0], Args: []string{}, Env: []string{testWorkerEnv + "=1"}}
	if mod != nil {
		mod(&opts)
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// event is one thing a cell produced, in order.
type event struct {
	kind string // "stdout", "stderr", "display", "clear"
	text string
	data map[string]any
}

// recOutput records what a cell produces; it implements kernel.Output.
type recOutput struct {
	mu     sync.Mutex
	events []event
	input  string
	inErr  error
	notify chan struct{}
}

func newRecOutput() *recOutput { return &recOutput{notify: make(chan struct{}, 1000)} }

func (r *recOutput) add(e event) {
	r.mu.Lock()
	// Coalesce adjacent stream text.
	if n := len(r.events); n > 0 && (e.kind == "stdout" || e.kind == "stderr") && r.events[n-1].kind == e.kind {
		r.events[n-1].text += e.text
	} else {
		r.events = append(r.events, e)
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recOutput) Stream(name, text string) { r.add(event{kind: name, text: text}) }
func (r *recOutput) Display(d kernel.DisplayData) {
	r.add(event{kind: "display", data: d.Data, text: fmt.Sprint(d.Data["text/plain"])})
}
func (r *recOutput) ClearOutput(wait bool) { r.add(event{kind: "clear"}) }
func (r *recOutput) Input(prompt string, password bool) (string, error) {
	r.add(event{kind: "input", text: prompt})
	return r.input, r.inErr
}

func (r *recOutput) text(kind string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		if e.kind == kind {
			b.WriteString(e.text)
		}
	}
	return b.String()
}

func (r *recOutput) snapshot() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// waitFor waits until stdout contains s.
func (r *recOutput) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(r.text("stdout"), s) {
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("stdout never contained %q; got %q", s, r.text("stdout"))
		}
	}
}

func exec1(t *testing.T, e *Evaluator, code string) (kernel.ExecuteResult, *kernel.ExecError, *recOutput) {
	t.Helper()
	out := newRecOutput()
	res, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: code, ExecutionCount: 1}, out)
	return res, err, out
}

func mustValue(t *testing.T, e *Evaluator, code, want string) {
	t.Helper()
	res, err, out := exec1(t, e, code)
	if err != nil {
		t.Fatalf("%q: %s\n%s\nstderr: %s", code, err, strings.Join(err.Traceback, "\n"), out.text("stderr"))
	}
	got := fmt.Sprint(res.Data["text/plain"])
	if res.Data == nil {
		got = "<no result>"
	}
	if got != want {
		t.Fatalf("%q: result %q, want %q", code, got, want)
	}
}

func TestEvaluatorBasics(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "x := 20\nx + 1", "21")
	mustValue(t, e, "x * 2", "40")
	mustValue(t, e, `"a" + "b"`, `"ab"`)
	res, err, _ := exec1(t, e, "y := 1")
	if err != nil || res.Data != nil {
		t.Fatalf("statement: result %v, err %v", res.Data, err)
	}
	// Silent execution shows no result.
	res2, err2 := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "x", Silent: true}, newRecOutput())
	if err2 != nil || res2.Data != nil {
		t.Fatalf("silent: %v %v", res2.Data, err2)
	}
	// User expressions.
	res3, err3 := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "z := 5", UserExpressions: map[string]string{"a": "z * 2", "b": "nosuch"}}, newRecOutput())
	if err3 != nil {
		t.Fatal(err3)
	}
	a := res3.UserExpressions["a"].(map[string]any)
	if a["status"] != "ok" || a["data"].(map[string]any)["text/plain"] != "10" {
		t.Fatalf("user expression a: %v", a)
	}
	if b := res3.UserExpressions["b"].(map[string]any); b["status"] != "error" {
		t.Fatalf("user expression b: %v", b)
	}
}

func TestEvaluatorErrors(t *testing.T) {
	e := newTestEvaluator(t, nil)
	cases := []struct{ code, ename, has string }{
		{"a := 1\nb := a + \"s\"", "CompileError", "line 2"},
		{"x := )", "SyntaxError", "1:6"},
		{"panic(\"boom\")", "Panic", "boom"},
		{"var m map[string]int\nm[\"k\"] = 1", "RuntimeError", "2:1"},
	}
	for _, c := range cases {
		_, err, _ := exec1(t, e, c.code)
		if err == nil {
			t.Fatalf("%q: no error", c.code)
		}
		all := err.Value + "\n" + strings.Join(err.Traceback, "\n")
		if err.Name != c.ename || !strings.Contains(all, c.has) {
			t.Fatalf("%q: got %s %q, want %s containing %q", c.code, err.Name, all, c.ename, c.has)
		}
		if len(err.Traceback) < 2 {
			t.Fatalf("%q: traceback too short: %q", c.code, err.Traceback)
		}
	}
}

// TestOutputCapture checks that every kind of print is captured, streams are
// kept apart and display events keep their place among the text.
func TestOutputCapture(t *testing.T) {
	e := newTestEvaluator(t, nil)
	code := `import "os"
fmt.Println("one")
os.Stdout.WriteString("two\n")
fmt.Fprintln(os.Stderr, "err1")
println("three")
display.Text("DISPLAYED")
fmt.Println("four")
display.Clear(false)`
	_, err, out := exec1(t, e, code)
	if err != nil {
		t.Fatal(err, err.Traceback)
	}
	if got := out.text("stderr"); got != "err1\n" {
		t.Fatalf("stderr %q", got)
	}
	ev := out.snapshot()
	var order []string
	for _, x := range ev {
		switch {
		case x.kind == "stdout" && len(order) > 0 && strings.HasPrefix(order[len(order)-1], "stdout:"):
			order[len(order)-1] += "\n" + strings.TrimSpace(x.text)
		case x.kind == "stdout" || x.kind == "display" || x.kind == "clear":
			order = append(order, x.kind+":"+strings.TrimSpace(x.text))
		}
	}
	// yaegi's println builtin writes to stdout (Go's writes to stderr).
	want := []string{"stdout:one\ntwo\nthree", "display:DISPLAYED", "stdout:four", "clear:"}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Fatalf("order %q, want %q", order, want)
	}
}

// TestStreamingIsLive checks that text reaches the output while the cell is
// still running.
func TestStreamingIsLive(t *testing.T) {
	e := newTestEvaluator(t, nil)
	out := newRecOutput()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *kernel.ExecError, 1)
	go func() {
		_, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "fmt.Println(\"early\")\nselect {}"}, out)
		done <- err
	}()
	out.waitFor(t, "early")
	select {
	case err := <-done:
		t.Fatalf("cell finished before interrupt: %v", err)
	default:
	}
	cancel()
	if err := <-done; err == nil || err.Name != "Interrupted" {
		t.Fatalf("want Interrupted, got %v", err)
	}
}

func TestInput(t *testing.T) {
	e := newTestEvaluator(t, nil)
	out := newRecOutput()
	out.input = "bob"
	res, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "fmt.Println(\"before\")\nname, err := display.Input(\"name? \")\nfmt.Println(\"hello\", name, err)"}, out)
	if err != nil {
		t.Fatal(err, err.Traceback)
	}
	_ = res
	ev := out.snapshot()
	var kinds []string
	for _, x := range ev {
		kinds = append(kinds, x.kind)
	}
	if !strings.Contains(out.text("stdout"), "hello bob <nil>") || strings.Join(kinds, ",") != "stdout,input,stdout" {
		t.Fatalf("events %v, stdout %q", kinds, out.text("stdout"))
	}
	out2 := newRecOutput()
	out2.inErr = errors.New("stdin not allowed")
	_, err = e.Execute(context.Background(), kernel.ExecuteRequest{Code: "_, err := display.Input(\"x\")\nfmt.Println(err)"}, out2)
	if err != nil || !strings.Contains(out2.text("stdout"), "stdin not allowed") {
		t.Fatalf("input error: %v %q", err, out2.text("stdout"))
	}
}

// TestInterrupt interrupts each kind of work and checks the state survives.
func TestInterrupt(t *testing.T) {
	e := newTestEvaluator(t, func(o *Options) { o.InterruptGrace = 2 * time.Second })
	mustValue(t, e, "kept := 41", "<no result>")
	cases := []struct {
		name, code string
		restarted  bool
	}{
		{"busy loop", "n := 0\nfor { n++ }", false},
		{"empty loop in function", "func spin() { for {} }\nspin()", false},
		{"blocked channel", "<-make(chan int)", false},
		{"select", "select {}", false},
		{"compiled sleep", "import \"time\"\ntime.Sleep(time.Hour)", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.restarted {
				// State is lost by design; re-create it afterwards.
				defer mustValue(t, e, "kept := 41", "<no result>")
			}
			out := newRecOutput()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan *kernel.ExecError, 1)
			code := "fmt.Println(\"started\")\n" + c.code
			if strings.HasPrefix(c.code, "import") || strings.HasPrefix(c.code, "func") {
				code = c.code
			}
			go func() {
				_, err := e.Execute(ctx, kernel.ExecuteRequest{Code: code}, out)
				done <- err
			}()
			if code != c.code {
				out.waitFor(t, "started")
			} else {
				time.Sleep(300 * time.Millisecond)
			}
			cancel()
			err := <-done
			if err == nil || err.Name != "Interrupted" {
				t.Fatalf("want Interrupted, got %v", err)
			}
			if c.restarted != strings.Contains(err.Value, "restarted") {
				t.Fatalf("restarted=%v but error %q", c.restarted, err.Value)
			}
			if !c.restarted {
				mustValue(t, e, "kept + 1", "42")
			}
		})
	}
}

// TestCrashContainment runs each kind of crash and checks the error names
// the cause and a fresh worker answers afterwards.
func TestCrashContainment(t *testing.T) {
	e := newTestEvaluator(t, func(o *Options) { o.MemoryLimit = 512 << 20 })
	cases := []struct{ name, code, cause string }{
		{"panic in goroutine", "import \"time\"\ngo func() { panic(\"bg boom\") }()\ntime.Sleep(time.Second)", "panic in a goroutine started by the cell: bg boom"},
		{"stack overflow", "func rec(n int) int { return rec(n+1) + 1 }\nrec(0)", "stack overflow"},
		{"concurrent map writes", "import \"time\"\nm := map[int]int{}\nfor g := 0; g < 4; g++ {\n\tgo func() {\n\t\tfor i := 0; ; i++ {\n\t\t\tm[i%100] = i\n\t\t}\n\t}()\n}\ntime.Sleep(10 * time.Second)", "concurrent map"},
		{"exit from compiled code", "import \"gopherprop/testlib\"\ntestlib.Exit(3)", "exited with status 3"},
		{"out of memory", "var keep [][]byte\nfor {\n\tkeep = append(keep, make([]byte, 64<<20))\n}", "out of memory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustValue(t, e, "before := 1", "<no result>")
			pid := e.pid()
			_, err, _ := exec1(t, e, c.code)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Name != "WorkerCrash" || !strings.Contains(err.Value, c.cause) || !strings.Contains(err.Value, "state lost") {
				t.Fatalf("got %s: %q\n%s", err.Name, err.Value, strings.Join(err.Traceback, "\n"))
			}
			if e.pid() == pid || e.pid() == 0 {
				t.Fatalf("worker not restarted (pid %d)", e.pid())
			}
			mustValue(t, e, "1 + 1", "2")
			_, err2, _ := exec1(t, e, "before")
			if err2 == nil {
				t.Fatal("state survived a crash: the error claims it was lost")
			}
		})
	}
}

func TestInterpretedOsExitKeepsState(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "v := 7", "<no result>")
	_, err, _ := exec1(t, e, "import \"os\"\nos.Exit(2)")
	if err == nil || err.Name != "Exit" || !strings.Contains(err.Value, "os.Exit(2)") {
		t.Fatalf("got %v", err)
	}
	mustValue(t, e, "v", "7")
}

func TestRestart(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "r := 1", "<no result>")
	if err := e.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err, _ := exec1(t, e, "r"); err == nil {
		t.Fatal("state survived Restart")
	}
	mustValue(t, e, "2 + 3", "5")
}

// TestUnresponsiveWorkerIsRestarted stops the worker process (SIGSTOP) so it
// cannot answer an interrupt: the Evaluator must kill it after the grace
// period and start a fresh one.
func TestUnresponsiveWorkerIsRestarted(t *testing.T) {
	e := newTestEvaluator(t, func(o *Options) { o.InterruptGrace = 500 * time.Millisecond })
	out := newRecOutput()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *kernel.ExecError, 1)
	pid := e.pid()
	go func() {
		_, err := e.Execute(ctx, kernel.ExecuteRequest{Code: "fmt.Println(\"started\")\nfor {}"}, out)
		done <- err
	}()
	out.waitFor(t, "started")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Wait until the process is really stopped ("T" in /proc/PID/stat).
	for i := 0; ; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 0 && f[0] == "T" {
			break
		}
		if i > 500 {
			t.Fatalf("worker not stopped: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	err := <-done
	if err == nil || err.Name != "Interrupted" || !strings.Contains(err.Value, "restarted") || !strings.Contains(err.Value, "lost") {
		t.Fatalf("got %v", err)
	}
	if e.pid() == pid {
		t.Fatal("worker not replaced")
	}
	mustValue(t, e, "3 * 3", "9")
}

// TestRestartAndCloseDuringCell checks that Restart and Close do not wait
// for a running cell: the cell ends with an error and the evaluator is
// usable (Restart) or closed (Close).
func TestRestartAndCloseDuringCell(t *testing.T) {
	e := newTestEvaluator(t, nil)
	for _, op := range []string{"restart", "close"} {
		out := newRecOutput()
		done := make(chan *kernel.ExecError, 1)
		go func() {
			_, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "fmt.Println(\"looping\")\nfor {}"}, out)
			done <- err
		}()
		out.waitFor(t, "looping")
		if op == "restart" {
			if err := e.Restart(); err != nil {
				t.Fatal(err)
			}
		} else {
			e.Close()
		}
		err := <-done
		if err == nil || !strings.Contains(err.Value, "restarted or shut down") {
			t.Fatalf("%s: cell error %v", op, err)
		}
		if op == "restart" {
			mustValue(t, e, "6 * 7", "42")
		} else if _, err, _ := exec1(t, e, "1"); err == nil || !strings.Contains(err.Value, "closed") {
			t.Fatalf("after Close: %v", err)
		}
	}
}

// TestMultiValueDefineThroughWorker runs the user-reported multi-value
// definition bugs through a real worker process (yaegi v0.16.1 fails them
// without the front-end's rewrite or arity check).
func TestMultiValueDefineThroughWorker(t *testing.T) {
	e := newTestEvaluator(t, nil)
	mustValue(t, e, "h := func() (int, int) { return 1, 2 }; q := 0; for j := 0; j < 2; j++ { a, b := h(); q += a + b }; q", "6")
	for _, c := range []string{"f := func() (int, int) { return 1, 2 }", "A, B := f()", "func g() int { return A + B }"} {
		if _, err, _ := exec1(t, e, c); err != nil {
			t.Fatalf("%q: %s", c, err)
		}
	}
	mustValue(t, e, "ad.Eval(func(n *ad.Var) *ad.Var { return ad.Scalar(float64(g())) }, 1.0)", "3")
	_, err, _ := exec1(t, e, "import \"strconv\"\nx := strconv.Atoi(\"zz\")")
	if err == nil || !strings.Contains(err.Error()+strings.Join(err.Traceback, "\n"), "assignment mismatch: 1 variable but strconv.Atoi returns 2 values") {
		t.Fatalf("x := strconv.Atoi: want an assignment mismatch error, got %v", err)
	}
}

// stats returns the worker's heap and goroutine count (after a GC), for the tests.
func (e *Evaluator) stats() (*workerStats, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.request(&message{Type: "stats"}, "stats_reply")
	if r == nil || r.Stats == nil {
		return nil, errors.New("interp: no stats from the worker")
	}
	return r.Stats, nil
}

// pid returns the worker's process id (for the tests), or 0.
func (e *Evaluator) pid() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.w == nil || e.w.cmd.Process == nil {
		return 0
	}
	return e.w.cmd.Process.Pid
}
