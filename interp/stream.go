package interp

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Stream markers: the worker writes a marker into its stdout/stderr pipe
// before sending a control message that must not overtake the text written
// before it (display events, the end of a cell). The parent strips markers
// from the text and lets the control message wait until its marker has gone
// by.
const (
	markerPrefix = "\x1eGPM"
	markerLen    = len(markerPrefix) + 16 + 1
)

func marker(n uint64) string { return fmt.Sprintf("%s%016x\x1f", markerPrefix, n) }

// streamReader reads one of the worker's output pipes, forwards text to the
// current sink and records the markers seen.
type streamReader struct {
	name string

	mu        sync.Mutex
	cond      *sync.Cond
	seen      uint64
	released  uint64 // markers whose control message has been handled
	abandoned bool   // the worker is gone: never wait for a release
	closed    bool
	sink      func(name, text string)
	held      bytes.Buffer // text produced while no sink was set
	tail      []byte       // last bytes, for crash reports
	head      []byte       // first bytes since resetTail, for crash reports
}

func newStreamReader(name string, r io.Reader) *streamReader {
	s := &streamReader{name: name}
	s.cond = sync.NewCond(&s.mu)
	go s.loop(r)
	return s
}

const tailMax = 8 << 10

func (s *streamReader) emit(text []byte) {
	if len(text) == 0 {
		return
	}
	if room := tailMax - len(s.head); room > 0 {
		s.head = append(s.head, text[:min(room, len(text))]...)
	}
	s.tail = append(s.tail, text...)
	if len(s.tail) > tailMax {
		s.tail = append([]byte(nil), s.tail[len(s.tail)-tailMax:]...)
	}
	if s.sink != nil {
		s.sink(s.name, string(text))
		return
	}
	if s.held.Len() < 1<<20 {
		s.held.Write(text)
	}
}

func (s *streamReader) loop(r io.Reader) {
	buf := make([]byte, 64<<10)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			s.mu.Lock()
			pending = s.process(pending)
			s.mu.Unlock()
		}
		if err != nil {
			s.mu.Lock()
			s.emit(pending)
			s.closed = true
			s.cond.Broadcast()
			s.mu.Unlock()
			return
		}
	}
}

// process emits the text in p, handles complete markers and returns what
// must wait for more input (a possible partial marker).
func (s *streamReader) process(p []byte) []byte {
	for {
		i := bytes.Index(p, []byte(markerPrefix))
		if i < 0 {
			// Hold back a suffix that could start a marker.
			keep := 0
			for k := 1; k < len(markerPrefix) && k <= len(p); k++ {
				if bytes.HasPrefix([]byte(markerPrefix), p[len(p)-k:]) {
					keep = k
				}
			}
			s.emit(p[:len(p)-keep])
			return append([]byte(nil), p[len(p)-keep:]...)
		}
		s.emit(p[:i])
		if len(p)-i < markerLen {
			return append([]byte(nil), p[i:]...)
		}
		m := p[i : i+markerLen]
		if n, err := strconv.ParseUint(string(m[len(markerPrefix):len(markerPrefix)+16]), 16, 64); err == nil && m[markerLen-1] == 0x1f {
			if n > s.seen {
				s.seen = n
			}
			s.cond.Broadcast()
			// Text after the marker must wait until the control message
			// that goes with it (a display, say) has been handled.
			for s.released < n && !s.abandoned {
				s.cond.Wait()
			}
			p = p[i+markerLen:]
			continue
		}
		// Not a marker after all: emit the prefix byte and go on.
		s.emit(p[i : i+1])
		p = p[i+1:]
	}
}

// setSink directs text to sink (nil: hold it) and flushes held text.
func (s *streamReader) setSink(sink func(name, text string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink = sink
	if sink != nil && s.held.Len() > 0 {
		sink(s.name, s.held.String())
		s.held.Reset()
	}
}

// waitMarker blocks until marker n went by, the stream closed, or timeout.
func (s *streamReader) waitMarker(n uint64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.seen < n && !s.closed {
		if time.Now().After(deadline) {
			return false
		}
		s.cond.Wait()
	}
	return s.seen >= n
}

// release lets the reader go past marker n.
func (s *streamReader) release(n uint64) {
	s.mu.Lock()
	if n > s.released {
		s.released = n
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

// abandon stops all waiting for releases (the worker is gone).
func (s *streamReader) abandon() {
	s.mu.Lock()
	s.abandoned = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// waitClosed blocks until the stream reached EOF or timeout.
func (s *streamReader) waitClosed(timeout time.Duration) {
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.closed = true
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	for !s.closed {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// tailText returns the last bytes of the stream.
func (s *streamReader) tailText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.tail)
}

// headText returns the first bytes written since resetTail.
func (s *streamReader) headText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.head)
}

// resetTail forgets the recorded tail (at the start of a cell).
func (s *streamReader) resetTail() {
	s.mu.Lock()
	s.tail = s.tail[:0]
	s.head = s.head[:0]
	s.mu.Unlock()
}
