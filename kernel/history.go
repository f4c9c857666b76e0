package kernel

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// HistoryRequest is the content of a history_request.
type HistoryRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"` // "tail", "range" or "search"
	Session        int    `json:"session"`          // range: 0 or negative = relative to the current session
	Start          int    `json:"start"`
	Stop           *int   `json:"stop"` // range: exclusive; nil = to the end
	N              *int   `json:"n"`    // tail/search: at most n most recent entries
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// historyEntry is one executed cell.
type historyEntry struct {
	session, line int
	input         string
	output        *string
}

// History stores executed cells for the kernel's lifetime, across
// evaluator restarts (each restart starts a new session number). It is safe
// for concurrent use.
type History struct {
	mu      sync.Mutex
	session int
	entries []historyEntry
}

// NewHistory returns an empty history in session 1.
func NewHistory() *History { return &History{session: 1} }

// NewSession starts a new session (after an evaluator restart).
func (h *History) NewSession() {
	h.mu.Lock()
	h.session++
	h.mu.Unlock()
}

// Add records input (and its text/plain output, if any) as line of the
// current session.
func (h *History) Add(line int, input string, output *string) {
	h.mu.Lock()
	h.entries = append(h.entries, historyEntry{session: h.session, line: line, input: input, output: output})
	h.mu.Unlock()
}

// Query answers a history request with [session, line, input] triples, or
// [session, line, [input, output]] when req.Output is set.
func (h *History) Query(req HistoryRequest) ([]any, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var sel []historyEntry
	switch req.HistAccessType {
	case "tail", "":
		sel = h.entries
		if req.N != nil && *req.N >= 0 && *req.N < len(sel) {
			sel = sel[len(sel)-*req.N:]
		}
	case "range":
		s := req.Session
		if s <= 0 {
			s = h.session + s
		}
		for _, e := range h.entries {
			if e.session == s && e.line >= req.Start && (req.Stop == nil || e.line < *req.Stop) {
				sel = append(sel, e)
			}
		}
	case "search":
		pat := req.Pattern
		if pat == "" {
			pat = "*"
		}
		re, err := globRegexp(pat)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		// Walk from the newest so that unique keeps the latest occurrence.
		for i := len(h.entries) - 1; i >= 0; i-- {
			e := h.entries[i]
			if !re.MatchString(e.input) {
				continue
			}
			if req.Unique {
				if seen[e.input] {
					continue
				}
				seen[e.input] = true
			}
			sel = append(sel, e)
			if req.N != nil && *req.N > 0 && len(sel) == *req.N {
				break
			}
		}
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	default:
		return nil, fmt.Errorf("kernel: unknown hist_access_type %q (want tail, range or search)", req.HistAccessType)
	}
	out := make([]any, 0, len(sel))
	for _, e := range sel {
		if req.Output {
			var o any
			if e.output != nil {
				o = *e.output
			}
			out = append(out, []any{e.session, e.line, []any{e.input, o}})
		} else {
			out = append(out, []any{e.session, e.line, e.input})
		}
	}
	return out, nil
}

// globRegexp compiles a shell glob (*, ?, [...]) matching a whole string,
// the way IPython's history search does.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(glob)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && (rs[j] == '!' || rs[j] == '^') {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			class := string(rs[i+1 : j])
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("kernel: bad history search pattern %q: %v", glob, err)
	}
	return re, nil
}
