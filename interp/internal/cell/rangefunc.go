package cell

import (
	"go/ast"
	"go/token"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"
)

// RangeFunc describes a range-over-func loop (Go 1.23) for
// RewriteRangeFunc: the types of the iterator's yield parameters, and the
// result types of the function the loop is in (for a return in its body).
type RangeFunc struct {
	Params  []ast.Expr
	Results []ast.Expr
}

// RewriteRangeFunc rewrites the range-over-func loops in root, which yaegi
// v0.16.1 cannot run, into a call of the iterator with a yield closure:
//
//	for k, v := range seq { body }
//
// becomes
//
//	{ seq(func(k K, v V) bool { body; return true }) }
//
// where in body `continue` is `return true` and `break` is `return false`;
// a return, or a break or continue of an outer loop, sets a control
// variable, stops the iteration and is done after the call. info tells
// which range statements range over a func and with which types; tmp makes
// fresh names. Loops are rewritten innermost first. It returns root (a new
// node when root itself was such a loop) and whether anything changed.
//
// Differences from Go: a defer in the body runs when the iteration step
// ends, not when the enclosing function returns, and an iterator that
// calls yield again after it returned false is not detected.
func RewriteRangeFunc(root ast.Node, info func(*ast.RangeStmt) (RangeFunc, bool), tmp func(prefix string) string) (ast.Node, bool) {
	changed := false
	root = astutil.Apply(root, nil, func(c *astutil.Cursor) bool {
		var label string
		rs, ok := c.Node().(*ast.RangeStmt)
		if ls, isLabeled := c.Node().(*ast.LabeledStmt); isLabeled {
			rs, ok = ls.Stmt.(*ast.RangeStmt)
			label = ls.Label.Name
		} else if _, parentLabeled := c.Parent().(*ast.LabeledStmt); parentLabeled {
			return true // done with the label
		}
		if !ok {
			return true
		}
		ri, isFunc := info(rs)
		if !isFunc {
			return true
		}
		c.Replace(rangeFuncBlock(rs, label, ri, tmp))
		changed = true
		return true
	})
	return root, changed
}

// rangeFuncBlock returns the block that replaces rs.
func rangeFuncBlock(rs *ast.RangeStmt, label string, ri RangeFunc, tmp func(string) string) *ast.BlockStmt {
	var params []*ast.Field
	var assign []ast.Expr // loop variables assigned (not defined) by the loop
	var fresh []ast.Expr
	for i, t := range ri.Params {
		var e ast.Expr
		switch i {
		case 0:
			e = rs.Key
		case 1:
			e = rs.Value
		}
		name := "_"
		if id, ok := e.(*ast.Ident); ok && rs.Tok == token.DEFINE {
			name = id.Name
		} else if e != nil && !isBlank(e) {
			name = tmp("V")
			assign = append(assign, e)
			fresh = append(fresh, ast.NewIdent(name))
		}
		params = append(params, &ast.Field{Names: []*ast.Ident{ast.NewIdent(name)}, Type: t})
	}
	ctl := tmp("C")
	var results []*ast.Ident
	var after []ast.Stmt
	needCtl := false
	code := 0
	exit := func(then ast.Stmt) ast.Stmt {
		needCtl = true
		code++
		after = append(after, &ast.IfStmt{
			Cond: &ast.BinaryExpr{X: ast.NewIdent(ctl), Op: token.EQL, Y: &ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(code)}},
			Body: &ast.BlockStmt{List: []ast.Stmt{then}},
		})
		return &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(ctl)}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(code)}}}
	}
	retBool := func(b string) *ast.ReturnStmt {
		return &ast.ReturnStmt{Results: []ast.Expr{ast.NewIdent(b)}}
	}
	inner := map[string]bool{} // labels declared inside the body
	ast.Inspect(rs.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if ls, ok := n.(*ast.LabeledStmt); ok {
			inner[ls.Label.Name] = true
		}
		return true
	})
	// walk rewrites the branch and return statements of the body that
	// leave the loop; loops counts the loops the statement is in within
	// the body, breaks the loops, switches and selects.
	var walk func(c *astutil.Cursor, loops, breaks int) bool
	visit := func(n ast.Node, loops, breaks int) {
		astutil.Apply(n, func(c *astutil.Cursor) bool { return walk(c, loops, breaks) }, nil)
	}
	walk = func(c *astutil.Cursor, loops, breaks int) bool {
		switch x := c.Node().(type) {
		case *ast.FuncLit:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			for _, ch := range children(x) {
				visit(ch, loops+1, breaks+1)
			}
			return false
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			for _, ch := range children(x) {
				visit(ch, loops, breaks+1)
			}
			return false
		case *ast.BranchStmt:
			switch x.Tok {
			case token.BREAK, token.CONTINUE:
				own := (x.Label == nil && ((x.Tok == token.BREAK && breaks == 0) || (x.Tok == token.CONTINUE && loops == 0))) ||
					(x.Label != nil && x.Label.Name == label)
				switch {
				case own && x.Tok == token.BREAK:
					c.Replace(retBool("false"))
				case own:
					c.Replace(retBool("true"))
				case x.Label != nil && !inner[x.Label.Name]:
					c.Replace(&ast.BlockStmt{List: []ast.Stmt{exit(&ast.BranchStmt{Tok: x.Tok, Label: ast.NewIdent(x.Label.Name)}), retBool("false")}})
				}
			}
		case *ast.ReturnStmt:
			if len(x.Results) == 0 {
				c.Replace(&ast.BlockStmt{List: []ast.Stmt{exit(&ast.ReturnStmt{}), retBool("false")}})
				return false
			}
			if results == nil {
				for range ri.Results {
					results = append(results, ast.NewIdent(tmp("R")))
				}
			}
			var lhs, rets []ast.Expr
			for _, r := range results {
				lhs = append(lhs, ast.NewIdent(r.Name))
				rets = append(rets, ast.NewIdent(r.Name))
			}
			c.Replace(&ast.BlockStmt{List: []ast.Stmt{
				&ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: x.Results},
				exit(&ast.ReturnStmt{Results: rets}), retBool("false")}})
			return false
		}
		return true
	}
	visit(rs.Body, 0, 0)

	body := rs.Body.List
	if len(assign) > 0 {
		body = append([]ast.Stmt{&ast.AssignStmt{Lhs: assign, Tok: token.ASSIGN, Rhs: fresh}}, body...)
	}
	body = append(body, retBool("true"))
	call := &ast.ExprStmt{X: &ast.CallExpr{
		Fun: &ast.ParenExpr{X: rs.X},
		Args: []ast.Expr{&ast.FuncLit{
			Type: &ast.FuncType{Params: &ast.FieldList{List: params}, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}},
			Body: &ast.BlockStmt{List: body},
		}},
	}}
	var list []ast.Stmt
	if needCtl {
		list = append(list, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{ast.NewIdent(ctl)}, Type: ast.NewIdent("int")}}}})
	}
	for i, r := range results {
		list = append(list, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{
			&ast.ValueSpec{Names: []*ast.Ident{r}, Type: ri.Results[i]}}}})
	}
	list = append(list, call)
	list = append(list, after...)
	return &ast.BlockStmt{Lbrace: rs.For, List: list, Rbrace: rs.End()}
}

// children returns the direct child nodes of a loop, switch or select.
func children(n ast.Node) []ast.Node {
	var out []ast.Node
	ast.Inspect(n, func(m ast.Node) bool {
		if m == n {
			return true
		}
		if m != nil {
			out = append(out, m)
		}
		return false
	})
	return out
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}
