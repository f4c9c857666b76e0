// Package fakeeval is a tiny line-oriented evaluator used to test the
// kernel's protocol handling without the Go interpreter. It understands a
// few Go-looking statements (enough for jupyter_kernel_test's samples) and
// some test commands:
//
//	fmt.Println("text")            stdout "text\n"
//	os.Stderr.WriteString("text")  stderr "text"
//	panic("msg")                   error Panic: msg
//	display.HTML("<b>x</b>")        display_data text/html
//	display.Clear(false)           clear_output
//	x := 3 / var x = 3             define x (integer expression)
//	1+2, x*2, "a"+"b"               final line: execute_result
//	?name, name?                   pager payload
//	printn N                       N lines "line i" to stdout
//	mixed N                        N alternating stdout/stderr lines
//	display MIME TEXT / show ID TEXT / update ID TEXT
//	block, for {}                  wait until interrupted
//	input PROMPT / password PROMPT read from stdin, print "got: VALUE"
//	bigwrite N                     one write of N "é" characters
//	splitrune                      "café\n" written in two halves of "é"
//	import ...                     ignored
//
// It also takes part in comms: see Comm.
package fakeeval

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

// Eval is the fake evaluator. It is safe for use by one kernel.
type Eval struct {
	mu       sync.Mutex
	vars     map[string]int
	Restarts int // number of Restart calls
	Closed   bool
	language kernel.LanguageInfo
	comms    map[string]string
}

// New returns an empty fake evaluator. Its language has the name and file
// extension of Go, whose statements it imitates (and which
// jupyter_kernel_test checks); SetLanguage changes it.
func New() *Eval {
	return &Eval{vars: map[string]int{}, language: kernel.LanguageInfo{Name: "go", Version: "fake", FileExtension: ".go"}}
}

// SetLanguage sets what LanguageInfo reports.
func (e *Eval) SetLanguage(l kernel.LanguageInfo) {
	e.mu.Lock()
	e.language = l
	e.mu.Unlock()
}

// LanguageInfo implements kernel.Evaluator.
func (e *Eval) LanguageInfo() kernel.LanguageInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.language
}

var docs = map[string]string{
	"fmt.Println":  "func Println(a ...any) (n int, err error)\n\nPrintln formats using the default formats and writes to standard output.",
	"fmt.Printf":   "func Printf(format string, a ...any) (n int, err error)",
	"fmt.Print":    "func Print(a ...any) (n int, err error)",
	"fmt.Sprint":   "func Sprint(a ...any) string",
	"fmt.Sprintf":  "func Sprintf(format string, a ...any) string",
	"fmt.Sprintln": "func Sprintln(a ...any) string",
	"display.HTML": "func HTML(s string) Data",
}

// Execute implements kernel.Evaluator.
func (e *Eval) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, *kernel.ExecError) {
	var res kernel.ExecuteResult
	lines := strings.Split(strings.TrimSpace(req.Code), "\n")
	for i, raw := range lines {
		line := strings.TrimSpace(raw)
		last := i == len(lines)-1
		if line == "" || strings.HasPrefix(line, "import") || strings.HasPrefix(line, "//") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, interrupted()
		}
		switch {
		case strings.HasPrefix(line, "?") || strings.HasSuffix(line, "?"):
			name := strings.Trim(line, "?")
			doc, ok := docs[name]
			if !ok {
				doc = "no documentation for " + name
			}
			res.Payload = append(res.Payload, map[string]any{"source": "page", "data": map[string]any{"text/plain": doc}, "start": 0})
		case strings.HasPrefix(line, "fmt.Println("):
			s, err := strArg(line, "fmt.Println(")
			if err != nil {
				return res, compileErr(i, err)
			}
			out.Stream("stdout", s+"\n")
		case strings.HasPrefix(line, "os.Stderr.WriteString("):
			s, err := strArg(line, "os.Stderr.WriteString(")
			if err != nil {
				return res, compileErr(i, err)
			}
			out.Stream("stderr", s)
		case strings.HasPrefix(line, "panic("):
			s, err := strArg(line, "panic(")
			if err != nil {
				return res, compileErr(i, err)
			}
			return res, &kernel.ExecError{Name: "Panic", Value: s, Traceback: []string{"panic: " + s, fmt.Sprintf("\tcell line %d", i+1)}}
		case strings.HasPrefix(line, "display.HTML("):
			s, err := strArg(line, "display.HTML(")
			if err != nil {
				return res, compileErr(i, err)
			}
			out.Display(kernel.DisplayData{Data: map[string]any{"text/html": s, "text/plain": "HTML"}})
		case strings.HasPrefix(line, "display.Clear("):
			out.ClearOutput(strings.Contains(line, "true"))
		case strings.HasPrefix(line, "printn "):
			n, _ := strconv.Atoi(strings.TrimSpace(line[len("printn "):]))
			for j := 0; j < n; j++ {
				out.Stream("stdout", fmt.Sprintf("line %d\n", j))
			}
		case strings.HasPrefix(line, "mixed "):
			n, _ := strconv.Atoi(strings.TrimSpace(line[len("mixed "):]))
			for j := 0; j < n; j++ {
				name := "stdout"
				if j%2 == 1 {
					name = "stderr"
				}
				out.Stream(name, fmt.Sprintf("%s %d\n", name, j))
			}
		case strings.HasPrefix(line, "sleepms "):
			n, _ := strconv.Atoi(strings.TrimSpace(line[len("sleepms "):]))
			select {
			case <-ctx.Done():
				return res, interrupted()
			case <-time.After(time.Duration(n) * time.Millisecond):
			}
		case strings.HasPrefix(line, "display "):
			f := strings.SplitN(line, " ", 3)
			if len(f) < 3 {
				return res, compileErr(i, fmt.Errorf("usage: display MIME TEXT"))
			}
			out.Display(kernel.DisplayData{Data: map[string]any{f[1]: f[2], "text/plain": f[2]}})
		case strings.HasPrefix(line, "show ") || strings.HasPrefix(line, "update "):
			f := strings.SplitN(line, " ", 3)
			if len(f) < 3 {
				return res, compileErr(i, fmt.Errorf("usage: show|update ID TEXT"))
			}
			out.Display(kernel.DisplayData{Data: map[string]any{"text/plain": f[2]}, DisplayID: f[1], Update: f[0] == "update"})
		case line == "block" || line == "for {}":
			<-ctx.Done()
			return res, interrupted()
		case line == "splitrune":
			// A character split across two writes with a pause between.
			out.Stream("stdout", "caf\xc3")
			time.Sleep(150 * time.Millisecond)
			out.Stream("stdout", "\xa9\n")
		case strings.HasPrefix(line, "bigwrite "):
			n, _ := strconv.Atoi(strings.TrimSpace(line[len("bigwrite "):]))
			out.Stream("stdout", strings.Repeat("é", n))
		case line == "crash":
			panic("fake evaluator crash")
		case strings.HasPrefix(line, "input ") || strings.HasPrefix(line, "password "):
			f := strings.SplitN(line, " ", 2)
			v, err := out.Input(f[1], f[0] == "password")
			if err != nil {
				return res, &kernel.ExecError{Name: "InputError", Value: err.Error(), Traceback: []string{err.Error()}}
			}
			out.Stream("stdout", "got: "+v+"\n")
		default:
			if name, expr, ok := assignment(line); ok {
				v, err := e.eval(expr)
				if err != nil {
					return res, compileErr(i, err)
				}
				e.mu.Lock()
				e.vars[name] = v
				e.mu.Unlock()
				continue
			}
			if s, ok := stringConcat(line); ok {
				if last {
					res.Data = map[string]any{"text/plain": strconv.Quote(s)}
				}
				continue
			}
			v, err := e.eval(line)
			if err != nil {
				return res, compileErr(i, err)
			}
			if last {
				res.Data = map[string]any{"text/plain": strconv.Itoa(v)}
			}
		}
	}
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = map[string]any{}
		for name, expr := range req.UserExpressions {
			v, err := e.eval(expr)
			if err != nil {
				res.UserExpressions[name] = map[string]any{"status": "error", "ename": "CompileError", "evalue": err.Error(), "traceback": []string{err.Error()}}
				continue
			}
			res.UserExpressions[name] = map[string]any{"status": "ok", "data": map[string]any{"text/plain": strconv.Itoa(v)}, "metadata": map[string]any{}}
		}
	}
	return res, nil
}

func interrupted() *kernel.ExecError {
	return &kernel.ExecError{Name: "Interrupted", Value: "execution interrupted", Traceback: []string{"Interrupted: execution interrupted"}}
}

func compileErr(line int, err error) *kernel.ExecError {
	msg := fmt.Sprintf("%d: %v", line+1, err)
	return &kernel.ExecError{Name: "CompileError", Value: msg, Traceback: []string{"CompileError: " + msg}}
}

func strArg(line, prefix string) (string, error) {
	rest := strings.TrimSuffix(strings.TrimPrefix(line, prefix), ")")
	s, err := strconv.Unquote(strings.TrimSpace(rest))
	if err != nil {
		return "", fmt.Errorf("want a string literal in %s", line)
	}
	return s, nil
}

func assignment(line string) (name, expr string, ok bool) {
	if strings.HasPrefix(line, "var ") {
		l, r, found := strings.Cut(line[4:], "=")
		return strings.TrimSpace(l), strings.TrimSpace(r), found
	}
	l, r, found := strings.Cut(line, ":=")
	return strings.TrimSpace(l), strings.TrimSpace(r), found
}

func stringConcat(line string) (string, bool) {
	if !strings.HasPrefix(line, `"`) {
		return "", false
	}
	var sb strings.Builder
	for _, part := range strings.Split(line, "+") {
		s, err := strconv.Unquote(strings.TrimSpace(part))
		if err != nil {
			return "", false
		}
		sb.WriteString(s)
	}
	return sb.String(), true
}

// eval evaluates sums and products of integers and variables.
func (e *Eval) eval(expr string) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	total := 0
	for _, term := range strings.Split(expr, "+") {
		prod := 1
		for _, f := range strings.Split(term, "*") {
			f = strings.TrimSpace(f)
			if n, err := strconv.Atoi(f); err == nil {
				prod *= n
				continue
			}
			v, ok := e.vars[f]
			if !ok {
				return 0, fmt.Errorf("undefined: %s", f)
			}
			prod *= v
		}
		total += prod
	}
	return total, nil
}

var completions = []string{"fmt.Print", "fmt.Printf", "fmt.Println", "fmt.Sprint", "fmt.Sprintf", "fmt.Sprintln", "display.HTML", "display.Clear"}

// Complete implements kernel.Evaluator like interp does: it completes the
// identifier before the cursor (after the dot for "pkg.Name"), from a fixed
// list and the defined variables; matches are bare names.
func (e *Eval) Complete(code string, cursorPos int) kernel.Completion {
	rs := []rune(code)
	wstart := cursorPos
	for wstart > 0 && (isWord(rs[wstart-1]) || rs[wstart-1] == '.') {
		wstart--
	}
	word := string(rs[wstart:cursorPos])
	start := cursorPos
	for start > 0 && isWord(rs[start-1]) {
		start--
	}
	var m []string
	e.mu.Lock()
	cands := append([]string(nil), completions...)
	for v := range e.vars {
		cands = append(cands, v)
	}
	e.mu.Unlock()
	for _, c := range cands {
		if word != "" && strings.HasPrefix(c, word) {
			m = append(m, c[strings.LastIndex(c, ".")+1:])
		}
	}
	return kernel.Completion{Matches: m, CursorStart: start, CursorEnd: cursorPos}
}

func isWord(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127
}

// Inspect implements kernel.Evaluator.
func (e *Eval) Inspect(code string, cursorPos int, detailLevel int) kernel.Inspection {
	rs := []rune(code)
	start, end := cursorPos, cursorPos
	for start > 0 && (isWord(rs[start-1]) || rs[start-1] == '.') {
		start--
	}
	for end < len(rs) && (isWord(rs[end]) || rs[end] == '.') {
		end++
	}
	doc, ok := docs[string(rs[start:end])]
	if !ok {
		return kernel.Inspection{}
	}
	return kernel.Inspection{Found: true, Data: map[string]any{"text/plain": doc}}
}

// IsComplete implements kernel.Evaluator by balancing brackets.
func (e *Eval) IsComplete(code string) (status, indent string) {
	depth := 0
	for _, r := range code {
		switch r {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return "invalid", ""
			}
		}
	}
	if depth > 0 {
		return "incomplete", strings.Repeat("\t", depth)
	}
	return "complete", ""
}

// Restart implements kernel.Evaluator.
func (e *Eval) Restart() error {
	e.mu.Lock()
	e.vars = map[string]int{}
	e.comms = nil
	e.Restarts++
	e.mu.Unlock()
	return nil
}

// Close implements kernel.Evaluator.
func (e *Eval) Close() error {
	e.mu.Lock()
	e.Closed = true
	e.mu.Unlock()
	return nil
}

// Comm implements kernel.CommEvaluator with one comm target, "echo": a
// comm_open to it is recorded; each comm_msg on it is answered with a
// comm_msg carrying the same data and buffers, after the stdout line
// "comm ID"; a comm_msg whose data holds "fail" fails with a CommError;
// "block" waits until interrupted. A comm_open to any other target is
// answered with comm_close.
func (e *Eval) Comm(ctx context.Context, m kernel.CommMessage, out kernel.Output) *kernel.ExecError {
	co, _ := out.(kernel.CommOutput)
	e.mu.Lock()
	if e.comms == nil {
		e.comms = map[string]string{}
	}
	_, open := e.comms[m.CommID]
	switch {
	case m.Type == "comm_open" && m.TargetName == "echo":
		e.comms[m.CommID] = m.TargetName
		e.mu.Unlock()
		return nil
	case m.Type == "comm_close":
		delete(e.comms, m.CommID)
		e.mu.Unlock()
		return nil
	}
	e.mu.Unlock()
	switch {
	case m.Type == "comm_open":
		if co != nil {
			co.Comm(kernel.CommMessage{Type: "comm_close", CommID: m.CommID})
		}
	case !open:
		return kernel.NewExecError("CommError", "no comm "+m.CommID)
	case m.Data["fail"] != nil:
		return kernel.NewExecError("CommError", fmt.Sprint(m.Data["fail"]))
	case m.Data["block"] != nil:
		<-ctx.Done()
		return kernel.NewExecError("Interrupted", "comm handler interrupted")
	default:
		out.Stream("stdout", "comm "+m.CommID+"\n")
		if co != nil {
			co.Comm(kernel.CommMessage{Type: "comm_msg", CommID: m.CommID, Data: m.Data, Buffers: m.Buffers})
		}
	}
	return nil
}

// CommInfo implements kernel.CommEvaluator.
func (e *Eval) CommInfo() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := map[string]string{}
	for id, t := range e.comms {
		r[id] = t
	}
	return r
}
