package display

import "sync"

// Message is one rich-output event produced by the display package.
// Type is "display_data", "update_display_data" or "clear_output".
type Message struct {
	Type      string
	Data      map[string]any // MIME bundle; always holds "text/plain" for display messages
	Metadata  map[string]any
	DisplayID string // transient display_id, set for updatable displays
	Wait      bool   // for clear_output
}

// Publisher delivers display messages to a front end. The notebook kernel
// installs one with SetPublisher; compiled programs run without one, and then
// display messages print their text/plain form to standard output.
type Publisher interface {
	// Publish sends one message. It must be safe for concurrent use.
	Publish(m Message)
	// Input reads a line from the user (password hides the echo). It returns
	// an error when the front end cannot provide input.
	Input(prompt string, password bool) (string, error)
}

var (
	pubMu sync.RWMutex
	pub   Publisher
)

// SetPublisher installs p as the destination of all display messages and
// returns the previous publisher. A nil p restores the default, which prints
// text/plain to standard output.
func SetPublisher(p Publisher) Publisher {
	pubMu.Lock()
	defer pubMu.Unlock()
	old := pub
	pub = p
	return old
}

// currentPublisher returns the installed publisher or nil.
func currentPublisher() Publisher {
	pubMu.RLock()
	defer pubMu.RUnlock()
	return pub
}
