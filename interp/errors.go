package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// Errors: what yaegi reports (compile errors, panics with their frames) is
// turned into a kernel.ExecError at the cell's own line and column, with the
// offending line quoted under a caret.

// cellName describes a cell for messages: "cell [3]" or "this cell".
func (s *session) cellName(cid string) string {
	ci, ok := s.cells[cid]
	if !ok {
		return "generated code"
	}
	if ci.count > 0 {
		return fmt.Sprintf("cell [%d]", ci.count)
	}
	return "an earlier cell"
}

// frameCatcher is the interpreter's Stderr: it keeps yaegi's
// "cell:L:C: panic: fn(...)" frame lines for the traceback and forwards
// everything else.
type frameCatcher struct {
	out    io.Writer
	mu     sync.Mutex
	buf    []byte
	frames []string
}

// A frame of rewritten code has no column (see nodeSource).
var frameRe = regexp.MustCompile(`^(?:\S+:)?\d+(?::\d+)?: panic: .*\(\.\.\.\)$`)

func (f *frameCatcher) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		line := string(f.buf[:i])
		f.buf = f.buf[i+1:]
		if frameRe.MatchString(line) {
			f.frames = append(f.frames, line)
			continue
		}
		f.out.Write([]byte(line + "\n"))
	}
	if len(f.buf) > 0 && !bytes.Contains(f.buf, []byte(": panic: ")) && !frameStart(f.buf) {
		f.out.Write(f.buf)
		f.buf = f.buf[:0]
	}
	return len(p), nil
}

// frameStart reports whether b may be the start of a frame line.
func frameStart(b []byte) bool {
	return len(b) > 0 && (b[0] == '_' || (b[0] >= '0' && b[0] <= '9'))
}

func (f *frameCatcher) reset() {
	f.mu.Lock()
	f.frames = nil
	f.mu.Unlock()
}

func (f *frameCatcher) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.frames
	f.frames = nil
	return out
}

var posRe = regexp.MustCompile(`(?:_\.go:)?(\d{5,})(?::(\d+))?`)

// matchPos finds the first position in msg; it returns the cell, line,
// column and the index range of the match.
func matchPos(msg string) (cid string, line, col int, loc []int) {
	m := posRe.FindStringSubmatchIndex(msg)
	if m == nil {
		return "", 0, 0, nil
	}
	a, _ := strconv.Atoi(msg[m[2]:m[3]])
	b := 0
	if m[4] >= 0 {
		b, _ = strconv.Atoi(msg[m[4]:m[5]])
	}
	cid, line = cellPos(a)
	return cid, line, b, m[:2]
}

// mapPositions rewrites "cN:L:C" positions into user terms.
func (s *session) mapPositions(msg string) string {
	return posRe.ReplaceAllStringFunc(msg, func(m string) string {
		cid, line, col, _ := matchPos(m)
		if col <= 0 {
			return fmt.Sprintf("%s line %d", s.cellName(cid), line)
		}
		return fmt.Sprintf("%s line %d:%d", s.cellName(cid), line, col)
	})
}

// failure converts an error from yaegi into a kernel.ExecError with the cell's
// own positions and the offending line quoted.
func (s *session) failure(ctx context.Context, err error, cid string) *kernel.ExecError {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		if s.deadlock.found.Load() {
			return s.deadlockFailure(cid)
		}
		return kernel.NewExecError("Interrupted", "the cell was interrupted (state is kept)",
			"Interrupted: the cell was interrupted; variables and functions defined so far are kept")
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		return s.panicFailure(p, cid)
	}
	msg := err.Error()
	// yaegi compile errors: "cN:L:C: message"
	if c, line, col, m := matchPos(msg); m != nil && m[0] == 0 && c != "" {
		text := strings.TrimSpace(strings.TrimPrefix(msg[m[1]:], ":"))
		text = hint(text, s.cells[cid].src)
		if c != cid {
			return kernel.NewExecError("CompileError", text, append([]string{
				fmt.Sprintf("CompileError: %s", text),
				fmt.Sprintf("  at %s, line %d:%d:", s.cellName(c), line, col)},
				cell.Quote(s.cells[c].src, line, col)...)...)
		}
		return s.cellFailure("CompileError", text, cid, line, col)
	}
	text := hint(msg, s.cells[cid].src)
	return kernel.NewExecError("CompileError", text)
}

// hint adds advice to errors caused by Go features the interpreter lacks.
func hint(msg, src string) string {
	switch {
	case strings.Contains(msg, "undefined: min"), strings.Contains(msg, "undefined: max"):
		return msg + " (the Go interpreter lacks the min/max builtins; gopherprop rewrites them except in for-loop conditions and constants: compute the value in a variable first)"
	case strings.Contains(msg, "undefined: clear"):
		return msg + " (the Go interpreter lacks the clear builtin; gopherprop rewrites clear(x) used as a statement)"
	case strings.HasSuffix(msg, "constant definition loop"), strings.HasSuffix(msg, "variable definition loop"):
		return msg + " (yaegi reports this for a name that is not defined: check spelling and imports)"
	case msg == "nil type" && !strings.Contains(src, "range"):
		return "nil type: an internal error of the Go interpreter (yaegi), often caused by a generic function whose type arguments it cannot infer: try explicit type arguments, e.g. F[float64](x)"
	case msg == "nil type" && strings.Contains(src, "range"):
		return "cannot range over this value: the Go interpreter (yaegi) supports range over slices, arrays, strings, maps and channels; range over an integer is rewritten only when the integer's type is evident (a literal, len(...), an int variable) — otherwise write for i := 0; i < n; i++ — and range over a func iterator is rewritten only when the cell type-checks: otherwise call the function with a yield callback"
	}
	return msg
}

// cellFailure builds an error at line:col of the current cell.
func (s *session) cellFailure(ename, msg, cid string, line, col int) *kernel.ExecError {
	tb := []string{fmt.Sprintf("%s: %s", ename, msg), fmt.Sprintf("  at line %d, column %d:", line, col)}
	tb = append(tb, cell.Quote(s.cells[cid].src, line, col)...)
	return kernel.NewExecError(ename, fmt.Sprintf("%d:%d: %s", line, col, msg), tb...)
}

// panicFailure reports a runtime panic with the interpreter's frames mapped
// to cells.
func (s *session) panicFailure(p yaegi.Panic, cid string) *kernel.ExecError {
	ename := "Panic"
	val := fmt.Sprint(p.Value)
	if _, ok := p.Value.(runtime.Error); ok {
		ename = "RuntimeError"
	}
	if strings.HasPrefix(val, "os.Exit(") {
		ename = "Exit"
		val = "the cell called " + val + " (the kernel keeps running)"
	}
	if ename != "Exit" {
		ename, val = goPanic(p.Value, ename, val) // panics.go
	}
	tb := []string{ename + ": " + val}
	frames := s.frames.take()
	if n := len(frames); s.curWrapped && n >= 2 {
		// The outermost frame, at the statement's start, only calls the
		// wrapper of the statement.
		if fc, line, _, loc := matchPos(frames[n-1]); loc != nil && fc == cid && line == s.curLine {
			frames = frames[:n-1]
		}
	}
	if len(frames) > 0 {
		tb = append(tb, "Traceback (innermost first):")
	}
	var first []int
	for i, fr := range frames {
		fc, line, col, loc := matchPos(fr)
		fn := fr[strings.Index(fr, "panic: ")+len("panic: "):]
		fn = strings.TrimSuffix(fn, "(...)")
		if loc == nil || fc == "" {
			tb = append(tb, "  "+fn)
			continue
		}
		if col == 0 {
			col = firstColumn(s.cells[fc].src, line)
		}
		where := "this cell"
		if fc != cid {
			where = s.cellName(fc)
		}
		if fn == "main" || (s.curWrapped && i == len(frames)-1 && fc == cid) {
			fn = "top level"
		} else {
			fn = strings.TrimPrefix(fn, "main.")
		}
		tb = append(tb, fmt.Sprintf("  %s, %s line %d:%d", fn, where, line, col))
		tb = append(tb, cell.Quote(s.cells[fc].src, line, col)...)
		if first == nil && fc == cid {
			first = []int{line, col}
		}
	}
	if val == "nil type" {
		val = hint(val, s.cells[cid].src)
	}
	if first == nil && s.curLine > 0 {
		first = []int{s.curLine, s.curCol}
		tb = append(tb, fmt.Sprintf("  top level, this cell line %d:%d", s.curLine, s.curCol))
		tb = append(tb, cell.Quote(s.cells[cid].src, s.curLine, s.curCol)...)
	}
	ev := val
	if first != nil {
		ev = fmt.Sprintf("%d:%d: %s", first[0], first[1], val)
	}
	return kernel.NewExecError(ename, ev, tb...)
}

// firstColumn is the column of the first non-blank character of line in
// src (1 for a blank or missing line): where a frame without a column is
// shown.
func firstColumn(src string, line int) int {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}
