package cell

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// Kind classifies one top-level item of a cell.
type Kind int

const (
	ImportItem Kind = iota // import declaration
	DeclItem               // func, method, type or const declaration
	StmtItem               // statement, including var declarations
)

func (k Kind) String() string {
	switch k {
	case ImportItem:
		return "import"
	case DeclItem:
		return "decl"
	}
	return "stmt"
}

// Item is one top-level piece of a cell: an import, a declaration or a
// statement, with its parsed form.
type Item struct {
	Kind      Kind
	Text      string // source text of the item
	Line, Col int    // 1-based position of text in the cell
	Decls     []ast.Decl
	Stmts     []ast.Stmt
	Fset      *token.FileSet
	Rewritten bool // the AST was changed: print it instead of using text
	// ExprRewritten: the final expression statement itself was changed
	ExprRewritten bool
	norm          string // cached normText
	Force         bool   // evaluate even if unchanged (its type was redefined)
	// WrapText: run the unrewritten text inside func() { ... }() (see
	// topLevelMulti)
	WrapText bool
}

// Error is a compile or syntax error at a position of a cell.
type Error struct {
	Line, Col int
	Msg       string
	// AtEnd: the error was found at the end of the cell (an open bracket
	// or block, an operator with no operand, a raw string or a comment
	// not terminated), so that more text may complete the cell.
	AtEnd bool
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// rawItem is a top-level span found by the scanner.
type rawItem struct {
	start, end int
	first      token.Token
	second     token.Token
}

// scanItems splits src at top-level semicolons (explicit or inserted at
// newlines) using go/scanner. Brackets are tracked so that only depth-0
// semicolons end an item.
func scanItems(src string) ([]rawItem, *Error) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	var firstErr *Error
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if firstErr == nil {
			// Only these two run to the end of the input; a string or
			// rune literal ends at its line's end, whatever follows.
			atEnd := msg == "raw string literal not terminated" || msg == "comment not terminated"
			firstErr = &Error{pos.Line, pos.Column, msg, atEnd}
		}
	}, 0)
	var items []rawItem
	depth := 0
	header := false // inside an if/for/switch header, where ';' separates clauses
	cur := rawItem{start: -1}
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		off := file.Offset(pos)
		switch tok {
		case token.IF, token.FOR, token.SWITCH:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
		}
		switch tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			if depth > 0 {
				depth--
			}
		}
		if tok == token.SEMICOLON && depth == 0 && !(header && lit == ";") {
			if cur.start >= 0 {
				cur.end = off
				if lit == "\n" || lit == "" {
					cur.end = off
				}
				items = append(items, cur)
			}
			cur = rawItem{start: -1}
			continue
		}
		if cur.start < 0 {
			cur = rawItem{start: off, first: tok, second: token.ILLEGAL}
		} else if cur.second == token.ILLEGAL {
			cur.second = tok
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if cur.start >= 0 {
		cur.end = len(src)
		items = append(items, cur)
	}
	for i := range items {
		// Trim trailing whitespace so that items end at their last token.
		items[i].end = items[i].start + len(strings.TrimRight(src[items[i].start:items[i].end], " \t\r\n"))
	}
	return items, nil
}

// lineCol returns the 1-based line and column of byte offset off in src.
func lineCol(src string, off int) (int, int) {
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

// padTo returns text preceded by newlines and spaces so that it starts at
// line+1, column col of the returned string when prefix (which must not
// contain a newline) stands on the first line.
func padTo(prefix string, line, col int) string {
	return prefix + strings.Repeat("\n", line) + strings.Repeat(" ", col-1)
}

// parseErr converts the first go/parser error in err into an Error,
// undoing the one-line shift introduced by padTo. The parsed text ends at
// offset end and is followed by a newline: an error after that newline (at
// the wrapper's closing brace or the end of input) is AtEnd when last is
// set, that is when the text is the cell's last item. An error at the
// newline itself is not: the semicolon Go inserts there ("missing ','
// before newline", "unexpected newline") is there whatever the next line
// holds, as it is when a console sends the cell on Enter and adds a line.
//
// An error past the text is reported just after the text's last character
// (at line and col of the cell if the text began there), not at the
// wrapper's place.
func parseErr(err error, end int, last bool, text string, line, col int) *Error {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return &Error{line, col, err.Error(), false}
	}
	e := list[0]
	if e.Pos.Offset <= end {
		return &Error{e.Pos.Line - 1, e.Pos.Column, e.Msg, false}
	}
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		line, col = line+strings.Count(text, "\n"), 1
		text = text[i+1:]
	}
	return &Error{line, col + len(text), e.Msg, last}
}

// parseStmts parses text, the statements of an item at line and column col
// of the cell, inside a function body, and returns them with the file set
// that resolves their positions.
func parseStmts(text string, line, col int, last bool) ([]ast.Stmt, *token.FileSet, *Error) {
	prefix := padTo("package p;func _(){", line, col)
	body := prefix + text + "\n}"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", body, parser.ParseComments)
	end := len(prefix) + len(text)
	// A '}' of the text that closes the wrapper's function body is a
	// brace with no block open; without this check the error would be
	// reported at the wrapper's own '}', past the text.
	if f != nil && len(f.Decls) > 0 {
		if fd, ok := f.Decls[0].(*ast.FuncDecl); ok && fd.Body != nil && fd.Body.Rbrace.IsValid() {
			if rb := fset.Position(fd.Body.Rbrace); rb.Offset < end {
				var first token.Position
				if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
					first = list[0].Pos
				}
				if err == nil || first.Offset > rb.Offset {
					return nil, nil, &Error{rb.Line - 1, rb.Column, "unexpected '}': no block is open", false}
				}
			}
		}
	}
	if err != nil {
		return nil, nil, parseErr(err, end, last, text, line, col)
	}
	return f.Decls[0].(*ast.FuncDecl).Body.List, fset, nil
}

// parseDecls parses text, the declarations of an item at line and column
// col of the cell, as the top level of a file.
func parseDecls(text string, line, col int, last bool) ([]ast.Decl, *token.FileSet, *Error) {
	prefix := padTo("package p;", line, col)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", prefix+text+"\n", parser.ParseComments)
	if err != nil {
		return nil, nil, parseErr(err, len(prefix)+len(text), last, text, line, col)
	}
	return f.Decls, fset, nil
}

// later reports whether a is at a later place of the cell than b.
func later(a, b *Error) bool {
	return a.Line > b.Line || a.Line == b.Line && a.Col > b.Col
}

// Split splits a cell into top-level items and parses each one. The
// parsed nodes carry positions whose line is the cell line plus one (see
// padTo); use item.fset to resolve them.
//
// An item that starts with "func (" is either a method declaration or a
// function literal (called, as in func(n int) { ... }(3)); it is whichever
// of the two parses. When neither does, the error reported is the one
// found further into the item, that is in the likelier reading: a broken
// method body is reported as such. So "func (x) {", which cannot begin a
// method (the name is missing), is an unfinished function literal: its
// error is AtEnd.
func Split(src string) ([]Item, *Error) {
	raws, cerr := scanItems(src)
	if cerr != nil {
		return nil, cerr
	}
	var items []Item
	for i, r := range raws {
		text := src[r.start:r.end]
		line, col := lineCol(src, r.start)
		last := i == len(raws)-1
		it := Item{Text: text, Line: line, Col: col}
		switch r.first {
		case token.IMPORT:
			it.Kind = ImportItem
		case token.TYPE, token.CONST, token.FUNC:
			it.Kind = DeclItem
		default:
			it.Kind = StmtItem
		}
		var err *Error
		if it.Kind == StmtItem {
			it.Stmts, it.Fset, err = parseStmts(text, line, col, last)
		} else {
			it.Decls, it.Fset, err = parseDecls(text, line, col, last)
			if err != nil && r.first == token.FUNC && r.second == token.LPAREN {
				stmts, fset, serr := parseStmts(text, line, col, last)
				if serr == nil || later(serr, err) {
					it.Kind, it.Stmts, it.Fset, err = StmtItem, stmts, fset, serr
				}
			}
		}
		if err != nil {
			return nil, err
		}
		for _, d := range it.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
				if it.Kind != ImportItem {
					return nil, &Error{line, col, "imports must come before other declarations of the same item", false}
				}
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// NormText returns the item's tokens without comments, semicolons and
// layout: two definitions that differ only in formatting or comments
// compare equal.
func (it *Item) NormText() string {
	if it.norm != "" {
		return it.norm
	}
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(it.Text))
	var sc scanner.Scanner
	sc.Init(file, []byte(it.Text), nil, 0)
	var b strings.Builder
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON {
			continue
		}
		if lit != "" {
			b.WriteString(lit)
		} else {
			b.WriteString(tok.String())
		}
		b.WriteByte(' ')
	}
	it.norm = b.String()
	return it.norm
}

// RuntimeName is the reserved name under which cells import the compiled
// runtime helper package (clear, result rendering); rewritten code calls
// it, and the front-end treats identifiers with this name as its own.
const RuntimeName = "__gprt"
