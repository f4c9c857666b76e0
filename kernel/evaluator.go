package kernel

import "context"

// Evaluator runs code on behalf of the kernel. The kernel package speaks the
// Jupyter protocol and knows nothing about the language being evaluated; the
// interp package implements Evaluator for Go cells.
//
// The kernel calls Execute, Complete, Inspect and IsComplete from a single
// dispatcher goroutine, one request at a time. Interrupts arrive by
// cancelling the context passed to Execute (from another goroutine).
type Evaluator interface {
	// Execute runs one cell. Everything the cell prints or displays while it
	// runs is delivered to out as it happens, in order. The returned result
	// holds the value of the cell's final expression (nil Data if none), any
	// pager payloads and the evaluated user expressions. A cell that fails
	// (compile error, panic, interrupt, crash) returns a non-nil *ExecError.
	Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, *ExecError)

	// Complete returns completions for code with the cursor at cursorPos,
	// counted in Unicode code points.
	Complete(code string, cursorPos int) Completion

	// Inspect returns documentation for the name at cursorPos (code
	// points). detailLevel is 0 or 1. Found is false if nothing is known.
	Inspect(code string, cursorPos int, detailLevel int) Inspection

	// IsComplete reports whether code is ready to run: status is one of
	// "complete", "incomplete", "invalid" or "unknown"; indent is the
	// suggested indentation of the next line when incomplete.
	IsComplete(code string) (status, indent string)

	// Restart discards all state, as if the evaluator were new.
	Restart() error

	// LanguageInfo describes the language the evaluator runs, for
	// kernel_info_reply. It must answer at once (a front end asks before
	// its first cell, while the evaluator may still be starting) and
	// always the same.
	LanguageInfo() LanguageInfo

	// Close releases the evaluator's resources.
	Close() error
}

// LanguageInfo is kernel_info_reply's language_info: the language an
// Evaluator runs, as front ends use it to highlight, edit and save code.
type LanguageInfo struct {
	Name              string // e.g. "python"
	Version           string // the language version, e.g. "3.11.2"
	MIMEType          string // of a file of code, e.g. "text/x-python"
	FileExtension     string // with the dot, e.g. ".py"
	PygmentsLexer     string // the Pygments lexer's name (nbconvert, GitHub)
	CodeMirrorMode    string // the CodeMirror mode's name (the notebook editor)
	NBConvertExporter string // e.g. "script"; optional
}

// Metadata returns l as a notebook's and kernel_info_reply's
// "language_info" (empty fields are left out).
func (l LanguageInfo) Metadata() map[string]any {
	m := map[string]any{}
	for k, v := range map[string]string{
		"name": l.Name, "version": l.Version, "mimetype": l.MIMEType,
		"file_extension": l.FileExtension, "pygments_lexer": l.PygmentsLexer,
		"codemirror_mode": l.CodeMirrorMode, "nbconvert_exporter": l.NBConvertExporter,
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// ExecuteRequest is the part of an execute_request an evaluator needs.
type ExecuteRequest struct {
	Code            string
	Silent          bool
	StoreHistory    bool
	AllowStdin      bool
	UserExpressions map[string]string
	ExecutionCount  int // the count this execution is shown with
}

// ExecuteResult is what a successful execution produced.
type ExecuteResult struct {
	// Data is the MIME bundle of the final expression's value (always with
	// "text/plain" when non-nil); nil when the cell ends in a statement.
	Data     map[string]any
	Metadata map[string]any
	// Payload holds execute_reply payloads, e.g. {"source": "page", ...}.
	Payload []map[string]any
	// UserExpressions maps each requested name to a result bundle
	// ({"status":"ok","data":...,"metadata":...}) or an error dict.
	UserExpressions map[string]any
}

// ExecError describes a failed execution, as sent in an error message.
type ExecError struct {
	Name      string   // ename, e.g. "CompileError", "Panic", "Interrupted"
	Value     string   // evalue, a one-line description
	Traceback []string // lines shown to the user (may contain ANSI colours)
}

// NewExecError returns the error of a failed execution. Without traceback
// lines, the traceback is the single line "name: value", as a front end shows
// it.
func NewExecError(name, value string, traceback ...string) *ExecError {
	if len(traceback) == 0 {
		traceback = []string{name + ": " + value}
	}
	return &ExecError{Name: name, Value: value, Traceback: traceback}
}

// Error implements the error interface.
func (e *ExecError) Error() string { return e.Name + ": " + e.Value }

// Output receives what a running cell produces. Implementations are safe for
// concurrent use.
type Output interface {
	// Stream sends text to "stdout" or "stderr".
	Stream(name, text string)
	// Display publishes a display_data message, or an update_display_data
	// message when d.Update is true (d.DisplayID must then be set).
	Display(d DisplayData)
	// ClearOutput publishes clear_output.
	ClearOutput(wait bool)
	// Input asks the front end for a line of input through the stdin
	// channel. It fails with a clear error when the request did not allow
	// stdin.
	Input(prompt string, password bool) (string, error)
}

// DisplayData is a rich output bundle.
type DisplayData struct {
	Data      map[string]any
	Metadata  map[string]any
	DisplayID string // transient display_id; empty for none
	Update    bool   // send update_display_data instead of display_data
}

// Completion is the answer to a complete_request. Cursor positions are in
// Unicode code points.
type Completion struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	Metadata    map[string]any
}

// Inspection is the answer to an inspect_request.
type Inspection struct {
	Found    bool
	Data     map[string]any
	Metadata map[string]any
}
