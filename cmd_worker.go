package main

import "github.com/gopherprop/gopherprop/interp"

func init() {
	commands["worker"] = command{
		summary: "run the Go evaluation worker (started by the kernel)",
		hidden:  true,
		run:     interp.WorkerMain,
	}
}
