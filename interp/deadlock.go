package interp

import (
	"bytes"
	"context"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/gopherprop/gopherprop/kernel"
)

// Deadlock detection. Go stops a program whose goroutines are all blocked
// with "fatal error: all goroutines are asleep - deadlock!". yaegi has no
// such check: a cell that sends on a channel nobody reads hangs until an
// interrupt. While a cell runs, a watchdog samples the worker's goroutine
// stacks; when every goroutine running interpreted code is blocked in a
// channel operation, select or sync wait made by interpreted code itself
// (not inside a compiled call, which may be waiting for I/O), and no
// other goroutine is running or sleeping, for deadlockSamples samples in a
// row, the cell is stopped with Go's message and the session is kept.
//
// Timers are invisible in stacks: a receive from time.After looks like any
// other blocked receive. So cells of a session that uses timers, tickers,
// context deadlines, signals or widgets (whose events arrive from outside)
// are not watched.

const (
	deadlockInterval = 250 * time.Millisecond
	deadlockSamples  = 8 // 2 s of all-blocked samples
)

// deadlockMsg is Go's message.
const deadlockMsg = "fatal error: all goroutines are asleep - deadlock!"

// timerUse matches source that may wake a blocked goroutine from outside.
var timerUse = regexp.MustCompile(`\btime\.(After|Tick|NewTimer|NewTicker|AfterFunc)\b|\bcontext\.With(Timeout|Deadline|Cancel)|\bsignal\.Notify\b|\bwidget\.|\bos\.Stdin\b|\bnet\.|\bhttp\.`)

// blockedStates are goroutine states that only another goroutine can end.
var blockedStates = map[string]bool{
	"chan send": true, "chan receive": true, "select": true, "select (no cases)": true,
	"chan send (nil chan)": true, "chan receive (nil chan)": true,
	"sync.Mutex.Lock": true, "sync.RWMutex.Lock": true, "sync.RWMutex.RLock": true,
	"sync.WaitGroup.Wait": true, "sync.Cond.Wait": true, "semacquire": true,
}

// deadlockWatch is the session's one watchdog goroutine (started with the
// first cell, so that cells do not change the worker's goroutine count) and
// the cell it watches.
type deadlockWatch struct {
	mu     sync.Mutex
	cancel context.CancelFunc // of the running cell, nil when none is watched
	gen    int                // counts watched cells
	found  atomic.Bool        // the running cell was stopped as deadlocked
}

// watchDeadlock starts watching the cell that cancel stops; the returned
// function stops watching it.
func (s *session) watchDeadlock(cancel context.CancelFunc) (stop func()) {
	s.deadlock.found.Store(false)
	for _, ci := range s.cells {
		if timerUse.MatchString(ci.src) {
			return func() {}
		}
	}
	d := &s.deadlock
	d.mu.Lock()
	if d.gen == 0 {
		go d.loop()
	}
	d.gen++
	d.cancel = cancel
	d.mu.Unlock()
	return func() {
		d.mu.Lock()
		d.cancel = nil
		d.mu.Unlock()
	}
}

// loop samples the goroutine stacks while a cell is watched.
func (d *deadlockWatch) loop() {
	t := time.NewTicker(deadlockInterval)
	defer t.Stop()
	buf := make([]byte, 1<<20)
	n, gen := 0, -1
	for range t.C {
		d.mu.Lock()
		watching, g := d.cancel != nil, d.gen
		d.mu.Unlock()
		if !watching || g != gen {
			n, gen = 0, g
			if !watching {
				continue
			}
		}
		k := runtime.Stack(buf, true)
		if k == len(buf) && len(buf) < 64<<20 {
			buf = make([]byte, 2*len(buf))
			n = 0
			continue
		}
		if allBlocked(buf[:k]) {
			n++
		} else {
			n = 0
		}
		if n >= deadlockSamples {
			d.mu.Lock()
			if d.cancel != nil && d.gen == gen {
				d.found.Store(true)
				d.cancel()
			}
			d.mu.Unlock()
			n = 0
		}
	}
}

// allBlocked reports whether a goroutine dump shows interpreted goroutines,
// all blocked by interpreted code, and nothing else that could wake them.
// yaegiFrame begins the name of every function of the interpreter in a
// goroutine dump.
var yaegiFrame = reflect.TypeOf((*yaegi.Interpreter)(nil)).Elem().PkgPath() + "."

func allBlocked(dump []byte) bool {
	cells := 0
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		text := string(g)
		head, frames, _ := strings.Cut(text, "\n")
		i, j := strings.IndexByte(head, '['), strings.LastIndexByte(head, ']')
		if !strings.HasPrefix(head, "goroutine ") || i < 0 || j < i {
			continue
		}
		state, _, _ := strings.Cut(head[i+1:j], ",")
		if strings.Contains(frames, "interp.(*deadlockWatch).loop") || strings.Contains(frames, "interp.memoryWatchdog") {
			continue // this watchdog, the worker's memory watchdog
		}
		if !strings.Contains(frames, yaegiFrame) {
			switch state {
			case "running", "runnable", "sleep":
				return false
			}
			continue
		}
		cells++
		if !blockedStates[state] || !blockedInInterpreter(frames) {
			return false
		}
	}
	return cells > 0
}

// blockedInInterpreter reports whether the innermost frame outside the
// runtime, reflect and sync is the interpreter's own: the goroutine waits
// in a channel operation or sync call made by interpreted code.
func blockedInInterpreter(frames string) bool {
	for _, line := range strings.Split(frames, "\n") {
		if line == "" || strings.HasPrefix(line, "\t") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "runtime."), strings.HasPrefix(line, "reflect."),
			strings.HasPrefix(line, "sync."), strings.HasPrefix(line, "internal/sync."),
			strings.HasPrefix(line, "sync/atomic."):
			continue
		}
		return strings.HasPrefix(line, yaegiFrame)
	}
	return false
}

// deadlockFailure is the error of a cell stopped by the watchdog.
func (s *session) deadlockFailure(cid string) *kernel.ExecError {
	msg := deadlockMsg + " (the cell was stopped; variables and functions defined so far are kept)"
	if s.curLine > 0 {
		f := s.cellFailure("FatalError", msg, cid, s.curLine, s.curCol)
		f.Value = deadlockMsg
		return f
	}
	return kernel.NewExecError("FatalError", deadlockMsg, "FatalError: "+msg)
}
