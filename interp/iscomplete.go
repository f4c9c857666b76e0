package interp

import (
	"go/scanner"
	"go/token"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// isComplete implements kernel.Evaluator.IsComplete: "incomplete" while
// brackets, a raw string or a comment are open, or a line ends with a binary
// operator or comma; "invalid" for code that cannot parse; otherwise
// "complete". indent is one tab per open bracket level.
func isComplete(code string) (status, indent string) {
	trimmed := strings.TrimSpace(code)
	if trimmed == "" || strings.HasPrefix(trimmed, "%") {
		return "complete", ""
	}
	if _, ok := helpRequest(trimmed); ok {
		return "complete", ""
	}
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var s scanner.Scanner
	open := false
	s.Init(file, []byte(code), func(pos token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			open = true
		}
	}, scanner.ScanComments)
	depth := 0
	var last token.Token
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue
		}
		if tok != token.COMMENT {
			last = tok
		}
	}
	if open {
		return "incomplete", ""
	}
	if depth < 0 {
		return "invalid", ""
	}
	if depth > 0 {
		return "incomplete", strings.Repeat("\t", depth)
	}
	switch last {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR,
		token.SHL, token.SHR, token.AND_NOT, token.LAND, token.LOR, token.EQL, token.NEQ, token.LSS,
		token.GTR, token.LEQ, token.GEQ, token.COMMA, token.PERIOD, token.ASSIGN, token.DEFINE, token.ARROW:
		return "incomplete", ""
	}
	if _, cerr := cell.Split(code); cerr != nil {
		return "invalid", ""
	}
	return "complete", ""
}
