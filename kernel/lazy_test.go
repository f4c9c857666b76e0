package kernel_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/kernel/internal/fakeeval"
)

type nopOutput struct{}

func (nopOutput) Stream(name, text string)           {}
func (nopOutput) Display(d kernel.DisplayData)       {}
func (nopOutput) ClearOutput(wait bool)              {}
func (nopOutput) Input(string, bool) (string, error) { return "", errors.New("no input") }

func TestLazyEvaluatorForwards(t *testing.T) {
	release := make(chan struct{})
	fe := fakeeval.New()
	lang := kernel.LanguageInfo{Name: "lisp", FileExtension: ".lisp"}
	ev := kernel.NewLazyEvaluator(lang, func() (kernel.Evaluator, error) {
		<-release
		return fe, nil
	})
	// The language is known before the evaluator has started.
	if got := ev.LanguageInfo(); got != lang {
		t.Errorf("LanguageInfo while starting = %v, want %v", got, lang)
	}
	// Interrupting while the evaluator starts ends the cell cleanly.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, eerr := ev.Execute(ctx, kernel.ExecuteRequest{Code: "1+1"}, nopOutput{})
	cancel()
	if eerr == nil || eerr.Name != "Interrupted" {
		t.Fatalf("execute while starting: %v", eerr)
	}
	close(release)
	res, eerr := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: "1+1"}, nopOutput{})
	if eerr != nil || res.Data["text/plain"] != "2" {
		t.Fatalf("execute: %v %v", res, eerr)
	}
	if s, _ := ev.IsComplete("f("); s != "incomplete" {
		t.Errorf("is_complete %s", s)
	}
	if c := ev.Complete("fmt.Printl", 10); len(c.Matches) != 1 {
		t.Errorf("complete %v", c)
	}
	if !ev.Inspect("fmt.Println", 3, 0).Found {
		t.Error("inspect not forwarded")
	}
	if err := ev.Restart(); err != nil || fe.Restarts != 1 {
		t.Errorf("restart %v %d", err, fe.Restarts)
	}
	if err := ev.Close(); err != nil || !fe.Closed {
		t.Errorf("close %v %v", err, fe.Closed)
	}
}

func TestLazyEvaluatorStartFailure(t *testing.T) {
	var calls atomic.Int32
	ev := kernel.NewLazyEvaluator(kernel.LanguageInfo{}, func() (kernel.Evaluator, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("worker binary missing")
		}
		return fakeeval.New(), nil
	})
	_, eerr := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: "1+1"}, nopOutput{})
	if eerr == nil || eerr.Name != "EvaluatorError" || !strings.Contains(eerr.Value, "worker binary missing") || len(eerr.Traceback) == 0 {
		t.Fatalf("execute after failed start: %+v", eerr)
	}
	if s, _ := ev.IsComplete("x"); s != "unknown" {
		t.Errorf("is_complete after failed start: %s", s)
	}
	if c := ev.Complete("abc", 3); len(c.Matches) != 0 || c.CursorStart != 3 {
		t.Errorf("complete after failed start: %v", c)
	}
	if ev.Inspect("x", 1, 0).Found {
		t.Error("inspect found something")
	}
	// Restart tries again, and then cells run.
	if err := ev.Restart(); err != nil {
		t.Fatal(err)
	}
	if res, eerr := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: "2+2"}, nopOutput{}); eerr != nil || res.Data["text/plain"] != "4" {
		t.Fatalf("after restart: %v %v", res, eerr)
	}
	panicky := kernel.NewLazyEvaluator(kernel.LanguageInfo{}, func() (kernel.Evaluator, error) { panic("boom") })
	if _, eerr := panicky.Execute(context.Background(), kernel.ExecuteRequest{}, nopOutput{}); eerr == nil || !strings.Contains(eerr.Value, "boom") {
		t.Errorf("panicking start: %v", eerr)
	}
}
