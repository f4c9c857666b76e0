// Command fakekernel runs the gopherprop kernel protocol with the fake
// evaluator of package fakeeval. It exists only to test the protocol layer
// end to end (jupyter_kernel_test, jupyter console, nbclient, benchmarks)
// independently of the Go interpreter. Usage:
//
//	fakekernel kernel CONNECTION_FILE
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/kernel/internal/fakeeval"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "kernel" {
		fmt.Fprintln(os.Stderr, "usage: fakekernel kernel CONNECTION_FILE")
		os.Exit(2)
	}
	logger := log.New(os.Stderr, "fakekernel: ", log.LstdFlags|log.Lmicroseconds)
	err := kernel.Run(os.Args[2], fakeeval.New(), kernel.Options{
		Logger:                logger,
		Implementation:        "gopherprop",
		ImplementationVersion: "fake",
		HandleSignals:         true,
	})
	if err != nil {
		logger.Print(err)
		os.Exit(1)
	}
	os.Exit(0)
}
