package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopherprop/gopherprop/interp/symbols"
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
