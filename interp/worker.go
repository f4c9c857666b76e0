package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/display"
	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/widget"
)

// Worker process limits.
const (
	// maxStack bounds a goroutine's stack so runaway recursion dies in a
	// fraction of a second instead of seconds.
	maxStack = 64 << 20
	// exitOOM is the worker's exit status when the memory watchdog fires.
	exitOOM = 86
	// envMemLimit names the environment variable holding the worker's
	// memory limit in bytes.
	envMemLimit = "GOPHERPROP_WORKER_MEMORY_LIMIT"
)

// worker is the state of the worker process.
type worker struct {
	out  *msgWriter
	sess *session

	markerN atomic.Uint64

	mu      sync.Mutex
	cancel  context.CancelFunc
	ctx     context.Context
	busy    bool
	inputCh chan *inputMsg
}

// WorkerMain runs the evaluation worker: the hidden `gopherprop worker`
// subcommand started by Evaluator. It expects its control pipes on fds 3
// (requests) and 4 (events); stdout and stderr are the cell's output. It
// returns the process exit status.
func WorkerMain(args []string) int {
	in := os.NewFile(3, "gopherprop-control")
	out := os.NewFile(4, "gopherprop-events")
	if in == nil || out == nil {
		fmt.Fprintln(os.Stderr, "gopherprop worker: control pipes (fds 3 and 4) are missing; this command is started by the kernel, not by hand")
		return 2
	}
	if _, err := in.Stat(); err != nil {
		fmt.Fprintln(os.Stderr, "gopherprop worker: control pipes (fds 3 and 4) are missing; this command is started by the kernel, not by hand")
		return 2
	}
	debug.SetMaxStack(maxStack)
	// yaegi logs internal errors such as "nil type" through the standard
	// logger before returning them as errors: keep them off the user's
	// stderr, pass other log output through.
	log.SetOutput(logFilter{os.Stderr})
	if lim, err := strconv.ParseInt(os.Getenv(envMemLimit), 10, 64); err == nil && lim > 0 {
		debug.SetMemoryLimit(lim * 8 / 10)
		go memoryWatchdog(uint64(lim))
	}
	keepGCHeadroom(gcHeadroom)
	w := &worker{out: &msgWriter{w: out}, inputCh: make(chan *inputMsg, 1)}
	sess, err := newSession(cellStdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopherprop worker:", err)
		return 1
	}
	w.sess = sess
	display.SetPublisher(w)
	widget.SetPrintRedirect(cellStdout.swap)
	widget.SetPanicFormatter(func(v any) (string, string, []string) {
		f := w.panicError(v)
		return f.Name, f.Value, f.Traceback
	})
	if err := w.out.send(&message{Type: "ready"}); err != nil {
		return 1
	}
	r := newMsgReader(in)
	for {
		msg, err := r.recv()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0
			}
			fmt.Fprintln(os.Stderr, "gopherprop worker:", err)
			return 1
		}
		w.handle(msg)
	}
}

// memoryWatchdog ends the process when the heap exceeds limit: a clear exit
// instead of the machine's OOM killer.
func memoryWatchdog(limit uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		time.Sleep(50 * time.Millisecond)
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 {
			continue
		}
		if used := samples[0].Value.Uint64(); used > limit {
			fmt.Fprintf(os.Stderr, "\ngopherprop: out of memory: the heap reached %d MiB, above the worker's limit of %d MiB\n", used>>20, limit>>20)
			os.Exit(exitOOM)
		}
	}
}

func (w *worker) handle(msg *message) {
	switch msg.Type {
	case "execute", "comm":
		w.mu.Lock()
		if w.busy {
			w.mu.Unlock()
			w.out.send(&message{Type: "result", ID: msg.ID, Err: kernel.NewExecError("Busy", "a cell is still running")})
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.ctx, w.busy = cancel, ctx, true
		w.mu.Unlock()
		go w.execute(ctx, cancel, msg)
	case "interrupt":
		w.mu.Lock()
		if w.cancel != nil {
			w.cancel()
		}
		w.mu.Unlock()
	case "input_reply":
		select {
		case w.inputCh <- msg.Input:
		default:
		}
	case "complete":
		c := kernel.Completion{CursorStart: msg.Cursor, CursorEnd: msg.Cursor, Metadata: map[string]any{}}
		if w.idle() {
			c = w.sess.complete(msg.Code, msg.Cursor)
		}
		w.out.send(&message{Type: "complete_reply", ID: msg.ID, Completion: &c})
	case "inspect":
		var ins kernel.Inspection
		if w.idle() {
			ins = w.sess.inspect(msg.Code, msg.Cursor, msg.Detail)
		}
		w.out.send(&message{Type: "inspect_reply", ID: msg.ID, Inspection: &ins})
	case "stats":
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.out.send(&message{Type: "stats_reply", ID: msg.ID, Stats: &workerStats{HeapAlloc: ms.HeapAlloc, Goroutines: runtime.NumGoroutine()}})
	case "ping":
		w.out.send(&message{Type: "pong", ID: msg.ID})
	}
}

func (w *worker) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.busy
}

// markers writes a fresh marker to stdout and stderr and returns them.
func (w *worker) markers() map[string]uint64 {
	n := w.markerN.Add(1)
	os.Stdout.WriteString(marker(n))
	os.Stderr.WriteString(marker(n))
	return map[string]uint64{"stdout": n, "stderr": n}
}

func (w *worker) execute(ctx context.Context, cancel context.CancelFunc, msg *message) {
	reply := &message{Type: "result", ID: msg.ID}
	defer func() {
		if r := recover(); r != nil {
			reply = &message{Type: "result", ID: msg.ID, Err: kernel.NewExecError("InternalError",
				fmt.Sprintf("gopherprop front-end failure: %v", r),
				fmt.Sprintf("InternalError: gopherprop front-end failure: %v (please report this cell)", r), string(debug.Stack()))}
		}
		if ctx.Err() != nil && compilerStarted() {
			// Interrupted: the interpreter returns at once, but a call into
			// a compiled cell that does not poll ad.CheckInterrupt keeps
			// running. Reply only when it is done; if it never is, the
			// Evaluator's grace period ends the worker and says that
			// variables were lost.
			for compiledRunning() {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if ctx.Err() == nil {
			// Finished normally: remove the hook. After an interrupt the
			// cancelled context stays installed until the next cell, so
			// compiled work still running notices it.
			ad.SetContext(context.Background())
		}
		cancel()
		w.mu.Lock()
		w.busy, w.cancel = false, nil
		w.mu.Unlock()
		// Drop a stale input reply.
		select {
		case <-w.inputCh:
		default:
		}
		reply.Markers = w.markers()
		w.out.send(reply)
	}()
	ad.SetContext(ctx)
	w.run(ctx, msg, reply)
}

// run executes a cell (or magic) and fills reply.
func (w *worker) run(ctx context.Context, msg *message, reply *message) {
	if msg.Type == "comm" {
		reply.Err = w.comm(ctx, msg.Comm)
		return
	}
	if handled := w.magic(ctx, msg, reply); handled {
		return
	}
	res, fail := w.sess.run(ctx, msg.Code, msg.Count)
	if fail != nil {
		reply.Err = fail
		return
	}
	if res.hasValue && !msg.Silent {
		reply.Data, reply.Metadata = resultBundle(res)
	}
	if len(msg.UserExpressions) > 0 {
		reply.UserValues = map[string]any{}
		for name, expr := range msg.UserExpressions {
			reply.UserValues[name] = w.userExpression(ctx, expr)
		}
	}
}

// comm hands a comm message from the front end to package widget, which
// runs the widget's callbacks. It goes through the interpreter so that an
// interrupt stops interpreted callbacks as it stops a cell.
func (w *worker) comm(ctx context.Context, cm *kernel.CommMessage) *kernel.ExecError {
	if cm == nil {
		return nil
	}
	pendingComm = display.Message{Type: cm.Type, CommID: cm.CommID, Target: cm.TargetName,
		Data: cm.Data, Metadata: cm.Metadata, Buffers: cm.Buffers}
	w.sess.frames.reset()
	w.sess.curLine, w.sess.curCol, w.sess.curWrapped = 0, 0, false
	v, err := w.sess.eval(ctx, rtName+".Comm()")
	if err != nil {
		return w.sess.failure(ctx, err, "")
	}
	if !v.IsValid() || v.IsNil() {
		return nil
	}
	cerr, _ := v.Interface().(error)
	var p *widget.CallbackPanic
	if errors.As(cerr, &p) {
		return w.panicError(p.Value)
	}
	if cerr != nil {
		return kernel.NewExecError("WidgetError", cerr.Error())
	}
	return nil
}

// panicError formats a panic in a widget callback as a cell's panic.
func (w *worker) panicError(v any) *kernel.ExecError {
	if ie, ok := v.(error); ok && errors.Is(ie, ad.ErrInterrupted) {
		return kernel.NewExecError("Interrupted", "the widget callback was interrupted (state is kept)")
	}
	f := w.sess.panicFailure(yaegi.Panic{Value: v}, "")
	f.Traceback = append(f.Traceback, "  (in a widget callback)")
	return f
}

// userExpression evaluates one user expression into a reply dict.
func (w *worker) userExpression(ctx context.Context, expr string) map[string]any {
	res, fail := w.sess.run(ctx, expr, 0)
	if fail != nil {
		return map[string]any{"status": "error", "ename": fail.Name, "evalue": fail.Value, "traceback": fail.Traceback}
	}
	data, md := map[string]any{"text/plain": ""}, map[string]any{}
	if res.hasValue {
		data, md = resultBundle(res)
		if data == nil {
			data = map[string]any{"text/plain": ""}
		}
	}
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{"status": "ok", "data": data, "metadata": md}
}

// resultBundle returns the MIME bundle of a cell's result: the one rendered
// inside the interpreter when available, else one rendered from the value.
func resultBundle(res cellResult) (data, md map[string]any) {
	if res.bundle != nil {
		data, _ = res.bundle["data"].(map[string]any)
		md, _ = res.bundle["metadata"].(map[string]any)
		if res.text != "" && data != nil {
			data["text/plain"] = res.text
		}
		return data, md
	}
	data, md = display.BundleValue(res.value)
	if res.text != "" && data != nil {
		data["text/plain"] = res.text
	}
	return data, md
}

// Publish implements display.Publisher: it forwards a display message to
// the parent after a stdout marker, so it is shown after the text printed
// before it.
func (w *worker) Publish(m display.Message) {
	n := w.markerN.Add(1)
	os.Stdout.WriteString(marker(n))
	w.out.send(&message{Type: "display", Markers: map[string]uint64{"stdout": n},
		Display: &m})
}

// Input implements display.Publisher by asking the parent, which asks the
// front end.
func (w *worker) Input(prompt string, password bool) (string, error) {
	n := w.markerN.Add(1)
	os.Stdout.WriteString(marker(n))
	if err := w.out.send(&message{Type: "input_request", Markers: map[string]uint64{"stdout": n}, Input: &inputMsg{Prompt: prompt, Password: password}}); err != nil {
		return "", err
	}
	w.mu.Lock()
	ctx := w.ctx
	w.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	var r *inputMsg
	select {
	case r = <-w.inputCh:
	case <-ctx.Done():
		return "", errors.New("input: the cell was interrupted")
	}
	if r == nil {
		return "", errors.New("input: no reply from the front end")
	}
	if r.Error != "" {
		return "", errors.New(r.Error)
	}
	return r.Value, nil
}

// cellStdout is where interpreted fmt.Print* calls write: the worker's
// stdout, except while package widget redirects it (an Interact's function
// prints into its output area).
var cellStdout = &switchWriter{w: os.Stdout}

// switchWriter is an io.Writer whose destination can be swapped.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	return w.Write(p)
}

// swap makes w the destination and returns a function restoring the
// previous one.
func (s *switchWriter) swap(w io.Writer) (restore func()) {
	s.mu.Lock()
	old := s.w
	s.w = w
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.w = old
		s.mu.Unlock()
	}
}

// logFilter drops the standard logger's lines that yaegi emits for errors
// it also returns.
type logFilter struct{ w io.Writer }

func (f logFilter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	for _, m := range []string{"nil type", "nil reflect type"} {
		if strings.HasSuffix(line, " "+m) {
			return len(p), nil
		}
	}
	return f.w.Write(p)
}
