package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/notebook"
)

// runFake is a kernel.Evaluator for the run command's tests: a cell
// "fail" fails, "pwd" prints the working directory, "sleep" waits for its
// context, anything else is printed back and returned as the value.
type runFake struct{ closed bool }

func (f *runFake) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, *kernel.ExecError) {
	switch req.Code {
	case "fail":
		return kernel.ExecuteResult{}, &kernel.ExecError{Name: "Panic", Value: "boom", Traceback: []string{"panic: boom"}}
	case "pwd":
		wd, _ := os.Getwd()
		out.Stream("stdout", wd+"\n")
		return kernel.ExecuteResult{}, nil
	case "sleep":
		<-ctx.Done()
		return kernel.ExecuteResult{}, &kernel.ExecError{Name: "Interrupted", Value: "interrupted"}
	}
	out.Stream("stdout", "ran "+req.Code+"\n")
	return kernel.ExecuteResult{Data: map[string]any{"text/plain": req.Code}}, nil
}
func (f *runFake) Complete(string, int) kernel.Completion     { return kernel.Completion{} }
func (f *runFake) Inspect(string, int, int) kernel.Inspection { return kernel.Inspection{} }
func (f *runFake) IsComplete(string) (string, string)         { return "complete", "" }
func (f *runFake) Restart() error                             { return nil }
func (f *runFake) Close() error                               { f.closed = true; return nil }
func (f *runFake) LanguageInfo() kernel.LanguageInfo {
	return kernel.LanguageInfo{Name: "fakelang", FileExtension: ".fake"}
}

// withFake makes the run command use a fresh runFake.
func withFake(t *testing.T) *runFake {
	f := &runFake{}
	old := newRunEvaluator
	newRunEvaluator = func() (kernel.Evaluator, error) { return f, nil }
	t.Cleanup(func() { newRunEvaluator = old })
	return f
}

// writeNB writes a notebook whose code cells have the given sources.
func writeNB(t *testing.T, dir string, sources ...string) string {
	nb := notebook.New(nil)
	for i, s := range sources {
		nb.Cells = append(nb.Cells, &notebook.Cell{ID: "c" + string(rune('a'+i)), Type: notebook.Code, Source: s, Outputs: []*notebook.Output{}})
	}
	name := filepath.Join(dir, "nb.ipynb")
	if err := notebook.WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestRunInPlace(t *testing.T) {
	f := withFake(t)
	dir := t.TempDir()
	name := writeNB(t, dir, "1+1", "pwd")
	var stdout, stderr bytes.Buffer
	if code := executeNotebook(name, "", 0, false, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !f.closed {
		t.Error("evaluator not closed")
	}
	nb, err := notebook.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	c0, c1 := nb.Cells[0], nb.Cells[1]
	if *c0.ExecutionCount != 1 || c0.Outputs[1].Type != notebook.ExecuteResult || c0.Outputs[1].Data["text/plain"] != "1+1" {
		t.Errorf("cell 0 not executed into the file: %+v", c0.Outputs)
	}
	// Cells run in the notebook's directory.
	if got := strings.TrimSpace(c1.Outputs[0].Text); got != dir {
		t.Errorf("cell ran in %q, want the notebook's directory %q", got, dir)
	}
	if ks, _ := nb.Metadata["kernelspec"].(map[string]any); ks["name"] != "gopherprop" || ks["language"] != "fakelang" {
		t.Errorf("kernelspec metadata not set: %v", nb.Metadata)
	}
	if li, _ := nb.Metadata["language_info"].(map[string]any); li["name"] != "fakelang" || li["file_extension"] != ".fake" || len(li) != 2 {
		t.Errorf("language_info is not the evaluator's: %v", nb.Metadata["language_info"])
	}
	if wd, _ := os.Getwd(); wd == dir {
		t.Error("working directory not restored")
	}
	if !strings.Contains(stderr.String(), "In [2] cell 1: ok") || !strings.Contains(stderr.String(), "2 code cells ran") {
		t.Errorf("progress output = %q", stderr.String())
	}
}

func TestRunFailureLeavesFileUnchanged(t *testing.T) {
	withFake(t)
	dir := t.TempDir()
	name := writeNB(t, dir, "a", "fail", "b")
	before, _ := os.ReadFile(name)
	var stdout, stderr bytes.Buffer
	if code := executeNotebook(name, "", 0, true, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	after, _ := os.ReadFile(name)
	if !bytes.Equal(before, after) {
		t.Error("a failed in-place run changed the notebook")
	}
	msg := stderr.String()
	for _, want := range []string{"cell 1 (In [2], \"fail\") failed: Panic: boom", "panic: boom", "left unchanged"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error message %q lacks %q", msg, want)
		}
	}
}

func TestRunFailureWithOutputFile(t *testing.T) {
	withFake(t)
	dir := t.TempDir()
	name := writeNB(t, dir, "a", "fail", "b")
	out := filepath.Join(dir, "out.ipynb")
	var stdout, stderr bytes.Buffer
	if code := executeNotebook(name, out, 0, true, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	nb, err := notebook.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if o := nb.Cells[1].Outputs; len(o) != 1 || o[0].Type != notebook.Error || o[0].EName != "Panic" {
		t.Errorf("failing cell outputs in -o file = %+v", o)
	}
	if nb.Cells[2].ExecutionCount != nil {
		t.Error("cell after the failure ran")
	}
}

func TestRunToStdout(t *testing.T) {
	withFake(t)
	name := writeNB(t, t.TempDir(), "x")
	var stdout, stderr bytes.Buffer
	if code := executeNotebook(name, "-", 0, true, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	nb, err := notebook.Parse(stdout.Bytes())
	if err != nil {
		t.Fatalf("stdout is not a notebook: %v", err)
	}
	if nb.Cells[0].Outputs[0].Text != "ran x\n" {
		t.Errorf("outputs = %+v", nb.Cells[0].Outputs)
	}
}

func TestRunTimeout(t *testing.T) {
	withFake(t)
	name := writeNB(t, t.TempDir(), "sleep")
	var stdout, stderr bytes.Buffer
	if code := executeNotebook(name, "-", 50*time.Millisecond, true, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "timed out") {
		t.Errorf("message %q does not say the cell timed out", stderr.String())
	}
}

func TestRunBadInput(t *testing.T) {
	withFake(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ipynb")
	os.WriteFile(bad, []byte(`{"nbformat": 3}`), 0o644)
	tests := []struct{ name, file, want string }{
		{"missing", filepath.Join(dir, "nope.ipynb"), "no such file"},
		{"invalid", bad, "version 3 is not supported"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := executeNotebook(tt.file, "", 0, true, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d, want 2", tt.name, code)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: message %q lacks %q", tt.name, stderr.String(), tt.want)
		}
	}
	if code := runNotebook([]string{"a.ipynb", "b.ipynb"}); code != 2 {
		t.Errorf("two notebooks: exit %d, want 2", code)
	}
	if code := runNotebook(nil); code != 2 {
		t.Errorf("no notebook: exit %d, want 2", code)
	}
}
