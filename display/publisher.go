package display

import "sync"

// Message is one rich-output event produced by the display package, or one
// comm message of package widget. Type is "display_data",
// "update_display_data", "clear_output", "comm_open", "comm_msg" or
// "comm_close".
type Message struct {
	Type      string
	Data      map[string]any // MIME bundle (always with "text/plain"), or a comm message's data
	Metadata  map[string]any
	DisplayID string   `json:",omitempty"` // transient display_id, set for updatable displays
	Wait      bool     `json:",omitempty"` // for clear_output
	CommID    string   `json:",omitempty"` // comm messages: the comm's id
	Target    string   `json:",omitempty"` // comm_open: the comm's target name
	Buffers   [][]byte `json:",omitempty"` // comm messages: binary buffers
}

// IsComm reports whether m is a comm message (comm_open, comm_msg or
// comm_close).
func (m Message) IsComm() bool {
	return m.Type == "comm_open" || m.Type == "comm_msg" || m.Type == "comm_close"
}

// Send delivers m to the installed publisher and reports whether there was
// one. Without a publisher, display messages print their text/plain form
// (as Show does) and comm messages are dropped. Package widget sends its
// comm messages through Send, so that they reach the front end in order
// with the displays around them.
func Send(m Message) bool {
	if currentPublisher() == nil {
		if !m.IsComm() {
			publish(m)
		}
		return false
	}
	publish(m)
	return true
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
