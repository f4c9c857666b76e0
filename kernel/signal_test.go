//go:build unix

package kernel_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

func TestSIGINTInterrupts(t *testing.T) {
	c := startKernel(t, kernel.Options{HandleSignals: true})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "block"})
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := c.reply(c.shellMsgs, id)
	if r.Content["status"] != "error" || r.Content["ename"] != "Interrupted" {
		t.Fatalf("reply after SIGINT %v", r.Content)
	}
	if r, _ := c.execute("1+1", nil); r.Content["status"] != "ok" {
		t.Fatalf("kernel unusable after SIGINT: %v", r.Content)
	}
}

func TestSIGTERMShutsDown(t *testing.T) {
	c := startKernel(t, kernel.Options{HandleSignals: true})
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after SIGTERM")
	}
}
