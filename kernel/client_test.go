package kernel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/kernel/internal/fakeeval"
)

// testKey is the HMAC key of the in-process test kernels.
const testKey = "0f1e2d3c-test-key"

// msg is a decoded message as the test client sees it.
type msg struct {
	Header   kernel.Header
	Parent   kernel.Header
	Content  map[string]any
	Metadata map[string]any
	Buffers  [][]byte
	Idents   [][]byte
}

// client is an in-process Jupyter client speaking to a kernel over zmq4.
type client struct {
	t       testing.TB
	k       *kernel.Kernel
	ev      *fakeeval.Eval
	signer  *kernel.Signer
	session string
	ctx     context.Context
	cancel  context.CancelFunc

	shell, control, stdin, iopub, hb zmq4.Socket

	iopubMsgs chan msg
	shellMsgs chan msg
	ctrlMsgs  chan msg
	stdinMsgs chan msg
	logs      *logBuffer
	served    chan error
}

// logBuffer collects kernel log lines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startKernel starts an in-process kernel with a fake evaluator on free
// ports and connects a client to it, waiting until IOPub works.
func startKernel(t testing.TB, opts kernel.Options) *client {
	t.Helper()
	info := kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: testKey, SignatureScheme: "hmac-sha256"}
	return startKernelOn(t, info, opts)
}

// startKernelOn is startKernel with an explicit connection (e.g. ipc).
func startKernelOn(t testing.TB, info kernel.ConnectionInfo, opts kernel.Options) *client {
	t.Helper()
	logs := &logBuffer{}
	opts.Logger = log.New(logs, "", 0)
	ev := fakeeval.New()
	k, err := kernel.New(info, ev, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{
		t: t, k: k, ev: ev, signer: kernel.NewSigner([]byte(testKey)), session: "client-session",
		iopubMsgs: make(chan msg, 100000), shellMsgs: make(chan msg, 1000),
		ctrlMsgs: make(chan msg, 1000), stdinMsgs: make(chan msg, 100),
		logs: logs, served: make(chan error, 1),
	}
	go func() { c.served <- k.Serve() }()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	id := zmq4.WithID(zmq4.SocketIdentity("test-client"))
	quiet := zmq4.WithLogger(log.New(io.Discard, "", 0))
	ci := k.Info()
	c.shell = zmq4.NewDealer(c.ctx, id, quiet)
	c.control = zmq4.NewDealer(c.ctx, id, quiet)
	c.stdin = zmq4.NewDealer(c.ctx, id, quiet)
	c.iopub = zmq4.NewSub(c.ctx, quiet)
	c.hb = zmq4.NewReq(c.ctx, quiet)
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, ci.ShellPort}, {c.control, ci.ControlPort}, {c.stdin, ci.StdinPort}, {c.iopub, ci.IOPubPort}, {c.hb, ci.HBPort}} {
		if err := d.s.Dial(ci.Endpoint(d.port)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	go c.recvLoop(c.shell, c.shellMsgs)
	go c.recvLoop(c.control, c.ctrlMsgs)
	go c.recvLoop(c.stdin, c.stdinMsgs)
	go c.recvLoop(c.iopub, c.iopubMsgs)
	t.Cleanup(c.close)
	c.waitReady()
	return c
}

func (c *client) close() {
	c.k.Close()
	c.cancel()
	for _, s := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
		s.Close()
	}
}

func (c *client) recvLoop(s zmq4.Socket, ch chan msg) {
	for {
		zm, err := s.Recv()
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		m, err := kernel.DecodeFrames(zm.Frames, c.signer)
		if err != nil {
			c.t.Errorf("client received a bad message: %v", err)
			continue
		}
		var out msg
		out.Header = m.Header
		out.Idents = m.Identities
		out.Buffers = m.Buffers
		_ = json.Unmarshal(m.Metadata, &out.Metadata)
		if err := json.Unmarshal(m.Parent, &out.Parent); err != nil {
			c.t.Errorf("bad parent header: %v", err)
		}
		if err := json.Unmarshal(m.Content, &out.Content); err != nil {
			c.t.Errorf("bad content: %v", err)
		}
		if out.Header.Version != kernel.ProtocolVersion || out.Header.Date == "" || out.Header.Session != c.k.Session() {
			c.t.Errorf("bad header %+v", out.Header)
		}
		ch <- out
	}
}

// rawSend signs and sends a message of msgType on s and returns its id.
func (c *client) rawSend(s zmq4.Socket, msgType string, content any, signer *kernel.Signer) string {
	m := &kernel.Message{Header: kernel.NewHeader(msgType, c.session, "tester")}
	b, err := json.Marshal(content)
	if err != nil {
		c.t.Fatal(err)
	}
	m.Content = b
	frames, err := kernel.EncodeFrames(m, signer)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
	return m.Header.MsgID
}

func (c *client) send(s zmq4.Socket, msgType string, content any) string {
	return c.rawSend(s, msgType, content, c.signer)
}

// waitReady sends kernel_info_request until a reply and an IOPub message
// arrive (the PUB/SUB slow-joiner dance jupyter_client does).
func (c *client) waitReady() {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		got := false
		timeout := time.After(100 * time.Millisecond)
	loop:
		for {
			select {
			case m := <-c.shellMsgs:
				if m.Parent.MsgID == id {
					got = true
				}
			case m := <-c.iopubMsgs:
				if got && m.Parent.MsgID == id && m.Content["execution_state"] == "idle" {
					c.drain(50 * time.Millisecond)
					return
				}
			case <-timeout:
				break loop
			}
		}
	}
	c.t.Fatal("kernel never became ready")
}

// drain discards messages until d passes with none arriving.
func (c *client) drain(d time.Duration) {
	for {
		select {
		case <-c.iopubMsgs:
		case <-c.shellMsgs:
		case <-c.ctrlMsgs:
		case <-time.After(d):
			return
		}
	}
}

// reply waits for the reply to id on ch.
func (c *client) reply(ch chan msg, id string) msg {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-ch:
			if m.Parent.MsgID == id {
				return m
			}
			c.t.Logf("skipping unrelated reply %s", m.Header.MsgType)
		case <-timeout:
			c.t.Fatalf("no reply to %s; kernel log:\n%s", id, c.logs.String())
		}
	}
}

// iopubUntilIdle collects IOPub messages whose parent is id, from busy to
// idle inclusive.
func (c *client) iopubUntilIdle(id string) []msg {
	c.t.Helper()
	var out []msg
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.iopubMsgs:
			if m.Parent.MsgID != id {
				continue
			}
			out = append(out, m)
			if m.Header.MsgType == "status" && m.Content["execution_state"] == "idle" {
				return out
			}
		case <-timeout:
			c.t.Fatalf("no idle for %s; got %d messages; kernel log:\n%s", id, len(out), c.logs.String())
		}
	}
}

// execute runs code and returns the reply and the IOPub messages between
// busy and idle (exclusive).
func (c *client) execute(code string, extra map[string]any) (msg, []msg) {
	c.t.Helper()
	content := map[string]any{"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true}
	for k, v := range extra {
		content[k] = v
	}
	id := c.send(c.shell, "execute_request", content)
	r := c.reply(c.shellMsgs, id)
	io := c.iopubUntilIdle(id)
	checkBusyIdle(c.t, io)
	return r, io[1 : len(io)-1]
}

// request sends a request on shell and returns its reply, checking that
// it was wrapped in busy/idle.
func (c *client) request(msgType string, content map[string]any) msg {
	c.t.Helper()
	id := c.send(c.shell, msgType, content)
	r := c.reply(c.shellMsgs, id)
	checkBusyIdle(c.t, c.iopubUntilIdle(id))
	return r
}

func checkBusyIdle(t testing.TB, io []msg) {
	t.Helper()
	if len(io) < 2 || io[0].Header.MsgType != "status" || io[0].Content["execution_state"] != "busy" {
		t.Fatalf("first IOPub message is not busy: %v", types(io))
	}
	for _, m := range io[1 : len(io)-1] {
		if m.Header.MsgType == "status" {
			t.Fatalf("status inside busy/idle: %v", types(io))
		}
	}
}

func types(ms []msg) []string {
	var s []string
	for _, m := range ms {
		t := m.Header.MsgType
		if t == "stream" {
			t += ":" + fmt.Sprint(m.Content["name"])
		}
		s = append(s, t)
	}
	return s
}
