package interp

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/kernel"
)

// message is one control message between the evaluator (parent) and the
// worker process. Messages travel as a 4-byte big-endian length followed by
// JSON, on the worker's fd 3 (parent to worker) and fd 4 (worker to parent).
type message struct {
	Type string `json:"type"`
	ID   int    `json:"id,omitempty"`

	// execute, complete, inspect
	Code            string            `json:"code,omitempty"`
	Cursor          int               `json:"cursor,omitempty"`
	Detail          int               `json:"detail,omitempty"`
	Count           int               `json:"count,omitempty"`
	Silent          bool              `json:"silent,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`

	// results
	Data       map[string]any      `json:"data,omitempty"`
	Metadata   map[string]any      `json:"metadata,omitempty"`
	Payload    []map[string]any    `json:"payload,omitempty"`
	UserValues map[string]any      `json:"user_values,omitempty"`
	Err        *kernel.ExecError   `json:"err,omitempty"`
	Completion *kernel.Completion  `json:"completion,omitempty"`
	Inspection *kernel.Inspection  `json:"inspection,omitempty"`
	Display    *display.Message    `json:"display,omitempty"`
	Markers    map[string]uint64   `json:"markers,omitempty"` // stream -> marker written before this message
	Stats      *workerStats        `json:"stats,omitempty"`
	Input      *inputMsg           `json:"input,omitempty"`
	Comm       *kernel.CommMessage `json:"comm,omitempty"` // comm message from the front end (parent to worker)
}

// inputMsg is an input request (worker to parent) or reply.
type inputMsg struct {
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
	Value    string `json:"value,omitempty"`
	Error    string `json:"error,omitempty"`
}

// workerStats reports the worker's resource use (for the soak test).
type workerStats struct {
	HeapAlloc  uint64 `json:"heap_alloc"`
	Goroutines int    `json:"goroutines"`
}

// maxMessage bounds a control message (a large plot is a few MB).
const maxMessage = 256 << 20

// msgWriter writes framed messages; safe for concurrent use.
type msgWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (m *msgWriter) send(msg *message) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("interp: encoding %s message: %w", msg.Type, err)
	}
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err = m.w.Write(b)
	return err
}

// msgReader reads framed messages.
type msgReader struct {
	r *bufio.Reader
}

func newMsgReader(r io.Reader) *msgReader { return &msgReader{bufio.NewReaderSize(r, 64<<10)} }

func (m *msgReader) recv() (*message, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(m.r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxMessage {
		return nil, fmt.Errorf("interp: control message of %d bytes exceeds the limit", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(m.r, b); err != nil {
		return nil, err
	}
	msg := &message{}
	if err := json.Unmarshal(b, msg); err != nil {
		return nil, fmt.Errorf("interp: decoding control message: %w", err)
	}
	return msg, nil
}
