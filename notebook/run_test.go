package notebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

// fakeEvaluator runs a tiny command language, one command per line:
//
//	out TEXT             Stream("stdout", TEXT+"\n")
//	err TEXT             Stream("stderr", TEXT+"\n")
//	display ID TEXT      Display a text/plain bundle with display id ID ("-" for none)
//	update ID TEXT       Update display ID
//	clear                ClearOutput(false)
//	clearwait            ClearOutput(true)
//	result TEXT          end with an execute_result of TEXT
//	fail NAME VALUE      fail with an ExecError
//	block                wait for the context to be cancelled, then fail as Interrupted
//	input PROMPT         ask for input and print the answer (or the error)
//	count                print the execution count
//	png                  display image/png given as []byte
//	widget ID VALUE      open a jupyter.widget comm (a FloatSliderModel at VALUE)
//	wupdate ID VALUE     send it an update of value
//	wclose ID            close it
type fakeEvaluator struct {
	mu    sync.Mutex
	codes []string // the code of each Execute, in order
}

func (f *fakeEvaluator) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, *kernel.ExecError) {
	f.mu.Lock()
	f.codes = append(f.codes, req.Code)
	f.mu.Unlock()
	var res kernel.ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch cmd {
		case "out":
			out.Stream("stdout", arg+"\n")
		case "err":
			out.Stream("stderr", arg+"\n")
		case "display", "update":
			id, text, _ := strings.Cut(arg, " ")
			if id == "-" {
				id = ""
			}
			out.Display(kernel.DisplayData{Data: map[string]any{"text/plain": text}, DisplayID: id, Update: cmd == "update"})
		case "clear":
			out.ClearOutput(false)
		case "clearwait":
			out.ClearOutput(true)
		case "result":
			res.Data = map[string]any{"text/plain": arg, "text/html": "<b>" + arg + "</b>"}
		case "fail":
			name, value, _ := strings.Cut(arg, " ")
			return res, &kernel.ExecError{Name: name, Value: value, Traceback: []string{"\x1b[31m" + name + "\x1b[0m: " + value, "at line 1"}}
		case "block":
			<-ctx.Done()
			return res, &kernel.ExecError{Name: "Interrupted", Value: "execution interrupted", Traceback: []string{"interrupted"}}
		case "input":
			s, err := out.Input(arg, false)
			if err != nil {
				out.Stream("stderr", err.Error()+"\n")
			} else {
				out.Stream("stdout", "got "+s+"\n")
			}
		case "count":
			out.Stream("stdout", fmt.Sprint(req.ExecutionCount, req.StoreHistory, req.Silent, "\n"))
		case "png":
			out.Display(kernel.DisplayData{Data: map[string]any{"text/plain": "img", "image/png": []byte{0x89, 'P', 'N', 'G'}}})
		case "widget", "wupdate", "wclose":
			id, val, _ := strings.Cut(arg, " ")
			v, _ := strconv.ParseFloat(val, 64)
			m := kernel.CommMessage{Type: "comm_open", CommID: id, TargetName: "jupyter.widget", Data: map[string]any{
				"state": map[string]any{"_model_name": "FloatSliderModel", "_model_module": "@jupyter-widgets/controls",
					"_model_module_version": "2.0.0", "value": v}, "buffer_paths": []any{}}}
			if cmd == "wupdate" {
				m = kernel.CommMessage{Type: "comm_msg", CommID: id, Data: map[string]any{"method": "update", "state": map[string]any{"value": v}}}
			} else if cmd == "wclose" {
				m = kernel.CommMessage{Type: "comm_close", CommID: id}
			}
			out.(kernel.CommOutput).Comm(m)
		case "":
		default:
			return res, &kernel.ExecError{Name: "FakeError", Value: "unknown command " + cmd}
		}
	}
	return res, nil
}

func (f *fakeEvaluator) Complete(string, int) kernel.Completion     { return kernel.Completion{} }
func (f *fakeEvaluator) Inspect(string, int, int) kernel.Inspection { return kernel.Inspection{} }
func (f *fakeEvaluator) IsComplete(string) (string, string)         { return "complete", "" }
func (f *fakeEvaluator) Restart() error                             { return nil }
func (f *fakeEvaluator) Close() error                               { return nil }
func (f *fakeEvaluator) LanguageInfo() kernel.LanguageInfo          { return kernel.LanguageInfo{} }
func (f *fakeEvaluator) executed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.codes...)
}
func newNotebook(sources ...string) *Notebook { return buildNotebook(sources) }
func countOf(c *Cell) int                     { return deref(c.ExecutionCount) }
func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// buildNotebook makes a notebook whose cells are code cells with the given
// sources, except sources starting with "#md " which become markdown.
func buildNotebook(sources []string) *Notebook {
	nb := New(nil)
	for i, s := range sources {
		c := &Cell{ID: fmt.Sprintf("c%d", i), Type: Code, Source: s, Outputs: []*Output{}}
		if md, ok := strings.CutPrefix(s, "#md "); ok {
			c = &Cell{ID: fmt.Sprintf("c%d", i), Type: Markdown, Source: md}
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb
}

// summary renders a cell's outputs compactly for comparisons.
func summary(c *Cell) string {
	var parts []string
	for _, o := range c.Outputs {
		switch o.Type {
		case Stream:
			parts = append(parts, o.Name+":"+strings.ReplaceAll(o.Text, "\n", "|"))
		case DisplayData:
			parts = append(parts, fmt.Sprintf("display:%v", o.Data["text/plain"]))
		case ExecuteResult:
			parts = append(parts, fmt.Sprintf("result[%d]:%v", deref(o.ExecutionCount), o.Data["text/plain"]))
		case Error:
			parts = append(parts, "error:"+o.EName+":"+o.EValue)
		}
	}
	return strings.Join(parts, " ")
}

func TestRunSavesWidgetState(t *testing.T) {
	nb := newNotebook("widget w1 0.5\nwidget w2 1\nwclose w2", "wupdate w1 0.25")
	nb.Metadata["widgets"] = map[string]any{"application/vnd.jupyter.widget-state+json": "stale"}
	if err := Run(nb, &fakeEvaluator{}, Options{}); err != nil {
		t.Fatal(err)
	}
	st, _ := nb.Metadata["widgets"].(map[string]any)["application/vnd.jupyter.widget-state+json"].(map[string]any)
	models, _ := st["state"].(map[string]any)
	if len(models) != 1 || st["version_major"] != 2 {
		t.Fatalf("widget state %v", st)
	}
	w1 := models["w1"].(map[string]any)
	if w1["model_name"] != "FloatSliderModel" || w1["state"].(map[string]any)["value"] != 0.25 {
		t.Errorf("w1 saved as %v", w1)
	}
	// A run that opens no widget removes the old state.
	nb = newNotebook("out x")
	nb.Metadata["widgets"] = map[string]any{"application/vnd.jupyter.widget-state+json": "stale"}
	if err := Run(nb, &fakeEvaluator{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := nb.Metadata["widgets"]; ok {
		t.Errorf("stale widget state kept: %v", nb.Metadata)
	}
}

func TestRunOutputs(t *testing.T) {
	tests := []struct {
		name string
		code string
		want string
	}{
		{"streams merge per name", "out a\nout b\nerr c\nerr d\nout e", "stdout:a|b| stderr:c|d| stdout:e|"},
		{"result after print", "out hi\nresult 42", "stdout:hi| result[1]:42"},
		{"display", "display - plot\nout x", "display:plot stdout:x|"},
		{"update in same cell", "display p one\nout x\nupdate p two", "display:two stdout:x|"},
		{"update unknown id ignored", "update nope x\nout y", "stdout:y|"},
		{"clear now", "out a\nclear\nout b", "stdout:b|"},
		{"clear wait waits for next output", "out a\nclearwait\nout b\nout c", "stdout:b|c|"},
		{"clear wait then display", "display p x\nclearwait\ndisplay - y", "display:y"},
		{"clear wait without more output keeps old", "out a\nclearwait", "stdout:a|"},
		{"cleared display is not updated", "display p x\nclear\nout z\nupdate p w", "stdout:z|"},
		{"execution request", "count", "stdout:1 true false|"},
		{"no input headless", "input name?", "stderr:no input available: the notebook is run headless (gopherprop run), which has no front end to type into|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := newNotebook(tt.code)
			if err := Run(nb, &fakeEvaluator{}, Options{}); err != nil {
				t.Fatal(err)
			}
			if got := summary(nb.Cells[0]); got != tt.want {
				t.Errorf("outputs = %q, want %q", got, tt.want)
			}
			if countOf(nb.Cells[0]) != 1 {
				t.Errorf("execution_count = %d, want 1", countOf(nb.Cells[0]))
			}
		})
	}
}

func TestRunNotebook(t *testing.T) {
	nb := newNotebook("#md # Title", "out one", "   \n", "display d first", "#md text", "result 3\nupdate d second")
	old := 99
	nb.Cells[2].ExecutionCount = &old
	nb.Cells[2].Outputs = []*Output{{Type: Stream, Name: "stdout", Text: "stale"}}
	ev := &fakeEvaluator{}
	var log bytes.Buffer
	if err := Run(nb, ev, Options{Log: &log}); err != nil {
		t.Fatal(err)
	}
	if got := ev.executed(); len(got) != 3 {
		t.Fatalf("executed %q, want the 3 non-blank code cells", got)
	}
	wantCounts := []int{-1, 1, -1, 2, -1, 3}
	wantOut := []string{"", "stdout:one|", "", "display:second", "", "result[3]:3"}
	for i, c := range nb.Cells {
		if countOf(c) != wantCounts[i] {
			t.Errorf("cell %d count = %d, want %d", i, countOf(c), wantCounts[i])
		}
		if got := summary(c); got != wantOut[i] {
			t.Errorf("cell %d outputs = %q, want %q", i, got, wantOut[i])
		}
	}
	if got := strings.Count(log.String(), "\n"); got != 3 || !strings.Contains(log.String(), "In [3] cell 5: ok") {
		t.Errorf("log = %q", log.String())
	}
	if err := Validate(nb); err != nil {
		t.Errorf("result is not valid nbformat: %v", err)
	}
	// Running again gives the same notebook (outputs are cleared first).
	first, _ := Marshal(nb)
	if err := Run(nb, &fakeEvaluator{}, Options{}); err != nil {
		t.Fatal(err)
	}
	second, _ := Marshal(nb)
	if !bytes.Equal(first, second) {
		t.Errorf("second run differs:\n%s", firstDiff(second, first))
	}
}

func TestRunStopsAtFirstError(t *testing.T) {
	nb := newNotebook("out a", "out b\nfail Panic boom\nout never", "out c")
	n := 5
	nb.Cells[2].ExecutionCount = &n
	nb.Cells[2].Outputs = []*Output{{Type: Stream, Name: "stdout", Text: "old"}}
	ev := &fakeEvaluator{}
	err := Run(nb, ev, Options{})
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("Run = %v, want a *CellError", err)
	}
	if ce.Cell != 1 || ce.Count != 2 || ce.Err.Name != "Panic" || ce.TimedOut {
		t.Errorf("CellError = %+v", ce)
	}
	msg := err.Error()
	for _, want := range []string{`cell 1 (In [2], "out b ...") failed: Panic: boom`, "\nPanic: boom\nat line 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\x1b") {
		t.Errorf("message keeps ANSI escapes: %q", msg)
	}
	if len(ev.executed()) != 2 {
		t.Errorf("cells after the error ran: %q", ev.executed())
	}
	if got := summary(nb.Cells[1]); got != "stdout:b| error:Panic:boom" {
		t.Errorf("failing cell outputs = %q", got)
	}
	if tb := nb.Cells[1].Outputs[1].Traceback; len(tb) != 2 || !strings.HasPrefix(tb[0], "\x1b[31m") {
		t.Errorf("traceback not kept as sent: %q", tb)
	}
	if c := nb.Cells[2]; c.ExecutionCount != nil || len(c.Outputs) != 0 {
		t.Errorf("cell after the error keeps stale output: %+v", c)
	}
}

func TestRunCellTimeout(t *testing.T) {
	nb := newNotebook("out start\nblock", "out after")
	err := Run(nb, &fakeEvaluator{}, Options{CellTimeout: 20 * time.Millisecond})
	var ce *CellError
	if !errors.As(err, &ce) || !ce.TimedOut || ce.Err.Name != "Interrupted" {
		t.Fatalf("Run = %v, want a timed-out CellError", err)
	}
	if !strings.Contains(err.Error(), "timed out") {
		t.Errorf("message %q does not say it timed out", err)
	}
	if got := summary(nb.Cells[0]); got != "stdout:start| error:Interrupted:execution interrupted" {
		t.Errorf("outputs = %q", got)
	}
}

func TestRunContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	nb := newNotebook("block", "out after")
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	err := Run(nb, &fakeEvaluator{}, Options{Context: ctx})
	var ce *CellError
	if !errors.As(err, &ce) || ce.TimedOut || ce.Err.Name != "Interrupted" {
		t.Fatalf("Run = %v, want an interrupted CellError", err)
	}
	// An already cancelled context runs nothing.
	ev := &fakeEvaluator{}
	if err := Run(newNotebook("out x"), ev, Options{Context: ctx}); !errors.Is(err, context.Canceled) || len(ev.executed()) != 0 {
		t.Errorf("Run with a cancelled context = %v, executed %q", err, ev.executed())
	}
}

func TestRunInputAndBytes(t *testing.T) {
	nb := newNotebook("input name?", "png")
	var prompts []string
	err := Run(nb, &fakeEvaluator{}, Options{Input: func(p string, pw bool) (string, error) {
		prompts = append(prompts, p)
		return "gopher", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(nb.Cells[0]); got != "stdout:got gopher|" || len(prompts) != 1 || prompts[0] != "name?" {
		t.Errorf("input: outputs %q, prompts %q", got, prompts)
	}
	if got := nb.Cells[1].Outputs[0].Data["image/png"]; got != "iVBORw==" {
		t.Errorf("[]byte PNG stored as %q, want base64 iVBORw==", got)
	}
}

func TestUpdateAcrossCells(t *testing.T) {
	nb := newNotebook("display t table-v1", "display t table-copy", "update t table-v2\nout done")
	if err := Run(nb, &fakeEvaluator{}, Options{}); err != nil {
		t.Fatal(err)
	}
	got := []string{summary(nb.Cells[0]), summary(nb.Cells[1]), summary(nb.Cells[2])}
	want := []string{"display:table-v2", "display:table-v2", "stdout:done|"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestRunBadArguments(t *testing.T) {
	if err := Run(nil, &fakeEvaluator{}, Options{}); err == nil {
		t.Error("Run(nil notebook) succeeded")
	}
	if err := Run(New(nil), nil, Options{}); err == nil {
		t.Error("Run(nil evaluator) succeeded")
	}
}
