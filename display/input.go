package display

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// ErrNoInput is returned (wrapped) by Input and Password when there is no
// way to ask the user: the front end did not allow stdin for this cell
// (for example a notebook run by nbconvert or nbclient), or a compiled
// program's standard input is closed.
var ErrNoInput = errors.New("no input available")

var (
	stdinMu     sync.Mutex
	stdinReader *bufio.Reader
)

// Input asks the user for one line of text, showing prompt, and returns it
// without the trailing newline. In a notebook the question goes through the
// front end's stdin channel; in a compiled program it is read from standard
// input. The error wraps ErrNoInput when nobody can answer.
func Input(prompt string) (string, error) {
	return input(prompt, false)
}

// Password is Input with the answer hidden as it is typed (in a notebook;
// a compiled program reads standard input as it is).
func Password(prompt string) (string, error) {
	return input(prompt, true)
}

func input(prompt string, password bool) (string, error) {
	if p := currentPublisher(); p != nil {
		s, err := p.Input(prompt, password)
		if err != nil {
			if errors.Is(err, ErrNoInput) {
				return "", err
			}
			return "", fmt.Errorf("display.Input: %w: %v", ErrNoInput, err)
		}
		return s, nil
	}
	stdinMu.Lock()
	defer stdinMu.Unlock()
	if stdinReader == nil {
		stdinReader = bufio.NewReader(os.Stdin)
	}
	os.Stdout.WriteString(prompt)
	s, err := stdinReader.ReadString('\n')
	if err != nil && s == "" {
		return "", fmt.Errorf("display.Input: %w: standard input: %v", ErrNoInput, err)
	}
	return strings.TrimRight(s, "\r\n"), nil
}
