package cell

import (
	"go/scanner"
	"go/token"
	"regexp"
	"strings"
)

// gcSyntax maps go/parser's messages for the common syntax errors to the
// wording of gc (cmd/compile/internal/syntax), which is what `go build` and
// `go run` print. In a replacement, $1… are the message's groups and
// {found} the token go/parser found (or, for "missing ','" messages, the
// token at the error's position), described as gc describes tokens: name x,
// literal 2, keyword else, newline, EOF, or the operator itself.
// TestGcSyntaxTable checks each row against go build.
var gcSyntax = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^missing ',' before newline in (argument list|parameter list)$`),
		"unexpected newline in $1; possibly missing comma or )"},
	{regexp.MustCompile(`^missing ',' before newline in composite literal$`),
		"unexpected newline in composite literal; possibly missing comma or }"},
	{regexp.MustCompile(`^missing ',' in (argument list|parameter list)$`),
		"unexpected {found} in $1; possibly missing comma or )"},
	{regexp.MustCompile(`^missing ',' in composite literal$`),
		"unexpected {found} in composite literal; possibly missing comma or }"},
	{regexp.MustCompile(`^expected operand, found (.*)$`), "unexpected {found}, expected expression"},
	{regexp.MustCompile(`^expected type, found (.*)$`), "unexpected {found}, expected type"},
	{regexp.MustCompile(`^expected ';', found (.*)$`), "unexpected {found} at end of statement"},
	{regexp.MustCompile(`^expected '([}):(])', found (.*)$`), "unexpected {found}, expected $1"},
	{regexp.MustCompile(`^unexpected newline, expecting \{ after (if|for|switch) clause$`),
		"unexpected newline, expected { after $1 clause"},
}

// GcSyntaxMessage returns gc's wording ("syntax error: …") of go/parser's
// syntax error msg, found at line and column col (1-based) of src, or msg
// unchanged when the table above has no row for it.
func GcSyntaxMessage(msg, src string, line, col int) string {
	for _, row := range gcSyntax {
		m := row.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		found := ""
		if strings.HasPrefix(msg, "missing ','") {
			found = tokenAt(src, line, col)
		} else {
			found = describeFound(m[len(m)-1])
		}
		if found == "" && strings.Contains(row.repl, "{found}") {
			return msg
		}
		out := row.re.ReplaceAllString(msg, row.repl)
		return "syntax error: " + strings.ReplaceAll(out, "{found}", found)
	}
	return msg
}

// describeFound turns the "found …" part of a go/parser message (a quoted
// token, a literal's text, or newline) into gc's description.
func describeFound(f string) string {
	if f == "newline" {
		return f
	}
	if len(f) >= 2 && f[0] == '\'' && f[len(f)-1] == '\'' {
		t := f[1 : len(f)-1]
		switch {
		case t == "EOF":
			return "EOF"
		case token.IsKeyword(t):
			return "keyword " + t
		}
		return gcOperator(t)
	}
	if token.IsIdentifier(f) {
		return "name " + f
	}
	return "literal " + f
}

// tokenAt describes the token at line and column col of src as gc does,
// or returns "".
func tokenAt(src string, line, col int) string {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(src[off:], '\n')
		if i < 0 {
			return ""
		}
		off += i + 1
	}
	off += col - 1
	if off < 0 || off > len(src) {
		return ""
	}
	rest := src[off:]
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("", -1, len(rest)), []byte(rest), nil, 0)
	_, tok, lit := s.Scan()
	switch {
	case tok == token.EOF:
		return "EOF"
	case tok == token.SEMICOLON && lit == "\n":
		return "newline"
	case tok == token.IDENT:
		return "name " + lit
	case tok.IsLiteral():
		return "literal " + lit
	case tok.IsKeyword():
		return "keyword " + tok.String()
	}
	return gcOperator(tok.String())
}

// gcOperator is gc's name of an operator or delimiter token.
func gcOperator(t string) string {
	switch t {
	case ",":
		return "comma"
	case ";":
		return "semicolon"
	}
	return t
}
