package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// Redefinition of types and methods. yaegi silently keeps the first
// definition of a type and cannot replace a method, so the front-end gives a
// redefined type a fresh hidden name (T__gp3), re-declares its methods on it
// and re-evaluates the functions that use it; later cells see the user's
// name T rewritten to the hidden one. Values created before keep the old
// type, as objects keep their old class in Python.

// renderRec returns yaegi source for rec with the current type names, or
// rec.chunk when it cannot be re-rendered.
func (s *session) renderRec(rec *declRec, extra map[string]string) string {
	if rec.line == 0 {
		return rec.chunk
	}
	m := map[string]string{}
	for k, v := range s.typeNames {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	decls, fset, err := cell.ParseDecls(rec.text, rec.line, rec.col)
	if err != nil {
		return rec.chunk
	}
	changed := false
	for _, d := range decls {
		if cell.RenameTypes(d, m) {
			changed = true
		}
	}
	if !changed {
		return "\n" + lineDir(rec.cid, rec.line, rec.col) + "\n" + rec.text
	}
	var b strings.Builder
	for _, d := range decls {
		b.WriteString(s.nodeSource(fset, d, rec.cid))
	}
	return b.String()
}

// planRedefinitions finds the types a cell redefines (a changed type
// declaration, or a changed method of an existing type) and gives each a
// fresh hidden name.
func (s *session) planRedefinitions(items []cell.Item) map[string]string {
	fresh := map[string]string{}
	for _, it := range items {
		if it.Kind != cell.DeclItem {
			continue
		}
		for _, name := range cell.TypeNames(it.Decls) {
			if old, ok := s.decls[name]; ok && old.kind == token.TYPE && old.norm != it.NormText() {
				fresh[name] = ""
			}
		}
		for _, d := range it.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				key := cell.FuncKey(fd)
				if old, ok := s.decls[key]; ok && old.norm != it.NormText() {
					fresh[key[:strings.Index(key, ".")]] = ""
				}
			}
		}
	}
	for name := range fresh {
		s.typeGen++
		fresh[name] = name + "__gp" + strconv.Itoa(s.typeGen)
	}
	return fresh
}

// methodsOf returns the stored methods of type name, in declaration order,
// except those whose item text is in skip.
func (s *session) methodsOf(name string, skip map[string]bool) []*declRec {
	seen := map[*declRec]bool{}
	var out []*declRec
	for key, rec := range s.decls {
		if strings.HasPrefix(key, name+".") && !seen[rec] && !skip[rec.norm] {
			seen[rec] = true
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// redeclareOld evaluates, for a type redefined as fresh[name], the old type
// declaration when the cell does not declare it (a method-only change) and
// the old methods the cell does not redeclare. Methods that no longer
// compile are reported on stderr.
func (s *session) redeclareOld(ctx context.Context, name, hidden string, cellDeclaresType bool, cellMethods map[string]bool, fresh map[string]string) error {
	var b strings.Builder
	if !cellDeclaresType {
		if rec, ok := s.decls[name]; ok {
			b.WriteString(s.renderRec(rec, fresh))
		}
	}
	var methods []*declRec
	for _, rec := range s.methodsOf(name, nil) {
		redeclared := false
		for _, n := range rec.names {
			if cellMethods[n] {
				redeclared = true
			}
		}
		if !redeclared {
			methods = append(methods, rec)
		}
	}
	if !cellDeclaresType {
		src := b.String()
		if _, err := s.eval(ctx, src); err != nil {
			return err
		}
		b.Reset()
	}
	for _, rec := range methods {
		src := s.renderRec(rec, fresh)
		if _, err := s.eval(ctx, src); err != nil {
			fmt.Fprintf(s.stderr, "warning: method %s of the redefined type %s no longer compiles and was dropped: %s\n",
				strings.Join(rec.names, ", "), name, cell.Unhide(s.mapPositions(err.Error())))
			for _, n := range rec.names {
				delete(s.decls, n)
			}
		}
	}
	return nil
}
