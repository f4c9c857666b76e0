package display

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestInputThroughPublisher(t *testing.T) {
	f := withFake(t)
	f.answers = []string{"Ada", "s3cret"}
	name, err := Input("name? ")
	if err != nil || name != "Ada" {
		t.Fatalf("Input = %q, %v", name, err)
	}
	pw, err := Password("password: ")
	if err != nil || pw != "s3cret" {
		t.Fatalf("Password = %q, %v", pw, err)
	}
	if f.prompts[0] != "name? " || f.password[0] || !f.password[1] {
		t.Errorf("prompts %q, password flags %v", f.prompts, f.password)
	}
}

func TestInputNotAllowed(t *testing.T) {
	f := withFake(t)
	f.inputErr = errors.New("stdin is not allowed for this request")
	_, err := Input("x? ")
	if !errors.Is(err, ErrNoInput) || !strings.Contains(err.Error(), "stdin is not allowed") {
		t.Errorf("err = %v, want ErrNoInput with the cause", err)
	}
}

func TestInputWithoutPublisher(t *testing.T) {
	old := SetPublisher(nil)
	defer SetPublisher(old)
	stdinMu.Lock()
	saved := stdinReader
	stdinReader = bufio.NewReader(strings.NewReader("42\r\nlast"))
	stdinMu.Unlock()
	defer func() { stdinMu.Lock(); stdinReader = saved; stdinMu.Unlock() }()
	var got []string
	out := captureStdout(t, func() {
		for i := 0; i < 2; i++ {
			s, err := Input("n? ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if _, err := Input("more? "); !errors.Is(err, ErrNoInput) {
			t.Errorf("Input at EOF: err = %v", err)
		}
	})
	if got[0] != "42" || got[1] != "last" || out != "n? n? more? " {
		t.Errorf("got %q, stdout %q", got, out)
	}
}
