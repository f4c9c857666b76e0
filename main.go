// Command gopherprop is a Jupyter kernel for Go with differentiable
// programming built in.
//
// Usage:
//
//	gopherprop kernel CONNECTION_FILE   run the kernel (what kernel.json starts)
//	gopherprop install [--user | --sys-prefix | --prefix DIR]
//	                                    install the "gopherprop" kernelspec
//	gopherprop run NOTEBOOK.ipynb [-o OUT.ipynb]
//	                                    execute a notebook without Jupyter
//	gopherprop version                  print the version
//
// Each subcommand lives in its own cmd_*.go file and registers itself in
// commands from an init function.
package main

import (
	"fmt"
	"os"
	"sort"
)

// command is one subcommand of the gopherprop binary.
type command struct {
	summary string
	hidden  bool
	run     func(args []string) int
}

// commands maps subcommand names to their implementations.
var commands = map[string]command{}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gopherprop COMMAND [ARGS]")
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if !c.hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "gopherprop: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	os.Exit(c.run(os.Args[2:]))
}
