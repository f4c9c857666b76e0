package kernel

import (
	"context"
	"encoding/json"
)

// CommMessage is a comm_open, comm_msg or comm_close message (Jupyter's
// custom messages), from the front end to the evaluator or back.
type CommMessage struct {
	Type       string // "comm_open", "comm_msg" or "comm_close"
	CommID     string
	TargetName string // comm_open only
	Data       map[string]any
	Metadata   map[string]any
	Buffers    [][]byte
}

// CommOutput is implemented by the Output the kernel passes to an
// evaluator: Comm publishes a comm message on IOPub, with the request being
// handled as its parent, in order with the rest of the output.
type CommOutput interface {
	Comm(m CommMessage)
}

// CommEvaluator is implemented by evaluators that take part in comms (the
// interp package's, for widgets). The kernel stays generic: it forwards
// every comm message from the front end to Comm, lets the evaluator send
// comm messages through its Output (see CommOutput) and answers
// comm_info_request from CommInfo.
type CommEvaluator interface {
	// Comm handles one comm message from the front end, like Execute: on
	// the dispatcher goroutine, with output parented to the message, and
	// ctx cancelled on interrupt. A non-nil error is published as an
	// error message (its traceback as for a failed cell).
	Comm(ctx context.Context, m CommMessage, out Output) *ExecError
	// CommInfo returns the open comms: comm id → target name.
	CommInfo() map[string]string
}

// Comm implements CommOutput.
func (o *output) Comm(m CommMessage) {
	content := map[string]any{"comm_id": m.CommID, "data": nonNil(m.Data)}
	if m.Type == "comm_open" {
		content["target_name"] = m.TargetName
	}
	msg := o.k.newMessage(o.parent, m.Type, content)
	if m.Metadata != nil {
		if b, err := json.Marshal(m.Metadata); err == nil {
			msg.Metadata = b
		}
	}
	msg.Buffers = m.Buffers
	msg.Identities = [][]byte{[]byte("kernel." + o.k.session + "." + m.Type)}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.flushLocked(true)
	if f := o.k.frames(msg); f != nil {
		o.k.iopub.send(f)
	}
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// handleComm forwards a comm_open, comm_msg or comm_close from the front
// end to the evaluator; without comm support, a comm_open is answered with
// comm_close and other comm messages are ignored.
func (k *Kernel) handleComm(m *Message) {
	var req struct {
		CommID     string         `json:"comm_id"`
		TargetName string         `json:"target_name"`
		Data       map[string]any `json:"data"`
	}
	if err := json.Unmarshal(m.Content, &req); err != nil || req.CommID == "" {
		k.logf("%s without a comm_id ignored", m.Header.MsgType)
		return
	}
	ce, ok := k.ev.(CommEvaluator)
	if !ok {
		if m.Header.MsgType == "comm_open" {
			k.logf("comm_open for unknown target %q: closing comm %s", req.TargetName, req.CommID)
			k.publish(m, "comm_close", map[string]any{"comm_id": req.CommID, "data": map[string]any{}})
		}
		return
	}
	var md map[string]any
	_ = json.Unmarshal(m.Metadata, &md)
	eerr := k.evaluate(m, false, func(ctx context.Context, out *output) *ExecError {
		return ce.Comm(ctx, CommMessage{Type: m.Header.MsgType, CommID: req.CommID, TargetName: req.TargetName,
			Data: nonNil(req.Data), Metadata: md, Buffers: m.Buffers}, out)
	})
	if eerr != nil {
		k.publishError(m, eerr)
	}
}

// handleCommInfo answers comm_info_request with the evaluator's open comms,
// filtered by target_name when the request names one.
func (k *Kernel) handleCommInfo(m *Message) {
	var req struct {
		TargetName string `json:"target_name"`
	}
	_ = json.Unmarshal(m.Content, &req)
	comms := map[string]any{}
	if ce, ok := k.ev.(CommEvaluator); ok {
		var info map[string]string
		if err := safely(func() { info = ce.CommInfo() }); err != nil {
			k.logf("comm_info: %v", err)
		}
		for id, target := range info {
			if req.TargetName == "" || req.TargetName == target {
				comms[id] = map[string]any{"target_name": target}
			}
		}
	}
	k.reply(k.shell, m, "comm_info_reply", map[string]any{"status": "ok", "comms": comms})
}
