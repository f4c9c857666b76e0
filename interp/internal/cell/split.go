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
			firstErr = &Error{pos.Line, pos.Column, msg}
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

// parseErr converts a go/parser error into a cellError, undoing the one-line
// shift introduced by padTo.
func parseErr(err error) *Error {
	if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
		e := list[0]
		return &Error{e.Pos.Line - 1, e.Pos.Column, e.Msg}
	}
	return &Error{1, 1, err.Error()}
}

// Split splits a cell into top-level items and parses each one. The
// parsed nodes carry positions whose line is the cell line plus one (see
// padTo); use item.fset to resolve them.
func Split(src string) ([]Item, *Error) {
	raws, cerr := scanItems(src)
	if cerr != nil {
		return nil, cerr
	}
	var items []Item
	for _, r := range raws {
		text := src[r.start:r.end]
		line, col := lineCol(src, r.start)
		it := Item{Text: text, Line: line, Col: col, Fset: token.NewFileSet()}
		switch r.first {
		case token.IMPORT:
			it.Kind = ImportItem
		case token.TYPE, token.CONST:
			it.Kind = DeclItem
		case token.FUNC:
			it.Kind = DeclItem
			if r.second == token.LPAREN {
				// Either a method declaration or a func literal call:
				// decide by trying to parse it as a declaration.
				f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+text, 0)
				if err != nil || len(f.Decls) == 0 {
					it.Kind = StmtItem
				}
			}
		default:
			it.Kind = StmtItem
		}
		if it.Kind == StmtItem {
			body := padTo("package p;func _(){", line, col) + text + "\n}"
			f, err := parser.ParseFile(it.Fset, "cell", body, parser.ParseComments)
			if err != nil {
				return nil, parseErr(err)
			}
			it.Stmts = f.Decls[0].(*ast.FuncDecl).Body.List
		} else {
			body := padTo("package p;", line, col) + text
			f, err := parser.ParseFile(it.Fset, "cell", body, parser.ParseComments)
			if err != nil {
				return nil, parseErr(err)
			}
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
					if it.Kind != ImportItem {
						return nil, &Error{line, col, "imports must come before other declarations of the same item"}
					}
				}
				it.Decls = append(it.Decls, d)
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
