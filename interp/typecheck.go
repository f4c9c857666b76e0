package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/interp/internal/gotypes"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// The type checker sees a cell as Go sees a program: the session so far
// (imports, the current declarations, the globals with their types) in one
// file, and the cell in another, its declarations at package level and its
// statements in a function, with //line directives so that every position
// is the cell's own line and column.
//
// Notebook leniency: an unused variable, import or label is not an error,
// and the final expression (whose value is shown) is not "unused". Errors
// the checker cannot be sure of are not reported: a name it does not know
// but the interpreter does (defined by a whole-file cell, say), and any
// cell using a package it cannot import.

// checkPkgName is the package name cells are checked as (and %T shows).
const checkPkgName = "main"

// lenient matches the errors a notebook does not report.
var lenient = regexp.MustCompile(`(declared and not used|imported and not used|label \S+ defined and not used)`)

// typeCheck is the check stage's go/types pass: it returns the first
// error Go reports in the cell, or nil. On success it records the types of
// the globals the cell defines and makes the type arguments of generic
// calls explicit (the interpreter infers them only in simple cases).
func (s *session) typeCheck(c *cellRun) (pos token.Position, msg string, bad bool) {
	defer func() {
		// The checker must never stop a cell by failing itself.
		if r := recover(); r != nil {
			bad = false
		}
	}()
	s.importer0()
	declared := map[string]bool{}
	for _, it := range c.items {
		if it.Kind == cell.DeclItem {
			for _, n := range cell.DeclNames(it.Decls) {
				declared[n] = true
			}
		}
	}
	for _, path := range s.imports {
		if !s.importer.Has(path) {
			return pos, "", false // a package the checker cannot see
		}
	}
	pass := func(extra map[string]string) (errs []types.Error, cf *ast.File, info *types.Info, pkg *types.Package, final [4]int, ok bool) {
		sessSrc, cellSrc, final := s.checkSources(c, declared, extra)
		sf, err := parser.ParseFile(s.typesFset, "session.go", sessSrc, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, nil, nil, final, false
		}
		cf, err = parser.ParseFile(s.typesFset, "cellcheck.go", cellSrc, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, nil, nil, final, false
		}
		info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Instances: map[*ast.Ident]types.Instance{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
		conf := types.Config{Importer: s.importer, Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				errs = append(errs, te)
			}
		}}
		pkg, _ = conf.Check(checkPkgName, s.typesFset, []*ast.File{sf, cf}, info)
		return errs, cf, info, pkg, final, true
	}
	errs, cf, info, pkg, finalSpan, ok := pass(nil)
	if !ok {
		return pos, "", false
	}
	// The cell's globals are locals of the function its statements are
	// checked in: when its declarations use them, check again with the
	// globals declared at package level.
	defs := s.topDefs(cf, info, pkg)
	for _, e := range errs {
		if name, ok := strings.CutPrefix(e.Msg, "undefined: "); ok && defs[name] != "" {
			if errs, cf, info, pkg, finalSpan, ok = pass(defs); !ok {
				return pos, "", false
			}
			defs = s.topDefs(cf, info, pkg)
			break
		}
	}
	fset := s.typesFset
	known := s.globals()
	for _, e := range errs {
		p := fset.Position(e.Pos)
		if p.Filename != "cell" {
			continue
		}
		if strings.HasPrefix(e.Msg, "could not import") {
			return pos, "", false
		}
		if lenient.MatchString(e.Msg) {
			continue
		}
		if strings.HasSuffix(e.Msg, "is not used") && finalSpan[0] != 0 && posIn(p, finalSpan) {
			continue
		}
		if name, ok := strings.CutPrefix(e.Msg, "undefined: "); ok {
			if _, k := known[name]; k {
				continue
			}
			if _, k := s.decls[name]; k {
				continue
			}
		}
		return p, e.Msg, true
	}
	for n, t := range defs {
		s.globalTypes[n] = t
	}
	s.explicitInstances(c, info, pkg)
	c.info, c.tpkg, c.checked = info, pkg, cf
	return pos, "", false
}

// importer0 returns the checker's importer, made on first use.
func (s *session) importer0() *gotypes.Importer {
	if s.importer == nil {
		s.typesFset = token.NewFileSet()
		s.importer = gotypes.NewImporter(s.typesFset, stdSources, stdlib.Symbols, symbols.Symbols, extraSymbols)
	}
	return s.importer
}

// posIn reports whether p lies in the span [line0, col0, line1, col1].
func posIn(p token.Position, span [4]int) bool {
	a := p.Line > span[0] || (p.Line == span[0] && p.Column >= span[1])
	b := p.Line < span[2] || (p.Line == span[2] && p.Column <= span[3])
	return a && b
}

// checkSources returns the session file, the cell file and the span of
// the cell's final expression statement (zero if none).
func (s *session) checkSources(c *cellRun, declared map[string]bool, extra map[string]string) (string, string, [4]int) {
	var imp strings.Builder
	imp.WriteString("import (\n")
	names := make([]string, 0, len(s.imports))
	for n := range s.imports {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&imp, "\t%s %q\n", n, s.imports[n])
	}
	for alias, path := range s.checkImports {
		fmt.Fprintf(&imp, "\t%s %q\n", alias, path)
	}
	imp.WriteString(")\n")

	var sess strings.Builder
	sess.WriteString("package " + checkPkgName + "\n" + imp.String())
	seen := map[*declRec]bool{}
	recs := make([]*declRec, 0, len(s.decls))
	for _, rec := range s.decls {
		if !seen[rec] {
			seen[rec] = true
			recs = append(recs, rec)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	for _, rec := range recs {
		skip := rec.chunk == "" // a failed or whole-file cell
		for _, n := range rec.names {
			if declared[cell.UserName(n)] {
				skip = true
			}
		}
		if skip {
			continue
		}
		sess.WriteString("\n" + rec.text + "\n")
	}
	gnames := make([]string, 0, len(s.globalTypes))
	for n := range s.globalTypes {
		gnames = append(gnames, n)
	}
	sort.Strings(gnames)
	for n, t := range extra {
		if !declared[n] {
			fmt.Fprintf(&sess, "var %s %s\n", n, t)
		}
	}
	for _, n := range gnames {
		if !declared[n] && extra[n] == "" {
			fmt.Fprintf(&sess, "var %s %s\n", n, s.globalTypes[n])
		}
	}

	var cs strings.Builder
	cs.WriteString("package " + checkPkgName + "\n" + imp.String())
	var stmts strings.Builder
	var final [4]int
	for i, it := range c.items {
		dir := fmt.Sprintf("\n//line cell:%d:%d\n", it.Line, it.Col)
		switch it.Kind {
		case cell.DeclItem:
			cs.WriteString(dir + it.Text + "\n")
		case cell.StmtItem:
			stmts.WriteString(dir + it.Text + "\n")
			if i == len(c.items)-1 {
				if es, ok := it.Stmts[len(it.Stmts)-1].(*ast.ExprStmt); ok {
					a, b := it.Fset.Position(es.Pos()), it.Fset.Position(es.End())
					final = [4]int{a.Line - 1, a.Column, b.Line - 1, b.Column}
				}
			}
		}
	}
	cs.WriteString("\nfunc " + cellFunc + "() {" + stmts.String() + "\n}\n")
	return sess.String(), cs.String(), final
}

// cellFunc is the function that holds a cell's statements when checked.
const cellFunc = "__gpcell"

// qualifier names packages as the session imports them; a package the
// session has not imported gets a hidden alias for the checker only, and
// ok is set to false (such a type cannot be written in a cell).
func (s *session) qualifier(pkg *types.Package, ok *bool) types.Qualifier {
	return func(p *types.Package) string {
		if p == pkg || p.Path() == checkPkgName {
			return ""
		}
		for n, path := range s.imports {
			if path == p.Path() {
				return n
			}
		}
		*ok = false
		for alias, path := range s.checkImports {
			if path == p.Path() {
				return alias
			}
		}
		alias := "__gpi" + strconv.Itoa(len(s.checkImports)+1)
		s.checkImports[alias] = p.Path()
		return alias
	}
}

// topDefs returns the types, as Go source, of the globals the cell's
// top-level statements define.
func (s *session) topDefs(cf *ast.File, info *types.Info, pkg *types.Package) map[string]string {
	out := map[string]string{}
	var fn *ast.FuncDecl
	for _, d := range cf.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == cellFunc {
			fn = fd
		}
	}
	if fn == nil || pkg == nil {
		return out
	}
	var idents []*ast.Ident
	for _, st := range fn.Body.List {
		switch x := st.(type) {
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						idents = append(idents, id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := x.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, sp := range gd.Specs {
					idents = append(idents, sp.(*ast.ValueSpec).Names...)
				}
			}
		}
	}
	for _, id := range idents {
		obj, ok := info.Defs[id].(*types.Var)
		if !ok || id.Name == "_" {
			continue
		}
		expressible := true
		out[id.Name] = types.TypeString(obj.Type(), s.qualifier(pkg, &expressible))
	}
	return out
}

// explicitInstances writes the type arguments the checker inferred into
// the cell's calls of generic functions: Map(xs, f) becomes
// Map[int, string](xs, f).
func (s *session) explicitInstances(c *cellRun, info *types.Info, pkg *types.Package) {
	type key struct{ line, col int }
	args := map[key][]ast.Expr{}
	for id, inst := range info.Instances {
		if _, isFunc := inst.Type.(*types.Signature); !isFunc || inst.TypeArgs.Len() == 0 {
			continue
		}
		p := s.typesFset.Position(id.Pos())
		if p.Filename != "cell" {
			continue
		}
		ok := true
		q := s.qualifier(pkg, &ok)
		var list []ast.Expr
		for i := 0; i < inst.TypeArgs.Len(); i++ {
			e, err := parser.ParseExpr(types.TypeString(inst.TypeArgs.At(i), q))
			if err != nil {
				ok = false
				break
			}
			list = append(list, e)
		}
		if ok {
			args[key{p.Line, p.Column}] = list
		}
	}
	if len(args) == 0 {
		return
	}
	// Types of the names the cell defines, for splitting definitions.
	defs := map[key]ast.Expr{}
	for id, obj := range info.Defs {
		p := s.typesFset.Position(id.Pos())
		if v, isVar := obj.(*types.Var); isVar && p.Filename == "cell" {
			ok := true
			if e, err := parser.ParseExpr(types.TypeString(v.Type(), s.qualifier(pkg, &ok))); err == nil && ok {
				defs[key{p.Line, p.Column}] = e
			}
		}
	}
	for i := range c.items {
		it := &c.items[i]
		changed := false
		visit := func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id := cell.Callee(call)
			if id == nil {
				return true
			}
			p := it.Fset.Position(id.Pos())
			if list, ok := args[key{p.Line - 1, p.Column}]; ok {
				call.Fun = &ast.IndexListExpr{X: call.Fun, Lbrack: call.Fun.End(), Indices: list, Rbrack: call.Fun.End()}
				changed = true
			}
			return true
		}
		for _, d := range it.Decls {
			ast.Inspect(d, visit)
		}
		var out []ast.Stmt
		for _, st := range it.Stmts {
			before := changed
			changed = false
			ast.Inspect(st, visit)
			if changed {
				// yaegi rejects an explicit instantiation in the value
				// of a global's definition ("not a generic type") but
				// not in an assignment: x := F[T](…) becomes
				// var x X; x = F[T](…).
				if as, ok := st.(*ast.AssignStmt); ok && as.Tok == token.DEFINE && len(as.Rhs) == 1 {
					var decls []ast.Stmt
					named := 0
					for _, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							named++
							p := it.Fset.Position(id.Pos())
							if t, ok := defs[key{p.Line - 1, p.Column}]; ok {
								decls = append(decls, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, TokPos: as.Pos(), Specs: []ast.Spec{
									&ast.ValueSpec{Names: []*ast.Ident{ast.NewIdent(id.Name)}, Type: t}}}})
							}
						}
					}
					if len(decls) > 0 && len(decls) == named {
						as.Tok = token.ASSIGN
						out = append(out, decls...)
					}
				}
			}
			changed = changed || before
			out = append(out, st)
		}
		it.Stmts = out
		if changed {
			it.Rewritten, it.ExprRewritten = true, true
		}
	}
}
