// Package interp runs Go notebook cells with the yaegi interpreter behind
// the kernel.Evaluator interface.
//
// The interpreter lives in a worker subprocess (the hidden `gopherprop
// worker` command, see WorkerMain) so that a crash in a cell — a panic in a
// goroutine, a stack overflow, concurrent map writes, os.Exit from compiled
// code, running out of memory — ends the cell with an error naming the cause
// instead of killing the kernel; a fresh worker is started at once. The
// worker's stdout and stderr are pipes read by the Evaluator, so everything
// a cell prints, interpreted or compiled, is streamed live.
//
// In front of yaegi sits a cell front-end: a cell may mix imports,
// declarations and statements; re-running cells is safe; redefined
// functions, types and methods are seen by every caller (a redefined type
// gets a fresh hidden name; values created earlier keep the old type);
// errors point at the cell's own lines;
// range over int, min, max, clear and per-iteration loop variables are
// rewritten for the interpreter.
package interp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

// Options configures an Evaluator.
type Options struct {
	// Command is the worker executable. The default is this process's own
	// executable (os.Executable).
	Command string
	// Args are the worker's arguments. The default is ["worker"].
	Args []string
	// Env holds extra KEY=VALUE environment entries for the worker, added
	// to this process's environment.
	Env []string
	// Log receives diagnostics such as worker restarts. The default
	// discards them.
	Log io.Writer
	// MemoryLimit is the worker's heap limit in bytes: above it the worker
	// stops with an "out of memory" error. 0 picks 75% of the memory
	// available (cgroup limit or physical memory); a negative value
	// disables the limit.
	MemoryLimit int64
	// InterruptGrace is how long a cell may take to stop after an
	// interrupt before the worker is killed and restarted. The default is
	// 2 s.
	InterruptGrace time.Duration
}

// Evaluator implements kernel.Evaluator with a yaegi worker process. It is
// safe for use by one dispatcher goroutine plus interrupts through the
// Execute context, as kernel.Evaluator requires.
type Evaluator struct {
	opts   Options
	mu     sync.Mutex // serialises requests; held while a cell runs
	w      *proc
	live   atomic.Pointer[proc] // e.w, readable without mu (Restart, Close)
	nextID int
	closed bool

	commMu sync.Mutex
	comms  map[string]string // open comms of the current worker: id -> target
}

var _ kernel.Evaluator = (*Evaluator)(nil)

// proc is one worker process.
type proc struct {
	cmd     *exec.Cmd
	ctrl    *msgWriter
	ctrlW   *os.File
	events  chan *message
	stdout  *streamReader
	stderr  *streamReader
	exited  chan struct{}
	waitErr error
	// stopped is set when the Evaluator kills the worker on purpose
	// (Restart, Close) while a cell may be running.
	stopped atomic.Bool
}

// New starts a worker and returns an Evaluator using it.
func New(opts Options) (*Evaluator, error) {
	if opts.Command == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("interp: cannot find this executable to start the worker: %w", err)
		}
		opts.Command = exe
	}
	if opts.Args == nil {
		opts.Args = []string{"worker"}
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.InterruptGrace <= 0 {
		opts.InterruptGrace = 2 * time.Second
	}
	if opts.MemoryLimit == 0 {
		opts.MemoryLimit = defaultMemoryLimit()
	}
	e := &Evaluator{opts: opts}
	w, err := e.start()
	if err != nil {
		return nil, err
	}
	e.setWorker(w)
	return e, nil
}

// defaultMemoryLimit returns 75% of the cgroup memory limit or of the
// physical memory, or -1 when neither is known.
func defaultMemoryLimit() int64 {
	var limit int64 = -1
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			limit = n
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && fields[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil && (limit < 0 || kb*1024 < limit) {
					limit = kb * 1024
				}
			}
		}
	}
	if limit <= 0 {
		return -1
	}
	return limit / 4 * 3
}

// start launches a worker and waits until it is ready.
func (e *Evaluator) start() (*proc, error) {
	t0 := time.Now()
	ctrlR, ctrlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.opts.Command, e.opts.Args...)
	cmd.Env = append(os.Environ(), e.opts.Env...)
	if e.opts.MemoryLimit > 0 {
		cmd.Env = append(cmd.Env, envMemLimit+"="+strconv.FormatInt(e.opts.MemoryLimit, 10))
	}
	cmd.Stdin = nil
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.ExtraFiles = []*os.File{ctrlR, evW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{ctrlR, ctrlW, evR, evW, outR, outW, errR, errW} {
			f.Close()
		}
		return nil, fmt.Errorf("interp: starting the worker %s: %w", e.opts.Command, err)
	}
	for _, f := range []*os.File{ctrlR, evW, outW, errW} {
		f.Close()
	}
	p := &proc{
		cmd: cmd, ctrl: &msgWriter{w: ctrlW}, ctrlW: ctrlW,
		events: make(chan *message, 256),
		stdout: newStreamReader("stdout", outR),
		stderr: newStreamReader("stderr", errR),
		exited: make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	go func() {
		r := newMsgReader(evR)
		defer close(p.events)
		defer evR.Close()
		for {
			m, err := r.recv()
			if err != nil {
				return
			}
			p.events <- m
		}
	}()
	select {
	case m, ok := <-p.events:
		if ok && m.Type == "ready" {
			fmt.Fprintf(e.opts.Log, "interp: worker %d ready in %s\n", cmd.Process.Pid, time.Since(t0).Round(time.Millisecond))
			return p, nil
		}
	case <-time.After(30 * time.Second):
	}
	p.kill()
	p.stderr.waitClosed(time.Second)
	return nil, fmt.Errorf("interp: the worker did not start: %s", strings.TrimSpace(p.stderr.tailText()))
}

// kill stops the worker process and waits for it.
func (p *proc) kill() {
	p.stdout.abandon()
	p.stderr.abandon()
	p.ctrlW.Close()
	if p.cmd.Process != nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd.Process.Kill()
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
	}
}

// alive reports whether the worker is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// setWorker records the current worker.
func (e *Evaluator) setWorker(w *proc) {
	e.w = w
	e.live.Store(w)
}

// stopLive kills the current worker without waiting for a running cell,
// which then ends with an error saying why.
func (e *Evaluator) stopLive() {
	if p := e.live.Load(); p != nil {
		p.stopped.Store(true)
		p.kill()
	}
}

// worker returns a running worker, starting one if needed.
func (e *Evaluator) worker() (*proc, error) {
	if e.closed {
		return nil, errors.New("interp: the evaluator is closed")
	}
	if e.w != nil && e.w.alive() {
		return e.w, nil
	}
	if e.w != nil {
		e.w.kill()
	}
	w, err := e.start()
	if err != nil {
		e.setWorker(nil)
		return nil, err
	}
	e.setWorker(w)
	return w, nil
}

// release lets the stream readers go past the markers of m; every message
// carrying markers must be released once handled (or dropped).
func (p *proc) release(m *message) {
	if n, ok := m.Markers["stdout"]; ok {
		p.stdout.release(n)
	}
	if n, ok := m.Markers["stderr"]; ok {
		p.stderr.release(n)
	}
}

// waitMarkers waits until the stream markers of m went by.
func (p *proc) waitMarkers(m *message) {
	if n, ok := m.Markers["stdout"]; ok {
		p.stdout.waitMarker(n, 2*time.Second)
	}
	if n, ok := m.Markers["stderr"]; ok {
		p.stderr.waitMarker(n, 2*time.Second)
	}
}

// Execute runs one cell in the worker. See kernel.Evaluator.
func (e *Evaluator) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, *kernel.ExecError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, xerr := e.run(ctx, &message{Type: "execute", Code: req.Code, Count: req.ExecutionCount,
		Silent: req.Silent, UserExpressions: req.UserExpressions}, out, nil)
	if xerr != nil {
		return kernel.ExecuteResult{}, xerr
	}
	if m.Err != nil {
		return kernel.ExecuteResult{Payload: m.Payload}, m.Err
	}
	return kernel.ExecuteResult{Data: m.Data, Metadata: m.Metadata, Payload: m.Payload, UserExpressions: m.UserValues}, nil
}

// Comm forwards a comm message from the front end to the worker, where
// package widget handles it (running the widget's callbacks), and waits
// until it is handled. See kernel.CommEvaluator.
func (e *Evaluator) Comm(ctx context.Context, cm kernel.CommMessage, out kernel.Output) *kernel.ExecError {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, xerr := e.run(ctx, &message{Type: "comm", Comm: &cm}, out, func() {
		if cm.Type == "comm_close" {
			e.trackComm(cm)
		}
	})
	if xerr != nil {
		return xerr
	}
	return m.Err
}

// run sends msg (given the next request ID) to the worker, started if
// need be, with the worker's stdout and stderr streamed to out, and waits
// for its reply. before, if not nil, runs once the worker is there. e.mu
// is held.
func (e *Evaluator) run(ctx context.Context, msg *message, out kernel.Output, before func()) (*message, *kernel.ExecError) {
	p, err := e.worker()
	if err != nil {
		return nil, kernel.NewExecError("WorkerError", err.Error())
	}
	if before != nil {
		before()
	}
	p.stdout.setSink(out.Stream)
	p.stderr.setSink(out.Stream)
	p.stderr.resetTail()
	defer p.stdout.setSink(nil)
	defer p.stderr.setSink(nil)
	e.nextID++
	msg.ID = e.nextID
	if err := p.ctrl.send(msg); err != nil {
		return nil, e.crashed(p, out)
	}
	return e.await(ctx, p, msg.ID, out)
}

// CommInfo returns the comms the worker has open. See
// kernel.CommEvaluator.
func (e *Evaluator) CommInfo() map[string]string {
	e.commMu.Lock()
	defer e.commMu.Unlock()
	r := make(map[string]string, len(e.comms))
	for id, t := range e.comms {
		r[id] = t
	}
	return r
}

// trackComm records comms opened and closed.
func (e *Evaluator) trackComm(cm kernel.CommMessage) {
	e.commMu.Lock()
	defer e.commMu.Unlock()
	switch cm.Type {
	case "comm_open":
		if e.comms == nil {
			e.comms = map[string]string{}
		}
		e.comms[cm.CommID] = cm.TargetName
	case "comm_close":
		delete(e.comms, cm.CommID)
	}
}

// forgetComms drops the comms of a worker that is gone and, when out can
// send comm messages, tells the front end that they are closed.
func (e *Evaluator) forgetComms(out kernel.Output) {
	e.commMu.Lock()
	old := e.comms
	e.comms = nil
	e.commMu.Unlock()
	if co, ok := out.(kernel.CommOutput); ok {
		for id := range old {
			co.Comm(kernel.CommMessage{Type: "comm_close", CommID: id})
		}
	}
}

// await handles the worker's events for request id until its result
// arrives, forwarding output to out, and returns the result message; the
// error is set when the worker crashed or had to be restarted.
func (e *Evaluator) await(ctx context.Context, p *proc, id int, out kernel.Output) (*message, *kernel.ExecError) {
	done := ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case m, ok := <-p.events:
			if !ok {
				return nil, e.crashed(p, out)
			}
			switch m.Type {
			case "display":
				p.waitMarkers(m)
				if d := m.Display; d != nil && d.IsComm() {
					cm := kernel.CommMessage{Type: d.Type, CommID: d.CommID, TargetName: d.Target,
						Data: d.Data, Metadata: d.Metadata, Buffers: d.Buffers}
					e.trackComm(cm)
					if co, ok := out.(kernel.CommOutput); ok {
						co.Comm(cm)
					}
				} else if d != nil {
					if d.Type == "clear_output" {
						out.ClearOutput(d.Wait)
					} else {
						out.Display(kernel.DisplayData{Data: d.Data, Metadata: d.Metadata, DisplayID: d.DisplayID, Update: d.Type == "update_display_data"})
					}
				}
				p.release(m)
			case "input_request":
				p.waitMarkers(m)
				p.release(m)
				in := m.Input
				go func() {
					v, err := out.Input(in.Prompt, in.Password)
					r := &inputMsg{Value: v}
					if err != nil {
						r.Error = err.Error()
					}
					p.ctrl.send(&message{Type: "input_reply", Input: r})
				}()
			case "result":
				if m.ID != id {
					p.release(m)
					continue
				}
				p.waitMarkers(m)
				p.release(m)
				return m, nil
			default:
				p.release(m)
			}
		case <-done:
			done = nil
			p.ctrl.send(&message{Type: "interrupt"})
			grace = time.After(e.opts.InterruptGrace)
		case <-grace:
			fmt.Fprintf(e.opts.Log, "interp: worker did not stop within %s of an interrupt; restarting it\n", e.opts.InterruptGrace)
			p.kill()
			p.stdout.waitClosed(time.Second)
			p.stderr.waitClosed(time.Second)
			_, serr := e.worker()
			msg := fmt.Sprintf("the cell did not stop within %s of the interrupt (compiled code that does not poll for interrupts?), so the worker was restarted: all variables, functions and types are lost", e.opts.InterruptGrace)
			if serr != nil {
				msg += "; restarting failed: " + serr.Error()
			}
			e.forgetComms(out)
			return nil, kernel.NewExecError("Interrupted", msg)
		case <-p.exited:
			return nil, e.crashed(p, out)
		}
	}
}

// crashed reports a worker that died during a cell and starts a new one.
func (e *Evaluator) crashed(p *proc, out kernel.Output) *kernel.ExecError {
	if p.stopped.Load() {
		msg := "the evaluator was restarted or shut down while this cell was running; its state is lost"
		return kernel.NewExecError("Interrupted", msg)
	}
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
		p.kill()
	}
	p.stdout.waitClosed(time.Second)
	p.stderr.waitClosed(time.Second)
	text := p.stderr.tailText()
	if head := p.stderr.headText(); !strings.HasPrefix(text, head) {
		text = head + "\n…\n" + text
	}
	cause, detail := crashCause(p.waitErr, text)
	e.forgetComms(out)
	t0 := time.Now()
	_, err := e.worker()
	restart := fmt.Sprintf("a fresh worker was started in %s; all variables, functions and types are lost — re-run the cells you need", time.Since(t0).Round(time.Millisecond))
	if err != nil {
		restart = "starting a fresh worker failed: " + err.Error()
	}
	fmt.Fprintf(e.opts.Log, "interp: worker crashed: %s\n", cause)
	tb := []string{"WorkerCrash: " + cause, "The Go interpreter process died while running this cell; " + restart + "."}
	if detail != "" {
		tb = append(tb, "Last lines of the worker's stderr:")
		for _, l := range strings.Split(detail, "\n") {
			tb = append(tb, "  "+l)
		}
	}
	return kernel.NewExecError("WorkerCrash", cause+" (state lost: "+restart+")", tb...)
}

var crashLineRe = regexp.MustCompile(`(?m)^(panic: .*|fatal error: .*|runtime: goroutine stack exceeds .*|gopherprop: out of memory.*)$`)

// crashCause explains why the worker died, from its exit status and the end
// of its stderr; detail is a short excerpt of stderr.
func crashCause(waitErr error, tail string) (cause, detail string) {
	status := -1
	sig := ""
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				sig = ws.Signal().String()
			} else {
				status = ws.ExitStatus()
			}
		}
	} else if waitErr == nil {
		status = 0
	}
	first := crashLineRe.FindStringIndex(tail)
	if first != nil {
		lines := strings.Split(tail[first[0]:], "\n")
		if len(lines) > 12 {
			lines = lines[:12]
		}
		detail = strings.TrimSpace(strings.Join(lines, "\n"))
	} else {
		lines := strings.Split(strings.TrimSpace(tail), "\n")
		if len(lines) > 8 {
			lines = lines[len(lines)-8:]
		}
		detail = strings.TrimSpace(strings.Join(lines, "\n"))
	}
	switch {
	case status == exitOOM || strings.Contains(tail, "gopherprop: out of memory"):
		return "out of memory: the cell allocated more than the worker's memory limit", detail
	case strings.Contains(tail, "fatal error: runtime: out of memory"):
		return "out of memory", detail
	case strings.Contains(tail, "stack overflow") || strings.Contains(tail, "goroutine stack exceeds"):
		return "stack overflow (unbounded recursion?)", detail
	case strings.Contains(tail, "concurrent map"):
		m := regexp.MustCompile(`fatal error: (concurrent map[^\n]*)`).FindStringSubmatch(tail)
		what := "concurrent map writes"
		if m != nil {
			what = m[1]
		}
		return what + " (a data race between goroutines: protect the map with a sync.Mutex)", detail
	case strings.Contains(tail, "panic: "):
		m := regexp.MustCompile(`panic: ([^\n]*)`).FindStringSubmatch(tail)
		return "panic in a goroutine started by the cell: " + m[1] + " (a panic outside the cell's own goroutine cannot be recovered; use recover() inside the goroutine)", detail
	case sig != "":
		if sig == "killed" {
			return "the worker was killed (signal: killed) — most likely by the system for using too much memory", detail
		}
		return "the worker died from signal " + sig, detail
	case status >= 0:
		return fmt.Sprintf("the worker exited with status %d (the cell or a library called os.Exit / syscall.Exit)", status), detail
	}
	return "the worker died", detail
}

// request sends a request and waits for the reply of type want.
func (e *Evaluator) request(m *message, want string) *message {
	p, err := e.worker()
	if err != nil {
		return nil
	}
	e.nextID++
	m.ID = e.nextID
	if err := p.ctrl.send(m); err != nil {
		return nil
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-p.events:
			if !ok {
				return nil
			}
			if r.Type == want && r.ID == m.ID {
				return r
			}
			p.release(r)
		case <-timeout:
			return nil
		case <-p.exited:
			return nil
		}
	}
}

// Complete returns completions at cursorPos (code points). See
// kernel.Evaluator.
func (e *Evaluator) Complete(code string, cursorPos int) kernel.Completion {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.request(&message{Type: "complete", Code: code, Cursor: cursorPos}, "complete_reply")
	if r == nil || r.Completion == nil {
		return kernel.Completion{Matches: []string{}, CursorStart: cursorPos, CursorEnd: cursorPos, Metadata: map[string]any{}}
	}
	return *r.Completion
}

// Inspect returns documentation for the name at cursorPos. See
// kernel.Evaluator.
func (e *Evaluator) Inspect(code string, cursorPos int, detailLevel int) kernel.Inspection {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.request(&message{Type: "inspect", Code: code, Cursor: cursorPos, Detail: detailLevel}, "inspect_reply")
	if r == nil || r.Inspection == nil {
		return kernel.Inspection{Data: map[string]any{}, Metadata: map[string]any{}}
	}
	return *r.Inspection
}

// IsComplete reports whether code is ready to run. See kernel.Evaluator.
func (e *Evaluator) IsComplete(code string) (status, indent string) {
	return isComplete(code)
}

// Restart discards all state by starting a fresh worker. A cell running at
// the time ends with an error. The comms (widgets) of the old worker are
// forgotten.
func (e *Evaluator) Restart() error {
	e.stopLive()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.forgetComms(nil)
	if e.w != nil {
		e.w.kill()
		e.setWorker(nil)
	}
	_, err := e.worker()
	return err
}

// Close stops the worker, ending a running cell with an error.
func (e *Evaluator) Close() error {
	e.stopLive()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.w != nil {
		e.w.kill()
		e.setWorker(nil)
	}
	return nil
}
