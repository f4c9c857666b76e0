package interp_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/gopherprop/gopherprop/interp"
	"github.com/gopherprop/gopherprop/kernel"
)

// printOutput is a minimal kernel.Output that prints what a cell produces.
type printOutput struct{}

func (printOutput) Stream(name, text string) { fmt.Print(text) }
func (printOutput) Display(d kernel.DisplayData) {
	fmt.Println("[display]", d.Data["text/plain"])
}
func (printOutput) ClearOutput(wait bool) {}
func (printOutput) Input(prompt string, password bool) (string, error) {
	return "", fmt.Errorf("no input in this example")
}

// exampleOptions makes the examples' worker this test binary (see
// TestMain); a real program uses interp.Options{} and the gopherprop binary.
func exampleOptions() interp.Options {
	return interp.Options{Command: os.Args[0], Args: []string{}, Env: []string{"GOPHERPROP_INTERP_TEST_WORKER=1"}}
}

// ExampleNew shows how the kernel creates an evaluator: the default options
// start `<this executable> worker` as the evaluation process.
func ExampleNew() {
	ev, err := interp.New(interp.Options{Log: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	defer ev.Close()
	res, xerr := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: "1 + 1"}, printOutput{})
	if xerr != nil {
		log.Fatal(strings.Join(xerr.Traceback, "\n"))
	}
	fmt.Println(res.Data["text/plain"])
}

// ExampleEvaluator_Execute runs cells that mix imports, declarations and
// statements, print, and end in an expression whose value is the result.
func ExampleEvaluator_Execute() {
	ev, err := interp.New(exampleOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer ev.Close()
	cells := []string{
		"import \"strings\"\nfunc shout(s string) string { return strings.ToUpper(s) + \"!\" }\nfmt.Println(shout(\"hello\"))",
		"shout(\"go\")",
		"nosuch + 1",
	}
	for _, c := range cells {
		res, xerr := ev.Execute(context.Background(), kernel.ExecuteRequest{Code: c}, printOutput{})
		switch {
		case xerr != nil:
			fmt.Println(xerr.Name+":", xerr.Value)
		case res.Data != nil:
			fmt.Println("=>", res.Data["text/plain"])
		}
	}
	// Output:
	// HELLO!
	// => "GO!"
	// CompileError: 1:1: undefined: nosuch
}

// ExampleEvaluator_Complete completes members of a preloaded package.
func ExampleEvaluator_Complete() {
	ev, err := interp.New(exampleOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer ev.Close()
	c := ev.Complete("mat.NewVec", 10)
	fmt.Println(c.Matches, c.CursorStart, c.CursorEnd)
	// Output:
	// [NewVecDense] 4 10
}
