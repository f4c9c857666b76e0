package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/gopherprop/gopherprop/interp"
	"github.com/gopherprop/gopherprop/kernel"
)

func init() {
	commands["kernel"] = command{summary: "run the Jupyter kernel (kernel.json starts it with a connection file)", run: runKernel}
}

// kernelHelpLinks appear in the front end's help menu.
var kernelHelpLinks = []kernel.HelpLink{
	{Text: "Go documentation", URL: "https://go.dev/doc/"},
	{Text: "Go language specification", URL: "https://go.dev/ref/spec"},
	{Text: "gopherprop", URL: "https://github.com/gopherprop/gopherprop"},
}

func runKernel(args []string) int {
	if len(args) != 1 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: gopherprop kernel CONNECTION_FILE")
		return 2
	}
	// Cells' output goes to the worker's own pipes, never to this
	// process's standard error, which stays the log.
	logw := os.Stderr
	logger := log.New(logw, "gopherprop kernel: ", log.LstdFlags|log.Lmicroseconds)
	info, err := kernel.ReadConnectionFile(args[0])
	if err != nil {
		logger.Print(err)
		return 1
	}
	// The worker starts in the background while the sockets are bound, so
	// the front end sees the kernel ready sooner; if it cannot start, cells
	// report why (and a restart tries again) instead of the kernel dying.
	ev := kernel.NewLazyEvaluator(interp.Language(), func() (kernel.Evaluator, error) { return newKernelEvaluator(logw) })
	k, err := kernel.New(info, ev, kernel.Options{
		Logger:                logger,
		ImplementationVersion: Version,
		Banner:                fmt.Sprintf("gopherprop %s: Go cells with automatic differentiation", Version),
		HelpLinks:             kernelHelpLinks,
		HandleSignals:         true,
	})
	if err != nil {
		logger.Print(err)
		return 1
	}
	if err := k.Serve(); err != nil {
		logger.Print(err)
		return 1
	}
	// Stop the worker, but never let a stuck cell delay the exit that
	// jupyter_client is waiting for.
	closed := make(chan struct{})
	go func() {
		ev.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Second):
		logger.Print("evaluator did not close within 1s; exiting anyway")
	}
	return 0
}

// newKernelEvaluator returns the evaluator the kernel runs cells with: the
// yaegi worker of package interp, logging worker restarts to logw.
func newKernelEvaluator(logw io.Writer) (kernel.Evaluator, error) {
	ev, err := interp.New(interp.Options{Log: logw})
	if err != nil {
		logw.Write([]byte("gopherprop kernel: cannot start the Go evaluator: " + err.Error() + "\n"))
		return nil, err
	}
	return ev, nil
}
