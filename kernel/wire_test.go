package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestSignMatchesHMACSHA256(t *testing.T) {
	s := NewSigner([]byte("secret"))
	frames := [][]byte{[]byte(`{"a":1}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"x"}`)}
	mac := hmac.New(sha256.New, []byte("secret"))
	for _, f := range frames {
		mac.Write(f)
	}
	want := hex.EncodeToString(mac.Sum(nil))
	if got := string(s.Sign(frames...)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !s.Verify([]byte(want), frames...) {
		t.Error("Verify rejected a good signature")
	}
	bad := []byte(want)
	bad[0] ^= 1
	if s.Verify(bad, frames...) || s.Verify(nil, frames...) {
		t.Error("Verify accepted a bad signature")
	}
	if NewSigner(nil).Sign(frames...) != nil || !NewSigner(nil).Verify([]byte("x"), frames...) {
		t.Error("empty key must disable signing")
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := NewSigner([]byte("k"))
	m := &Message{
		Identities: [][]byte{[]byte("id1"), []byte("id2")},
		Header:     NewHeader("execute_request", "sess", "me"),
		Parent:     json.RawMessage(`{"msg_id":"p"}`),
		Content:    json.RawMessage(`{"code":"1+1"}`),
		Buffers:    [][]byte{{0, 1, 2}},
	}
	frames, err := EncodeFrames(m, s)
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[2]) != delimiter || string(frames[6]) != "{}" {
		t.Fatalf("frame layout %q", frames)
	}
	got, err := DecodeFrames(frames, s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header != m.Header || string(got.Content) != string(m.Content) || string(got.Parent) != string(m.Parent) ||
		len(got.Identities) != 2 || !bytes.Equal(got.Buffers[0], []byte{0, 1, 2}) {
		t.Fatalf("round trip: %+v", got)
	}
	if _, err := DecodeFrames(frames, NewSigner([]byte("other"))); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestHeaderFormat(t *testing.T) {
	h := NewHeader("status", "s", "u")
	if h.Version != "5.3" {
		t.Errorf("version %s", h.Version)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`).MatchString(h.Date) {
		t.Errorf("date %q is not ISO 8601", h.Date)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(h.MsgID) {
		t.Errorf("msg_id %q is not a UUID v4", h.MsgID)
	}
	if NewHeader("x", "s", "u").MsgID == h.MsgID {
		t.Error("msg ids repeat")
	}
}

func TestDecodeErrors(t *testing.T) {
	s := NewSigner([]byte("k"))
	sign := func(h, p, m, c string) [][]byte {
		return [][]byte{[]byte(delimiter), s.Sign([]byte(h), []byte(p), []byte(m), []byte(c)), []byte(h), []byte(p), []byte(m), []byte(c)}
	}
	for _, tc := range []struct {
		name   string
		frames [][]byte
		want   string
	}{
		{"empty", nil, "no <IDS|MSG>"},
		{"short", [][]byte{[]byte(delimiter), []byte("x")}, "fewer than 5"},
		{"unsigned", [][]byte{[]byte(delimiter), nil, []byte(`{}`), []byte(`{}`), []byte(`{}`), []byte(`{}`)}, "signature"},
		{"header not JSON", sign(`nope`, `{}`, `{}`, `{}`), "header is not a JSON object"},
		{"content array", sign(`{"msg_id":"a","msg_type":"b"}`, `{}`, `{}`, `[]`), "content is not a JSON object"},
		{"no type", sign(`{"msg_id":"a"}`, `{}`, `{}`, `{}`), "no msg_type"},
		{"header types", sign(`{"msg_id":1,"msg_type":"b"}`, `{}`, `{}`, `{}`), "bad message header"},
	} {
		_, err := DecodeFrames(tc.frames, s)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: err %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestCompleteUTF8(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"abc", 3}, {"aé", 3}, {"a\xc3", 1}, {"a\xe2\x82", 1}, {"a€", 4}, {"", 0}, {"\xff", 1}} {
		if got := completeUTF8([]byte(tc.in)); got != tc.want {
			t.Errorf("completeUTF8(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestConnectionFile(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ci, err := ReadConnectionFile(write(`{"transport":"ipc","ip":"/tmp/k","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"x","signature_scheme":"hmac-sha256"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ci.Endpoint(ci.ShellPort) != "ipc:///tmp/k-1" {
		t.Errorf("ipc endpoint %s", ci.Endpoint(ci.ShellPort))
	}
	ci, err = ReadConnectionFile(write(`{"shell_port":5000}`))
	if err != nil || ci.Endpoint(5000) != "tcp://127.0.0.1:5000" {
		t.Errorf("defaults: %v %s", err, ci.Endpoint(5000))
	}
	for _, bad := range []struct{ file, want string }{
		{`{"transport":"udp"}`, "transport"},
		{`{"signature_scheme":"hmac-md5"}`, "signature_scheme"},
		{`{"shell_port":70000}`, "shell_port"},
		{`{"transport":"ipc"}`, "ipc"},
		{`not json`, "not valid JSON"},
	} {
		_, err := ReadConnectionFile(write(bad.file))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(bad.want)) {
			t.Errorf("%s: err %v, want mention of %q", bad.file, err, bad.want)
		}
	}
	if _, err := ReadConnectionFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		glob, s string
		want    bool
	}{{"1?2", "1+2", true}, {"1?2", "1+22", false}, {"*", "a\nb", true}, {"a*", "ba", false},
		{"[ab]c", "bc", true}, {"[!ab]c", "bc", false}, {"a.b", "axb", false}, {"[", "[", true}} {
		re, err := globRegexp(tc.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(tc.s); got != tc.want {
			t.Errorf("glob %q on %q = %v", tc.glob, tc.s, got)
		}
	}
}

// FuzzDecodeFrames checks that arbitrary frames never panic the decoder and
// that anything it accepts re-encodes to frames that decode identically.
// The seed corpus in testdata/fuzz runs with every go test.
func FuzzDecodeFrames(f *testing.F) {
	s := NewSigner([]byte("fuzz-key"))
	good, _ := EncodeFrames(&Message{Identities: [][]byte{[]byte("id")}, Header: NewHeader("execute_request", "s", "u"), Content: []byte(`{"code":"1"}`)}, s)
	f.Add(bytes.Join(good, []byte{0}), true)
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, signIt bool) {
		frames := bytes.Split(data, []byte{0})
		if signIt {
			// Re-sign so that the fuzzer also reaches the JSON checks.
			for i, fr := range frames {
				if string(fr) == delimiter && len(frames) >= i+6 {
					frames[i+1] = s.Sign(frames[i+2], frames[i+3], frames[i+4], frames[i+5])
					break
				}
			}
		}
		m, err := DecodeFrames(frames, s)
		if err != nil {
			return
		}
		out, err := EncodeFrames(m, s)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := DecodeFrames(out, s)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if m2.Header != m.Header || !bytes.Equal(m2.Content, m.Content) {
			t.Fatalf("round trip changed the message")
		}
	})
}

func TestNewExecError(t *testing.T) {
	e := NewExecError("CompileError", "1:2: undefined: x")
	if e.Name != "CompileError" || e.Value != "1:2: undefined: x" || len(e.Traceback) != 1 || e.Traceback[0] != "CompileError: 1:2: undefined: x" {
		t.Fatalf("default traceback: %+v", e)
	}
	e = NewExecError("Panic", "boom", "Panic: boom", "  at line 3")
	if len(e.Traceback) != 2 || e.Traceback[1] != "  at line 3" || e.Error() != "Panic: boom" {
		t.Fatalf("explicit traceback: %+v", e)
	}
}
