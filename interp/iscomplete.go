package interp

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// isComplete implements kernel.Evaluator.IsComplete by parsing the cell as
// it will run (cell.Split, or the whole file for a cell that starts with a
// package clause): "complete" when it parses; "incomplete" when the parser
// stops at the end of the input, so that more lines may finish it (an open
// bracket or block, an operator with no operand, a raw string or comment
// not terminated); "invalid" when it stops before the end, which no further
// line can repair. The code is judged as a console sends it on Enter, with
// a newline to come: "f(1" and "if x" are invalid, since Go inserts a
// semicolon at that newline. Magics and help requests (%..., x?) are
// complete. When incomplete, indent is one tab per open bracket.
//
// "func (x) {" is incomplete, not invalid: it cannot begin a method (the
// name is missing), but in a cell it begins a function literal with a
// parameter of type x, which "}(v)" completes into a statement that calls
// it (see cell.Split).
func isComplete(code string) (status, indent string) {
	trimmed := strings.TrimSpace(code)
	if trimmed == "" || strings.HasPrefix(trimmed, "%") {
		return "complete", ""
	}
	if _, ok := helpRequest(trimmed); ok {
		return "complete", ""
	}
	var atEnd bool
	if strings.HasPrefix(trimmed, "package ") {
		ok, end := parseFileCell(code)
		if ok {
			return "complete", ""
		}
		atEnd = end
	} else {
		_, cerr := cell.Split(code)
		if cerr == nil {
			return "complete", ""
		}
		atEnd = cerr.AtEnd
	}
	if !atEnd {
		return "invalid", ""
	}
	return "incomplete", strings.Repeat("\t", openBrackets(code))
}

// parseFileCell parses a whole-file cell and reports whether it parses and,
// if not, whether the first error is at the end of the input (see
// cell.Error.AtEnd).
func parseFileCell(code string) (ok, atEnd bool) {
	src := strings.TrimRight(code, " \t\r\n")
	_, err := parser.ParseFile(token.NewFileSet(), "cell", src+"\n", 0)
	if err == nil {
		return true, false
	}
	list, _ := err.(scanner.ErrorList)
	if len(list) == 0 {
		return false, false
	}
	e := list[0]
	switch e.Msg {
	case "raw string literal not terminated", "comment not terminated":
		return false, true
	}
	return false, e.Pos.Offset > len(src)
}

// openBrackets counts the brackets still open at the end of code, for the
// indent hint; it is 0 inside a raw string or comment that is not
// terminated, where an indent would become part of the text.
func openBrackets(code string) int {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	open := false
	s.Init(file, []byte(code), func(_ token.Position, msg string) {
		if msg == "raw string literal not terminated" || msg == "comment not terminated" {
			open = true
		}
	}, 0)
	depth := 0
	for {
		_, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
	}
	if open || depth < 0 {
		return 0
	}
	return depth
}
