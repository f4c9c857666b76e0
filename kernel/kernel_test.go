package kernel_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/kernel/internal/fakeeval"
)

// TestKernelInfo checks kernel_info_reply, whose language_info and default
// banner are the evaluator's LanguageInfo, whatever the language.
func TestKernelInfo(t *testing.T) {
	c := startKernel(t, kernel.Options{ImplementationVersion: "9.9"})
	lang := kernel.LanguageInfo{Name: "lisp", Version: "1.5", MIMEType: "text/x-lisp", FileExtension: ".lisp",
		PygmentsLexer: "common-lisp", CodeMirrorMode: "commonlisp"}
	c.ev.SetLanguage(lang)
	for _, ch := range []string{"shell", "control"} {
		t.Run(ch, func(t *testing.T) {
			var r msg
			if ch == "shell" {
				r = c.request("kernel_info_request", map[string]any{})
			} else {
				id := c.send(c.control, "kernel_info_request", map[string]any{})
				r = c.reply(c.ctrlMsgs, id)
			}
			if r.Header.MsgType != "kernel_info_reply" {
				t.Fatalf("got %s", r.Header.MsgType)
			}
			want := map[string]any{"status": "ok", "protocol_version": "5.3", "implementation": "gopherprop", "implementation_version": "9.9"}
			for k, v := range want {
				if r.Content[k] != v {
					t.Errorf("%s = %v, want %v", k, r.Content[k], v)
				}
			}
			li := r.Content["language_info"].(map[string]any)
			want = map[string]any{"name": "lisp", "version": "1.5", "mimetype": "text/x-lisp", "file_extension": ".lisp",
				"pygments_lexer": "common-lisp", "codemirror_mode": "commonlisp"}
			if !reflect.DeepEqual(li, want) {
				t.Errorf("language_info = %v, want %v", li, want)
			}
			if b := r.Content["banner"]; b != "gopherprop 9.9: lisp 1.5" {
				t.Errorf("banner %q, want the implementation and the evaluator's language", b)
			}
		})
	}
}

func TestExecuteResultAndCount(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	for i, tc := range []struct{ code, want string }{{"1+2", "3"}, {`"a"+"b"`, `"ab"`}, {"x := 6\nx*7", "42"}} {
		r, io := c.execute(tc.code, nil)
		if r.Content["status"] != "ok" || r.Content["execution_count"] != float64(i+1) {
			t.Fatalf("%q: reply %v", tc.code, r.Content)
		}
		if got := types(io); strings.Join(got, ",") != "execute_input,execute_result" {
			t.Fatalf("%q: iopub %v", tc.code, got)
		}
		if io[0].Content["code"] != tc.code || io[0].Content["execution_count"] != float64(i+1) {
			t.Errorf("execute_input %v", io[0].Content)
		}
		res := io[1].Content
		if res["data"].(map[string]any)["text/plain"] != tc.want || res["execution_count"] != float64(i+1) {
			t.Errorf("%q: execute_result %v, want %s", tc.code, res, tc.want)
		}
	}
	// A statement gives no execute_result.
	if _, io := c.execute("y := 1", nil); strings.Join(types(io), ",") != "execute_input" {
		t.Errorf("statement produced %v", types(io))
	}
	// silent: no broadcast, no count increment, count still in the reply.
	r, io := c.execute("1+1", map[string]any{"silent": true})
	if len(io) != 0 || r.Content["execution_count"] != float64(4) {
		t.Errorf("silent: iopub %v, reply %v", types(io), r.Content)
	}
	// store_history false: broadcast, but no increment.
	r, io = c.execute("2+2", map[string]any{"store_history": false})
	if r.Content["execution_count"] != float64(4) || len(io) != 2 || io[1].Content["execution_count"] != float64(4) {
		t.Errorf("store_history=false: %v %v", r.Content, types(io))
	}
	r, _ = c.execute("3+3", nil)
	if r.Content["execution_count"] != float64(5) {
		t.Errorf("count after non-stored executes = %v, want 5", r.Content["execution_count"])
	}
}

func TestStreamsKeptApartAndOrdered(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	_, io := c.execute("fmt.Println(\"out1\")\nos.Stderr.WriteString(\"err1\")\nfmt.Println(\"out2\")\ndisplay text/html <i>d</i>\nfmt.Println(\"out3\")\ndisplay.Clear(true)\nfmt.Println(\"out4\")", nil)
	want := "execute_input,stream:stdout,stream:stderr,stream:stdout,display_data,stream:stdout,clear_output,stream:stdout"
	if got := strings.Join(types(io), ","); got != want {
		t.Fatalf("order:\n got %s\nwant %s", got, want)
	}
	texts := []string{"out1\n", "err1", "out2\n", "", "out3\n", "", "out4\n"}
	for i, m := range io[1:] {
		if m.Header.MsgType == "stream" && m.Content["text"] != texts[i] {
			t.Errorf("message %d text %q, want %q", i, m.Content["text"], texts[i])
		}
	}
	if io[6].Content["wait"] != true {
		t.Errorf("clear_output %v", io[6].Content)
	}
}

func TestStreamCoalescing(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	const n = 10000
	_, io := c.execute(fmt.Sprintf("printn %d", n), nil)
	var sb strings.Builder
	streams := 0
	for _, m := range io {
		if m.Header.MsgType == "stream" {
			streams++
			sb.WriteString(m.Content["text"].(string))
		}
	}
	var want strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if sb.String() != want.String() {
		t.Fatalf("coalesced text differs: got %d bytes, want %d", sb.Len(), want.Len())
	}
	if streams > 20 {
		t.Errorf("%d Println calls became %d stream messages, want a handful (<= 20)", n, streams)
	}
	t.Logf("%d lines -> %d stream messages", n, streams)
}

func TestStreamLiveWhileRunning(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "fmt.Println(\"early\")\nsleepms 4000\nfmt.Println(\"late\")", "silent": false})
	// The first line must arrive long before the cell ends.
	timeout := time.After(2 * time.Second)
	for {
		select {
		case m := <-c.iopubMsgs:
			if m.Header.MsgType == "stream" && m.Parent.MsgID == id {
				if m.Content["text"] != "early\n" {
					t.Fatalf("first stream %q", m.Content["text"])
				}
				// Interrupt the rest of the cell rather than wait for it.
				c.reply(c.ctrlMsgs, c.send(c.control, "interrupt_request", map[string]any{}))
				c.reply(c.shellMsgs, id)
				return
			}
		case <-timeout:
			t.Fatal("stream output was not sent while the cell ran")
		}
	}
}

func TestErrorIsOneMessage(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r, io := c.execute(`panic("boom")`, nil)
	if r.Content["status"] != "error" || r.Content["ename"] != "Panic" || r.Content["evalue"] != "boom" {
		t.Fatalf("reply %v", r.Content)
	}
	if _, ok := r.Content["traceback"].([]any); !ok {
		t.Errorf("reply traceback is not an array: %v", r.Content["traceback"])
	}
	if got := strings.Join(types(io), ","); got != "execute_input,error" {
		t.Fatalf("iopub %s", got)
	}
	tb, ok := io[1].Content["traceback"].([]any)
	if !ok || len(tb) == 0 || tb[0] != "panic: boom" {
		t.Errorf("error traceback %v", io[1].Content["traceback"])
	}
	if r.Content["execution_count"] != float64(1) {
		t.Errorf("error reply execution_count %v", r.Content["execution_count"])
	}
}

func TestEvaluatorPanicKeepsKernelAlive(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r, io := c.execute("crash", nil)
	if r.Content["status"] != "error" || r.Content["ename"] != "KernelError" {
		t.Fatalf("reply %v", r.Content)
	}
	if strings.Join(types(io), ",") != "execute_input,error" {
		t.Errorf("iopub %v", types(io))
	}
	if r, _ := c.execute("1+1", nil); r.Content["status"] != "ok" {
		t.Fatalf("kernel not usable after evaluator panic: %v", r.Content)
	}
}

func TestStopOnErrorAbortsQueue(t *testing.T) {
	for _, stop := range []bool{true, false} {
		t.Run(fmt.Sprint("stop_on_error=", stop), func(t *testing.T) {
			c := startKernel(t, kernel.Options{})
			first := c.send(c.shell, "execute_request", map[string]any{"code": "sleepms 300\npanic(\"first\")", "stop_on_error": stop})
			second := c.send(c.shell, "execute_request", map[string]any{"code": "z := 5"})
			info := c.send(c.shell, "kernel_info_request", map[string]any{})
			third := c.send(c.shell, "execute_request", map[string]any{"code": "2+2"})
			if r := c.reply(c.shellMsgs, first); r.Content["status"] != "error" {
				t.Fatalf("first: %v", r.Content)
			}
			r2 := c.reply(c.shellMsgs, second)
			if ri := c.reply(c.shellMsgs, info); ri.Header.MsgType != "kernel_info_reply" {
				t.Fatalf("kernel_info: %v", ri.Header.MsgType)
			}
			r3 := c.reply(c.shellMsgs, third)
			for _, r := range []msg{r2, r3} {
				if stop {
					if r.Content["status"] != "error" || r.Content["ename"] != "ExecutionAborted" {
						t.Errorf("queued request not aborted: %v", r.Content)
					}
					if _, ok := r.Content["traceback"].([]any); !ok {
						t.Errorf("aborted reply without traceback array: %v", r.Content)
					}
				} else if r.Content["status"] != "ok" {
					t.Errorf("queued request not run: %v", r.Content)
				}
			}
			for _, id := range []string{second, third} {
				checkBusyIdle(t, c.iopubUntilIdle(id))
			}
			// The aborted assignment must not have run.
			r, _ := c.execute("z", nil)
			if stop && r.Content["status"] != "error" || !stop && r.Content["status"] != "ok" {
				t.Errorf("z after abort: %v", r.Content)
			}
		})
	}
}

func TestUserExpressions(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r, _ := c.execute("a := 2", map[string]any{"user_expressions": map[string]any{"twice": "a*2", "bad": "nope"}})
	ue := r.Content["user_expressions"].(map[string]any)
	if d := ue["twice"].(map[string]any); d["status"] != "ok" || d["data"].(map[string]any)["text/plain"] != "4" {
		t.Errorf("twice: %v", d)
	}
	if d := ue["bad"].(map[string]any); d["status"] != "error" {
		t.Errorf("bad: %v", d)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r := c.request("complete_request", map[string]any{"code": "x := fmt.Sprin", "cursor_pos": 14})
	m := r.Content["matches"].([]any)
	if r.Content["status"] != "ok" || fmt.Sprint(m) != "[Sprint Sprintf Sprintln]" || r.Content["cursor_start"] != float64(9) || r.Content["cursor_end"] != float64(14) {
		t.Errorf("complete: %v", r.Content)
	}
	// Cursor positions count code points: "é" is one.
	r = c.request("complete_request", map[string]any{"code": "é; fmt.Printl", "cursor_pos": 13})
	if r.Content["cursor_start"] != float64(7) || len(r.Content["matches"].([]any)) != 1 {
		t.Errorf("complete with non-ASCII: %v", r.Content)
	}
	// No matches and an out-of-range cursor still get a valid reply.
	r = c.request("complete_request", map[string]any{"code": "zzz", "cursor_pos": 99})
	if r.Content["status"] != "ok" || len(r.Content["matches"].([]any)) != 0 || r.Content["cursor_start"] != float64(3) {
		t.Errorf("complete no match: %v", r.Content)
	}

	r = c.request("inspect_request", map[string]any{"code": "fmt.Println", "cursor_pos": 5, "detail_level": 0})
	if r.Content["status"] != "ok" || r.Content["found"] != true || !strings.Contains(r.Content["data"].(map[string]any)["text/plain"].(string), "Println") {
		t.Errorf("inspect: %v", r.Content)
	}
	r = c.request("inspect_request", map[string]any{"code": "nothing", "cursor_pos": 3, "detail_level": 1})
	if r.Content["status"] != "ok" || r.Content["found"] != false || len(r.Content["data"].(map[string]any)) != 0 {
		t.Errorf("inspect not found: %v", r.Content)
	}

	for _, tc := range []struct{ code, status, indent string }{
		{"x := 1", "complete", ""}, {"func f() {", "incomplete", "\t"}, {"x := )", "invalid", ""},
	} {
		r := c.request("is_complete_request", map[string]any{"code": tc.code})
		if r.Content["status"] != tc.status {
			t.Errorf("is_complete(%q) = %v, want %s", tc.code, r.Content["status"], tc.status)
		}
		ind, has := r.Content["indent"]
		if tc.status == "incomplete" && ind != tc.indent || tc.status != "incomplete" && has {
			t.Errorf("is_complete(%q) indent %q (present %v)", tc.code, ind, has)
		}
	}
}

func TestHistory(t *testing.T) {
	c := startKernel(t, kernel.Options{InProcessRestart: true})
	for _, code := range []string{"1+2", "x := 1", "1+2", "3*4"} {
		c.execute(code, nil)
	}
	c.execute("5+5", map[string]any{"store_history": false})
	h := func(content map[string]any) []any {
		t.Helper()
		r := c.request("history_request", content)
		if r.Content["status"] != "ok" {
			t.Fatalf("history %v: %v", content, r.Content)
		}
		return r.Content["history"].([]any)
	}
	tail := h(map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true})
	if fmt.Sprint(tail) != "[[1 3 1+2] [1 4 3*4]]" {
		t.Errorf("tail = %v", tail)
	}
	tail = h(map[string]any{"hist_access_type": "tail", "n": 1, "output": true, "raw": true})
	if fmt.Sprint(tail) != "[[1 4 [3*4 12]]]" {
		t.Errorf("tail with output = %v", tail)
	}
	rng := h(map[string]any{"hist_access_type": "range", "session": 1, "start": 2, "stop": 4, "raw": true})
	if fmt.Sprint(rng) != "[[1 2 x := 1] [1 3 1+2]]" {
		t.Errorf("range = %v", rng)
	}
	if s := h(map[string]any{"hist_access_type": "search", "pattern": "1?2"}); len(s) != 2 {
		t.Errorf("search = %v", s)
	}
	if s := h(map[string]any{"hist_access_type": "search", "pattern": "1?2", "unique": true}); fmt.Sprint(s) != "[[1 3 1+2]]" {
		t.Errorf("search unique = %v", s)
	}
	if s := h(map[string]any{"hist_access_type": "search", "pattern": "*", "n": 3}); fmt.Sprint(s) != "[[1 2 x := 1] [1 3 1+2] [1 4 3*4]]" {
		t.Errorf("search n=3 = %v", s)
	}
	r := c.request("history_request", map[string]any{"hist_access_type": "bogus"})
	if r.Content["status"] != "error" {
		t.Errorf("bogus access type: %v", r.Content)
	}

	// Restart in process: state is gone, history stays, a new session starts.
	id := c.send(c.control, "shutdown_request", map[string]any{"restart": true})
	if r := c.reply(c.ctrlMsgs, id); r.Content["status"] != "ok" || r.Content["restart"] != true {
		t.Fatalf("restart reply %v", r.Content)
	}
	if c.ev.Restarts != 1 {
		t.Fatalf("evaluator restarts = %d", c.ev.Restarts)
	}
	if r, _ := c.execute("x", nil); r.Content["status"] != "error" || r.Content["execution_count"] != float64(1) {
		t.Errorf("after restart: %v", r.Content)
	}
	all := h(map[string]any{"hist_access_type": "tail", "n": 10})
	if len(all) != 5 || fmt.Sprint(all[4]) != "[2 1 x]" {
		t.Errorf("history after restart = %v", all)
	}
	if rng := h(map[string]any{"hist_access_type": "range", "session": 0, "start": 1}); fmt.Sprint(rng) != "[[2 1 x]]" {
		t.Errorf("range in current session = %v", rng)
	}
}

func TestComms(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r := c.request("comm_info_request", map[string]any{})
	if r.Content["status"] != "ok" || len(r.Content["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info: %v", r.Content)
	}
	id := c.send(c.shell, "comm_open", map[string]any{"comm_id": "c1", "target_name": "nope", "data": map[string]any{}})
	io := c.iopubUntilIdle(id)
	checkBusyIdle(t, io)
	if got := strings.Join(types(io[1:len(io)-1]), ","); got != "comm_close" || io[1].Content["comm_id"] != "c1" {
		t.Errorf("comm_open to unknown target: %v %v", got, io[1].Content)
	}
	id = c.send(c.shell, "comm_msg", map[string]any{"comm_id": "c1", "data": map[string]any{}})
	checkBusyIdle(t, c.iopubUntilIdle(id))
}

// TestCommForwarding checks the generic comm plumbing with the fake
// evaluator's "echo" target: messages reach the evaluator, its comm
// messages go out on IOPub parented to the request (with buffers), errors
// become error messages, comm_info filters by target, a comm handler can be
// interrupted and a restart forgets the comms.
func TestCommForwarding(t *testing.T) {
	c := startKernel(t, kernel.Options{InProcessRestart: true})
	id := c.send(c.shell, "comm_open", map[string]any{"comm_id": "e1", "target_name": "echo", "data": map[string]any{}})
	checkBusyIdle(t, c.iopubUntilIdle(id))
	comms := func(target string) map[string]any {
		content := map[string]any{}
		if target != "" {
			content["target_name"] = target
		}
		return c.request("comm_info_request", content).Content["comms"].(map[string]any)
	}
	if got := comms("echo"); fmt.Sprint(got) != "map[e1:map[target_name:echo]]" {
		t.Errorf("comm_info(echo) = %v", got)
	}
	if got := comms("other"); len(got) != 0 {
		t.Errorf("comm_info(other) = %v", got)
	}
	// comm_msg with a binary buffer, echoed back.
	m := &kernel.Message{Header: kernel.NewHeader("comm_msg", c.session, "tester"),
		Content: []byte(`{"comm_id":"e1","data":{"method":"update","state":{"x":1}}}`), Buffers: [][]byte{[]byte("bin")}}
	frames, err := kernel.EncodeFrames(m, c.signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.shell.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		t.Fatal(err)
	}
	io := c.iopubUntilIdle(m.Header.MsgID)
	checkBusyIdle(t, io)
	if got := strings.Join(types(io[1:len(io)-1]), ","); got != "stream:stdout,comm_msg" {
		t.Fatalf("iopub for comm_msg: %s", got)
	}
	echo := io[2]
	if echo.Parent.MsgID != m.Header.MsgID || echo.Content["comm_id"] != "e1" || fmt.Sprint(echo.Content["data"]) != "map[method:update state:map[x:1]]" {
		t.Errorf("echo %+v", echo)
	}
	if len(echo.Buffers) != 1 || string(echo.Buffers[0]) != "bin" {
		t.Errorf("echo buffers %q", echo.Buffers)
	}
	// A failing handler: one error message, the kernel carries on.
	id = c.send(c.shell, "comm_msg", map[string]any{"comm_id": "e1", "data": map[string]any{"fail": "bad state"}})
	io = c.iopubUntilIdle(id)
	if got := strings.Join(types(io[1:len(io)-1]), ","); got != "error" || io[1].Content["evalue"] != "bad state" {
		t.Errorf("failing comm handler: %s %v", got, io)
	}
	// Interrupting a slow handler.
	id = c.send(c.shell, "comm_msg", map[string]any{"comm_id": "e1", "data": map[string]any{"block": true}})
	time.Sleep(100 * time.Millisecond)
	ir := c.send(c.control, "interrupt_request", map[string]any{})
	c.reply(c.ctrlMsgs, ir)
	io = c.iopubUntilIdle(id)
	if got := strings.Join(types(io[1:len(io)-1]), ","); got != "error" || io[1].Content["ename"] != "Interrupted" {
		t.Errorf("interrupted comm handler: %s", got)
	}
	// A restart forgets the comms.
	rid := c.send(c.control, "shutdown_request", map[string]any{"restart": true})
	c.reply(c.ctrlMsgs, rid)
	if got := comms(""); len(got) != 0 {
		t.Errorf("comms after restart: %v", got)
	}
}

func TestInterrupt(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "block"})
	time.Sleep(100 * time.Millisecond)
	// Control is answered while the cell runs.
	ki := c.send(c.control, "kernel_info_request", map[string]any{})
	if r := c.reply(c.ctrlMsgs, ki); r.Content["status"] != "ok" {
		t.Fatalf("kernel_info on control during a cell: %v", r.Content)
	}
	ir := c.send(c.control, "interrupt_request", map[string]any{})
	if r := c.reply(c.ctrlMsgs, ir); r.Header.MsgType != "interrupt_reply" || r.Content["status"] != "ok" {
		t.Fatalf("interrupt reply %v %v", r.Header.MsgType, r.Content)
	}
	r := c.reply(c.shellMsgs, id)
	if r.Content["status"] != "error" || r.Content["ename"] != "Interrupted" {
		t.Fatalf("interrupted execute reply %v", r.Content)
	}
	if r, _ := c.execute("1+1", nil); r.Content["status"] != "ok" {
		t.Fatalf("kernel unusable after interrupt: %v", r.Content)
	}
}

func TestShutdown(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.control, "shutdown_request", map[string]any{"restart": true})
	r := c.reply(c.ctrlMsgs, id)
	if r.Content["status"] != "ok" || r.Content["restart"] != true {
		t.Fatalf("shutdown reply %v", r.Content)
	}
	select {
	case err := <-c.served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown_request")
	}
	if got := types(c.iopubUntilIdle(id)); strings.Join(got, ",") != "status,status" {
		t.Errorf("shutdown iopub %v, want busy and idle", got)
	}
	if c.ev.Restarts != 0 {
		t.Errorf("evaluator restarted in process without InProcessRestart")
	}
}

func TestStdin(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "input name:", "allow_stdin": true})
	var req msg
	select {
	case req = <-c.stdinMsgs:
	case <-time.After(5 * time.Second):
		t.Fatal("no input_request")
	}
	if req.Header.MsgType != "input_request" || req.Content["prompt"] != "name:" || req.Content["password"] != false || req.Parent.MsgID != id {
		t.Fatalf("input_request %v %v", req.Header.MsgType, req.Content)
	}
	c.send(c.stdin, "input_reply", map[string]any{"value": "gopher"})
	if r := c.reply(c.shellMsgs, id); r.Content["status"] != "ok" {
		t.Fatalf("reply %v", r.Content)
	}
	io := c.iopubUntilIdle(id)
	found := false
	for _, m := range io {
		if m.Header.MsgType == "stream" && m.Content["text"] == "got: gopher\n" {
			found = true
		}
	}
	if !found {
		t.Errorf("input value not printed: %v", types(io))
	}
	// Without allow_stdin the input fails at once with a clear error.
	r, _ := c.execute("password pw", map[string]any{"allow_stdin": false})
	if r.Content["status"] != "error" || !strings.Contains(r.Content["evalue"].(string), "allow_stdin") {
		t.Errorf("input without stdin: %v", r.Content)
	}
}

func TestPagerAndDisplays(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r, _ := c.execute("?fmt.Println", nil)
	p := r.Content["payload"].([]any)
	if len(p) != 1 || p[0].(map[string]any)["source"] != "page" {
		t.Fatalf("pager payload %v", r.Content)
	}
	_, io := c.execute("show d1 first\nupdate d1 second\ndisplay.HTML(\"<b>x</b>\")", nil)
	if got := strings.Join(types(io), ","); got != "execute_input,display_data,update_display_data,display_data" {
		t.Fatalf("iopub %s", got)
	}
	if io[1].Content["transient"].(map[string]any)["display_id"] != "d1" || io[2].Content["transient"].(map[string]any)["display_id"] != "d1" {
		t.Errorf("display ids: %v / %v", io[1].Content, io[2].Content)
	}
	if io[2].Content["data"].(map[string]any)["text/plain"] != "second" {
		t.Errorf("update content %v", io[2].Content)
	}
	if io[3].Content["data"].(map[string]any)["text/html"] != "<b>x</b>" {
		t.Errorf("html %v", io[3].Content)
	}
}

func TestUnknownMessages(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	r := c.request("frobnicate_request", map[string]any{})
	if r.Header.MsgType != "frobnicate_reply" || r.Content["status"] != "error" || r.Content["ename"] != "UnknownMessageType" {
		t.Errorf("unknown request: %v %v", r.Header.MsgType, r.Content)
	}
	id := c.send(c.shell, "mystery_event", map[string]any{})
	checkBusyIdle(t, c.iopubUntilIdle(id))
	id = c.send(c.control, "debug_request", map[string]any{})
	if r := c.reply(c.ctrlMsgs, id); r.Header.MsgType != "debug_reply" || r.Content["status"] != "error" {
		t.Errorf("debug_request: %v", r.Content)
	}
	if r, _ := c.execute("1+1", nil); r.Content["status"] != "ok" {
		t.Fatal("kernel unusable after unknown messages")
	}
}

func TestBadMessagesDropped(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	run := map[string]any{"code": "pwned := 1", "silent": false}
	sendFrames := func(frames ...[]byte) {
		if err := c.shell.Send(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
	}
	// Unsigned.
	c.rawSend(c.shell, "execute_request", run, kernel.NewSigner(nil))
	// Signed with the wrong key (a replay from another session).
	c.rawSend(c.shell, "execute_request", run, kernel.NewSigner([]byte("wrong key")))
	// Forged: valid signature of other content, content swapped.
	m := &kernel.Message{Header: kernel.NewHeader("execute_request", "s", "u"), Content: []byte(`{"code":"1+1"}`)}
	f, _ := kernel.EncodeFrames(m, c.signer)
	f[len(f)-1] = []byte(`{"code":"pwned := 1"}`)
	sendFrames(f...)
	// Garbled: no delimiter, too few frames, a non-JSON header, binary junk.
	sendFrames([]byte("junk"), []byte{0xff, 0x00})
	sendFrames([]byte("<IDS|MSG>"), []byte("sig"))
	h := []byte("not json")
	sendFrames([]byte("<IDS|MSG>"), c.signer.Sign(h, []byte("{}"), []byte("{}"), []byte("{}")), h, []byte("{}"), []byte("{}"), []byte("{}"))
	h = []byte(`{"msg_type":"execute_request"}`)
	sendFrames([]byte("<IDS|MSG>"), c.signer.Sign(h, []byte("{}"), []byte("{}"), []byte(`{"code":"pwned := 1"}`)), h, []byte("{}"), []byte("{}"), []byte(`{"code":"pwned := 1"}`))
	sendFrames([]byte{})

	// The kernel is alive and none of them ran.
	r, _ := c.execute("pwned", nil)
	if r.Content["status"] != "error" || r.Content["execution_count"] != float64(1) {
		t.Fatalf("a bad message was executed: %v", r.Content)
	}
	logs := c.logs.String()
	for _, want := range []string{"signature does not match", "no <IDS|MSG>", "fewer than 5 frames", "not a JSON object", "no msg_type or msg_id"} {
		if !strings.Contains(logs, want) {
			t.Errorf("kernel log lacks %q:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "signature does not match"); n != 3 {
		t.Errorf("%d signature failures logged, want 3", n)
	}
}

func TestHeartbeat(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	for i := 0; i < 3; i++ {
		ping := fmt.Sprintf("ping %d", i)
		if err := c.hb.Send(zmq4.NewMsgString(ping)); err != nil {
			t.Fatal(err)
		}
		r, err := c.hb.Recv()
		if err != nil || string(r.Bytes()) != ping {
			t.Fatalf("heartbeat echoed %q, %v", r.Bytes(), err)
		}
	}
}

func TestStatsRequest(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.control, "gopherprop_stats_request", map[string]any{})
	r := c.reply(c.ctrlMsgs, id)
	if r.Content["status"] != "ok" || r.Content["goroutines"].(float64) < 5 || r.Content["heap_alloc"].(float64) <= 0 {
		t.Errorf("stats %v", r.Content)
	}
}

func TestIPCTransport(t *testing.T) {
	dir := t.TempDir()
	info := kernel.ConnectionInfo{Transport: "ipc", IP: filepath.Join(dir, "kernel"), Key: testKey,
		ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5}
	c := startKernelOn(t, info, kernel.Options{})
	if _, err := os.Stat(filepath.Join(dir, "kernel-1")); err != nil {
		t.Fatalf("ipc shell endpoint not bound: %v", err)
	}
	if r, io := c.execute("1+2", nil); r.Content["status"] != "ok" || io[1].Content["data"].(map[string]any)["text/plain"] != "3" {
		t.Fatalf("execute over ipc: %v", r.Content)
	}
}

func TestStreamKeepsSplitCharacters(t *testing.T) {
	c := startKernel(t, kernel.Options{StreamFlushInterval: 20 * time.Millisecond})
	_, io := c.execute("splitrune", nil)
	var sb strings.Builder
	for _, m := range io {
		if m.Header.MsgType == "stream" {
			sb.WriteString(m.Content["text"].(string))
		}
	}
	if sb.String() != "café\n" {
		t.Errorf("stream text %q, want %q", sb.String(), "café\n")
	}
}

func TestInterruptWhileWaitingForInput(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "input value:", "allow_stdin": true})
	select {
	case <-c.stdinMsgs:
	case <-time.After(5 * time.Second):
		t.Fatal("no input_request")
	}
	c.reply(c.ctrlMsgs, c.send(c.control, "interrupt_request", map[string]any{}))
	r := c.reply(c.shellMsgs, id)
	if r.Content["status"] != "error" || !strings.Contains(r.Content["evalue"].(string), "interrupted") {
		t.Fatalf("reply %v", r.Content)
	}
	// A late input_reply is ignored and the kernel still works.
	c.send(c.stdin, "input_reply", map[string]any{"value": "late"})
	if r, _ := c.execute("1+1", nil); r.Content["status"] != "ok" {
		t.Fatalf("after interrupted input: %v", r.Content)
	}
}

func TestStartingPublishedFirst(t *testing.T) {
	info := kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: testKey}
	k, err := kernel.New(info, fakeeval.New(), kernel.Options{Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	// The front end subscribes only after the kernel started publishing:
	// the kernel holds "starting" back until a subscriber is there.
	go k.Serve()
	time.Sleep(150 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := zmq4.NewSub(ctx, zmq4.WithLogger(log.New(io.Discard, "", 0)))
	defer sub.Close()
	if err := sub.Dial(k.Info().Endpoint(k.Info().IOPubPort)); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	signer := kernel.NewSigner([]byte(testKey))
	next := func() (kernel.Header, string) {
		got := make(chan zmq4.Msg, 1)
		go func() {
			if zm, err := sub.Recv(); err == nil {
				got <- zm
			}
		}()
		var zm zmq4.Msg
		select {
		case zm = <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("no IOPub message: status starting was lost")
		}
		m, err := kernel.DecodeFrames(zm.Frames, signer)
		if err != nil {
			t.Fatal(err)
		}
		return m.Header, string(m.Content)
	}
	h, content := next()
	if h.MsgType != "status" || content != `{"execution_state":"starting"}` {
		t.Fatalf("first IOPub message %s %s, want status starting", h.MsgType, content)
	}
}

func TestNewReportsBusyPort(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	info := kernel.ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: testKey, ControlPort: c.k.Info().ShellPort}
	_, err := kernel.New(info, fakeeval.New(), kernel.Options{})
	if err == nil || !strings.Contains(err.Error(), "control socket") {
		t.Fatalf("binding a used port: %v", err)
	}
	if _, err := kernel.New(info, nil, kernel.Options{}); err == nil {
		t.Error("nil evaluator accepted")
	}
}

func TestConnectRequestAndShellShutdown(t *testing.T) {
	c := startKernel(t, kernel.Options{InProcessRestart: true})
	r := c.request("connect_request", map[string]any{})
	if r.Content["status"] != "ok" || r.Content["shell_port"] != float64(c.k.Info().ShellPort) || r.Content["hb_port"] != float64(c.k.Info().HBPort) {
		t.Errorf("connect_reply %v", r.Content)
	}
	// shutdown_request on shell (deprecated in 5.4, still accepted).
	c.execute("v := 3", nil)
	r = c.request("shutdown_request", map[string]any{"restart": true})
	if r.Content["status"] != "ok" || r.Content["restart"] != true || c.ev.Restarts != 1 {
		t.Fatalf("restart on shell: %v (restarts %d)", r.Content, c.ev.Restarts)
	}
	if r, _ := c.execute("v", nil); r.Content["status"] != "error" {
		t.Errorf("state survived an in-process restart: %v", r.Content)
	}
	id := c.send(c.shell, "shutdown_request", map[string]any{"restart": false})
	if r := c.reply(c.shellMsgs, id); r.Content["restart"] != false {
		t.Errorf("shutdown reply %v", r.Content)
	}
	select {
	case <-c.served:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown_request on shell")
	}
}

func TestHugeWriteIsChunked(t *testing.T) {
	c := startKernel(t, kernel.Options{})
	const n = 100000 // 200,000 bytes in one write
	_, io := c.execute(fmt.Sprintf("bigwrite %d", n), nil)
	var sb strings.Builder
	msgs := 0
	for _, m := range io {
		if m.Header.MsgType == "stream" {
			msgs++
			text := m.Content["text"].(string)
			if len(text) > 64<<10 {
				t.Errorf("stream message of %d bytes", len(text))
			}
			sb.WriteString(text)
		}
	}
	if sb.String() != strings.Repeat("é", n) {
		t.Fatalf("text damaged: %d bytes", sb.Len())
	}
	if msgs < 4 {
		t.Errorf("%d messages for 200 kB, want >= 4", msgs)
	}
}
