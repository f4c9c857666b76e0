package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// split is the first stage: it splits the cell into top-level items (see
// cell.Split) and reports syntax errors at the cell's own line and column.
// A cell that is a whole file (it starts with a package clause) is handed
// to yaegi as it is.
func (s *session) split(c *cellRun) *kernel.ExecError {
	if strings.HasPrefix(strings.TrimSpace(c.code), "package ") {
		c.done = true
		return s.runFile(c)
	}
	items, cerr := cell.Split(c.code)
	if cerr != nil {
		return s.cellFailure("SyntaxError", cell.GcSyntaxMessage(cerr.Msg, c.code, cerr.Line, cerr.Col), c.cid, cerr.Line, cerr.Col)
	}
	if len(items) == 0 {
		c.done = true
		return nil
	}
	// Normalised texts are computed before the rewriter changes the ASTs.
	for i := range items {
		if items[i].Kind == cell.DeclItem {
			items[i].NormText()
		}
	}
	c.items = items
	return nil
}

// runFile evaluates a whole-file cell and remembers its declarations (for
// results, completion and inspection).
func (s *session) runFile(c *cellRun) *kernel.ExecError {
	if _, err := s.eval(c.ctx, c.code); err != nil {
		return s.failure(c.ctx, err, c.cid)
	}
	fset := token.NewFileSet()
	f, perr := parser.ParseFile(fset, "cell", c.code, 0)
	if perr != nil {
		return nil
	}
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		s.seq++
		ds := []ast.Decl{d}
		rec := &declRec{names: cell.DeclNames(ds), kind: cell.DeclKind(ds), text: c.code, refs: cell.IdentRefs(ds), seq: s.seq, decls: ds, fset: fset, cid: c.cid}
		for _, n := range rec.names {
			s.decls[n] = rec
		}
	}
	return nil
}
