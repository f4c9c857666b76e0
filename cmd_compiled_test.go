package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gopherprop/gopherprop/interp"
	"github.com/gopherprop/gopherprop/interp/symbols"
	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/notebook"
)

// TestKernelSourceHasPreloadedPackages: every package of this module that
// cells can import is in the embedded source that plugins are built
// against.
func TestKernelSourceHasPreloadedPackages(t *testing.T) {
	const mod = "github.com/gopherprop/gopherprop/"
	n := 0
	for key := range symbols.Symbols {
		path := key[:strings.LastIndex(key, "/")]
		rel, ok := strings.CutPrefix(path, mod)
		if !ok {
			continue
		}
		n++
		if ents, err := fs.ReadDir(kernelSource, rel); err != nil || len(ents) == 0 {
			t.Errorf("%s is preloaded but not embedded in kernelSource (add %s to the go:embed line in cmd_compiled.go)", path, rel)
		}
	}
	if n == 0 {
		t.Fatal("no package of this module in the symbol tables")
	}
}

// TestCompiledCells builds the binary as install/setup.sh does (-trimpath)
// and runs a notebook through it: a %%compile cell loaded as a plugin into
// the worker and called from an interpreted cell, with a compiled loss
// given to ad.Grad.
func TestCompiledCells(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and a plugin (-short)")
	}
	for _, tool := range []string{"go", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on PATH", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gopherprop")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	nbFile := writeNB(t, dir,
		"%%compile loss\n// Cube is x³, recorded on the tape.\nfunc Cube(x *ad.Var) *ad.Var { return ad.Mul(x, ad.Mul(x, x)) }\n\nfunc Sum(xs []float64) (s float64) {\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn\n}\n",
		"var g float64\nv := ad.Grad(loss.Cube, 2.0, &g)\nfmt.Println(v, g, loss.Sum([]float64{1, 2, 3.5}))",
	)
	out := filepath.Join(dir, "out.ipynb")
	cmd := exec.Command(bin, "run", "-o", out, nbFile)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gopherprop run: %v\n%s", err, b)
	}
	nb, err := notebook.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, o := range nb.Cells[1].Outputs {
		text.WriteString(o.Text)
	}
	if got := strings.TrimSpace(text.String()); got != "8 12 6.5" {
		t.Errorf("output %q, want \"8 12 6.5\"", got)
	}
	_ = os.Remove(out)
}

// TestCompiledUnavailable: without the go command, %%compile says what is
// missing and how to fix it, and other cells run as before.
func TestCompiledUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (-short)")
	}
	ev := benchEvaluator(t, "PATH="+t.TempDir())
	execute(t, ev, "x := 20")
	var out benchOutput
	_, fail := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: "%%compile f\nfunc F() int { return 1 }"}, &out)
	if fail == nil || fail.Name != "CompileUnavailable" || !strings.Contains(fail.Value, "the go command is not on PATH") || !strings.Contains(fail.Value, "install/setup.sh") {
		t.Fatalf("%%%%compile without go: %+v", fail)
	}
	if got := execute(t, ev, "fmt.Println(x + 1)"); got != "21\n" {
		t.Errorf("after the failed compile: %q", got)
	}
}

// benchOutput collects a cell's streamed text.
type benchOutput struct {
	mu   sync.Mutex
	text strings.Builder
}

func (o *benchOutput) Stream(name, text string) {
	o.mu.Lock()
	o.text.WriteString(text)
	o.mu.Unlock()
}
func (o *benchOutput) Display(kernel.DisplayData)         {}
func (o *benchOutput) ClearOutput(bool)                   {}
func (o *benchOutput) Input(string, bool) (string, error) { return "", nil }

// benchBinary builds the binary with -trimpath once per test run.
var benchBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gopherprop-bench-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gopherprop")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// benchEvaluator starts a worker of the -trimpath binary, with env added
// to its environment.
func benchEvaluator(b testing.TB, env ...string) *interp.Evaluator {
	for _, tool := range []string{"go", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("no %s on PATH", tool)
		}
	}
	bin, err := benchBinary()
	if err != nil {
		b.Fatal(err)
	}
	ev, err := interp.New(interp.Options{Command: bin, Env: env})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ev.Close() })
	return ev
}

// execute runs a cell and returns what it printed.
func execute(b testing.TB, ev *interp.Evaluator, code string) string {
	var out benchOutput
	_, fail := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: code}, &out)
	if fail != nil {
		b.Fatalf("%s\n%s: %s", code, fail.Name, fail.Value)
	}
	return out.text.String()
}

// smallCell is a compiled cell importing gonum and ad.
const smallCell = `
// Loss is the squared norm of A·x.
func Loss(a *mat.Dense) func(x *ad.Var) *ad.Var {
	return func(x *ad.Var) *ad.Var { return ad.Sum(ad.Square(ad.MatVec(ad.Const(a), x))) }
}

func Norm(v *mat.VecDense) float64 { return mat.Norm(v, 2) }
`

// BenchmarkCompiledCell times %%compile through the worker: "first" is the
// first compile in a fresh worker (a new workspace; after install/setup.sh's
// prewarm that is the first compile after install), "warm" a re-compile of
// the same small cell importing gonum and ad.
func BenchmarkCompiledCell(b *testing.B) {
	b.Run("first", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ev := benchEvaluator(b)
			b.StartTimer()
			execute(b, ev, "%%compile small"+smallCell)
			b.StopTimer()
			ev.Close()
			b.StartTimer()
		}
	})
	b.Run("warm", func(b *testing.B) {
		ev := benchEvaluator(b)
		execute(b, ev, "%%compile small"+smallCell)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			execute(b, ev, "%%compile small"+smallCell)
		}
	})
}

// benchLoop is the loop compiled in a cell and, as nativeLoop, in this
// test binary.
const benchLoop = `
func Loop(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		x := float64(i)
		s += x * x / (1 + x)
	}
	return s
}
`

//go:noinline
func nativeLoop(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		x := float64(i)
		s += x * x / (1 + x)
	}
	return s
}

// loopN makes one call of the loop take about 10 ms.
const loopN = 5_000_000

// BenchmarkCompiledLoop runs the same loop natively (the baseline) and
// compiled in a %%compile cell called from an interpreted cell (the whole
// Execute round trip); "cell" reports its ratio to the baseline measured in
// this run as x-native.
func BenchmarkCompiledLoop(b *testing.B) {
	var native float64
	b.Run("native", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			nativeLoop(loopN)
		}
		native = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("cell", func(b *testing.B) {
		ev := benchEvaluator(b)
		execute(b, ev, "%%compile loop"+benchLoop)
		cell := fmt.Sprintf("loopResult = loop.Loop(%d)", loopN)
		execute(b, ev, "var loopResult float64")
		execute(b, ev, cell)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			execute(b, ev, cell)
		}
		if native > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/native, "x-native")
		}
	})
}

// rssCell prints the worker's resident memory in KiB.
const rssCell = `import ("os"; "strings")
b, _ := os.ReadFile("/proc/self/status")
for _, l := range strings.Split(string(b), "\n") {
	if strings.HasPrefix(l, "VmRSS:") {
		fmt.Println(strings.Fields(l)[1])
	}
}`

// BenchmarkCompiledMemory reports the worker's resident memory added per
// loaded compiled cell (MB-per-plugin), over 4 recompiles after a first.
func BenchmarkCompiledMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ev := benchEvaluator(b)
		execute(b, ev, "%%compile small"+smallCell)
		rss := func() float64 {
			v, err := strconv.ParseFloat(strings.TrimSpace(execute(b, ev, rssCell)), 64)
			if err != nil {
				b.Fatal(err)
			}
			return v
		}
		before := rss()
		const n = 4
		for k := 0; k < n; k++ {
			execute(b, ev, "%%compile small"+smallCell)
		}
		b.ReportMetric((rss()-before)/n/1024, "MB-per-plugin")
	}
}
