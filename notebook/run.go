package notebook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/widget"
)

// Options control Run.
type Options struct {
	// Context, when non-nil, bounds the whole run: cancelling it interrupts
	// the running cell and stops the run.
	Context context.Context
	// CellTimeout, when positive, interrupts a cell that runs longer and
	// stops the run with an error saying so.
	CellTimeout time.Duration
	// Log, when non-nil, receives one progress line per code cell.
	Log io.Writer
	// Input answers the cells' requests for input. When nil, a cell that
	// asks for input gets an error saying that no input is available.
	Input func(prompt string, password bool) (string, error)
}

// CellError is returned by Run when a cell fails. The failing cell keeps
// the outputs it produced, ending with an error output.
type CellError struct {
	// Cell is the index of the failing cell in Notebook.Cells.
	Cell int
	// Count is the cell's execution count.
	Count int
	// Line is the first line of the cell's source, for messages.
	Line string
	// Err is the evaluator's error.
	Err *kernel.ExecError
	// TimedOut is true when the cell was interrupted by Options.CellTimeout.
	TimedOut bool
}

// Error implements error: it names the cell and gives the traceback.
func (e *CellError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cell %d (In [%d], %q) failed: %s: %s", e.Cell, e.Count, e.Line, e.Err.Name, e.Err.Value)
	if e.TimedOut {
		b.WriteString(" (the cell timed out and was interrupted)")
	}
	for _, l := range e.Err.Traceback {
		b.WriteString("\n")
		b.WriteString(stripANSI(l))
	}
	return b.String()
}

// Run executes the code cells of nb in order through ev, like Jupyter's
// "Restart and run all": it first clears every code cell's outputs and
// execution count, then runs each non-blank code cell with execution counts
// 1, 2, 3, ... and stores what it produces in the cell: stream output
// (consecutive writes to the same stream merged into one output, as
// Jupyter shows them), display_data, update_display_data (applied to the
// earlier output with that display id, in whichever cell it is),
// clear_output (with wait honoured), the final expression as
// execute_result and a failure as an error output. Cells whose source is
// blank are not run, as in Jupyter.
//
// Run stops at the first failing cell and returns a *CellError; later
// cells are left cleared. It returns the context's error when
// opts.Context is cancelled between cells. ev is not restarted or closed.
func Run(nb *Notebook, ev kernel.Evaluator, opts Options) error {
	if nb == nil {
		return errors.New("notebook: Run of a nil notebook")
	}
	if ev == nil {
		return errors.New("notebook: Run without an evaluator")
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	nb.ClearOutputs()
	displays := map[string][]*Output{}
	widgets := &widget.StateRecorder{}
	defer saveWidgetState(nb, widgets)
	count := 0
	for i, c := range nb.Cells {
		if c.Type != Code || strings.TrimSpace(c.Source) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		count++
		n := count
		c.ExecutionCount = &n
		col := &collector{cell: c, displays: displays, input: opts.Input, widgets: widgets}
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if opts.CellTimeout > 0 {
			cctx, cancel = context.WithTimeout(ctx, opts.CellTimeout)
		}
		start := time.Now()
		res, xerr := ev.Execute(cctx, kernel.ExecuteRequest{
			Code:           c.Source,
			StoreHistory:   true,
			AllowStdin:     opts.Input != nil,
			ExecutionCount: n,
		}, col)
		timedOut := opts.CellTimeout > 0 && errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		col.finish(res, xerr, n)
		if opts.Log != nil {
			status := "ok"
			if xerr != nil {
				status = "error: " + xerr.Name
			}
			fmt.Fprintf(opts.Log, "In [%d] cell %d: %s (%.2fs)\n", n, i, status, time.Since(start).Seconds())
		}
		if xerr != nil {
			return &CellError{Cell: i, Count: n, Line: firstLine(c.Source), Err: xerr, TimedOut: timedOut}
		}
	}
	return nil
}

// collector receives a running cell's output (kernel.Output) and stores it
// in the cell.
type collector struct {
	mu        sync.Mutex
	cell      *Cell
	displays  map[string][]*Output // display id -> outputs showing it, notebook-wide
	clearNext bool                 // a clear_output(wait=true) is pending
	input     func(string, bool) (string, error)
	widgets   *widget.StateRecorder
}

var (
	_ kernel.Output     = (*collector)(nil)
	_ kernel.CommOutput = (*collector)(nil)
)

// Comm implements kernel.CommOutput: the state of the widgets the cells
// open is recorded for the notebook's metadata.
func (c *collector) Comm(m kernel.CommMessage) {
	c.widgets.Record(m.Type, m.CommID, m.TargetName, m.Data, m.Buffers)
}

// saveWidgetState stores the state of the widgets still open in the
// notebook's metadata (metadata.widgets, as Jupyter saves it), or removes
// a stale one when none is open.
func saveWidgetState(nb *Notebook, r *widget.StateRecorder) {
	st := r.State()
	if st == nil {
		if w, ok := nb.Metadata["widgets"].(map[string]any); ok {
			delete(w, widget.StateMIME)
			if len(w) == 0 {
				delete(nb.Metadata, "widgets")
			}
		}
		return
	}
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	w, _ := nb.Metadata["widgets"].(map[string]any)
	if w == nil {
		w = map[string]any{}
	}
	w[widget.StateMIME] = st
	nb.Metadata["widgets"] = w
}

// add appends o to the cell, first applying a pending clear_output(wait).
func (c *collector) add(o *Output) {
	if c.clearNext {
		c.clear()
	}
	c.cell.Outputs = append(c.cell.Outputs, o)
}

// clear removes the cell's outputs and forgets their display ids.
func (c *collector) clear() {
	c.clearNext = false
	gone := map[*Output]bool{}
	for _, o := range c.cell.Outputs {
		gone[o] = true
	}
	for id, outs := range c.displays {
		kept := outs[:0]
		for _, o := range outs {
			if !gone[o] {
				kept = append(kept, o)
			}
		}
		if len(kept) == 0 {
			delete(c.displays, id)
		} else {
			c.displays[id] = kept
		}
	}
	c.cell.Outputs = []*Output{}
}

// Stream implements kernel.Output.
func (c *collector) Stream(name, text string) {
	if text == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.clearNext {
		if n := len(c.cell.Outputs); n > 0 {
			if last := c.cell.Outputs[n-1]; last.Type == Stream && last.Name == name {
				last.Text += text
				return
			}
		}
	}
	c.add(&Output{Type: Stream, Name: name, Text: text})
}

// Display implements kernel.Output.
func (c *collector) Display(d kernel.DisplayData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Update {
		// As in Jupyter, an update changes every output showing the id,
		// and is ignored when there is none.
		for _, o := range c.displays[d.DisplayID] {
			o.Data = copyBundle(d.Data)
			o.Metadata = copyBundle(d.Metadata)
		}
		return
	}
	o := &Output{Type: DisplayData, Data: copyBundle(d.Data), Metadata: copyBundle(d.Metadata)}
	c.add(o)
	if d.DisplayID != "" {
		c.displays[d.DisplayID] = append(c.displays[d.DisplayID], o)
	}
}

// ClearOutput implements kernel.Output.
func (c *collector) ClearOutput(wait bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wait {
		c.clearNext = true
		return
	}
	c.clear()
}

// Input implements kernel.Output.
func (c *collector) Input(prompt string, password bool) (string, error) {
	if c.input == nil {
		return "", errors.New("no input available: the notebook is run headless (gopherprop run), which has no front end to type into")
	}
	return c.input(prompt, password)
}

// finish stores the cell's result or error.
func (c *collector) finish(res kernel.ExecuteResult, xerr *kernel.ExecError, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if xerr != nil {
		tb := xerr.Traceback
		if tb == nil {
			tb = []string{}
		}
		c.add(&Output{Type: Error, EName: xerr.Name, EValue: xerr.Value, Traceback: append([]string(nil), tb...)})
		return
	}
	if res.Data != nil {
		count := n
		c.add(&Output{Type: ExecuteResult, Data: copyBundle(res.Data), Metadata: copyBundle(res.Metadata), ExecutionCount: &count})
	}
	// A clear_output(wait=true) with no output after it clears nothing,
	// as in Jupyter, which keeps the old output until new output arrives.
}

// copyBundle copies a MIME bundle or metadata map (shallow), turning
// []byte values into base64 strings (as JSON encodes them for the wire)
// and nil into an empty map.
func copyBundle(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if b, ok := v.([]byte); ok {
			v = base64.StdEncoding.EncodeToString(b)
		}
		out[k] = v
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// stripANSI removes ANSI colour escapes from a traceback line.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
