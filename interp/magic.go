package interp

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/gopherprop/gopherprop/display"
	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/gopherprop/gopherprop/kernel"
)

// helpText is shown by %help; help.txt is its source.
//
//go:embed help.txt
var helpText string

// magic handles magics and ?-help. It reports whether msg was handled.
func (w *worker) magic(ctx context.Context, msg *message, reply *message) bool {
	code := strings.TrimSpace(msg.Code)
	if code == "" {
		return false
	}
	// Pager help: ?name or name?
	if name, ok := helpRequest(code); ok {
		text := w.sess.describe(name, 1)
		if text == "" {
			reply.Err = kernel.NewExecError("NameError", fmt.Sprintf("no documentation found for %s", name))
			return true
		}
		reply.Payload = []map[string]any{{"source": "page", "data": map[string]any{"text/plain": text}, "start": 0}}
		return true
	}
	if !strings.HasPrefix(code, "%") {
		return false
	}
	if strings.HasPrefix(code, "%%") {
		first, rest, _ := strings.Cut(strings.TrimLeft(msg.Code, " \t\n"), "\n")
		switch strings.TrimSpace(first) {
		case "%%time":
			w.timed(ctx, msg, reply, rest)
		default:
			if strings.HasPrefix(first, "%%compile") && (len(strings.TrimSpace(first)) == len("%%compile") || first[len("%%compile")] == ' ' || first[len("%%compile")] == '\t') {
				w.compileCell(ctx, msg, reply, first, rest)
				return true
			}
			magicError(reply, fmt.Sprintf("unknown cell magic %s (try %%help)", strings.Fields(first)[0]))
		}
		return true
	}
	line, rest, _ := strings.Cut(code, "\n")
	if strings.TrimSpace(rest) != "" && !strings.HasPrefix(line, "%time") {
		magicError(reply, "a line magic must be alone in its cell")
		return true
	}
	fields := strings.Fields(line)
	arg := strings.TrimSpace(strings.TrimPrefix(code, fields[0]))
	switch fields[0] {
	case "%help":
		os.Stdout.WriteString(helpText)
	case "%reset":
		sess, err := newSession(cellStdout, os.Stderr)
		if err != nil {
			magicError(reply, err.Error())
			return true
		}
		w.sess = sess
		display.SetPublisher(w)
		runtime.GC()
		fmt.Fprintln(os.Stdout, "state reset: all variables, functions, types and imports are gone")
	case "%time":
		if arg == "" {
			magicError(reply, "usage: %time STATEMENT (or %%time on the first line of a cell)")
			return true
		}
		w.timed(ctx, msg, reply, arg)
	case "%who":
		fmt.Fprint(os.Stdout, w.sess.who())
	case "%env":
		w.env(arg, reply)
	case "%go":
		w.goMagic(ctx, arg, reply)
	case "%version":
		fmt.Fprint(os.Stdout, versionText())
	default:
		magicError(reply, fmt.Sprintf("unknown magic %s (try %%help)", fields[0]))
	}
	return true
}

func magicError(reply *message, text string) {
	reply.Err = kernel.NewExecError("MagicError", text)
}

// helpRequest recognises "?name", "name?" and "name??".
func helpRequest(code string) (string, bool) {
	if strings.Contains(code, "\n") {
		return "", false
	}
	name := ""
	switch {
	case strings.HasPrefix(code, "?"):
		name = strings.TrimLeft(code, "?")
	case strings.HasSuffix(code, "?"):
		name = strings.TrimRight(code, "?")
	default:
		return "", false
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", false
	}
	for _, r := range name {
		if !isIdentRune(r) && r != '.' {
			return "", false
		}
	}
	return name, true
}

// timed runs code and prints the wall time (and the result as usual).
func (w *worker) timed(ctx context.Context, msg *message, reply *message, code string) {
	sub := *msg
	sub.Code = code
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	res, fail := w.sess.run(ctx, code, msg.Count)
	el := time.Since(t0)
	runtime.ReadMemStats(&m1)
	fmt.Fprintf(os.Stdout, "Wall time: %s (allocated %s)\n", fmtDuration(el), fmtBytes(m1.TotalAlloc-m0.TotalAlloc))
	if fail != nil {
		reply.Err = fail
		return
	}
	if res.hasValue && !msg.Silent {
		reply.Data, reply.Metadata = resultBundle(res)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

func fmtBytes(n uint64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// who lists user-defined names.
func (s *session) who() string {
	var lines []string
	for name, v := range s.globals() {
		if _, decl := s.decls[name]; decl || strings.HasPrefix(name, "__gp") || strings.HasPrefix(name, "_") {
			continue
		}
		t := "?"
		if v.IsValid() {
			t = v.Type().String()
		}
		lines = append(lines, fmt.Sprintf("%-16s var   %s", name, t))
	}
	for name, rec := range s.decls {
		kind := rec.kind.String()
		if strings.Contains(name, ".") {
			kind = "method"
		}
		lines = append(lines, fmt.Sprintf("%-16s %-5s (%s)", name, kind, s.cellName(rec.cid)))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "no names defined yet\n"
	}
	return strings.Join(lines, "\n") + "\n"
}

// env implements %env: list, show or set environment variables. Setting
// updates both the process and the interpreter's environment.
func (w *worker) env(arg string, reply *message) {
	if arg == "" {
		env := os.Environ()
		sort.Strings(env)
		for _, e := range env {
			fmt.Fprintln(os.Stdout, e)
		}
		return
	}
	if name, val, ok := strings.Cut(arg, "="); ok {
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if name == "" {
			magicError(reply, "usage: %env NAME=VALUE")
			return
		}
		os.Setenv(name, val)
		w.sess.setenv(name, val)
		fmt.Fprintf(os.Stdout, "env: %s=%s\n", name, val)
		return
	}
	v, ok := os.LookupEnv(arg)
	if !ok {
		magicError(reply, fmt.Sprintf("environment variable %s is not set", arg))
		return
	}
	fmt.Fprintln(os.Stdout, v)
}

// setenv sets an environment variable inside the interpreter, whose os
// package keeps its own copy of the environment.
func (s *session) setenv(name, val string) {
	for _, syms := range s.in.Symbols("os") {
		if fn, ok := syms["Setenv"]; ok && fn.Kind() == reflect.Func {
			fn.Call([]reflect.Value{reflect.ValueOf(name), reflect.ValueOf(val)})
		}
	}
}

// versionText describes the versions in use.
func versionText() string {
	main := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		main = bi.Main.Version
	}
	return fmt.Sprintf("gopherprop %s\nGo %s %s/%s\nyaegi %s with gopherprop's patches (interpreted language: Go 1.21, standard library symbols: Go 1.22)\n",
		main, runtime.Version(), runtime.GOOS, runtime.GOARCH, yaegi.Base)
}
