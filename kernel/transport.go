package kernel

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/go-zeromq/zmq4"
)

// sendQueueLen bounds every socket's outgoing queue. Producers block when
// it is full, which bounds memory while never reordering messages.
const sendQueueLen = 1024

// outgoing is one message queued for a socket's writer goroutine. done,
// when non-nil, is closed once the message has been handed to zmq4.
type outgoing struct {
	msg  zmq4.Msg
	done chan struct{}
}

// channel is one bound ZeroMQ socket with a single writer goroutine:
// zmq4 sockets are not safe for concurrent Send.
type channel struct {
	name string
	sock zmq4.Socket
	out  chan outgoing
	k    *Kernel

	// subscriberDeadline, when set on the PUB channel, holds back the
	// first messages until a subscriber is connected or the deadline
	// passes, so that "starting" and the first busy/idle are not lost to
	// the PUB/SUB slow-joiner effect.
	subscriberDeadline time.Time
}

// newChannel binds sock to endpoint and starts its writer. It returns the
// port actually bound (useful when the connection file asked for port 0).
func newChannel(k *Kernel, name string, sock zmq4.Socket, endpoint string) (*channel, int, error) {
	if err := sock.Listen(endpoint); err != nil {
		return nil, 0, fmt.Errorf("kernel: %s socket: %w", name, err)
	}
	port := 0
	if a, ok := sock.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	c := &channel{name: name, sock: sock, out: make(chan outgoing, sendQueueLen), k: k}
	go c.writer()
	return c, port, nil
}

func (c *channel) writer() {
	for o := range c.out {
		if !c.subscriberDeadline.IsZero() {
			c.waitSubscriber()
		}
		if len(o.msg.Frames) > 0 {
			if err := c.sock.Send(o.msg); err != nil {
				c.k.logf("%s: send failed: %v", c.name, err)
			}
		}
		if o.done != nil {
			close(o.done)
		}
	}
}

// send queues frames for sending; it blocks while the queue is full.
func (c *channel) send(frames [][]byte) {
	c.out <- outgoing{msg: zmq4.NewMsgFrom(frames...)}
}

// flush waits until everything queued before the call has been handed to
// zmq4, or until timeout.
func (c *channel) flush(timeout time.Duration) {
	done := make(chan struct{})
	select {
	case c.out <- outgoing{done: done}:
	case <-time.After(timeout):
		return
	}
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// reader receives messages until ctx is done, decoding and verifying each
// and passing valid ones to handle. Invalid messages are logged and
// dropped.
func (c *channel) reader(ctx context.Context, handle func(*Message)) {
	for {
		msg, err := c.sock.Recv()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			c.k.logf("%s: receive failed: %v", c.name, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		m, err := DecodeFrames(msg.Frames, c.k.signer)
		if err != nil {
			c.k.logf("%s: dropped message: %v", c.name, err)
			continue
		}
		handle(m)
	}
}

// heartbeat echoes every message on the REP socket until ctx is done.
func heartbeat(ctx context.Context, k *Kernel, sock zmq4.Socket) {
	for {
		msg, err := sock.Recv()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		if err := sock.Send(msg); err != nil {
			k.logf("heartbeat: send failed: %v", err)
		}
	}
}

// waitSubscriber polls the PUB socket until it has a subscription or the
// deadline passes; afterwards it never waits again.
func (c *channel) waitSubscriber() {
	t, ok := c.sock.(zmq4.Topics)
	for ok && time.Now().Before(c.subscriberDeadline) && len(t.Topics()) == 0 {
		time.Sleep(time.Millisecond)
	}
	c.subscriberDeadline = time.Time{}
}
