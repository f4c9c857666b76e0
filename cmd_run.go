package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/gopherprop/gopherprop/interp"
	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/notebook"
)

func init() {
	commands["run"] = command{summary: "execute a notebook without Jupyter and save its outputs", run: runNotebook}
}

const runUsage = `usage: gopherprop run [-o OUT.ipynb] [--timeout DURATION] [-q] NOTEBOOK.ipynb

Executes every code cell of NOTEBOOK.ipynb in order with the gopherprop
engine (no Python or Jupyter needed), as Jupyter's "Restart & Run All"
would: outputs are cleared first, then each cell's printed text, displays,
final value and error are stored in the notebook, which stays valid
nbformat 4. Cells run in the notebook's directory, as in Jupyter.

Without -o the notebook is updated in place, but only when every cell
succeeded: a failed run leaves the file as it was. With -o the executed
notebook is written to OUT.ipynb (or to standard output for "-o -") in
every case, with the error output in the failing cell.

The run stops at the first failing cell; the error and its traceback are
printed and the exit status is 1. Bad arguments or an invalid notebook
exit with status 2. Ctrl-C interrupts the running cell.

Flags:
`

// newRunEvaluator returns the Go evaluator for `gopherprop run`: the same
// engine as the kernel's. Tests replace it with a fake.
var newRunEvaluator = func() (kernel.Evaluator, error) {
	return interp.New(interp.Options{})
}

func runNotebook(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	out := fs.String("o", "", "write the executed notebook to `OUT.ipynb` (\"-\" for standard output) instead of in place")
	timeout := fs.Duration("timeout", 0, "interrupt and fail a cell that runs longer than `DURATION` (e.g. 10m; 0 for no limit)")
	quiet := fs.Bool("q", false, "do not print a progress line per cell")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, runUsage)
		fs.PrintDefaults()
	}
	// Flags may come before or after the notebook's name.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fmt.Fprintln(os.Stderr, "gopherprop run: want exactly one notebook")
		fs.Usage()
		return 2
	}
	// Cells' output never reaches this process's descriptors: the worker
	// writes it to pipes of its own (interp.Evaluator).
	return executeNotebook(pos[0], *out, *timeout, *quiet, os.Stdout, os.Stderr)
}

// executeNotebook implements `gopherprop run`: it writes the notebook to
// stdout for out "-" and reports on stderr.
func executeNotebook(in, out string, timeout time.Duration, quiet bool, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "gopherprop run: "+format+"\n", a...)
		return code
	}
	absIn, err := filepath.Abs(in)
	if err != nil {
		return fail(2, "%v", err)
	}
	absOut := ""
	if out != "" && out != "-" {
		if absOut, err = filepath.Abs(out); err != nil {
			return fail(2, "%v", err)
		}
	}
	nb, err := notebook.ReadFile(absIn)
	if err != nil {
		return fail(2, "%v", err)
	}

	// Cells run in the notebook's directory, as under Jupyter.
	wd, err := os.Getwd()
	if err != nil {
		return fail(2, "%v", err)
	}
	if err := os.Chdir(filepath.Dir(absIn)); err != nil {
		return fail(2, "%v", err)
	}
	defer os.Chdir(wd)

	ev, err := newRunEvaluator()
	if err != nil {
		return fail(1, "cannot start the Go evaluator: %v", err)
	}
	defer ev.Close()
	setMetadata(nb, ev.LanguageInfo())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var log io.Writer
	if !quiet {
		log = stderr
	}
	start := time.Now()
	runErr := notebook.Run(nb, ev, notebook.Options{Context: ctx, CellTimeout: timeout, Log: log})

	switch {
	case out == "-":
		if err := notebook.Write(stdout, nb); err != nil {
			return fail(1, "writing the notebook: %v", err)
		}
	case absOut != "":
		if err := notebook.WriteFile(absOut, nb); err != nil {
			return fail(1, "writing the notebook: %v", err)
		}
	case runErr == nil:
		if err := notebook.WriteFile(absIn, nb); err != nil {
			return fail(1, "writing the notebook: %v", err)
		}
	}
	if runErr != nil {
		msg := runErr.Error()
		if absOut == "" && out != "-" {
			msg += "\n" + in + " was left unchanged (use -o to save the failed run)"
		}
		return fail(1, "%s: %s", in, msg)
	}
	if !quiet {
		dest := in
		if out != "" {
			dest = out
		}
		fmt.Fprintf(stderr, "gopherprop run: %s: %d code cells ran in %.1fs; saved to %s\n",
			in, countRun(nb), time.Since(start).Seconds(), dest)
	}
	return 0
}

// setMetadata fills in the kernelspec and language_info (the evaluator's
// language) of a notebook that has none, as Jupyter does when it runs a
// notebook with the kernel. Existing metadata is left alone, so that
// rerunning never changes it.
func setMetadata(nb *notebook.Notebook, lang kernel.LanguageInfo) {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	if _, ok := nb.Metadata["kernelspec"]; !ok {
		nb.Metadata["kernelspec"] = map[string]any{"display_name": kernelDisplayName, "language": lang.Name, "name": kernelspecName}
	}
	if _, ok := nb.Metadata["language_info"]; !ok {
		nb.Metadata["language_info"] = lang.Metadata()
	}
}

func countRun(nb *notebook.Notebook) int {
	n := 0
	for _, c := range nb.Cells {
		if c.Type == notebook.Code && c.ExecutionCount != nil {
			n++
		}
	}
	return n
}
