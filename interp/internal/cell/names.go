package cell

import (
	"go/ast"
	"go/token"
)

// TypeNames returns the type names declared by decls.
func TypeNames(decls []ast.Decl) []string {
	var out []string
	for _, d := range decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
			for _, sp := range gd.Specs {
				out = append(out, UserName(sp.(*ast.TypeSpec).Name.Name))
			}
		}
	}
	return out
}

// FuncKey is "name" for functions and "Recv.name" for methods.
func FuncKey(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		}
		break
	}
	if id, ok := t.(*ast.Ident); ok {
		return UserName(id.Name) + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// DeclNames returns the names declared by decls.
func DeclNames(decls []ast.Decl) []string {
	var out []string
	for _, d := range decls {
		switch x := d.(type) {
		case *ast.FuncDecl:
			out = append(out, FuncKey(x))
		case *ast.GenDecl:
			for _, sp := range x.Specs {
				switch y := sp.(type) {
				case *ast.TypeSpec:
					out = append(out, UserName(y.Name.Name))
				case *ast.ValueSpec:
					for _, n := range y.Names {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}

func DeclKind(decls []ast.Decl) token.Token {
	for _, d := range decls {
		if gd, ok := d.(*ast.GenDecl); ok {
			return gd.Tok
		}
	}
	return token.FUNC
}

// IdentRefs returns every identifier used in decls.
func IdentRefs(decls []ast.Decl) map[string]bool {
	out := map[string]bool{}
	for _, d := range decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				out[UserName(id.Name)] = true
			}
			return true
		})
	}
	return out
}

// DefinedNames returns every name defined anywhere in the items (variables,
// constants, parameters, results, functions, types; labels excluded).
func DefinedNames(items []Item) map[string]bool { return NamesDefined(items, true) }

// InspectItems calls f, as ast.Inspect does, on every node of the items'
// declarations and statements.
func InspectItems(items []Item, f func(ast.Node) bool) {
	for _, it := range items {
		for _, d := range it.Decls {
			ast.Inspect(d, f)
		}
		for _, st := range it.Stmts {
			ast.Inspect(st, f)
		}
	}
}

// NamesDefined returns the names the items define; top-level function
// names only if funcs is true.
func NamesDefined(items []Item, funcs bool) map[string]bool {
	out := map[string]bool{}
	add := func(ids ...*ast.Ident) {
		for _, id := range ids {
			if id != nil {
				out[id.Name] = true
			}
		}
	}
	InspectItems(items, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.ValueSpec:
			add(x.Names...)
		case *ast.TypeSpec:
			add(x.Name)
		case *ast.FuncDecl:
			if funcs && x.Recv == nil {
				add(x.Name)
			}
		case *ast.Field:
			add(x.Names...)
		case *ast.RangeStmt:
			if x.Tok == token.DEFINE {
				for _, e := range []ast.Expr{x.Key, x.Value} {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		}
		return true
	})
	return out
}

// TypesFirst moves, within each run of consecutive declaration items, a
// type declaration up to just before the first item of the run that uses
// it, when the type itself uses nothing declared in between: yaegi
// evaluates a run in order, and a typed iota block declared before its type
// (const ( A Kind = iota; B ) … type Kind int) gives wrong values.
func TypesFirst(items []Item) []Item {
	for start := 0; start < len(items); {
		if items[start].Kind != DeclItem {
			start++
			continue
		}
		end := start
		for end < len(items) && items[end].Kind == DeclItem {
			end++
		}
		for j := start + 1; j < end; j++ {
			if DeclKind(items[j].Decls) != token.TYPE {
				continue
			}
			names := DeclNames(items[j].Decls)
			refs := IdentRefs(items[j].Decls)
			first := -1
			for i := start; i < j && first < 0; i++ {
				r := IdentRefs(items[i].Decls)
				for _, n := range names {
					if r[n] {
						first = i
						break
					}
				}
			}
			if first < 0 {
				continue
			}
			ok := true
			for i := first; i < j; i++ {
				for _, n := range DeclNames(items[i].Decls) {
					if refs[n] {
						ok = false
					}
				}
			}
			if !ok {
				continue
			}
			it := items[j]
			copy(items[first+1:j+1], items[first:j])
			items[first] = it
		}
		start = end
	}
	return items
}

// Callee returns the identifier a call names: f in f(x), Sel in p.F(x) or
// v.M(x); nil for other callees (a func literal, an index expression, ...).
func Callee(call *ast.CallExpr) *ast.Ident {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f
	case *ast.SelectorExpr:
		return f.Sel
	}
	return nil
}
