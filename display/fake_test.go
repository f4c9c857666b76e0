package display

import (
	"errors"
	"sync"
	"testing"
)

// fakePublisher records messages and answers Input from a queue.
type fakePublisher struct {
	mu       sync.Mutex
	msgs     []Message
	answers  []string
	prompts  []string
	password []bool
	inputErr error
}

func (f *fakePublisher) Publish(m Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
}

func (f *fakePublisher) Input(prompt string, password bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prompts = append(f.prompts, prompt)
	f.password = append(f.password, password)
	if f.inputErr != nil {
		return "", f.inputErr
	}
	if len(f.answers) == 0 {
		return "", errors.New("no answer queued")
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

func (f *fakePublisher) messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}

func (f *fakePublisher) last(t *testing.T) Message {
	t.Helper()
	ms := f.messages()
	if len(ms) == 0 {
		t.Fatal("no message published")
	}
	return ms[len(ms)-1]
}

// withFake installs a fake publisher for the duration of the test.
func withFake(t *testing.T) *fakePublisher {
	t.Helper()
	f := &fakePublisher{}
	old := SetPublisher(f)
	t.Cleanup(func() { SetPublisher(old) })
	return f
}
