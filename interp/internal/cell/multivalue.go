package cell

import (
	"fmt"
	"go/ast"
	"go/token"
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
func (r *Rewriter) topLevelMulti(list []ast.Stmt) []ast.Stmt {
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
				if r.Wrappers == nil {
					r.Wrappers = map[ast.Stmt]bool{}
				}
				r.Wrappers[w] = true
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
func (r *Rewriter) splitDefine(as *ast.AssignStmt) []ast.Stmt {
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
func (r *Rewriter) splitVar(d *ast.DeclStmt) []ast.Stmt {
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

// LocalNames returns the names that items define as variables, constants,
// parameters, results or types (anything that may shadow a function or a
// package name), not the names of top-level functions.
func LocalNames(items []Item) map[string]bool { return NamesDefined(items, false) }

// Plural returns "1 variable" or "2 variables".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
