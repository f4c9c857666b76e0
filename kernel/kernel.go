package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// HelpLink is one entry of kernel_info_reply's help_links.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Options configure a Kernel. The zero value is usable.
type Options struct {
	// Logger receives protocol log lines (dropped messages, send
	// failures). Nil means log to standard error.
	Logger *log.Logger
	// Implementation and ImplementationVersion name the kernel in
	// kernel_info_reply. Defaults: "gopherprop" and "0.0.0".
	Implementation        string
	ImplementationVersion string
	// Banner is shown by consoles at start-up. Default: the
	// implementation, its version, and the evaluator's language and
	// language version.
	Banner string
	// HelpLinks are listed in the front end's help menu.
	HelpLinks []HelpLink
	// IOPubHWM bounds the PUB socket's queue (messages; beyond it zmq4
	// drops them); default 1000, libzmq's default. Stream messages are at
	// most 64 KiB.
	IOPubHWM int
	// HandleSignals makes the kernel treat SIGINT as an interrupt and
	// SIGTERM as a shutdown request. Use it in the kernel process only.
	HandleSignals bool
	// InProcessRestart makes shutdown_request{restart:true} call
	// Evaluator.Restart and keep serving (history is kept). When false,
	// the kernel exits on every shutdown_request, which is what
	// jupyter_client expects: it waits for the process to end and then
	// starts a new one.
	InProcessRestart bool
	// SubscriberWait is how long, after New, the first IOPub messages are
	// held back until a front end has subscribed (PUB/SUB drops messages
	// sent before the subscription arrives). Default 2 s; negative
	// disables the wait.
	SubscriberWait time.Duration
	// StreamFlushInterval is how long stream text is coalesced before it
	// is sent; default 30 ms.
	StreamFlushInterval time.Duration
}

// restartTimeout bounds how long an in-process restart waits for the
// running cell to stop.
const restartTimeout = 10 * time.Second

// Kernel serves the Jupyter protocol for one Evaluator.
type Kernel struct {
	info   ConnectionInfo
	ev     Evaluator
	opts   Options
	signer *Signer
	logger *log.Logger

	session  string
	username string

	shell, control, stdin, iopub *channel
	hbSock                       zmq4.Socket
	sockets                      []zmq4.Socket

	ctx    context.Context
	cancel context.CancelFunc

	shellQueue chan *Message
	jobs       chan func() // run on the dispatcher goroutine before shell messages

	execMu     sync.Mutex
	execCancel context.CancelFunc // cancels the running cell; nil when idle
	execCount  int                // only touched by the dispatcher
	history    *History

	inputMu   sync.Mutex
	inputWait chan *Message // receives input_reply while a cell waits for input

	exiting  atomic.Bool // a shutdown reply was sent; finish after idle
	doneOnce sync.Once
	done     chan struct{}
	exitErr  error
}

// New binds the five sockets described by info and returns a Kernel ready
// to Serve. A port of 0 in a tcp connection picks a free port; Info reports
// the ports actually bound.
func New(info ConnectionInfo, ev Evaluator, opts Options) (*Kernel, error) {
	if ev == nil {
		return nil, errors.New("kernel: nil Evaluator")
	}
	if err := info.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = log.New(os.Stderr, "gopherprop kernel: ", log.LstdFlags|log.Lmicroseconds)
	}
	if opts.Implementation == "" {
		opts.Implementation = "gopherprop"
	}
	if opts.ImplementationVersion == "" {
		opts.ImplementationVersion = "0.0.0"
	}
	if opts.IOPubHWM <= 0 {
		opts.IOPubHWM = 1000
	}
	if opts.SubscriberWait == 0 {
		opts.SubscriberWait = 2 * time.Second
	}
	if opts.StreamFlushInterval <= 0 {
		opts.StreamFlushInterval = 30 * time.Millisecond
	}
	k := &Kernel{
		info:       info,
		ev:         ev,
		opts:       opts,
		signer:     NewSigner([]byte(info.Key)),
		logger:     opts.Logger,
		session:    newUUID(),
		username:   "kernel",
		shellQueue: make(chan *Message, 256),
		jobs:       make(chan func(), 4),
		history:    NewHistory(),
		done:       make(chan struct{}),
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	zlog := log.New(io.Discard, "", 0)
	rt := zmq4.WithTimeout(10 * time.Second)
	mk := func(name string, s zmq4.Socket, port *int) (*channel, error) {
		k.sockets = append(k.sockets, s)
		c, p, err := newChannel(k, name, s, info.Endpoint(*port))
		if err != nil {
			return nil, err
		}
		if *port == 0 {
			*port = p
		}
		return c, nil
	}
	var err error
	fail := func(err error) (*Kernel, error) {
		k.cancel()
		for _, s := range k.sockets {
			s.Close()
		}
		return nil, err
	}
	if k.shell, err = mk("shell", zmq4.NewRouter(k.ctx, rt, zmq4.WithLogger(zlog)), &k.info.ShellPort); err != nil {
		return fail(err)
	}
	if k.control, err = mk("control", zmq4.NewRouter(k.ctx, rt, zmq4.WithLogger(zlog)), &k.info.ControlPort); err != nil {
		return fail(err)
	}
	if k.stdin, err = mk("stdin", zmq4.NewRouter(k.ctx, rt, zmq4.WithLogger(zlog)), &k.info.StdinPort); err != nil {
		return fail(err)
	}
	pub := zmq4.NewPub(k.ctx, zmq4.WithLogger(zlog))
	if err := pub.SetOption(zmq4.OptionHWM, opts.IOPubHWM); err != nil {
		return fail(fmt.Errorf("kernel: setting iopub high-water mark: %w", err))
	}
	if k.iopub, err = mk("iopub", pub, &k.info.IOPubPort); err != nil {
		return fail(err)
	}
	k.iopub.subscriberDeadline = time.Now().Add(opts.SubscriberWait)
	k.hbSock = zmq4.NewRep(k.ctx, zmq4.WithLogger(zlog))
	k.sockets = append(k.sockets, k.hbSock)
	if err := k.hbSock.Listen(info.Endpoint(k.info.HBPort)); err != nil {
		return fail(fmt.Errorf("kernel: heartbeat socket: %w", err))
	}
	if a, ok := k.hbSock.Addr().(*net.TCPAddr); ok && k.info.HBPort == 0 {
		k.info.HBPort = a.Port
	}
	return k, nil
}

// Info returns the connection information with the ports actually bound.
func (k *Kernel) Info() ConnectionInfo { return k.info }

// Session returns the kernel's session id, sent in every message header.
func (k *Kernel) Session() string { return k.session }

// Run reads the connection file, serves the protocol with ev until a
// shutdown request (or SIGTERM with opts.HandleSignals) and returns. The
// caller should then exit the process.
func Run(connFile string, ev Evaluator, opts Options) error {
	info, err := ReadConnectionFile(connFile)
	if err != nil {
		return err
	}
	k, err := New(info, ev, opts)
	if err != nil {
		return err
	}
	return k.Serve()
}

// Serve publishes status "starting" and handles requests until the kernel
// is shut down. It returns after the shutdown reply has been sent.
func (k *Kernel) Serve() error {
	go heartbeat(k.ctx, k, k.hbSock)
	go k.shell.reader(k.ctx, k.enqueueShell)
	go k.control.reader(k.ctx, k.handleControl)
	go k.stdin.reader(k.ctx, k.handleStdin)
	if k.opts.HandleSignals {
		k.handleSignals()
	}
	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	go k.dispatch()
	<-k.done
	k.iopub.flush(time.Second)
	k.control.flush(time.Second)
	k.shell.flush(time.Second)
	// Give zmq4's PUB goroutine a moment to write the final idle.
	time.Sleep(20 * time.Millisecond)
	return k.exitErr
}

// Close stops the kernel's goroutines and closes its sockets. It is meant
// for tests; a kernel process should simply exit after Serve returns.
func (k *Kernel) Close() error {
	k.finish(nil)
	k.cancel()
	var first error
	for _, s := range k.sockets {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (k *Kernel) finish(err error) {
	k.doneOnce.Do(func() {
		k.exitErr = err
		close(k.done)
	})
}

// finishIfExiting ends Serve once a shutdown reply and its idle status
// have been queued.
func (k *Kernel) finishIfExiting() {
	if k.exiting.Load() {
		k.finish(nil)
	}
}

func (k *Kernel) logf(format string, args ...any) {
	k.logger.Printf(format, args...)
}

func (k *Kernel) handleSignals() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-k.ctx.Done():
				signal.Stop(ch)
				return
			case s := <-ch:
				if s == os.Interrupt {
					k.logf("SIGINT: interrupting the running cell")
					k.interrupt()
				} else {
					k.logf("SIGTERM: shutting down")
					k.interrupt()
					k.finish(nil)
				}
			}
		}
	}()
}

// interrupt cancels the running cell, if any.
func (k *Kernel) interrupt() {
	k.execMu.Lock()
	if k.execCancel != nil {
		k.execCancel()
	}
	k.execMu.Unlock()
}

// ---- sending ----

// newMessage builds a message of msgType whose parent is parent (may be nil).
func (k *Kernel) newMessage(parent *Message, msgType string, content any) *Message {
	m := &Message{Header: NewHeader(msgType, k.session, k.username)}
	if parent != nil {
		m.Parent = parent.RawHeader
		m.Identities = parent.Identities
	}
	b, err := json.Marshal(content)
	if err != nil {
		k.logf("cannot encode %s content: %v", msgType, err)
		b, _ = json.Marshal(map[string]any{
			"status": "error", "ename": "EncodingError",
			"evalue":    fmt.Sprintf("gopherprop could not encode %s: %v", msgType, err),
			"traceback": []string{},
		})
	}
	m.Content = b
	return m
}

// frames encodes m, logging (and returning nil) on failure.
func (k *Kernel) frames(m *Message) [][]byte {
	f, err := EncodeFrames(m, k.signer)
	if err != nil {
		k.logf("cannot encode %s: %v", m.Header.MsgType, err)
		return nil
	}
	return f
}

// publish sends an IOPub message whose parent is parent.
func (k *Kernel) publish(parent *Message, msgType string, content any) {
	m := k.newMessage(parent, msgType, content)
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	if f := k.frames(m); f != nil {
		k.iopub.send(f)
	}
}

// reply sends a reply to req on channel c.
func (k *Kernel) reply(c *channel, req *Message, msgType string, content any) {
	m := k.newMessage(req, msgType, content)
	if f := k.frames(m); f != nil {
		c.send(f)
	}
}

func (k *Kernel) status(parent *Message, state string) {
	k.publish(parent, "status", map[string]any{"execution_state": state})
}

// errorContent is the content of an error reply.
func errorContent(ename, evalue string) map[string]any {
	return map[string]any{"status": "error", "ename": ename, "evalue": evalue, "traceback": []string{}}
}

// ---- dispatch ----

func (k *Kernel) enqueueShell(m *Message) {
	select {
	case k.shellQueue <- m:
	case <-k.ctx.Done():
	}
}

// dispatch handles shell requests one at a time: busy, handler, idle.
func (k *Kernel) dispatch() {
	for {
		// Jobs (in-process restarts) take priority over queued requests.
		select {
		case j := <-k.jobs:
			j()
			continue
		default:
		}
		select {
		case <-k.ctx.Done():
			return
		case <-k.done:
			return
		case j := <-k.jobs:
			j()
		case m := <-k.shellQueue:
			k.handleShell(m)
		}
	}
}

// busyIdle runs handle for the request m between status busy and idle, the
// rule every request on shell and control follows; a panic in handle is
// logged, not fatal, and idle is still sent.
func (k *Kernel) busyIdle(m *Message, handle func()) {
	k.status(m, "busy")
	defer k.finishIfExiting()
	defer k.status(m, "idle")
	defer func() {
		if r := recover(); r != nil {
			k.logf("internal error handling %s: %v\n%s", m.Header.MsgType, r, debug.Stack())
		}
	}()
	handle()
}

func (k *Kernel) handleShell(m *Message) { k.busyIdle(m, func() { k.shellRequest(m) }) }

func (k *Kernel) shellRequest(m *Message) {
	switch t := m.Header.MsgType; t {
	case "execute_request":
		k.handleExecute(m)
	case "kernel_info_request":
		k.reply(k.shell, m, "kernel_info_reply", k.kernelInfo())
	case "complete_request":
		k.handleComplete(m)
	case "inspect_request":
		k.handleInspect(m)
	case "is_complete_request":
		k.handleIsComplete(m)
	case "history_request":
		k.handleHistory(m)
	case "comm_info_request":
		k.handleCommInfo(m)
	case "comm_open", "comm_msg", "comm_close":
		k.handleComm(m)
	case "connect_request":
		k.reply(k.shell, m, "connect_reply", map[string]any{
			"status": "ok", "shell_port": k.info.ShellPort, "iopub_port": k.info.IOPubPort,
			"stdin_port": k.info.StdinPort, "hb_port": k.info.HBPort, "control_port": k.info.ControlPort,
		})
	case "shutdown_request":
		k.handleShutdown(k.shell, m)
	case "interrupt_request":
		k.interrupt()
		k.reply(k.shell, m, "interrupt_reply", map[string]any{"status": "ok"})
	default:
		k.unknown(k.shell, m)
	}
}

// unknown logs an unknown message type and, for requests, sends a benign
// error reply so that clients do not wait forever.
func (k *Kernel) unknown(c *channel, m *Message) {
	t := m.Header.MsgType
	k.logf("%s: unknown message type %q", c.name, t)
	if base, ok := strings.CutSuffix(t, "_request"); ok && base != "" {
		k.reply(c, m, base+"_reply", errorContent("UnknownMessageType",
			fmt.Sprintf("gopherprop does not handle %q on the %s channel", t, c.name)))
	}
}

func (k *Kernel) handleControl(m *Message) { k.busyIdle(m, func() { k.controlRequest(m) }) }

func (k *Kernel) controlRequest(m *Message) {
	switch m.Header.MsgType {
	case "interrupt_request":
		k.interrupt()
		k.reply(k.control, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		k.handleShutdown(k.control, m)
	case "kernel_info_request":
		k.reply(k.control, m, "kernel_info_reply", k.kernelInfo())
	case "gopherprop_stats_request":
		k.reply(k.control, m, "gopherprop_stats_reply", stats())
	default:
		k.unknown(k.control, m)
	}
}

func (k *Kernel) handleStdin(m *Message) {
	if m.Header.MsgType != "input_reply" {
		k.logf("stdin: unexpected %q ignored", m.Header.MsgType)
		return
	}
	k.inputMu.Lock()
	w := k.inputWait
	k.inputMu.Unlock()
	if w == nil {
		k.logf("stdin: input_reply with no pending input_request ignored")
		return
	}
	select {
	case w <- m:
	default:
		k.logf("stdin: duplicate input_reply ignored")
	}
}

// kernelInfo is kernel_info_reply's content; language_info is the
// evaluator's (Evaluator.LanguageInfo).
func (k *Kernel) kernelInfo() map[string]any {
	var lang LanguageInfo
	if err := safely(func() { lang = k.ev.LanguageInfo() }); err != nil {
		k.logf("LanguageInfo: %v", err)
	}
	banner := k.opts.Banner
	if banner == "" {
		banner = strings.TrimSpace(fmt.Sprintf("%s %s: %s %s", k.opts.Implementation, k.opts.ImplementationVersion, lang.Name, lang.Version))
	}
	links := k.opts.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         k.opts.Implementation,
		"implementation_version": k.opts.ImplementationVersion,
		"language_info":          lang.Metadata(),
		"banner":                 banner,
		"help_links":             links,
	}
}

// handleShutdown answers shutdown_request. With InProcessRestart and
// restart:true the evaluator is restarted on the dispatcher goroutine;
// otherwise the kernel finishes and Serve returns.
func (k *Kernel) handleShutdown(c *channel, m *Message) {
	var req struct {
		Restart bool `json:"restart"`
	}
	_ = json.Unmarshal(m.Content, &req)
	k.interrupt()
	content := map[string]any{"status": "ok", "restart": req.Restart}
	if req.Restart && k.opts.InProcessRestart {
		done := make(chan error, 1)
		job := func() { done <- k.restartEvaluator() }
		var err error
		if c == k.shell {
			job() // already on the dispatcher goroutine
			err = <-done
		} else {
			// The dispatcher runs the job once the interrupted cell ends;
			// a cell stuck in uninterruptible code must not hang control.
			timeout := time.After(restartTimeout)
			select {
			case k.jobs <- job:
				select {
				case err = <-done:
				case <-timeout:
					err = errors.New("the running cell did not stop; the evaluator will restart when it ends")
				}
			case <-timeout:
				err = errors.New("the running cell did not stop, so the evaluator was not restarted")
			case <-k.ctx.Done():
				return
			}
		}
		if err != nil {
			content = errorContent("RestartError", err.Error())
			content["restart"] = true
		}
		k.reply(c, m, "shutdown_reply", content)
		return
	}
	k.reply(c, m, "shutdown_reply", content)
	k.exiting.Store(true)
}

// restartEvaluator restarts the evaluator, keeping the history; it runs on
// the dispatcher goroutine.
func (k *Kernel) restartEvaluator() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluator panicked on restart: %v", r)
		}
	}()
	if err := k.ev.Restart(); err != nil {
		return err
	}
	k.execCount = 0
	k.history.NewSession()
	return nil
}

// safely runs f, turning an evaluator panic into an error.
func safely(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluator panicked: %v", r)
		}
	}()
	f()
	return nil
}

// runeLen returns the number of code points in s.
func runeLen(s string) int { return len([]rune(s)) }

func clampCursor(pos *int, code string) int {
	n := runeLen(code)
	if pos == nil || *pos > n {
		return n
	}
	if *pos < 0 {
		return 0
	}
	return *pos
}

func (k *Kernel) handleComplete(m *Message) {
	var req struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(k.shell, m, "complete_reply", errorContent("BadRequest", "complete_request content: "+err.Error()))
		return
	}
	pos := clampCursor(req.CursorPos, req.Code)
	var c Completion
	if err := safely(func() { c = k.ev.Complete(req.Code, pos) }); err != nil {
		k.reply(k.shell, m, "complete_reply", errorContent("CompletionError", err.Error()))
		return
	}
	if c.Matches == nil {
		c.Matches = []string{}
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	if len(c.Matches) == 0 {
		c.CursorStart, c.CursorEnd = pos, pos
	}
	k.reply(k.shell, m, "complete_reply", map[string]any{
		"status": "ok", "matches": c.Matches, "cursor_start": c.CursorStart,
		"cursor_end": c.CursorEnd, "metadata": c.Metadata,
	})
}

func (k *Kernel) handleInspect(m *Message) {
	var req struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(k.shell, m, "inspect_reply", errorContent("BadRequest", "inspect_request content: "+err.Error()))
		return
	}
	pos := clampCursor(req.CursorPos, req.Code)
	var in Inspection
	if err := safely(func() { in = k.ev.Inspect(req.Code, pos, req.DetailLevel) }); err != nil {
		k.reply(k.shell, m, "inspect_reply", errorContent("InspectionError", err.Error()))
		return
	}
	if in.Data == nil || !in.Found {
		in.Data = map[string]any{}
	}
	if in.Metadata == nil {
		in.Metadata = map[string]any{}
	}
	k.reply(k.shell, m, "inspect_reply", map[string]any{
		"status": "ok", "found": in.Found, "data": in.Data, "metadata": in.Metadata,
	})
}

func (k *Kernel) handleIsComplete(m *Message) {
	var req struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(k.shell, m, "is_complete_reply", map[string]any{"status": "unknown"})
		return
	}
	var status, indent string
	if err := safely(func() { status, indent = k.ev.IsComplete(req.Code) }); err != nil {
		k.logf("is_complete: %v", err)
		status = "unknown"
	}
	switch status {
	case "complete", "invalid", "unknown":
		k.reply(k.shell, m, "is_complete_reply", map[string]any{"status": status})
	case "incomplete":
		k.reply(k.shell, m, "is_complete_reply", map[string]any{"status": status, "indent": indent})
	default:
		k.logf("is_complete: evaluator returned unknown status %q", status)
		k.reply(k.shell, m, "is_complete_reply", map[string]any{"status": "unknown"})
	}
}

func (k *Kernel) handleHistory(m *Message) {
	var req HistoryRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(k.shell, m, "history_reply", errorContent("BadRequest", "history_request content: "+err.Error()))
		return
	}
	h, err := k.history.Query(req)
	if err != nil {
		k.reply(k.shell, m, "history_reply", errorContent("BadRequest", err.Error()))
		return
	}
	k.reply(k.shell, m, "history_reply", map[string]any{"status": "ok", "history": h})
}

// stats answers the gopherprop-specific gopherprop_stats_request (control
// channel), used by the benchmark to watch goroutines and memory.
func stats() map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{
		"status":     "ok",
		"goroutines": runtime.NumGoroutine(),
		"heap_alloc": ms.HeapAlloc,
		"heap_inuse": ms.HeapInuse,
		"sys":        ms.Sys,
		"num_gc":     ms.NumGC,
	}
}
