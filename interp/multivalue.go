package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
)

// Workarounds for yaegi v0.16.1 bugs with multi-value definitions
// (`a, b := f()`, `v, ok := m[k]`, `var a, b = f()`) in a cell's top-level
// code, which yaegi compiles as the body of its main function:
//
//   - Inside a block of a top-level statement (the body of a for, if,
//     switch or select, or a bare block), the defined names are not
//     visible to the following statements ("undefined: a"). Inside a
//     function literal they are. So such a top-level statement runs inside
//     `func() { ... }()`. A top-level statement is one Eval of its own, so
//     the wrapper changes no scope: its variables were local already.
//   - A global defined by a top-level multi-value definition gets a slot
//     that named functions, when compiled code calls them back, read
//     wrongly (another global's value, or a zero value). Globals defined
//     one at a time are read correctly, so the values go through
//     temporaries: `__gpV1, __gpV2 := f(); a := __gpV1; b := __gpV2`
//     (comma-ok forms, which yaegi fails at top level with "nil type",
//     get their temporaries another way: see tempsFor). The
//     temporaries are reused by every such statement (each top-level
//     statement is a separate Eval), so they hold at most one set of
//     values.

// mvTmp is the name of the i-th (1-based) temporary of a multi-value
// definition.
func mvTmp(i int) string { return fmt.Sprintf("__gpV%d", i) }

// isMultiDefine reports whether s is `a, b := x` with one value on the right.
func isMultiDefine(s ast.Stmt) bool {
	as, ok := s.(*ast.AssignStmt)
	return ok && as.Tok == token.DEFINE && len(as.Lhs) > 1 && len(as.Rhs) == 1
}

// multiVarSpec reports whether d is a var declaration with a spec of several
// names and one value.
func multiVarSpec(d *ast.DeclStmt) bool {
	gd, ok := d.Decl.(*ast.GenDecl)
	if !ok || gd.Tok != token.VAR {
		return false
	}
	for _, sp := range gd.Specs {
		if vs, ok := sp.(*ast.ValueSpec); ok && len(vs.Names) > 1 && len(vs.Values) == 1 {
			return true
		}
	}
	return false
}

// topLevelMulti rewrites the top-level statements of a cell item (see the
// comment above).
func (r *rewriter) topLevelMulti(list []ast.Stmt) []ast.Stmt {
	var out []ast.Stmt
	for _, s := range list {
		switch x := s.(type) {
		case *ast.AssignStmt:
			if isMultiDefine(x) {
				out = append(out, r.splitDefine(x)...)
				continue
			}
		case *ast.DeclStmt:
			if multiVarSpec(x) {
				out = append(out, r.splitVar(x)...)
				continue
			}
		case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
			*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
			if nestedMultiDefine(s) {
				w := wrapInFunc(s)
				if r.wrappers == nil {
					r.wrappers = map[ast.Stmt]bool{}
				}
				r.wrappers[w] = true
				out = append(out, w)
				r.changed = true
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// splitDefine turns `a, b := x` into statements defining the temporaries
// __gpV1, __gpV2 from x (see tempsFor), then `a := __gpV1; b := __gpV2`
// (blank names are skipped).
func (r *rewriter) splitDefine(as *ast.AssignStmt) []ast.Stmt {
	r.changed = true
	names := make([]*ast.Ident, len(as.Lhs))
	for i, l := range as.Lhs {
		if id, ok := l.(*ast.Ident); ok {
			names[i] = id
		} else {
			names[i] = ast.NewIdent("_")
		}
	}
	out := tempsFor(names, as.Rhs[0], as.TokPos)
	for i, id := range names {
		if id.Name == "_" {
			continue
		}
		out = append(out, &ast.AssignStmt{
			Lhs: []ast.Expr{&ast.Ident{NamePos: id.NamePos, Name: id.Name}}, TokPos: id.NamePos, Tok: token.DEFINE,
			Rhs: []ast.Expr{&ast.Ident{NamePos: id.NamePos, Name: mvTmp(i + 1)}}})
	}
	return out
}

// tempsFor returns statements that set the temporaries __gpV1 … for the
// non-blank names from the multi-valued x:
//
//   - a comma-ok type assertion `x.(T)` (yaegi fails `v, ok := x.(T)` at top
//     level with "nil type"): `var __gpV1 T; var __gpV2 bool;
//     __gpV1, __gpV2 = x.(T)`;
//   - a comma-ok map index `m[k]` (same failure): `__gpV1 := m[k];
//     var __gpV2 bool; _, __gpV2 = m[k]`, with m and k first copied into
//     temporaries unless evaluating them twice is harmless;
//   - anything else: `__gpV1, __gpV2 := x`.
func tempsFor(names []*ast.Ident, x ast.Expr, pos token.Pos) []ast.Stmt {
	id := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	varDecl := func(name string, typ ast.Expr) ast.Stmt {
		return &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: pos, Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{id(name)}, Type: typ}}}}
	}
	define := func(name string, v ast.Expr) ast.Stmt {
		return &ast.AssignStmt{Lhs: []ast.Expr{id(name)}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{v}}
	}
	if len(names) == 2 {
		switch e := ast.Unparen(x).(type) {
		case *ast.TypeAssertExpr:
			if e.Type != nil {
				return []ast.Stmt{
					varDecl(mvTmp(1), e.Type),
					varDecl(mvTmp(2), id("bool")),
					&ast.AssignStmt{Lhs: []ast.Expr{id(mvTmp(1)), id(mvTmp(2))}, TokPos: pos, Tok: token.ASSIGN, Rhs: []ast.Expr{x}},
				}
			}
		case *ast.IndexExpr:
			var out []ast.Stmt
			m, k := e.X, e.Index
			if !pure(m) {
				out = append(out, define("__gpVM", m))
				m = id("__gpVM")
			}
			if !pure(k) {
				out = append(out, define("__gpVK", k))
				k = id("__gpVK")
			}
			return append(out,
				define(mvTmp(1), &ast.IndexExpr{X: m, Lbrack: e.Lbrack, Index: k, Rbrack: e.Rbrack}),
				varDecl(mvTmp(2), id("bool")),
				&ast.AssignStmt{Lhs: []ast.Expr{id("_"), id(mvTmp(2))}, TokPos: pos, Tok: token.ASSIGN,
					Rhs: []ast.Expr{&ast.IndexExpr{X: m, Lbrack: e.Lbrack, Index: k, Rbrack: e.Rbrack}}},
			)
		}
	}
	lhs := make([]ast.Expr, len(names))
	for i, n := range names {
		if n.Name == "_" {
			lhs[i] = ast.NewIdent("_")
		} else {
			lhs[i] = &ast.Ident{NamePos: n.NamePos, Name: mvTmp(i + 1)}
		}
	}
	return []ast.Stmt{&ast.AssignStmt{Lhs: lhs, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{x}}}
}

// splitVar turns `var a, b T = x` into statements defining the temporaries
// __gpV1, __gpV2 from x (see tempsFor), then `var a T = __gpV1; var b T =
// __gpV2`; other specs of the declaration stay in order.
func (r *rewriter) splitVar(d *ast.DeclStmt) []ast.Stmt {
	r.changed = true
	gd := d.Decl.(*ast.GenDecl)
	var out []ast.Stmt
	for _, sp := range gd.Specs {
		vs, ok := sp.(*ast.ValueSpec)
		if !ok || len(vs.Names) < 2 || len(vs.Values) != 1 {
			out = append(out, &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: gd.TokPos, Tok: token.VAR, Specs: []ast.Spec{sp}}})
			continue
		}
		out = append(out, tempsFor(vs.Names, vs.Values[0], gd.TokPos)...)
		for i, id := range vs.Names {
			if id.Name == "_" {
				continue
			}
			out = append(out, &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: id.NamePos, Tok: token.VAR, Specs: []ast.Spec{
				&ast.ValueSpec{Names: []*ast.Ident{{NamePos: id.NamePos, Name: id.Name}}, Type: vs.Type, Values: []ast.Expr{&ast.Ident{NamePos: vs.Values[0].Pos(), Name: mvTmp(i + 1)}}},
			}}})
		}
	}
	return out
}

// nestedMultiDefine reports whether a multi-value definition occurs in s
// outside function literals, other than as the init statement of s itself
// (which yaegi handles).
func nestedMultiDefine(s ast.Stmt) bool {
	var init ast.Stmt
	switch x := s.(type) {
	case *ast.IfStmt:
		init = x.Init
	case *ast.ForStmt:
		init = x.Init
	case *ast.SwitchStmt:
		init = x.Init
	case *ast.TypeSwitchStmt:
		init = x.Init
	}
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if x != init && isMultiDefine(x) {
				found = true
			}
		case *ast.DeclStmt:
			if multiVarSpec(x) {
				found = true
			}
		}
		return !found
	})
	return found
}

// wrapInFunc returns `func() { s }()`.
func wrapInFunc(s ast.Stmt) ast.Stmt {
	return &ast.ExprStmt{X: &ast.CallExpr{
		Fun: &ast.FuncLit{
			Type: &ast.FuncType{Func: s.Pos(), Params: &ast.FieldList{}},
			Body: &ast.BlockStmt{Lbrace: s.Pos(), List: []ast.Stmt{s}, Rbrace: s.End()},
		},
		Rparen: s.End(),
	}}
}

// arityError returns the first assignment in items whose number of
// variables differs from the number of results of the function it calls,
// when that number is statically known: a function of a preloaded compiled
// package or a function declared in a cell. yaegi silently drops the extra
// results of `x := strconv.Atoi(s)`; Go rejects it.
func (s *session) arityError(items []item) (pos token.Position, msg string, ok bool) {
	locals := localNames(items)
	var globals map[string]reflect.Value
	isGlobal := func(name string) (reflect.Value, bool) {
		if globals == nil {
			globals = s.globals()
			if globals == nil {
				globals = map[string]reflect.Value{}
			}
		}
		v, ok := globals[name]
		return v, ok
	}
	cellFuncs := map[string]*ast.FuncType{}
	for _, it := range items {
		for _, d := range it.decls {
			if fd, isFunc := d.(*ast.FuncDecl); isFunc && fd.Recv == nil {
				cellFuncs[fd.Name.Name] = fd.Type
			}
		}
	}
	results := func(call *ast.CallExpr) (int, bool) {
		switch fn := ast.Unparen(call.Fun).(type) {
		case *ast.Ident:
			if locals[fn.Name] {
				return 0, false
			}
			ft := cellFuncs[fn.Name]
			if ft == nil {
				ft = s.declaredFunc(fn.Name)
				if g, global := isGlobal(fn.Name); global && g.IsValid() && g.Kind() != reflect.Func {
					return 0, false // a variable now holds the name
				}
			}
			if ft == nil {
				return 0, false
			}
			return ft.Results.NumFields(), true
		case *ast.SelectorExpr:
			pkg, isIdent := fn.X.(*ast.Ident)
			if !isIdent || locals[pkg.Name] {
				return 0, false
			}
			path, imported := s.imports[pkg.Name]
			if !imported {
				return 0, false
			}
			if _, global := isGlobal(pkg.Name); global {
				return 0, false
			}
			v, found := s.binSymbols(path)[fn.Sel.Name]
			if !found || !v.IsValid() || v.Kind() != reflect.Func {
				return 0, false
			}
			return v.Type().NumOut(), true
		}
		return 0, false
	}
	check := func(fset *token.FileSet, nvars int, rhs []ast.Expr) bool {
		if len(rhs) != 1 {
			return false
		}
		call, isCall := ast.Unparen(rhs[0]).(*ast.CallExpr)
		if !isCall {
			return false
		}
		n, known := results(call)
		if !known || n == nvars || n == 0 {
			return false
		}
		pos = fset.Position(rhs[0].Pos())
		pos.Line--
		msg = fmt.Sprintf("assignment mismatch: %s but %s returns %s",
			plural(nvars, "variable"), types.ExprString(call.Fun), plural(n, "value"))
		return true
	}
	for _, it := range items {
		var nodes []ast.Node
		for _, d := range it.decls {
			nodes = append(nodes, d)
		}
		for _, st := range it.stmts {
			nodes = append(nodes, st)
		}
		for _, n := range nodes {
			ast.Inspect(n, func(n ast.Node) bool {
				if ok {
					return false
				}
				switch x := n.(type) {
				case *ast.AssignStmt:
					if x.Tok == token.DEFINE || x.Tok == token.ASSIGN {
						ok = check(it.fset, len(x.Lhs), x.Rhs)
					}
				case *ast.ValueSpec:
					ok = check(it.fset, len(x.Names), x.Values)
				}
				return !ok
			})
			if ok {
				return pos, msg, true
			}
		}
	}
	return pos, msg, false
}

// declaredFunc returns the type of the function name declared by an
// earlier cell, or nil.
func (s *session) declaredFunc(name string) *ast.FuncType {
	rec, ok := s.decls[name]
	if !ok {
		return nil
	}
	for _, d := range rec.decls {
		if fd, isFunc := d.(*ast.FuncDecl); isFunc && fd.Recv == nil && fd.Name.Name == name {
			return fd.Type
		}
	}
	return nil
}

// localNames returns the names that items define as variables, constants,
// parameters, results or types (anything that may shadow a function or a
// package name), not the names of top-level functions.
func localNames(items []item) map[string]bool { return namesDefined(items, false) }

// plural returns "1 variable" or "2 variables".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
