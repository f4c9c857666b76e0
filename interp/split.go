package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// itemKind classifies one top-level item of a cell.
type itemKind int

const (
	itemImport itemKind = iota // import declaration
	itemDecl                   // func, method, type or const declaration
	itemStmt                   // statement, including var declarations
)

func (k itemKind) String() string {
	switch k {
	case itemImport:
		return "import"
	case itemDecl:
		return "decl"
	}
	return "stmt"
}

// item is one top-level piece of a cell: an import, a declaration or a
// statement, with its parsed form.
type item struct {
	kind      itemKind
	text      string // source text of the item
	line, col int    // 1-based position of text in the cell
	decls     []ast.Decl
	stmts     []ast.Stmt
	fset      *token.FileSet
	rewritten bool // the AST was changed: print it instead of using text
	// exprRewritten: the final expression statement itself was changed
	exprRewritten bool
	norm          string // cached normText
	force         bool   // evaluate even if unchanged (its type was redefined)
	// wrapText: run the unrewritten text inside func() { ... }() (see
	// topLevelMulti)
	wrapText bool
}

// cellError is a compile or syntax error at a position of a cell.
type cellError struct {
	Line, Col int
	Msg       string
}

func (e *cellError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// rawItem is a top-level span found by the scanner.
type rawItem struct {
	start, end int
	first      token.Token
	second     token.Token
}

// scanItems splits src at top-level semicolons (explicit or inserted at
// newlines) using go/scanner. Brackets are tracked so that only depth-0
// semicolons end an item.
func scanItems(src string) ([]rawItem, *cellError) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	var firstErr *cellError
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if firstErr == nil {
			firstErr = &cellError{pos.Line, pos.Column, msg}
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
func parseErr(err error) *cellError {
	if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
		e := list[0]
		return &cellError{e.Pos.Line - 1, e.Pos.Column, e.Msg}
	}
	return &cellError{1, 1, err.Error()}
}

// splitCell splits a cell into top-level items and parses each one. The
// parsed nodes carry positions whose line is the cell line plus one (see
// padTo); use item.fset to resolve them.
func splitCell(src string) ([]item, *cellError) {
	raws, cerr := scanItems(src)
	if cerr != nil {
		return nil, cerr
	}
	var items []item
	for _, r := range raws {
		text := src[r.start:r.end]
		line, col := lineCol(src, r.start)
		it := item{text: text, line: line, col: col, fset: token.NewFileSet()}
		switch r.first {
		case token.IMPORT:
			it.kind = itemImport
		case token.TYPE, token.CONST:
			it.kind = itemDecl
		case token.FUNC:
			it.kind = itemDecl
			if r.second == token.LPAREN {
				// Either a method declaration or a func literal call:
				// decide by trying to parse it as a declaration.
				f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+text, 0)
				if err != nil || len(f.Decls) == 0 {
					it.kind = itemStmt
				}
			}
		default:
			it.kind = itemStmt
		}
		if it.kind == itemStmt {
			body := padTo("package p;func _(){", line, col) + text + "\n}"
			f, err := parser.ParseFile(it.fset, "cell", body, parser.ParseComments)
			if err != nil {
				return nil, parseErr(err)
			}
			it.stmts = f.Decls[0].(*ast.FuncDecl).Body.List
		} else {
			body := padTo("package p;", line, col) + text
			f, err := parser.ParseFile(it.fset, "cell", body, parser.ParseComments)
			if err != nil {
				return nil, parseErr(err)
			}
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
					if it.kind != itemImport {
						return nil, &cellError{line, col, "imports must come before other declarations of the same item"}
					}
				}
				it.decls = append(it.decls, d)
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// normText returns the item's tokens without comments, semicolons and
// layout: two definitions that differ only in formatting or comments
// compare equal.
func (it *item) normText() string {
	if it.norm != "" {
		return it.norm
	}
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(it.text))
	var sc scanner.Scanner
	sc.Init(file, []byte(it.text), nil, 0)
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
