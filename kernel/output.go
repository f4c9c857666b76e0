package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
	"unicode/utf8"
)

// maxStreamChunk is the size at which pending stream text is sent at once.
const maxStreamChunk = 64 << 10

// ErrStdinNotAllowed is returned by Output.Input when the execute request
// did not allow stdin (allow_stdin false), e.g. under nbconvert.
var ErrStdinNotAllowed = errors.New("kernel: input is not available: the front end did not allow stdin for this cell (allow_stdin is false)")

// output implements Output for one execute request. Stream text is
// coalesced and sent every StreamFlushInterval or maxStreamChunk bytes;
// pending text is always sent before a display, clear_output or input
// request, and when the stream name changes, so order is preserved.
type output struct {
	k          *Kernel
	parent     *Message
	ctx        context.Context
	allowStdin bool

	mu    sync.Mutex
	name  string // stream of the pending text
	buf   []byte
	timer *time.Timer
}

func newOutput(k *Kernel, parent *Message, ctx context.Context, allowStdin bool) *output {
	return &output{k: k, parent: parent, ctx: ctx, allowStdin: allowStdin}
}

// Stream implements Output. Names other than "stdout" and "stderr" are sent
// as "stderr".
func (o *output) Stream(name, text string) {
	if text == "" {
		return
	}
	if name != "stdout" && name != "stderr" {
		name = "stderr"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) > 0 && name != o.name {
		o.flushLocked(true)
	}
	o.name = name
	o.buf = append(o.buf, text...)
	if len(o.buf) >= maxStreamChunk {
		o.flushLocked(false)
	}
	if len(o.buf) > 0 && o.timer == nil {
		o.timer = time.AfterFunc(o.k.opts.StreamFlushInterval, o.timerFlush)
	}
}

func (o *output) timerFlush() {
	o.mu.Lock()
	o.timer = nil
	// Keep a trailing partial UTF-8 sequence: the evaluator may be copying
	// a pipe in chunks that split a character.
	o.flushLocked(false)
	if len(o.buf) > 0 && o.timer == nil {
		o.timer = time.AfterFunc(o.k.opts.StreamFlushInterval, o.timerFlush)
	}
	o.mu.Unlock()
}

// flushLocked sends pending text. Unless all is set, an incomplete UTF-8
// sequence at the end is kept for the next message.
func (o *output) flushLocked(all bool) {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	if len(o.buf) == 0 {
		return
	}
	n := len(o.buf)
	if !all {
		n = completeUTF8(o.buf)
		if n == 0 {
			return
		}
	}
	// Send at most maxStreamChunk bytes per message, cut at character
	// boundaries, so one huge write does not become one huge message.
	for sent := 0; sent < n; {
		end := n
		if end-sent > maxStreamChunk {
			end = sent + completeUTF8(o.buf[sent:sent+maxStreamChunk])
			if end == sent { // invalid UTF-8: cut anywhere
				end = sent + maxStreamChunk
			}
		}
		o.k.publish(o.parent, "stream", map[string]any{"name": o.name, "text": string(o.buf[sent:end])})
		sent = end
	}
	rest := copy(o.buf, o.buf[n:])
	o.buf = o.buf[:rest]
	if cap(o.buf) > 4*maxStreamChunk {
		o.buf = append([]byte(nil), o.buf...)
	}
}

// completeUTF8 returns the length of the longest prefix of b that does not
// end in the middle of a UTF-8 sequence.
func completeUTF8(b []byte) int {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return len(b) // ASCII: nothing pending
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return len(b)
			}
			return len(b) - i
		}
	}
	return len(b)
}

// flush sends all pending stream text.
func (o *output) flush() {
	o.mu.Lock()
	o.flushLocked(true)
	o.mu.Unlock()
}

// Display implements Output.
func (o *output) Display(d DisplayData) {
	data := d.Data
	if data == nil {
		data = map[string]any{}
	}
	md := d.Metadata
	if md == nil {
		md = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": md, "transient": map[string]any{}}
	msgType := "display_data"
	if d.DisplayID != "" {
		content["transient"] = map[string]any{"display_id": d.DisplayID}
	}
	if d.Update {
		if d.DisplayID == "" {
			o.k.logf("update_display_data without a display id sent as display_data")
		} else {
			msgType = "update_display_data"
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(true)
	o.k.publish(o.parent, msgType, content)
}

// ClearOutput implements Output.
func (o *output) ClearOutput(wait bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(true)
	o.k.publish(o.parent, "clear_output", map[string]any{"wait": wait})
}

// Input implements Output: it sends input_request on the stdin channel,
// addressed to the execute request's identities, and waits for the
// input_reply or for the cell to be interrupted.
func (o *output) Input(prompt string, password bool) (string, error) {
	if !o.allowStdin {
		return "", ErrStdinNotAllowed
	}
	o.flush()
	k := o.k
	wait := make(chan *Message, 1)
	k.inputMu.Lock()
	if k.inputWait != nil {
		k.inputMu.Unlock()
		return "", errors.New("kernel: another input request is already waiting for the front end")
	}
	k.inputWait = wait
	k.inputMu.Unlock()
	defer func() {
		k.inputMu.Lock()
		k.inputWait = nil
		k.inputMu.Unlock()
	}()
	k.reply(k.stdin, o.parent, "input_request", map[string]any{"prompt": prompt, "password": password})
	select {
	case <-o.ctx.Done():
		return "", errors.New("kernel: input interrupted")
	case r := <-wait:
		var c struct {
			Value  string `json:"value"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(r.Content, &c); err != nil {
			return "", errors.New("kernel: malformed input_reply: " + err.Error())
		}
		if c.Status == "error" {
			return "", errors.New("kernel: the front end could not provide input")
		}
		return c.Value, nil
	}
}
