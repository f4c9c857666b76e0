package interp

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// runStage evaluates the rewritten cell: consecutive declarations as one
// chunk (so that they may refer to each other), each top-level statement on
// its own (so that a panic's top-level frame names the statement's line).
func (s *session) runStage(c *cellRun) *kernel.ExecError {
	items := c.items
	for i := 0; i < len(items); {
		if items[i].Kind == cell.ImportItem {
			i++
			continue
		}
		j := i
		for j < len(items) && items[j].Kind == items[i].Kind {
			j++
		}
		if items[i].Kind == cell.DeclItem {
			if f := s.runDeclChunk(c, items[i:j]); f != nil {
				return f
			}
		} else {
			for k := i; k < j; k++ {
				if f := s.runStmt(c, &items[k]); f != nil {
					return f
				}
			}
		}
		i = j
	}
	return nil
}

// runDeclChunk evaluates a run of declaration items, makes redefined types
// current and re-evaluates the functions that use what was redefined.
func (s *session) runDeclChunk(c *cellRun, items []cell.Item) *kernel.ExecError {
	redefined, f := s.runDecls(c.ctx, items, c.cid)
	if f != nil {
		return f
	}
	for k := range items {
		for _, name := range cell.TypeNames(items[k].Decls) {
			if _, ok := c.fresh[name]; ok {
				if f := s.commitType(c, name); f != nil {
					return f
				}
			}
		}
	}
	if len(redefined) > 0 {
		just := make([]*cell.Item, 0, len(items))
		for k := range items {
			just = append(just, &items[k])
		}
		s.reevalDependents(c.ctx, redefined, just, c.fresh)
	}
	return nil
}

// runStmt evaluates one top-level statement item.
func (s *session) runStmt(c *cellRun, it *cell.Item) *kernel.ExecError {
	src := ";" + s.itemSource(it, c.cid)
	if strings.TrimSpace(strings.Trim(src, ";\n")) == "" || (it.Rewritten && len(it.Stmts) == 0) {
		return nil
	}
	s.curLine, s.curCol = it.Line, it.Col
	s.curWrapped = it.WrapText || (len(it.Stmts) == 1 && c.rw.Wrappers[it.Stmts[0]])
	if _, err := s.eval(c.ctx, src); err != nil {
		return s.failure(c.ctx, err, c.cid)
	}
	return nil
}

// itemSource returns the yaegi source for a statement item.
func (s *session) itemSource(it *cell.Item, cid string) string {
	if it.WrapText && !it.Rewritten {
		dir := lineDir(cid, it.Line, it.Col)
		return "\n" + dir + "\nfunc() {\n" + dir + "\n" + it.Text + "\n}()"
	}
	if !it.Rewritten {
		return "\n" + lineDir(cid, it.Line, it.Col) + "\n" + it.Text
	}
	var b strings.Builder
	for _, st := range it.Stmts {
		b.WriteString(s.nodeSource(it.Fset, st, cid))
	}
	return b.String()
}

// nodeSource prints node with //line directives mapping back to the cell.
func (s *session) nodeSource(fset *token.FileSet, node any, cid string) string {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.SourcePos | printer.RawFormat}
	if err := cfg.Fprint(&buf, fset, node); err != nil {
		return "\n" + fmt.Sprint(node)
	}
	out := lineDirRe.ReplaceAllStringFunc(buf.String(), func(m string) string {
		n, _ := strconv.Atoi(m[len("//line cell:"):])
		if n-1 < 1 {
			return "//"
		}
		return lineDir(cid, n-1, 0)
	})
	if p := fset.Position(node.(ast.Node).Pos()); !strings.HasPrefix(out, "//line") && p.Line > 1 {
		out = lineDir(cid, p.Line-1, p.Column) + "\n" + out
	}
	return "\n" + out
}

// runDecls evaluates a run of declaration items: skips unchanged ones,
// evaluates the rest, re-evaluates dependents of redefined functions and
// restores the previous definitions when compilation fails.
func (s *session) runDecls(ctx context.Context, items []cell.Item, cid string) (map[string]bool, *kernel.ExecError) {
	type pending struct {
		it    *cell.Item
		names []string
		src   string
	}
	var todo []pending
	redefined := map[string]bool{}
	for i := range items {
		it := &items[i]
		names := cell.DeclNames(it.Decls)
		same := len(names) > 0
		for _, n := range names {
			old, ok := s.decls[n]
			if !ok || old.norm != it.NormText() {
				same = false
			}
			if ok && old.norm != it.NormText() {
				redefined[n] = true
			}
		}
		if same && !it.Force {
			continue // identical re-run: keep the existing definition
		}
		var src string
		if it.Rewritten {
			var b strings.Builder
			for _, d := range it.Decls {
				b.WriteString(s.nodeSource(it.Fset, d, cid))
			}
			src = b.String()
		} else {
			src = "\n" + lineDir(cid, it.Line, it.Col) + "\n" + it.Text
		}
		todo = append(todo, pending{it, names, src})
	}
	if len(todo) == 0 {
		return nil, nil
	}
	var b strings.Builder
	for _, p := range todo {
		b.WriteString(p.src)
	}
	_, err := s.eval(ctx, b.String())
	if err != nil {
		fail := s.failure(ctx, err, cid)
		s.restore(ctx, todo2items(todo, func(p pending) *cell.Item { return p.it }))
		// yaegi may have kept new types of the failed chunk: remember
		// them, so that a changed definition later is reported instead of
		// silently ignored.
		for _, p := range todo {
			for _, name := range cell.TypeNames(p.it.Decls) {
				if _, known := s.decls[name]; known {
					continue
				}
				if s.compileOnly(";\n_ = (*"+name+")(nil)") == nil {
					s.seq++
					s.decls[name] = &declRec{names: []string{name}, kind: token.TYPE, text: p.it.Text, norm: p.it.NormText(),
						chunk: "", refs: map[string]bool{}, seq: s.seq, decls: p.it.Decls, fset: p.it.Fset, cid: cid}
				}
			}
		}
		return nil, fail
	}
	for _, p := range todo {
		s.seq++
		rec := &declRec{names: p.names, kind: cell.DeclKind(p.it.Decls), text: p.it.Text, norm: p.it.NormText(), chunk: p.src,
			doc: leadingComment(s.cells[cid].src, p.it.Line), line: p.it.Line, col: p.it.Col,
			refs: cell.IdentRefs(p.it.Decls), seq: s.seq, decls: p.it.Decls, fset: p.it.Fset, cid: cid}
		for _, n := range p.names {
			s.decls[n] = rec
		}
	}
	return redefined, nil
}

func todo2items[T any](ps []T, f func(T) *cell.Item) []*cell.Item {
	out := make([]*cell.Item, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}

// reevalDependents re-evaluates every stored function or method that
// (transitively) references a redefined name, so that it binds to the new
// definition.
func (s *session) reevalDependents(ctx context.Context, redefined map[string]bool, just []*cell.Item, skipTypes map[string]string) {
	justText := map[string]bool{}
	for _, it := range just {
		justText[it.Text] = true
	}
	isMethodOf := func(rec *declRec) bool {
		for _, n := range rec.names {
			if i := strings.Index(n, "."); i >= 0 {
				if _, ok := skipTypes[n[:i]]; ok {
					return true
				}
			}
		}
		return false
	}
	short := func(n string) string {
		if i := strings.LastIndex(n, "."); i >= 0 {
			return n[i+1:]
		}
		return n
	}
	changed := map[string]bool{}
	for n := range redefined {
		changed[short(n)] = true
	}
	deps := map[*declRec]bool{}
	for {
		grew := false
		for _, rec := range s.decls {
			if deps[rec] || justText[rec.text] || rec.kind != token.FUNC || isMethodOf(rec) {
				continue
			}
			for r := range rec.refs {
				if changed[r] {
					deps[rec] = true
					for _, n := range rec.names {
						changed[short(n)] = true
					}
					grew = true
					break
				}
			}
		}
		if !grew {
			break
		}
	}
	if len(deps) == 0 {
		return
	}
	recs := make([]*declRec, 0, len(deps))
	for r := range deps {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	var b strings.Builder
	var names []string
	for _, r := range recs {
		if r.chunk == "" {
			continue // from a package cell or a failed cell: cannot be replayed
		}
		r.chunk = s.renderRec(r, nil)
		b.WriteString(r.chunk)
		names = append(names, r.names...)
	}
	if _, err := s.eval(ctx, b.String()); err != nil {
		fmt.Fprintf(s.stderr, "warning: %s use(s) a redefined name and no longer compile(s): %s\n(they keep calling the previous definition until fixed)\n",
			strings.Join(names, ", "), s.mapPositions(err.Error()))
	}
}

// restore undoes the effect of a failed declaration chunk: functions that
// existed before get their previous source back, new ones become stubs that
// panic with a clear message (yaegi would otherwise leave stubs returning
// zero values).
func (s *session) restore(ctx context.Context, items []*cell.Item) {
	var b strings.Builder
	seen := map[*declRec]bool{}
	for _, it := range items {
		for _, d := range it.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			key := cell.FuncKey(fd)
			if old, ok := s.decls[key]; ok {
				if !seen[old] {
					seen[old] = true
					b.WriteString(old.chunk)
				}
				continue
			}
			stub := &ast.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type, Body: &ast.BlockStmt{List: []ast.Stmt{
				&ast.ExprStmt{X: &ast.CallExpr{Fun: ast.NewIdent("panic"), Args: []ast.Expr{&ast.BasicLit{Kind: token.STRING,
					Value: strconv.Quote(key + " is not defined: the cell declaring it failed to compile")}}}},
			}}}
			var buf bytes.Buffer
			if err := printer.Fprint(&buf, token.NewFileSet(), stub); err == nil {
				b.WriteString("\n")
				b.WriteString(buf.String())
			}
		}
	}
	if b.Len() == 0 {
		return
	}
	s.eval(ctx, b.String())
}
