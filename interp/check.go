package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// check reports the compile errors Go reports, in Go's words, before the
// cell runs: first with go/types against the whole session (typecheck.go),
// then the assignments whose number of variables differs from the number
// of results of the function called (yaegi accepts them and drops
// values), which stays as a second line of defence where the type checker
// steps aside.
func (s *session) check(c *cellRun) *kernel.ExecError {
	if pos, msg, bad := s.typeCheck(c); bad {
		return s.cellFailure("CompileError", msg, c.cid, pos.Line, pos.Column)
	}
	if pos, msg, bad := s.arityError(c.items); bad {
		return s.cellFailure("CompileError", msg, c.cid, pos.Line, pos.Column)
	}
	return nil
}

// arityError returns the first assignment in items whose number of
// variables differs from the number of results of the function it calls,
// when that number is statically known: a function of a preloaded compiled
// package or a function declared in a cell. yaegi silently drops the extra
// results of `x := strconv.Atoi(s)`; Go rejects it.
func (s *session) arityError(items []cell.Item) (pos token.Position, msg string, ok bool) {
	locals := cell.LocalNames(items)
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
		for _, d := range it.Decls {
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
			cell.Plural(nvars, "variable"), types.ExprString(call.Fun), cell.Plural(n, "value"))
		return true
	}
	for _, it := range items {
		var nodes []ast.Node
		for _, d := range it.Decls {
			nodes = append(nodes, d)
		}
		for _, st := range it.Stmts {
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
						ok = check(it.Fset, len(x.Lhs), x.Rhs)
					}
				case *ast.ValueSpec:
					ok = check(it.Fset, len(x.Names), x.Values)
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
