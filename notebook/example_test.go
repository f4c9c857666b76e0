package notebook_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gopherprop/gopherprop/kernel"
	"github.com/gopherprop/gopherprop/notebook"
)

// upper is a toy kernel.Evaluator: it prints each cell's code in capitals
// and returns its length as the cell's value.
type upper struct{}

func (upper) Execute(_ context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, *kernel.ExecError) {
	out.Stream("stdout", strings.ToUpper(req.Code)+"\n")
	return kernel.ExecuteResult{Data: map[string]any{"text/plain": fmt.Sprint(len(req.Code))}}, nil
}
func (upper) Complete(string, int) kernel.Completion     { return kernel.Completion{} }
func (upper) Inspect(string, int, int) kernel.Inspection { return kernel.Inspection{} }
func (upper) IsComplete(string) (string, string)         { return "complete", "" }
func (upper) Restart() error                             { return nil }
func (upper) Close() error                               { return nil }
func (upper) LanguageInfo() kernel.LanguageInfo {
	return kernel.LanguageInfo{Name: "upper", FileExtension: ".txt"}
}

func ExampleRun() {
	nb, err := notebook.Parse([]byte(`{
 "cells": [
  {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Demo"},
  {"cell_type": "code", "id": "c", "metadata": {}, "source": "hello", "execution_count": null, "outputs": []}
 ],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := notebook.Run(nb, upper{}, notebook.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	c := nb.Cells[1]
	fmt.Println(*c.ExecutionCount, c.Outputs[0].Type, strings.TrimSpace(c.Outputs[0].Text))
	fmt.Println(c.Outputs[1].Type, c.Outputs[1].Data["text/plain"])
	// Output:
	// 1 stream HELLO
	// execute_result 5
}

func ExampleParse() {
	_, err := notebook.Parse([]byte(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "source": "x"}]}`))
	fmt.Println(err)
	// Output:
	// invalid nbformat 4 notebook (2 problems):
	//   cells[0] (code): missing "execution_count" (null when not run)
	//   cells[0] (code): missing "outputs" (an array, empty when not run)
}

func ExampleWrite() {
	nb := notebook.New(map[string]any{"kernelspec": map[string]any{"name": "gopherprop"}})
	nb.Cells = append(nb.Cells, &notebook.Cell{ID: "intro", Type: notebook.Markdown, Source: "# Title\nText"})
	notebook.Write(os.Stdout, nb)
	// Output:
	// {
	//  "cells": [
	//   {
	//    "cell_type": "markdown",
	//    "id": "intro",
	//    "metadata": {},
	//    "source": [
	//     "# Title\n",
	//     "Text"
	//    ]
	//   }
	//  ],
	//  "metadata": {
	//   "kernelspec": {
	//    "name": "gopherprop"
	//   }
	//  },
	//  "nbformat": 4,
	//  "nbformat_minor": 5
	// }
}
