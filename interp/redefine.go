package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// Redefinition of types and methods. yaegi silently keeps the first
// definition of a type and cannot replace a method, so the front-end gives a
// redefined type a fresh hidden name (T__gp3), re-declares its methods on it
// and re-evaluates the functions that use it; later cells see the user's
// name T rewritten to the hidden one. Values created before keep the old
// type, as objects keep their old class in Python.

var hiddenRe = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*?)__gp[0-9]+\b`)

// userName strips the hidden-name suffix of a type name.
func userName(n string) string {
	if m := hiddenRe.FindStringSubmatch(n); m != nil && m[0] == n {
		return m[1]
	}
	return n
}

// unhide maps hidden type names in a message back to the user's names.
func unhide(s string) string {
	return hiddenRe.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "__gp") {
			return m // a rewriter temporary, not a type
		}
		return userName(m)
	})
}

// renameTypes rewrites identifiers naming types in m (user name -> hidden
// name) inside node; it reports whether anything changed. Field names,
// selectors, composite-literal keys and names being declared as variables
// or functions are left alone.
func renameTypes(node ast.Node, m map[string]string) bool {
	if len(m) == 0 || node == nil {
		return false
	}
	changed := false
	astutil.Apply(node, func(c *astutil.Cursor) bool {
		id, ok := c.Node().(*ast.Ident)
		if !ok {
			return true
		}
		to, ok := m[userName(id.Name)]
		if !ok || id.Name == to {
			return true
		}
		switch p := c.Parent().(type) {
		case *ast.SelectorExpr:
			if c.Name() == "Sel" {
				return true
			}
		case *ast.Field:
			if c.Name() == "Names" {
				return true
			}
		case *ast.KeyValueExpr:
			if c.Name() == "Key" {
				return true
			}
		case *ast.ValueSpec:
			if c.Name() == "Names" {
				return true
			}
		case *ast.FuncDecl:
			if c.Name() == "Name" {
				return true
			}
		case *ast.AssignStmt:
			if c.Name() == "Lhs" && p.Tok == token.DEFINE {
				return true
			}
		case *ast.LabeledStmt, *ast.BranchStmt:
			return true
		}
		id.Name = to
		changed = true
		return true
	}, nil)
	return changed
}

// parseDecls parses the source text of a stored declaration item again (a
// fresh AST to rename), with positions placed at line:col of its cell.
func parseDecls(text string, line, col int) ([]ast.Decl, *token.FileSet, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", padTo("package p;", line, col)+text, parser.ParseComments)
	if err != nil {
		return nil, nil, err
	}
	return f.Decls, fset, nil
}

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
	decls, fset, err := parseDecls(rec.text, rec.line, rec.col)
	if err != nil {
		return rec.chunk
	}
	changed := false
	for _, d := range decls {
		if renameTypes(d, m) {
			changed = true
		}
	}
	if !changed {
		return "\n" + lineDir(rec.cell, rec.line, rec.col) + "\n" + rec.text
	}
	var b strings.Builder
	for _, d := range decls {
		b.WriteString(s.nodeSource(fset, d, rec.cell))
	}
	return b.String()
}

// planRedefinitions finds the types a cell redefines (a changed type
// declaration, or a changed method of an existing type) and gives each a
// fresh hidden name.
func (s *session) planRedefinitions(items []item) map[string]string {
	fresh := map[string]string{}
	for _, it := range items {
		if it.kind != itemDecl {
			continue
		}
		for _, name := range typeNames(it.decls) {
			if old, ok := s.decls[name]; ok && old.kind == token.TYPE && old.norm != it.normText() {
				fresh[name] = ""
			}
		}
		for _, d := range it.decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				key := funcKey(fd)
				if old, ok := s.decls[key]; ok && old.norm != it.normText() {
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
				strings.Join(rec.names, ", "), name, unhide(s.mapPositions(err.Error())))
			for _, n := range rec.names {
				delete(s.decls, n)
			}
		}
	}
	return nil
}
