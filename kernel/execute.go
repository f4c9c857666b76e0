package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// executeRequest is the content of an execute_request.
type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      bool              `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

// handleExecute runs one execute_request on the dispatcher goroutine. The
// caller publishes busy before and idle after.
func (k *Kernel) handleExecute(m *Message) {
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		c := errorContent("BadRequest", "execute_request content: "+err.Error())
		c["execution_count"] = k.execCount
		k.reply(k.shell, m, "execute_reply", c)
		return
	}
	store := req.StoreHistory == nil || *req.StoreHistory
	if req.Silent {
		store = false
	}
	stopOnError := req.StopOnError == nil || *req.StopOnError
	if store {
		k.execCount++
	}
	count := k.execCount
	if !req.Silent {
		k.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count})
	}

	var res ExecuteResult
	eerr := k.evaluate(m, req.AllowStdin, func(ctx context.Context, out *output) *ExecError {
		var eerr *ExecError
		res, eerr = k.ev.Execute(ctx, ExecuteRequest{
			Code:            req.Code,
			Silent:          req.Silent,
			StoreHistory:    store,
			AllowStdin:      req.AllowStdin,
			UserExpressions: req.UserExpressions,
			ExecutionCount:  count,
		}, out)
		return eerr
	})

	if eerr != nil {
		tb := eerr.traceback()
		if !req.Silent {
			k.publishError(m, eerr)
		}
		if store {
			k.history.Add(count, req.Code, nil)
		}
		k.reply(k.shell, m, "execute_reply", map[string]any{
			"status": "error", "execution_count": count, "ename": eerr.Name, "evalue": eerr.Value,
			"traceback": tb, "user_expressions": map[string]any{}, "payload": []any{},
		})
		if stopOnError {
			k.abortQueued()
		}
		return
	}
	var output *string
	if res.Data != nil {
		md := res.Metadata
		if md == nil {
			md = map[string]any{}
		}
		if !req.Silent {
			k.publish(m, "execute_result", map[string]any{"execution_count": count, "data": res.Data, "metadata": md})
		}
		if s, ok := res.Data["text/plain"].(string); ok {
			output = &s
		}
	}
	if store {
		k.history.Add(count, req.Code, output)
	}
	payload := res.Payload
	if payload == nil {
		payload = []map[string]any{}
	}
	ue := res.UserExpressions
	if ue == nil {
		ue = map[string]any{}
	}
	k.reply(k.shell, m, "execute_reply", map[string]any{
		"status": "ok", "execution_count": count, "payload": payload, "user_expressions": ue,
	})
}

// abortQueued answers every execute_request already queued on shell with an
// error reply, without running it; other queued requests are handled
// normally, in order. Aborted replies use status "error" (not "aborted",
// which protocol 5.1 deprecated and jupyter_kernel_test rejects).
func (k *Kernel) abortQueued() {
	for {
		select {
		case q := <-k.shellQueue:
			if q.Header.MsgType != "execute_request" {
				k.handleShell(q)
				continue
			}
			k.status(q, "busy")
			c := errorContent("ExecutionAborted", "not run: an earlier cell failed (stop_on_error)")
			c["execution_count"] = k.execCount
			c["user_expressions"] = map[string]any{}
			k.reply(k.shell, q, "execute_reply", c)
			k.status(q, "idle")
		default:
			return
		}
	}
}

// evaluate runs call, one request to the evaluator, as the interruptible
// request of the moment: with a context that Interrupt cancels and an
// output that publishes under m. A panic of the evaluator becomes a
// KernelError; the output is flushed before evaluate returns.
func (k *Kernel) evaluate(m *Message, allowStdin bool, call func(ctx context.Context, out *output) *ExecError) (eerr *ExecError) {
	ctx, cancel := context.WithCancel(k.ctx)
	k.execMu.Lock()
	k.execCancel = cancel
	k.execMu.Unlock()
	out := newOutput(k, m, ctx, allowStdin)
	func() {
		defer func() {
			if r := recover(); r != nil {
				k.logf("evaluator panicked on %s: %v\n%s", m.Header.MsgType, r, debug.Stack())
				eerr = NewExecError("KernelError", fmt.Sprintf("the evaluator panicked: %v", r))
			}
		}()
		eerr = call(ctx, out)
	}()
	out.flush()
	k.execMu.Lock()
	k.execCancel = nil
	k.execMu.Unlock()
	cancel()
	return eerr
}

// publishError publishes eerr as an error message on IOPub under m.
func (k *Kernel) publishError(m *Message, eerr *ExecError) {
	k.publish(m, "error", map[string]any{"ename": eerr.Name, "evalue": eerr.Value, "traceback": eerr.traceback()})
}

// traceback returns e's traceback, never nil (the protocol wants a list).
func (e *ExecError) traceback() []string {
	if e.Traceback == nil {
		return []string{}
	}
	return e.Traceback
}
