package kernel

import (
	"context"
	"fmt"
	"sync"
)

// lazyEvaluator starts its Evaluator in the background so that the kernel
// can answer kernel_info (and become "ready" for the front end) while the
// evaluator is still starting. If starting fails, cells report the error
// instead of the kernel dying.
type lazyEvaluator struct {
	start func() (Evaluator, error)
	lang  LanguageInfo

	mu    sync.Mutex
	ready chan struct{}
	ev    Evaluator
	err   error
}

// NewLazyEvaluator returns an Evaluator that calls start in a new goroutine
// and forwards every call to its result, waiting for it when needed. When
// start fails, Execute returns an ExecError naming the failure, Complete
// and Inspect find nothing, IsComplete answers "unknown", and Restart tries
// to start again. LanguageInfo answers lang at once, started or not: give
// the language of the evaluators start returns.
func NewLazyEvaluator(lang LanguageInfo, start func() (Evaluator, error)) Evaluator {
	l := &lazyEvaluator{start: start, lang: lang}
	l.launch()
	return l
}

func (l *lazyEvaluator) launch() {
	ready := make(chan struct{})
	l.mu.Lock()
	l.ready, l.ev, l.err = ready, nil, nil
	l.mu.Unlock()
	go func() {
		ev, err := safeStart(l.start)
		l.mu.Lock()
		l.ev, l.err = ev, err
		l.mu.Unlock()
		close(ready)
	}()
}

func safeStart(start func() (Evaluator, error)) (ev Evaluator, err error) {
	defer func() {
		if r := recover(); r != nil {
			ev, err = nil, fmt.Errorf("panic while starting: %v", r)
		}
	}()
	ev, err = start()
	if err == nil && ev == nil {
		err = fmt.Errorf("no evaluator")
	}
	return ev, err
}

// get waits for the start to finish (or ctx to end).
func (l *lazyEvaluator) get(ctx context.Context) (Evaluator, error) {
	l.mu.Lock()
	ready := l.ready
	l.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ev, l.err
}

func startError(err error) *ExecError {
	msg := "the evaluator could not start: " + err.Error()
	return &ExecError{Name: "EvaluatorError", Value: msg, Traceback: []string{"EvaluatorError: " + msg, "Restart the kernel to try again."}}
}

// Execute implements Evaluator.
func (l *lazyEvaluator) Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, *ExecError) {
	ev, err := l.get(ctx)
	if ctx.Err() != nil {
		return ExecuteResult{}, &ExecError{Name: "Interrupted", Value: "interrupted while the evaluator was starting",
			Traceback: []string{"Interrupted: interrupted while the evaluator was starting"}}
	}
	if err != nil {
		return ExecuteResult{}, startError(err)
	}
	return ev.Execute(ctx, req, out)
}

// Complete implements Evaluator.
func (l *lazyEvaluator) Complete(code string, cursorPos int) Completion {
	ev, err := l.get(context.Background())
	if err != nil {
		return Completion{CursorStart: cursorPos, CursorEnd: cursorPos}
	}
	return ev.Complete(code, cursorPos)
}

// Inspect implements Evaluator.
func (l *lazyEvaluator) Inspect(code string, cursorPos int, detailLevel int) Inspection {
	ev, err := l.get(context.Background())
	if err != nil {
		return Inspection{}
	}
	return ev.Inspect(code, cursorPos, detailLevel)
}

// IsComplete implements Evaluator.
func (l *lazyEvaluator) IsComplete(code string) (status, indent string) {
	ev, err := l.get(context.Background())
	if err != nil {
		return "unknown", ""
	}
	return ev.IsComplete(code)
}

// LanguageInfo implements Evaluator without waiting for the start.
func (l *lazyEvaluator) LanguageInfo() LanguageInfo { return l.lang }

// Restart implements Evaluator; after a failed start it starts again.
func (l *lazyEvaluator) Restart() error {
	ev, err := l.get(context.Background())
	if err != nil {
		l.launch()
		_, err = l.get(context.Background())
		return err
	}
	return ev.Restart()
}

// Close implements Evaluator.
func (l *lazyEvaluator) Close() error {
	ev, err := l.get(context.Background())
	if err != nil {
		return nil
	}
	return ev.Close()
}

// Comm implements CommEvaluator when the started evaluator does; otherwise
// a comm_open is answered with comm_close.
func (l *lazyEvaluator) Comm(ctx context.Context, m CommMessage, out Output) *ExecError {
	ev, err := l.get(ctx)
	if ctx.Err() != nil {
		return NewExecError("Interrupted", "interrupted while the evaluator was starting")
	}
	if err != nil {
		return startError(err)
	}
	if ce, ok := ev.(CommEvaluator); ok {
		return ce.Comm(ctx, m, out)
	}
	if co, ok := out.(CommOutput); ok && m.Type == "comm_open" {
		co.Comm(CommMessage{Type: "comm_close", CommID: m.CommID})
	}
	return nil
}

// CommInfo implements CommEvaluator.
func (l *lazyEvaluator) CommInfo() map[string]string {
	ev, err := l.get(context.Background())
	if err != nil {
		return nil
	}
	if ce, ok := ev.(CommEvaluator); ok {
		return ce.CommInfo()
	}
	return nil
}
