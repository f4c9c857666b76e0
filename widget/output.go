package widget

import (
	"fmt"
	"io"
	"sync"

	"github.com/gopherprop/gopherprop/display"
)

// Output is an area that shows displays, text and errors (model
// OutputModel of "@jupyter-widgets/output"). Its content is part of the
// widget's state, so it is shown the same way by every front end and kept
// in the saved widget state. Callbacks can write to it.
type Output struct {
	m  *model
	mu sync.Mutex
}

// NewOutput returns an empty output area.
func NewOutput() *Output {
	layout := open(map[string]any{
		"_model_module": baseModule, "_model_module_version": baseVer, "_model_name": "LayoutModel",
		"_view_module": baseModule, "_view_module_version": baseVer, "_view_name": "LayoutView",
	})
	m := open(map[string]any{
		"_model_module": outputModule, "_model_module_version": outputVer, "_model_name": "OutputModel",
		"_view_module": outputModule, "_view_module_version": outputVer, "_view_name": "OutputView",
		"_dom_classes": []any{}, "msg_id": "", "outputs": []any{}, "layout": ref(layout),
	})
	m.children = []*model{layout}
	return &Output{m: m}
}

// outputs returns a copy of the current output list.
func (o *Output) outputs() []any {
	l, _ := o.m.get("outputs").([]any)
	return append([]any(nil), l...)
}

func (o *Output) setOutputs(l []any) { o.m.set(map[string]any{"outputs": l}) }

// displayOutput is the nbformat output dict showing v.
func displayOutput(v any) map[string]any {
	data, md := display.Bundle(v)
	if data == nil {
		data = map[string]any{"text/plain": ""}
	}
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{"output_type": "display_data", "data": data, "metadata": md}
}

// Show appends the best representation of v (see display.Bundle): text,
// HTML, a plot, a matrix, an image.
func (o *Output) Show(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setOutputs(append(o.outputs(), displayOutput(v)))
}

// Replace shows v instead of everything shown so far, in one update (no
// flicker).
func (o *Output) Replace(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setOutputs([]any{displayOutput(v)})
}

// Print appends text, formatted as fmt.Sprint does, as standard output.
func (o *Output) Print(a ...any) { o.stream("stdout", fmt.Sprint(a...)) }

// Printf appends text formatted as fmt.Sprintf does, as standard output.
func (o *Output) Printf(format string, a ...any) { o.stream("stdout", fmt.Sprintf(format, a...)) }

// Println appends text formatted as fmt.Sprintln does, as standard output.
func (o *Output) Println(a ...any) { o.stream("stdout", fmt.Sprintln(a...)) }

func (o *Output) stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.outputs()
	if n := len(l); n > 0 {
		if last, ok := l[n-1].(map[string]any); ok && last["output_type"] == "stream" && last["name"] == name {
			prev, _ := last["text"].(string)
			l[n-1] = map[string]any{"output_type": "stream", "name": name, "text": prev + text}
			o.setOutputs(l)
			return
		}
	}
	o.setOutputs(append(l, map[string]any{"output_type": "stream", "name": name, "text": text}))
}

// Clear removes everything shown.
func (o *Output) Clear() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setOutputs([]any{})
}

// Error appends err as an error output, formatted as a failing cell's
// error.
func (o *Output) Error(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.setOutputs(append(o.outputs(), errorOutput("Error", err.Error(), nil)))
}

// Capture runs f and appends a panic in f to the output as an error, in
// the notebook's error format, instead of letting it propagate. It reports
// whether f returned normally.
func (o *Output) Capture(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			o.mu.Lock()
			o.setOutputs(append(o.outputs(), panicOutput(r)))
			o.mu.Unlock()
			ok = false
		}
	}()
	f()
	return true
}

// Outputs returns the output area's content as nbformat output dicts
// ("output_type" "stream", "display_data" or "error").
func (o *Output) Outputs() []map[string]any {
	var r []map[string]any
	for _, x := range o.outputs() {
		if m, ok := x.(map[string]any); ok {
			r = append(r, m)
		}
	}
	return r
}

// ModelID returns the id of the output area's model.
func (o *Output) ModelID() string { return o.m.id }

// Close removes the output area.
func (o *Output) Close()       { o.m.close() }
func (o *Output) base() *model { return o.m }

// MIMEBundle returns the widget view with a text/plain fallback.
func (o *Output) MIMEBundle() (map[string]any, map[string]any) { return o.m.view(o.String()) }

// String describes the output area by the text of its outputs.
func (o *Output) String() string {
	s := ""
	for _, x := range o.Outputs() {
		switch x["output_type"] {
		case "stream":
			s += fmt.Sprint(x["text"])
		case "display_data":
			if d, ok := x["data"].(map[string]any); ok {
				s += fmt.Sprint(d["text/plain"]) + "\n"
			}
		case "error":
			s += fmt.Sprintf("%v: %v\n", x["ename"], x["evalue"])
		}
	}
	return s
}

// Writer returns an io.Writer that appends what is written to the output
// area as standard output text.
func (o *Output) Writer() io.Writer { return outputWriter{o} }

type outputWriter struct{ o *Output }

func (w outputWriter) Write(p []byte) (int, error) {
	w.o.stream("stdout", string(p))
	return len(p), nil
}

var (
	prMu          sync.RWMutex
	printRedirect func(w io.Writer) (restore func())
)

// SetPrintRedirect installs the function that sends what a notebook cell's
// code prints (fmt.Print*) to w until restore is called. The notebook
// kernel installs one, so that Interact shows what its function prints
// above the result; without one, prints go to standard output as usual.
func SetPrintRedirect(f func(w io.Writer) (restore func())) {
	prMu.Lock()
	printRedirect = f
	prMu.Unlock()
}

// redirectPrints sends prints to o while f runs, when a redirect is
// installed.
func redirectPrints(o *Output, f func()) {
	prMu.RLock()
	r := printRedirect
	prMu.RUnlock()
	if r == nil {
		f()
		return
	}
	restore := r(o.Writer())
	defer restore()
	f()
}

// panicFormatter formats a recovered panic; see SetPanicFormatter.
var (
	pfMu           sync.RWMutex
	panicFormatter func(v any) (ename, evalue string, traceback []string)
)

// SetPanicFormatter installs the function that turns a panic in a callback
// into an error output (name, one-line value, traceback lines). The
// notebook kernel installs one that formats it as a failing cell's error;
// the default gives "Panic: <value>".
func SetPanicFormatter(f func(v any) (ename, evalue string, traceback []string)) {
	pfMu.Lock()
	panicFormatter = f
	pfMu.Unlock()
}

func panicOutput(r any) map[string]any {
	pfMu.RLock()
	f := panicFormatter
	pfMu.RUnlock()
	if f != nil {
		ename, evalue, tb := f(r)
		return errorOutput(ename, evalue, tb)
	}
	return errorOutput("Panic", fmt.Sprint(r), nil)
}

func errorOutput(ename, evalue string, tb []string) map[string]any {
	if len(tb) == 0 {
		tb = []string{ename + ": " + evalue}
	}
	t := make([]any, len(tb))
	for i, l := range tb {
		t[i] = l
	}
	return map[string]any{"output_type": "error", "ename": ename, "evalue": evalue, "traceback": t}
}
