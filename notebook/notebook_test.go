package notebook

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// jupyterWritten was written by Debian's nbformat 5.5 (nbformat.write) and
// validated by it; see testdata/README.
const jupyterWritten = "testdata/jupyter-written.ipynb"

func TestRoundTripMatchesJupyterBytes(t *testing.T) {
	checkRoundTrip(t, "Parse", Parse)
}

// checkRoundTrip checks that Marshal gives back the bytes of the
// Jupyter-written file after decode (named name) read them.
func checkRoundTrip(t *testing.T, name string, decode func([]byte) (*Notebook, error)) []byte {
	t.Helper()
	want, err := os.ReadFile(jupyterWritten)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := decode(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal(%s(x)) differs from the Jupyter-written file:\n%s", name, firstDiff(got, want))
	}
	return want
}

func TestParseContent(t *testing.T) {
	nb, err := ReadFile(jupyterWritten)
	if err != nil {
		t.Fatal(err)
	}
	if nb.NBFormat != 4 || nb.NBFormatMinor != 5 {
		t.Errorf("format = %d.%d, want 4.5", nb.NBFormat, nb.NBFormatMinor)
	}
	if len(nb.Cells) != 7 {
		t.Fatalf("%d cells, want 7", len(nb.Cells))
	}
	if got := nb.CodeCells(); len(got) != 4 || got[0] != 1 || got[3] != 4 {
		t.Errorf("CodeCells = %v, want [1 2 3 4]", got)
	}
	c1 := nb.Cells[1]
	if c1.Source != "fmt.Println(\"hello\")\nfmt.Println(\"world\")" {
		t.Errorf("source joined wrong: %q", c1.Source)
	}
	if c1.ExecutionCount == nil || *c1.ExecutionCount != 1 {
		t.Errorf("execution_count = %v, want 1", c1.ExecutionCount)
	}
	if o := c1.Outputs[0]; o.Type != Stream || o.Name != "stdout" || o.Text != "hello\nworld\n" {
		t.Errorf("stream output = %+v", o)
	}
	c2 := nb.Cells[2]
	if got := c2.Outputs[0].Data["text/html"]; got != "<table>\n<tr><td>1</td></tr>\n</table>" {
		t.Errorf("html not joined: %q", got)
	}
	js, ok := c2.Outputs[1].Data["application/json"].(map[string]any)
	if !ok || js["b"] != nil || js["a"].([]any)[1] != 2.5 || js["a"].([]any)[0] != int64(1) {
		t.Errorf("application/json kept wrongly: %#v", c2.Outputs[1].Data["application/json"])
	}
	if ec := c2.Outputs[1].ExecutionCount; ec == nil || *ec != 2 {
		t.Errorf("execute_result count = %v", ec)
	}
	e := nb.Cells[3].Outputs[1]
	if e.Type != Error || e.EName != "Panic" || e.EValue != "boom" || len(e.Traceback) != 2 {
		t.Errorf("error output = %+v", e)
	}
	if nb.Cells[4].ExecutionCount != nil || len(nb.Cells[4].Outputs) != 0 || nb.Cells[4].Source != "" {
		t.Errorf("empty cell = %+v", nb.Cells[4])
	}
	if nb.Cells[6].Attachments == nil {
		t.Errorf("attachments lost")
	}
	if nb.Metadata["kernelspec"].(map[string]any)["name"] != "gopherprop" {
		t.Errorf("metadata = %v", nb.Metadata)
	}
}

// TestParseErrors checks that each kind of bad input is refused with a
// message naming the place and the problem.
func TestParseErrors(t *testing.T) {
	cell := func(s string) string {
		return `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [` + s + `]}`
	}
	tests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"empty", ``, []string{"file is empty"}},
		{"bad json", "{\n \"cells\": [\n  }", []string{"invalid JSON at line 3, column 3"}},
		{"trailing", `{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[]} {}`, []string{"extra data"}},
		{"array", `[]`, []string{"top level is an array"}},
		{"no nbformat", `{"cells": []}`, []string{`no "nbformat" key`}},
		{"nbformat 3", `{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}`, []string{"version 3 is not supported"}},
		{"nbformat string", `{"nbformat": "4", "nbformat_minor": 5, "metadata": {}, "cells": []}`, []string{"nbformat: is a string, want an integer"}},
		{"no cells", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}`, []string{`missing "cells"`}},
		{"cells object", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {}}`, []string{"cells: is an object, want an array"}},
		{"no metadata", `{"nbformat": 4, "nbformat_minor": 5, "cells": []}`, []string{"metadata: missing"}},
		{"unknown top key", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [], "extra": 1}`, []string{`notebook: unknown key "extra"`}},
		{"bad cell type", cell(`{"cell_type": "heading", "id": "a", "metadata": {}, "source": ""}`), []string{`cells[0]: cell_type "heading" is not`}},
		{"missing id", cell(`{"cell_type": "markdown", "metadata": {}, "source": ""}`), []string{`cells[0] (markdown): missing "id"`}},
		{"bad id", cell(`{"cell_type": "markdown", "id": "a b", "metadata": {}, "source": ""}`), []string{`id "a b" must be`}},
		{"duplicate id", cell(`{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ""}, {"cell_type": "raw", "id": "a", "metadata": {}, "source": ""}`), []string{`cells[1]: id "a" is also the id of cells[0]`}},
		{"no outputs", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": null}`), []string{`cells[0] (code): missing "outputs"`}},
		{"no execution_count", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "outputs": []}`), []string{`missing "execution_count"`}},
		{"markdown with outputs", cell(`{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "", "outputs": []}`), []string{`cells[0] (markdown): unknown key "outputs"`}},
		{"source number", cell(`{"cell_type": "markdown", "id": "a", "metadata": {}, "source": 3}`), []string{`cells[0] (markdown).source: is a number`}},
		{"source list of numbers", cell(`{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["a", 1]}`), []string{`.source[1]: is a number, want a string`}},
		{"stream without name", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "stream", "text": "x"}]}`), []string{`cells[0] (code).outputs[0]: stream output has no "name"`}},
		{"stream bad name", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "stream", "name": "stdlog", "text": "x"}]}`), []string{`stream name stdlog is not`}},
		{"bad output type", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "pyout"}]}`), []string{`output_type "pyout" is not`}},
		{"result without count", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "execute_result", "data": {"text/plain": "1"}, "metadata": {}}]}`), []string{`execute_result has no "execution_count"`}},
		{"data not mime", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "display_data", "data": {"png": "x"}, "metadata": {}}]}`), []string{`key "png" is not a MIME type`}},
		{"error without traceback", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": 1, "outputs": [{"output_type": "error", "ename": "E", "evalue": "v"}]}`), []string{`needs "traceback"`}},
		{"negative count", cell(`{"cell_type": "code", "id": "a", "metadata": {}, "source": "", "execution_count": -1, "outputs": []}`), []string{`execution_count: is negative`}},
		{"id in 4.4", `{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "raw", "id": "a", "metadata": {}, "source": ""}]}`, []string{"needs nbformat_minor 5"}},
		{"several problems", cell(`{"cell_type": "code", "metadata": {}, "source": 1, "outputs": []}`), []string{"3 problems", `missing "id"`, `.source: is a number`, `missing "execution_count"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse accepted invalid input; got %+v", nb)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseAcceptsMinor4WithoutIDs(t *testing.T) {
	in := `{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": ["1+1"], "execution_count": null, "outputs": []}]}`
	nb, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if nb.NBFormatMinor != 2 || nb.Cells[0].Source != "1+1" || nb.Cells[0].ID != "" {
		t.Errorf("got %+v", nb.Cells[0])
	}
	out, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), `"id"`) {
		t.Errorf("Marshal added an id to a 4.2 notebook:\n%s", out)
	}
}

func TestValidate(t *testing.T) {
	nb := New(nil)
	nb.Cells = append(nb.Cells, &Cell{ID: "x", Type: Code, Source: "1"}, &Cell{ID: "x", Type: Markdown})
	err := Validate(nb)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0], "also the id") {
		t.Fatalf("Validate = %v, want one duplicate-id problem", err)
	}
	nb.Cells[1].ID = "y"
	if err := Validate(nb); err != nil {
		t.Fatalf("Validate of a valid notebook: %v", err)
	}
}

func TestMarshalFormat(t *testing.T) {
	nb := New(nil)
	n := 1
	nb.Cells = []*Cell{{ID: "a", Type: Code, Source: "x <- 1 && y", ExecutionCount: &n, Outputs: []*Output{
		{Type: ExecuteResult, Data: map[string]any{"text/plain": "a\nb\n", "image/png": "AAA\nBBB\n"}, ExecutionCount: &n},
	}}}
	out, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"{\n \"cells\": [\n  {\n   \"cell_type\": \"code\"", // one-space indent, sorted keys
		`"x <- 1 && y"`, // no HTML escaping
		"\"text/plain\": [\n       \"a\\n\",\n       \"b\\n\"\n      ]", // text split into lines
		`"image/png": "AAA\nBBB\n"`,                                     // base64 images kept whole
		"\"nbformat_minor\": 5\n}\n",                                    // trailing newline
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if _, err := Parse(out); err != nil {
		t.Errorf("Marshal wrote an invalid notebook: %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.ipynb")
	nb, err := ReadFile(jupyterWritten)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(name)
	want, _ := os.ReadFile(jupyterWritten)
	if !bytes.Equal(got, want) {
		t.Errorf("WriteFile content differs:\n%s", firstDiff(got, want))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.ipynb"), nb); err == nil {
		t.Errorf("WriteFile into a missing directory succeeded")
	}
}

// TestJupyterAgrees has Debian's nbformat validate what Marshal writes and
// write it again itself: the bytes must be identical. It runs where
// python3-nbformat is installed (install/setup.sh installs it).
func TestJupyterAgrees(t *testing.T) {
	if _, err := exec.Command("/usr/bin/python3", "-c", "import nbformat").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Debian's python3-nbformat is missing in CI (run install/setup.sh --test): %v", err)
		}
		t.Skip("Debian's python3-nbformat is not installed")
	}
	nb, err := ReadFile(jupyterWritten)
	if err != nil {
		t.Fatal(err)
	}
	// Add outputs of the kinds Run produces.
	n := 7
	nb.Cells[1].Outputs = append(nb.Cells[1].Outputs,
		&Output{Type: Stream, Name: "stderr", Text: "no newline at end"},
		&Output{Type: DisplayData, Data: map[string]any{"text/plain": "", "image/svg+xml": "<svg>\n</svg>\n", "application/vnd.custom+json": map[string]any{"k": []any{1, "2"}}}},
		&Output{Type: ExecuteResult, Data: map[string]any{"text/plain": "42"}, ExecutionCount: &n},
	)
	name := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := WriteFile(name, nb); err != nil {
		t.Fatal(err)
	}
	script := `import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
sys.stdout.write(nbformat.writes(nb) + "\n")`
	out, err := exec.Command("/usr/bin/python3", "-c", script, name).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("nbformat refused our notebook: %s", ee.Stderr)
		}
		t.Fatal(err)
	}
	ours, _ := os.ReadFile(name)
	if !bytes.Equal(ours, out) {
		t.Errorf("nbformat writes different bytes:\n%s", firstDiff(ours, out))
	}
}

// firstDiff describes where two byte slices first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(i-80, 0)
	return "at byte " + strconv.Itoa(i) + "\n got: " + string(got[lo:min(i+80, len(got))]) + "\nwant: " + string(want[lo:min(i+80, len(want))])
}

// failingReader returns data, then fails with err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestRead checks that Read decodes what ReadFile does, validates, and
// passes on the reader's error.
func TestRead(t *testing.T) {
	data := checkRoundTrip(t, "Read", func(b []byte) (*Notebook, error) { return Read(bytes.NewReader(b)) })
	if _, err := Read(strings.NewReader(`{"cells": []}`)); err == nil {
		t.Error("Read accepted a notebook without nbformat")
	}
	boom := errors.New("boom")
	if _, err := Read(&failingReader{data[:10], boom}); !errors.Is(err, boom) {
		t.Errorf("Read with a failing reader: %v, want %v", err, boom)
	}
}
