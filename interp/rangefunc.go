package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/types"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// rangeFuncs rewrites the cell's range-over-func loops (Go 1.23), which
// yaegi cannot run, into calls of the iterator with a yield closure
// (cell.RewriteRangeFunc). The checker tells which loops range over a
// func, and the types the closure needs; without the checker's
// information nothing is rewritten.
func (s *session) rangeFuncs(c *cellRun) {
	if c.info == nil || c.checked == nil {
		return
	}
	type key struct{ line, col int }
	found := map[key]cell.RangeFunc{}
	ok := true
	q := s.qualifier(c.tpkg, &ok)
	typeExpr := func(t types.Type) ast.Expr {
		e, err := parser.ParseExpr(types.TypeString(t, q))
		if err != nil {
			ok = false
		}
		return e
	}
	var stack []*types.Signature // signatures of the enclosing functions
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		var sig *types.Signature
		var body *ast.BlockStmt
		switch x := n.(type) {
		case *ast.FuncDecl:
			if obj := c.info.Defs[x.Name]; obj != nil {
				sig, _ = obj.Type().(*types.Signature)
			}
			body = x.Body
		case *ast.FuncLit:
			sig, _ = c.info.TypeOf(x).(*types.Signature)
			body = x.Body
		case *ast.RangeStmt:
			ft, isFunc := types.Unalias(c.info.TypeOf(x.X)).Underlying().(*types.Signature)
			if !isFunc || ft.Params().Len() != 1 {
				return true
			}
			yield, isFunc := ft.Params().At(0).Type().Underlying().(*types.Signature)
			if !isFunc {
				return true
			}
			ok = true
			var rf cell.RangeFunc
			for i := 0; i < yield.Params().Len(); i++ {
				rf.Params = append(rf.Params, typeExpr(yield.Params().At(i).Type()))
			}
			if len(stack) > 0 && stack[len(stack)-1] != nil {
				res := stack[len(stack)-1].Results()
				for i := 0; i < res.Len(); i++ {
					rf.Results = append(rf.Results, typeExpr(res.At(i).Type()))
				}
			}
			if ok {
				p := s.typesFset.Position(x.For)
				if p.Filename == "cell" {
					found[key{p.Line, p.Column}] = rf
				}
			}
			return true
		default:
			return true
		}
		if body == nil {
			return false
		}
		stack = append(stack, sig)
		ast.Inspect(body, walk)
		stack = stack[:len(stack)-1]
		return false
	}
	ast.Inspect(c.checked, walk)
	if len(found) == 0 {
		return
	}
	tmp := func(prefix string) string {
		s.tmpN++
		return fmt.Sprintf("__gp%s%d", prefix, s.tmpN)
	}
	for i := range c.items {
		it := &c.items[i]
		info := func(rs *ast.RangeStmt) (cell.RangeFunc, bool) {
			p := it.Fset.Position(rs.For)
			rf, ok := found[key{p.Line - 1, p.Column}]
			return rf, ok
		}
		changed := false
		for _, d := range it.Decls {
			if _, ch := cell.RewriteRangeFunc(d, info, tmp); ch {
				changed = true
			}
		}
		for j, st := range it.Stmts {
			n, ch := cell.RewriteRangeFunc(st, info, tmp)
			if ch {
				it.Stmts[j] = n.(ast.Stmt)
				changed = true
			}
		}
		if changed {
			it.Rewritten = true
		}
	}
}
