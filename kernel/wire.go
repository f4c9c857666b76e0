package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version the kernel
// speaks (the version of Debian 12's jupyter_client 7.4.9).
const ProtocolVersion = "5.3"

// delimiter separates routing identities from the signed message frames.
const delimiter = "<IDS|MSG>"

// Header is a Jupyter message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message as it travels on the wire. Parent, Metadata
// and Content hold serialized JSON objects; RawHeader is the header exactly as
// received (it becomes the parent_header of replies).
type Message struct {
	Identities [][]byte
	Header     Header
	RawHeader  json.RawMessage
	Parent     json.RawMessage
	Metadata   json.RawMessage
	Content    json.RawMessage
	Buffers    [][]byte
}

// Wire errors returned by DecodeFrames.
var (
	ErrNoDelimiter   = errors.New("kernel: message has no <IDS|MSG> delimiter")
	ErrShortMessage  = errors.New("kernel: message has fewer than 5 frames after the delimiter")
	ErrBadSignature  = errors.New("kernel: message signature does not match (wrong key or forged message)")
	ErrMissingHeader = errors.New("kernel: message header has no msg_type or msg_id")
)

// Signer computes and checks HMAC-SHA256 message signatures. An empty key
// disables signing: signatures are empty and not checked. A Signer is safe
// for concurrent use.
type Signer struct {
	key  []byte
	pool sync.Pool
}

// NewSigner returns a Signer for the connection file's key.
func NewSigner(key []byte) *Signer {
	s := &Signer{key: append([]byte(nil), key...)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

// Sign returns the hex HMAC-SHA256 of the four frames (header, parent
// header, metadata, content), or nil when the key is empty.
func (s *Signer) Sign(frames ...[]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, f := range frames {
		h.Write(f)
	}
	sum := h.Sum(nil)
	s.pool.Put(h)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify reports whether sig is the signature of frames, comparing in
// constant time. With an empty key every signature is accepted.
func (s *Signer) Verify(sig []byte, frames ...[]byte) bool {
	if len(s.key) == 0 {
		return true
	}
	return hmac.Equal(sig, s.Sign(frames...))
}

// DecodeFrames parses a multipart ZeroMQ message into a Message, verifying
// its signature with s. It returns an error naming the problem for a missing
// delimiter, too few frames, a bad signature, or a header, parent header,
// metadata or content frame that is not a JSON object.
func DecodeFrames(frames [][]byte, s *Signer) (*Message, error) {
	d := -1
	for i, f := range frames {
		if string(f) == delimiter {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, ErrNoDelimiter
	}
	if len(frames)-d-1 < 5 {
		return nil, ErrShortMessage
	}
	sig := frames[d+1]
	h, p, md, c := frames[d+2], frames[d+3], frames[d+4], frames[d+5]
	if !s.Verify(sig, h, p, md, c) {
		return nil, ErrBadSignature
	}
	m := &Message{}
	for i := 0; i < d; i++ {
		m.Identities = append(m.Identities, frames[i])
	}
	for _, part := range []struct {
		name string
		b    []byte
	}{{"header", h}, {"parent_header", p}, {"metadata", md}, {"content", c}} {
		if !isJSONObject(part.b) {
			return nil, fmt.Errorf("kernel: message %s is not a JSON object", part.name)
		}
	}
	if err := json.Unmarshal(h, &m.Header); err != nil {
		return nil, fmt.Errorf("kernel: bad message header: %v", err)
	}
	if m.Header.MsgType == "" || m.Header.MsgID == "" {
		return nil, ErrMissingHeader
	}
	m.RawHeader = json.RawMessage(h)
	m.Parent = json.RawMessage(p)
	m.Metadata = json.RawMessage(md)
	m.Content = json.RawMessage(c)
	m.Buffers = frames[d+6:]
	return m, nil
}

// isJSONObject reports whether b is a valid JSON object.
func isJSONObject(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) >= 2 && t[0] == '{' && json.Valid(t)
}

// EncodeFrames serializes m into ZeroMQ frames signed with s:
// identities, delimiter, signature, header, parent header, metadata,
// content, buffers. Empty Parent, Metadata and Content become "{}".
func EncodeFrames(m *Message, s *Signer) ([][]byte, error) {
	h := m.RawHeader
	if h == nil {
		b, err := json.Marshal(m.Header)
		if err != nil {
			return nil, err
		}
		h = b
	}
	orEmpty := func(b json.RawMessage) []byte {
		if len(b) == 0 {
			return []byte("{}")
		}
		return b
	}
	p, md, c := orEmpty(m.Parent), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(delimiter), s.Sign(h, p, md, c), h, p, md, c)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// newUUID returns a random RFC 4122 version 4 UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isoNow returns the current UTC time in ISO 8601 with microseconds.
func isoNow() string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
}

// NewHeader returns a protocol 5.3 header of the given type for session.
func NewHeader(msgType, session, username string) Header {
	return Header{
		MsgID:    newUUID(),
		Session:  session,
		Username: username,
		Date:     isoNow(),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}
