package cell

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// Rewriter turns Go 1.22+ features that yaegi v0.16.1 lacks into code it
// runs: range over an integer, the min and max builtins (hoisted into
// temporaries), clear (a compiled helper) and per-iteration loop variables
// (a shadowing copy at the top of the body when the body captures them). It
// also works around yaegi's bugs with top-level multi-value definitions
// (see topLevelMulti in multivalue.go).
type Rewriter struct {
	GlobalKind func(name string) reflect.Kind
	Shadowed   map[string]bool
	N          *int            // session-wide counter: temporaries at top level are globals
	env        map[string]bool // name -> known to be an integer
	changed    bool
	// Wrappers holds the `func() { ... }()` statements made by
	// topLevelMulti: they are not a cell's final expression.
	Wrappers map[ast.Stmt]bool
}

func (r *Rewriter) tmp(prefix string) string {
	if r.N == nil {
		r.N = new(int)
	}
	*r.N++
	return fmt.Sprintf("__gp%s%d", prefix, *r.N)
}

// changedExpr reports whether e contains nodes created by the rewriter
// (identifiers of temporaries or the runtime helper).
func (r *Rewriter) changedExpr(e ast.Expr) bool {
	changed := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && (strings.HasPrefix(id.Name, "__gp") || id.Name == RuntimeName) {
			changed = true
		}
		if bl, ok := n.(*ast.BasicLit); ok && !bl.ValuePos.IsValid() {
			changed = true
		}
		return !changed
	})
	return changed
}

// Prepare records which names the cell defines as integers.
func (r *Rewriter) Prepare(items []Item) {
	r.env = map[string]bool{}
	var nodes []ast.Node
	for _, it := range items {
		for _, d := range it.Decls {
			nodes = append(nodes, d)
		}
		for _, s := range it.Stmts {
			nodes = append(nodes, s)
		}
	}
	r.collectInts(nodes)
}

// RewriteItem rewrites it in place and marks it rewritten when it changed.
// prepare must have been called with the cell's items.
func (r *Rewriter) RewriteItem(it *Item) bool {
	r.changed = false
	for _, d := range it.Decls {
		r.zeroNamedResults(d)
	}
	for _, st := range it.Stmts {
		r.zeroNamedResults(st)
	}
	for _, d := range it.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			fd.Body.List = r.stmts(fd.Body.List)
		}
	}
	if it.Kind == StmtItem {
		var lastExpr ast.Expr
		if es, ok := it.Stmts[len(it.Stmts)-1].(*ast.ExprStmt); ok {
			lastExpr = es.X
		}
		it.Stmts = r.stmts(it.Stmts)
		before := r.changed
		it.Stmts = r.topLevelMulti(it.Stmts)
		if !before && !it.Rewritten && len(it.Stmts) == 1 && r.Wrappers[it.Stmts[0]] {
			// Only wrapped: keep the original text (and its columns).
			it.WrapText = true
			r.changed = false
		}
		if lastExpr != nil {
			es, ok := it.Stmts[len(it.Stmts)-1].(*ast.ExprStmt)
			it.ExprRewritten = it.ExprRewritten || !ok || es.X != lastExpr || r.changedExpr(lastExpr)
		}
	}
	if r.changed {
		it.Rewritten = true
	}
	return r.changed
}

var intTypes = map[string]bool{"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true, "rune": true}

// collectInts records which names are defined as integers in nodes
// (flow-insensitive: a name defined both ways is not an integer).
func (r *Rewriter) collectInts(nodes []ast.Node) {
	set := func(name string, isInt bool) {
		if old, ok := r.env[name]; ok && old != isInt {
			r.env[name] = false
			return
		}
		r.env[name] = isInt
	}
	for pass := 0; pass < 2; pass++ {
		for _, n := range nodes {
			ast.Inspect(n, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.AssignStmt:
					if x.Tok == token.DEFINE && len(x.Lhs) == len(x.Rhs) {
						for i, l := range x.Lhs {
							if id, ok := l.(*ast.Ident); ok {
								set(id.Name, r.intish(x.Rhs[i]))
							}
						}
					}
				case *ast.ValueSpec:
					for i, id := range x.Names {
						if t, ok := x.Type.(*ast.Ident); ok {
							set(id.Name, intTypes[t.Name])
						} else if x.Type == nil && i < len(x.Values) {
							set(id.Name, r.intish(x.Values[i]))
						} else {
							set(id.Name, false)
						}
					}
				case *ast.Field:
					t, ok := x.Type.(*ast.Ident)
					for _, id := range x.Names {
						set(id.Name, ok && intTypes[t.Name])
					}
				case *ast.RangeStmt:
					if x.Tok == token.DEFINE {
						if id, ok := x.Key.(*ast.Ident); ok {
							set(id.Name, r.intish(x.X) || !r.mapish(x.X))
						}
						if id, ok := x.Value.(*ast.Ident); ok {
							set(id.Name, false)
						}
					}
				}
				return true
			})
		}
	}
}

// mapish reports whether x may be a map or channel (whose range keys are
// not integers).
func (r *Rewriter) mapish(x ast.Expr) bool {
	switch e := x.(type) {
	case *ast.CompositeLit:
		_, isMap := e.Type.(*ast.MapType)
		return isMap
	case *ast.Ident:
		k := r.GlobalKind(e.Name)
		return k == reflect.Map || k == reflect.Chan || k == reflect.Invalid
	}
	return true
}

// intish reports whether x is evidently an integer.
func (r *Rewriter) intish(x ast.Expr) bool {
	switch e := x.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.ParenExpr:
		return r.intish(e.X)
	case *ast.UnaryExpr:
		return (e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR) && r.intish(e.X)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.AND_NOT:
			return r.intish(e.X) && r.intish(e.Y)
		case token.SHL, token.SHR:
			return r.intish(e.X)
		}
	case *ast.Ident:
		if v, ok := r.env[e.Name]; ok {
			return v
		}
		switch r.GlobalKind(e.Name) {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return true
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok {
			if id.Name == "len" || id.Name == "cap" {
				return true
			}
			return intTypes[id.Name] && len(e.Args) == 1
		}
	}
	return false
}

// pure reports whether evaluating x twice is harmless and cheap.
func pure(x ast.Expr) bool {
	switch e := x.(type) {
	case *ast.BasicLit, *ast.Ident:
		return true
	case *ast.ParenExpr:
		return pure(e.X)
	case *ast.SelectorExpr:
		return pure(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && pure(e.X)
	case *ast.BinaryExpr:
		return pure(e.X) && pure(e.Y)
	}
	return false
}

// stmts rewrites a statement list (and, recursively, nested lists).
func (r *Rewriter) stmts(list []ast.Stmt) []ast.Stmt {
	var out []ast.Stmt
	for _, s := range list {
		r.nested(s)
		pre, s2 := r.hoist(s)
		s2 = r.loop(s2)
		s2 = r.clearStmt(s2)
		r.parenCallAssign(s2)
		out = append(out, pre...)
		out = append(out, s2)
	}
	return out
}

// nested rewrites the statement lists nested in s.
func (r *Rewriter) nested(s ast.Stmt) {
	ast.Inspect(s, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt:
			x.List = r.stmts(x.List)
			return false
		case *ast.CaseClause:
			x.Body = r.stmts(x.Body)
			return false
		case *ast.CommClause:
			x.Body = r.stmts(x.Body)
			return false
		}
		return true
	})
}

// isBuiltinCall reports whether c calls builtin name (not shadowed).
func (r *Rewriter) isBuiltinCall(c *ast.CallExpr, names ...string) (string, bool) {
	id, ok := c.Fun.(*ast.Ident)
	if !ok {
		return "", false
	}
	for _, n := range names {
		if id.Name == n && !r.Shadowed[n] {
			return n, true
		}
	}
	return "", false
}

// isBuiltin reports whether c calls one of Go's predeclared functions
// (append, len, make, ...) not shadowed in the cell.
func (r *Rewriter) isBuiltin(c *ast.CallExpr) bool {
	id, ok := c.Fun.(*ast.Ident)
	if !ok || r.Shadowed[id.Name] {
		return false
	}
	_, ok = types.Universe.Lookup(id.Name).(*types.Builtin)
	return ok
}

// hoist replaces min/max calls in s (outside nested blocks and function
// literals) by temporaries computed by statements placed before s.
func (r *Rewriter) hoist(s ast.Stmt) ([]ast.Stmt, ast.Stmt) {
	var pre []ast.Stmt
	var skip map[ast.Node]bool
	if f, ok := s.(*ast.ForStmt); ok {
		skip = map[ast.Node]bool{}
		if f.Cond != nil {
			skip[f.Cond] = true
		}
		if f.Post != nil {
			skip[f.Post] = true
		}
	}
	needsWrap := false
	var initNode ast.Node
	switch x := s.(type) {
	case *ast.IfStmt:
		if x.Init != nil {
			initNode = x.Init
		}
	case *ast.SwitchStmt:
		if x.Init != nil {
			initNode = x.Init
		}
	}
	inInit := false
	res := astutil.Apply(s, func(c *astutil.Cursor) bool {
		n := c.Node()
		if skip[n] {
			return false
		}
		switch n.(type) {
		case *ast.BlockStmt, *ast.FuncLit, *ast.CaseClause, *ast.CommClause:
			return false
		}
		if n == initNode {
			inInit = true
		}
		return true
	}, func(c *astutil.Cursor) bool {
		n := c.Node()
		if n == initNode {
			inInit = false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 || call.Ellipsis.IsValid() {
			return true
		}
		name, ok := r.isBuiltinCall(call, "min", "max")
		if !ok {
			return true
		}
		if lit := constMinMax(name, call.Args); lit != nil {
			c.Replace(lit)
			r.changed = true
			return true
		}
		if initNode != nil && !inInit {
			needsWrap = true
		}
		op := token.LSS
		if name == "max" {
			op = token.GTR
		}
		first := 0
		for i, a := range call.Args {
			if _, isLit := a.(*ast.BasicLit); !isLit {
				first = i
				break
			}
		}
		t := ast.NewIdent(r.tmp("M"))
		pre = append(pre, &ast.AssignStmt{Lhs: []ast.Expr{t}, Tok: token.DEFINE, Rhs: []ast.Expr{call.Args[first]}})
		for i, a := range call.Args {
			if i == first {
				continue
			}
			if !pure(a) {
				at := ast.NewIdent(r.tmp("A"))
				pre = append(pre, &ast.AssignStmt{Lhs: []ast.Expr{at}, Tok: token.DEFINE, Rhs: []ast.Expr{a}})
				a = at
			}
			pre = append(pre, &ast.IfStmt{
				Cond: &ast.BinaryExpr{X: a, Op: op, Y: ast.NewIdent(t.Name)},
				Body: &ast.BlockStmt{List: []ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(t.Name)}, Tok: token.ASSIGN, Rhs: []ast.Expr{a}}}},
			})
		}
		c.Replace(ast.NewIdent(t.Name))
		r.changed = true
		return true
	})
	s = res.(ast.Stmt)
	if needsWrap && len(pre) > 0 {
		// The hoisted code may use variables of the if/switch init: move
		// the init in front, inside a block.
		var init ast.Stmt
		switch x := s.(type) {
		case *ast.IfStmt:
			init, x.Init = x.Init, nil
		case *ast.SwitchStmt:
			init, x.Init = x.Init, nil
		}
		list := append([]ast.Stmt{init}, pre...)
		return nil, &ast.BlockStmt{List: append(list, s)}
	}
	return pre, s
}

// constMinMax folds min/max over basic literals into a literal.
func constMinMax(name string, args []ast.Expr) ast.Expr {
	var best constant.Value
	var bestLit *ast.BasicLit
	for _, a := range args {
		lit, ok := a.(*ast.BasicLit)
		if !ok || (lit.Kind != token.INT && lit.Kind != token.FLOAT && lit.Kind != token.STRING) {
			return nil
		}
		v := constant.MakeFromLiteral(lit.Value, lit.Kind, 0)
		if v.Kind() == constant.Unknown {
			return nil
		}
		if best == nil {
			best, bestLit = v, lit
			continue
		}
		op := token.LSS
		if name == "max" {
			op = token.GTR
		}
		if (best.Kind() == constant.String) != (v.Kind() == constant.String) {
			return nil
		}
		if constant.Compare(v, op, best) {
			best, bestLit = v, lit
		}
	}
	// Keep the float-ness of the expression: min(1, 2.5) is 1.0.
	for _, a := range args {
		if a.(*ast.BasicLit).Kind == token.FLOAT && bestLit.Kind == token.INT {
			return &ast.BasicLit{Kind: token.FLOAT, Value: bestLit.Value + ".0"}
		}
	}
	return &ast.BasicLit{Kind: bestLit.Kind, Value: bestLit.Value}
}

// loop rewrites range-over-int and adds per-iteration copies of loop
// variables captured by closures, goroutines or address-of in the body.
func (r *Rewriter) loop(s ast.Stmt) ast.Stmt {
	switch x := s.(type) {
	case *ast.RangeStmt:
		var vars []*ast.Ident
		if x.Tok == token.DEFINE {
			for _, e := range []ast.Expr{x.Key, x.Value} {
				if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
					vars = append(vars, id)
				}
			}
		}
		if x.Value == nil && (x.Tok == token.DEFINE || x.Key == nil) && r.intish(x.X) {
			f := r.rangeInt(x)
			if len(vars) > 0 {
				r.perIteration(f, vars)
			}
			return f
		}
		r.perIteration(x, vars)
	case *ast.ForStmt:
		if as, ok := x.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
			var vars []*ast.Ident
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
					vars = append(vars, id)
				}
			}
			r.perIteration(x, vars)
		}
	case *ast.LabeledStmt:
		x.Stmt = r.loop(x.Stmt)
	}
	return s
}

// rangeInt turns `for i := range n {}` into a counting loop that evaluates
// n once and gives i the type of n.
func (r *Rewriter) rangeInt(x *ast.RangeStmt) *ast.ForStmt {
	r.changed = true
	i := ast.NewIdent(r.tmp("I"))
	if id, ok := x.Key.(*ast.Ident); ok && id.Name != "_" {
		i = ast.NewIdent(id.Name)
	}
	n := ast.NewIdent(r.tmp("N"))
	var zero ast.Expr = &ast.BasicLit{Kind: token.INT, Value: "0"}
	if pure(x.X) {
		zero = &ast.BinaryExpr{X: x.X, Op: token.SUB, Y: x.X}
	} else if call, ok := x.X.(*ast.CallExpr); ok {
		if id, ok := call.Fun.(*ast.Ident); ok && intTypes[id.Name] {
			zero = &ast.CallExpr{Fun: ast.NewIdent(id.Name), Args: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: "0"}}}
		}
	}
	return &ast.ForStmt{
		For:  x.For,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{i, n}, Tok: token.DEFINE, Rhs: []ast.Expr{zero, x.X}},
		Cond: &ast.BinaryExpr{X: ast.NewIdent(i.Name), Op: token.LSS, Y: ast.NewIdent(n.Name)},
		Post: &ast.IncDecStmt{X: ast.NewIdent(i.Name), Tok: token.INC},
		Body: x.Body,
	}
}

// perIteration gives Go 1.22 per-iteration semantics to loop variables that
// the body captures (closure, go or defer statement, &v): the header uses a
// fresh name and the body starts with `v := fresh`. For three-clause loops
// it does nothing when the body assigns the variable (the copy would break
// the loop).
func (r *Rewriter) perIteration(loop ast.Stmt, vars []*ast.Ident) {
	var body *ast.BlockStmt
	var header []ast.Node
	threeClause := false
	switch x := loop.(type) {
	case *ast.ForStmt:
		body, threeClause = x.Body, true
		header = []ast.Node{x.Init, x.Cond, x.Post}
	case *ast.RangeStmt:
		body = x.Body
		header = []ast.Node{x.Key, x.Value}
	}
	if body == nil || len(vars) == 0 {
		return
	}
	var copies []ast.Stmt
	for _, v := range vars {
		name := v.Name
		captured, assigned := captureInfo(body, name)
		if !captured || (threeClause && assigned) {
			continue
		}
		fresh := r.tmp("L")
		for _, h := range header {
			if h == nil || reflect.ValueOf(h).IsNil() {
				continue
			}
			ast.Inspect(h, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				if id, ok := n.(*ast.Ident); ok && id.Name == name {
					id.Name = fresh
				}
				return true
			})
		}
		copies = append(copies, &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(name)}, Tok: token.DEFINE, Rhs: []ast.Expr{ast.NewIdent(fresh)}})
	}
	if len(copies) > 0 {
		body.List = append(copies, body.List...)
		r.changed = true
	}
}

// captureInfo reports whether name is used inside a function literal, a go
// statement or under &, and whether it is assigned anywhere in body.
func captureInfo(body *ast.BlockStmt, name string) (captured, assigned bool) {
	uses := func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == name {
				found = true
			}
			return !found
		})
		return found
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			if uses(x.Body) {
				captured = true
			}
		case *ast.GoStmt:
			if uses(x.Call) {
				captured = true
			}
		case *ast.DeferStmt:
			if uses(x.Call) {
				captured = true
			}
		case *ast.UnaryExpr:
			if x.Op == token.AND && uses(x.X) {
				captured = true
			}
		case *ast.AssignStmt:
			if x.Tok != token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == name {
						assigned = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == name {
				assigned = true
			}
		}
		return true
	})
	return captured, assigned
}

// clearStmt rewrites the statement clear(x) into a call of the compiled
// helper.
func (r *Rewriter) clearStmt(s ast.Stmt) ast.Stmt {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return s
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return s
	}
	if _, ok := r.isBuiltinCall(call, "clear"); !ok {
		return s
	}
	call.Fun = &ast.SelectorExpr{X: ast.NewIdent(RuntimeName), Sel: ast.NewIdent("Clear")}
	r.changed = true
	return s
}

// parenCallAssign parenthesizes the call in an assignment x = f(...) (s,
// or the init or post statement of s): yaegi then assigns the result
// instead of running the call with x's storage as its result, which made
// f's named results alias x until f returned (so that f saw its own
// writes in x, and zeroNamedResults would clear x before f read it).
func (r *Rewriter) parenCallAssign(s ast.Stmt) {
	var as []ast.Stmt
	switch x := s.(type) {
	case *ast.AssignStmt:
		as = append(as, x)
	case *ast.IfStmt:
		as = append(as, x.Init)
	case *ast.SwitchStmt:
		as = append(as, x.Init)
	case *ast.TypeSwitchStmt:
		as = append(as, x.Init)
	case *ast.ForStmt:
		as = append(as, x.Init, x.Post)
	}
	for _, st := range as {
		a, ok := st.(*ast.AssignStmt)
		if !ok || a.Tok != token.ASSIGN || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
			continue
		}
		if call, ok := a.Rhs[0].(*ast.CallExpr); ok {
			if r.isBuiltin(call) {
				continue // no named results, and runtime errors keep pointing at the call
			}
			// The parentheses take the call's position, so that errors
			// still point at the call.
			a.Rhs[0] = &ast.ParenExpr{Lparen: call.Pos(), X: call, Rparen: call.Rparen}
			r.changed = true
		}
	}
}

// zeroNamedResults makes every function declared or written as a literal
// in n with named results set them to their zero values first: yaegi runs a
// call with its named results in the caller's storage for the result (the
// call's temporary, or the variable it is assigned to) without clearing it,
// so that with func f() (out []int) { out = append(out, 1); return },
// calling f again from the same place (in a loop, or x = f() twice)
// appended to the previous result. The zero is *new(T) with the result's
// type as written; a function whose parameters shadow a name the result
// types use is left alone.
func (r *Rewriter) zeroNamedResults(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		var ft *ast.FuncType
		var body *ast.BlockStmt
		var recv *ast.FieldList
		switch f := n.(type) {
		case *ast.FuncDecl:
			ft, body, recv = f.Type, f.Body, f.Recv
		case *ast.FuncLit:
			ft, body = f.Type, f.Body
		default:
			return true
		}
		if body == nil || ft.Results == nil {
			return true
		}
		params := map[string]bool{}
		for _, fl := range []*ast.FieldList{recv, ft.TypeParams, ft.Params} {
			if fl == nil {
				continue
			}
			for _, f := range fl.List {
				for _, id := range f.Names {
					params[id.Name] = true
				}
			}
		}
		var lhs, rhs []ast.Expr
		for _, f := range ft.Results.List {
			shadowed := false
			ast.Inspect(f.Type, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && params[id.Name] {
					shadowed = true
				}
				return !shadowed
			})
			if shadowed {
				return true
			}
			for _, id := range f.Names {
				if id.Name == "_" {
					continue
				}
				lhs = append(lhs, ast.NewIdent(id.Name))
				rhs = append(rhs, &ast.StarExpr{X: &ast.CallExpr{Fun: ast.NewIdent("new"), Args: []ast.Expr{copyExpr(f.Type)}}})
			}
		}
		if len(lhs) == 0 || r.Shadowed["new"] {
			return true
		}
		body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: rhs}}, body.List...)
		r.changed = true
		return true
	})
}

// copyExpr returns a copy of the type expression e without positions.
func copyExpr(e ast.Expr) ast.Expr {
	var buf strings.Builder
	if err := format.Node(&buf, token.NewFileSet(), e); err != nil {
		return e
	}
	c, err := parser.ParseExpr(buf.String())
	if err != nil {
		return e
	}
	ClearPos(c, token.NoPos)
	return c
}

// ClearPos sets every position in node to NoPos, so that the printer
// keeps the positions of the surrounding cell code; the ellipsis of a
// variadic call, which must stay valid, is set to anchor.
func ClearPos(node ast.Node, anchor token.Pos) {
	posT := reflect.TypeOf(token.NoPos)
	ast.Inspect(node, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok && call.Ellipsis.IsValid() {
			defer func() { call.Ellipsis = anchor }()
		}
		v := reflect.ValueOf(n)
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return true
		}
		v = v.Elem()
		if v.Kind() != reflect.Struct {
			return true
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Type() == posT && f.CanSet() {
				f.SetInt(0)
			}
		}
		return true
	})
}
