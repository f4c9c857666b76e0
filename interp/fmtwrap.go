package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/astutil"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// Printing as Go prints. yaegi hands compiled code values of cell-declared
// types as anonymous structs without methods (below the top level) or as
// interpreter internals (inside interfaces), so fmt and encoding/json print
// them wrong. The rewrite stage therefore wraps each argument of a fmt,
// log or encoding/json call whose static type involves cell-declared types
// in a converter: a function literal, generated from the checker's types,
// that walks the value in interpreted code (where its methods and dynamic
// types are known) and builds a compiled fmtValue (rtfmt.go) which prints
// as the compiled value would.

var errorType = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

// posKey identifies an expression of a cell by its span.
type posKey struct{ l0, c0, l1, c1 int }

// printFuncs are the calls whose arguments are wrapped, by package path and
// name, with the index of the first value argument.
var printFuncs = map[string]map[string]int{
	"fmt": {"Print": 0, "Println": 0, "Printf": 1, "Sprint": 0, "Sprintln": 0, "Sprintf": 1,
		"Fprint": 1, "Fprintln": 1, "Fprintf": 2, "Errorf": 1, "Append": 1, "Appendln": 1, "Appendf": 2},
	"log": {"Print": 0, "Println": 0, "Printf": 1, "Fatal": 0, "Fatalln": 0, "Fatalf": 1,
		"Panic": 0, "Panicln": 0, "Panicf": 1},
	"encoding/json": {"Marshal": 0, "MarshalIndent": 0},
}

// fmtWrapper rewrites the print calls of one cell.
type fmtWrapper struct {
	s     *session
	pkg   *types.Package
	types map[posKey]types.Type
	uses  map[[2]int]types.Object
	ren   map[string]string
	n     int
}

// wrapPrints rewrites the print calls in the cell's items (see above). It
// needs the checker's information; without it the cell is left alone.
func (s *session) wrapPrints(c *cellRun, ren map[string]string) {
	if c.info == nil || c.tpkg == nil {
		return
	}
	w := &fmtWrapper{s: s, pkg: c.tpkg, types: map[posKey]types.Type{}, uses: map[[2]int]types.Object{}, ren: ren}
	fset := s.typesFset
	for e, tv := range c.info.Types {
		a, b := fset.Position(e.Pos()), fset.Position(e.End())
		if a.Filename == "cell" && tv.Type != nil {
			w.types[posKey{a.Line, a.Column, b.Line, b.Column}] = tv.Type
		}
	}
	for id, obj := range c.info.Uses {
		if p := fset.Position(id.Pos()); p.Filename == "cell" {
			w.uses[[2]int{p.Line, p.Column}] = obj
		}
	}
	methodExprs := map[posKey]*types.Selection{}
	for se, sel := range c.info.Selections {
		if sel.Kind() == types.MethodExpr {
			a, b := fset.Position(se.Pos()), fset.Position(se.End())
			if a.Filename == "cell" {
				methodExprs[posKey{a.Line, a.Column, b.Line, b.Column}] = sel
			}
		}
	}
	for i := range c.items {
		it := &c.items[i]
		if len(methodExprs) > 0 && w.rewriteMethodExprs(it, methodExprs) {
			it.Rewritten, it.ExprRewritten = true, true
		}
		if w.rewriteAssertions(it) {
			it.Rewritten, it.ExprRewritten = true, true
		}
		if w.rewriteErrorCompare(it) {
			it.Rewritten, it.ExprRewritten = true, true
		}
	}
	for i := range c.items {
		it := &c.items[i]
		changed := false
		visit := func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok && (w.wrapPanic(it, call) || w.wrapCall(it, call)) {
				changed = true
			}
			return true
		}
		for _, d := range it.Decls {
			ast.Inspect(d, visit)
		}
		for _, st := range it.Stmts {
			ast.Inspect(st, visit)
		}
		if changed {
			it.Rewritten, it.ExprRewritten = true, true
		}
	}
	c.finalText = w.finalText(&c.items[len(c.items)-1])
}

// finalText returns the source of a func literal that gives the text of
// the cell's final expression as compiled Go prints it (%v), when its type
// involves cell-declared types, else "". The render stage applies it to
// the value, which is computed once.
func (w *fmtWrapper) finalText(it *cell.Item) string {
	if it.Kind != cell.StmtItem || len(it.Stmts) == 0 {
		return ""
	}
	es, ok := it.Stmts[len(it.Stmts)-1].(*ast.ExprStmt)
	if !ok {
		return ""
	}
	if _, tuple := w.typeOf(it, es.X).(*types.Tuple); tuple {
		return ""
	}
	call, ok := w.converter(it, es.X, "string", "return "+rtName+".FText(%s(x))").(*ast.CallExpr)
	if !ok {
		return ""
	}
	var b strings.Builder
	if err := printer.Fprint(&b, token.NewFileSet(), call.Fun); err != nil {
		return ""
	}
	return b.String()
}

func (w *fmtWrapper) typeOf(it *cell.Item, e ast.Expr) types.Type {
	a, b := it.Fset.Position(e.Pos()), it.Fset.Position(e.End())
	return w.types[posKey{a.Line - 1, a.Column, b.Line - 1, b.Column}]
}

// wrapCall wraps the arguments of call when it is a print call.
func (w *fmtWrapper) wrapCall(it *cell.Item, call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || call.Ellipsis.IsValid() {
		return false
	}
	first := -1
	if id, ok := sel.X.(*ast.Ident); ok {
		p := it.Fset.Position(id.Pos())
		if pn, ok := w.uses[[2]int{p.Line - 1, p.Column}].(*types.PkgName); ok {
			if pn.Imported().Path() == "errors" && sel.Sel.Name == "As" && len(call.Args) == 2 {
				return w.errorsAs(it, call)
			}
			if pn.Imported().Path() == "errors" && sel.Sel.Name == "Is" && len(call.Args) == 2 {
				return w.errorsIs(it, call)
			}
			if f, ok := printFuncs[pn.Imported().Path()]; ok {
				if i, ok := f[sel.Sel.Name]; ok {
					first = i
				}
			}
		}
	}
	if first < 0 && sel.Sel.Name == "Encode" {
		if t := w.typeOf(it, sel.X); t != nil && t.String() == "*encoding/json.Encoder" {
			first = 0
		}
	}
	if first < 0 || first >= len(call.Args) {
		return false
	}
	// With a constant format, the operands of %w stay errors (errors.Unwrap
	// must find them), and a %T of a converted operand becomes %s of its
	// type name (fmt prints %T without asking the operand).
	verbs := map[int]byte{}
	var lit *ast.BasicLit
	var format []byte
	var verbAt map[int]int
	if strings.HasSuffix(sel.Sel.Name, "f") && first > 0 {
		lit, _ = call.Args[first-1].(*ast.BasicLit)
		ok := false
		if lit != nil && lit.Kind == token.STRING {
			if f, err := strconv.Unquote(lit.Value); err == nil {
				format = []byte(f)
				verbAt, ok = scanVerbs(f)
			}
		}
		if !ok {
			if sel.Sel.Name == "Errorf" {
				return false
			}
			lit = nil
		}
		for pos, k := range verbAt {
			verbs[first+k] = format[pos]
		}
	}
	changed := false
	for i := first; i < len(call.Args); i++ {
		if verbs[i] == 'w' {
			// An operand of a cell type reaches fmt as an error only
			// through a conversion the interpreter makes.
			if t := w.typeOf(it, call.Args[i]); t != nil && types.Implements(t, errorType) && !types.IsInterface(t) {
				call.Args[i] = &ast.CallExpr{Fun: &ast.FuncLit{
					Type: &ast.FuncType{Params: &ast.FieldList{List: []*ast.Field{{Names: []*ast.Ident{ast.NewIdent("e")}, Type: ast.NewIdent("error")}}},
						Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("error")}}}},
					Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ReturnStmt{Results: []ast.Expr{ast.NewIdent("e")}}}}},
					Args: []ast.Expr{call.Args[i]}}
				changed = true
			}
			continue
		}
		e := w.wrapArg(it, call.Args[i], verbs[i] == 'T')
		if e == nil && verbs[i] == 'T' {
			e = w.staticTypeName(it, call.Args[i])
		}
		if e != nil {
			call.Args[i] = e
			changed = true
			if verbs[i] == 'T' {
				for pos, k := range verbAt {
					if first+k == i {
						format[pos] = 's'
					}
				}
				lit.Value = strconv.Quote(string(format))
			}
		}
	}
	return changed
}

// scanVerbs maps the byte offset of each verb of a format string to the
// index of its operand; it returns false when the format uses explicit
// operand indexes or * widths.
func scanVerbs(s string) (map[int]int, bool) {
	out := map[int]int{}
	arg := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		for i < len(s) && strings.IndexByte("+-# 0123456789.", s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '%':
			continue
		case '[', '*':
			return nil, false
		}
		out[i] = arg
		arg++
	}
	return out, true
}

// wrapArg returns the converter call replacing e, or nil.
func (w *fmtWrapper) wrapArg(it *cell.Item, e ast.Expr, typeName bool) ast.Expr {
	if typeName {
		return w.converter(it, e, "any", "return "+rtName+".FType(%s(x))")
	}
	return w.converter(it, e, "any", "return "+rtName+".FArg(%s(x))")
}

// converter returns a call of a function literal on e that builds the
// fmtValue of e with the converter top and runs ret (a format with one %s,
// the name of top; x is e's value); the literal's result type is result,
// or e's type when result is "". It returns nil when e needs no converter.
func (w *fmtWrapper) converter(it *cell.Item, e ast.Expr, result, ret string) ast.Expr {
	t := w.typeOf(it, e)
	if t == nil {
		return nil
	}
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return nil
	}
	p := it.Fset.Position(e.Pos())
	g := &convGen{w: w, line: p.Line - 1, names: map[string]string{}, memo: map[types.Type]int{}}
	if !g.needs(t) {
		return nil
	}
	ts, ok := g.typeString(t)
	if !ok {
		return nil
	}
	top := g.conv(t)
	if g.failed {
		return nil
	}
	var b strings.Builder
	if result == "" {
		result = ts
	}
	fmt.Fprintf(&b, "func(x %s) %s {\n", ts, result)
	for _, d := range g.vars {
		b.WriteString(d + "\n")
	}
	for _, d := range g.bodies {
		b.WriteString(d + "\n")
	}
	fmt.Fprintf(&b, ret+"\n}", top)
	fl := parseLit(b.String(), e.Pos())
	if fl == nil {
		return nil
	}
	cell.RenameTypes(fl, w.ren)
	return &ast.CallExpr{Fun: fl, Args: []ast.Expr{e}}
}

// staticTypeName returns, for an operand e of %T whose static type is not
// an interface and mentions a cell type the converters do not handle (a
// func type such as func(Point) Point), a call that evaluates e and gives
// its type's name as %T prints it; otherwise nil.
func (w *fmtWrapper) staticTypeName(it *cell.Item, e ast.Expr) ast.Expr {
	t := w.typeOf(it, e)
	if t == nil || types.IsInterface(t) {
		return nil
	}
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return nil
	}
	g := &convGen{w: w, memo: map[types.Type]int{}}
	name := g.goName(t)
	if sig, ok := t.(*types.Signature); ok {
		name = sigString(sig, g.goName)
	} else if strings.Contains(name, "func(") {
		return nil // a func type inside another: its parameter names would show
	}
	if !strings.Contains(name, checkPkgName+".") {
		return nil
	}
	fl := parseLit(fmt.Sprintf("func(any) string { return %s }", strconv.Quote(name)), e.Pos())
	if fl == nil {
		return nil
	}
	return &ast.CallExpr{Fun: fl, Args: []ast.Expr{e}}
}

// applyItem runs astutil.Apply with pre on every declaration and statement
// of it, keeping what pre replaced.
func applyItem(it *cell.Item, pre astutil.ApplyFunc) {
	for i, d := range it.Decls {
		it.Decls[i] = astutil.Apply(d, pre, nil).(ast.Decl)
	}
	for i, st := range it.Stmts {
		it.Stmts[i] = astutil.Apply(st, pre, nil).(ast.Stmt)
	}
}

// parseLit parses src, generated source of a function literal, for use at
// anchor (see cell.ClearPos); it returns nil if src does not parse.
func parseLit(src string, anchor token.Pos) ast.Expr {
	fl, err := parser.ParseExpr(src)
	if err != nil {
		return nil
	}
	cell.ClearPos(fl, anchor)
	return fl
}

// convGen generates the converter functions for one argument.
type convGen struct {
	w      *fmtWrapper
	line   int               // the cell line of the call: types declared later are not yet defined
	names  map[string]string // type string -> converter variable
	vars   []string
	bodies []string
	memo   map[types.Type]int // needs: 1 yes, 2 no, 3 in progress
	failed bool
	cands  []*types.Named
	gotC   bool
}

// candidates returns the cell-declared types a value of an interface type
// may hold: package-level, not generic, not interfaces, and already
// declared where the call runs.
func (g *convGen) candidates() []*types.Named {
	if g.gotC {
		return g.cands
	}
	g.gotC = true
	sc := g.w.pkg.Scope()
	for _, name := range sc.Names() {
		tn, ok := sc.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || strings.HasPrefix(name, "__gp") {
			continue
		}
		nt, ok := tn.Type().(*types.Named)
		if !ok || nt.TypeParams().Len() > 0 {
			continue
		}
		if _, isIface := nt.Underlying().(*types.Interface); isIface {
			continue
		}
		p := g.w.s.typesFset.Position(tn.Pos())
		if p.Filename == "cell" && p.Line >= g.line {
			continue
		}
		g.cands = append(g.cands, nt)
	}
	sort.Slice(g.cands, func(i, j int) bool { return g.cands[i].Obj().Name() < g.cands[j].Obj().Name() })
	return g.cands
}

// isCellType reports whether t is a package-level type of the cells.
func (g *convGen) isCellType(t *types.Named) bool {
	obj := t.Obj()
	return obj.Pkg() == g.w.pkg && obj.Parent() == g.w.pkg.Scope() && t.TypeArgs().Len() == 0 && t.TypeParams().Len() == 0
}

// needs reports whether values of t print differently through a converter.
func (g *convGen) needs(t types.Type) bool {
	t = types.Unalias(t)
	switch g.memo[t] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	g.memo[t] = 3
	r := false
	switch x := t.(type) {
	case *types.Named:
		if _, isIface := x.Underlying().(*types.Interface); isIface {
			r = g.needs(x.Underlying())
		} else if g.isCellType(x) {
			r = true
		}
	case *types.Pointer:
		r = g.needs(x.Elem())
	case *types.Slice:
		r = g.needs(x.Elem())
	case *types.Array:
		r = g.needs(x.Elem())
	case *types.Map:
		r = g.needs(x.Key()) || g.needs(x.Elem())
	case *types.Struct:
		for i := 0; i < x.NumFields(); i++ {
			if g.needs(x.Field(i).Type()) {
				r = true
			}
		}
	case *types.Interface:
		for _, c := range g.candidates() {
			if types.Implements(c, x) || types.Implements(types.NewPointer(c), x) {
				r = true
				break
			}
		}
	}
	if r {
		g.memo[t] = 1
	} else {
		g.memo[t] = 2
	}
	return r
}

func (g *convGen) typeString(t types.Type) (string, bool) {
	ok := true
	s := types.TypeString(t, g.w.s.qualifier(g.w.pkg, &ok))
	return s, ok
}

// goName is t as %T prints it.
func (g *convGen) goName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == g.w.pkg {
			return checkPkgName
		}
		return p.Name()
	})
}

// expr returns the converter call for value expression v of type t.
func (g *convGen) expr(t types.Type, v string) string {
	if !g.needs(t) {
		return rtName + ".FGo(" + v + ")"
	}
	return g.conv(t) + "(" + v + ")"
}

// conv returns the name of the converter variable for t, generating it.
func (g *convGen) conv(t types.Type) string {
	t = types.Unalias(t)
	ts, ok := g.typeString(t)
	if !ok {
		g.failed = true
		return "nil"
	}
	if n, ok := g.names[ts]; ok {
		return n
	}
	g.w.n++
	name := "__gpc" + strconv.Itoa(g.w.n)
	g.names[ts] = name
	fv := "*" + rtName + ".FV"
	g.vars = append(g.vars, fmt.Sprintf("var %s func(%s) %s", name, ts, fv))
	q := strconv.Quote(g.goName(t))
	var body string
	kind := func(k reflect.Kind) string { return strconv.Itoa(int(k)) }
	switch u := t.Underlying().(type) {
	case *types.Basic:
		body = fmt.Sprintf("return %s(%s.FBasic(%s, %s(x)))", g.methods(t), rtName, q, u.Name())
		if u.Kind() == types.UnsafePointer {
			body = "return " + rtName + ".FGo(x)"
		}
	case *types.Struct:
		var names, tags, emb, vals []string
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if f.Name() == "_" {
				g.failed = true
				return "nil"
			}
			names = append(names, strconv.Quote(f.Name()))
			tags = append(tags, strconv.Quote(u.Tag(i)))
			emb = append(emb, strconv.FormatBool(f.Embedded()))
			vals = append(vals, g.expr(f.Type(), "x."+f.Name()))
		}
		body = fmt.Sprintf("return %s(%s.FStruct(%s, []string{%s}, []string{%s}, []bool{%s}, []%s{%s}))",
			g.methods(t), rtName, q, strings.Join(names, ", "), strings.Join(tags, ", "), strings.Join(emb, ", "), fv, strings.Join(vals, ", "))
	case *types.Pointer:
		body = fmt.Sprintf("if x == nil { return %s.FNil(%s, %s) }\nreturn %s(%s.FPtr(%s, x, func() %s { return %s }))",
			rtName, q, kind(reflect.Pointer), g.methods(t), rtName, q, fv, g.expr(u.Elem(), "*x"))
	case *types.Slice, *types.Array:
		var elem types.Type
		k := reflect.Array
		nilCheck := ""
		if sl, ok := u.(*types.Slice); ok {
			elem, k = sl.Elem(), reflect.Slice
			nilCheck = fmt.Sprintf("if x == nil { return %s(%s.FNil(%s, %s)) }\n", g.methods(t), rtName, q, kind(k))
		} else {
			elem = u.(*types.Array).Elem()
		}
		body = fmt.Sprintf("%sout := make([]%s, len(x))\nfor i := range x { out[i] = %s }\nreturn %s(%s.FList(%s, %s, out))",
			nilCheck, fv, g.expr(elem, "x[i]"), g.methods(t), rtName, q, kind(k))
	case *types.Map:
		body = fmt.Sprintf("if x == nil { return %s(%s.FNil(%s, %s)) }\nks := make([]%s, 0, len(x))\nvs := make([]%s, 0, len(x))\n"+
			"for k, v := range x { ks = append(ks, %s); vs = append(vs, %s) }\nreturn %s(%s.FMap(%s, ks, vs))",
			g.methods(t), rtName, q, kind(reflect.Map), fv, fv, g.expr(u.Key(), "k"), g.expr(u.Elem(), "v"), g.methods(t), rtName, q)
	case *types.Interface:
		// A chain of comma-ok assertions: yaegi's type switches miss
		// interpreted types in some cases where these do not.
		var b strings.Builder
		fmt.Fprintf(&b, "if x == nil { return %s.FNil(%s, %s) }\n", rtName, q, kind(reflect.Interface))
		for _, c := range g.candidates() {
			cts := []types.Type{c, types.NewPointer(c)}
			if u.Empty() {
				// An any also holds slices of cell types (a ...any
				// argument, say), which yaegi hands over as anonymous
				// structs.
				cts = append(cts, types.NewSlice(c))
			}
			for _, ct := range cts {
				if types.Implements(ct, u) {
					cs, ok := g.typeString(ct)
					if !ok {
						continue
					}
					fmt.Fprintf(&b, "if v, ok := x.(%s); ok { return %s(v) }\n", cs, g.conv(ct))
					fmt.Fprintf(&b, "if v, ok := %s.IValue(x).(%s); ok { return %s(v) }\n", rtName, cs, g.conv(ct))
				}
			}
		}
		fmt.Fprintf(&b, "return %s.FGo(x)", rtName)
		body = b.String()
	default:
		body = "return " + rtName + ".FGo(x)"
	}
	g.bodies = append(g.bodies, fmt.Sprintf("%s = func(x %s) %s {\n%s\n}", name, ts, fv, body))
	return name
}

// methodSigs are the methods fmt and encoding/json call, with the
// signatures they need.
var methodSigs = []struct{ name, sig string }{
	{"String", "func() string"},
	{"Error", "func() string"},
	{"GoString", "func() string"},
	{"Format", "func(fmt.State, rune)"},
	{"MarshalJSON", "func() ([]byte, error)"},
}

// unnamedSig is the signature t as Go source without parameter names
// (func(fmt.State, rune)), packages by name, as methodSigs writes them.
func unnamedSig(t types.Type) string {
	sig, ok := t.(*types.Signature)
	if !ok {
		return ""
	}
	return sigString(sig, func(t types.Type) string {
		return types.TypeString(t, func(p *types.Package) string { return p.Name() })
	})
}

// sigString writes sig without parameter names, each type by name.
func sigString(sig *types.Signature, name func(types.Type) string) string {
	list := func(tu *types.Tuple, variadic bool) []string {
		var out []string
		for i := 0; i < tu.Len(); i++ {
			ts := name(tu.At(i).Type())
			if variadic && i == tu.Len()-1 {
				ts = "..." + strings.TrimPrefix(ts, "[]")
			}
			out = append(out, ts)
		}
		return out
	}
	s := "func(" + strings.Join(list(sig.Params(), sig.Variadic()), ", ") + ")"
	switch res := list(sig.Results(), false); len(res) {
	case 0:
	case 1:
		s += " " + res[0]
	default:
		s += " (" + strings.Join(res, ", ") + ")"
	}
	return s
}

// methods returns the function that attaches t's print methods to a
// fmtValue (an identity call when it has none).
func (g *convGen) methods(t types.Type) string {
	ms := types.NewMethodSet(t)
	args := make([]string, len(methodSigs))
	any := false
	for i, m := range methodSigs {
		args[i] = "nil"
		sel := ms.Lookup(g.w.pkg, m.name)
		if sel == nil {
			continue
		}
		if unnamedSig(sel.Type()) == m.sig {
			args[i] = "x." + m.name
			any = true
		}
	}
	if !any {
		return ""
	}
	return fmt.Sprintf("func(v *%s.FV) *%s.FV { return %s.FMethods(v, %s) }", rtName, rtName, rtName, strings.Join(args, ", "))
}

// rewriteMethodExprs replaces the method expressions T.M and (*T).M in it
// by function literals calling the method (yaegi calls a method expression
// with the wrong number of arguments).
func (w *fmtWrapper) rewriteMethodExprs(it *cell.Item, sels map[posKey]*types.Selection) bool {
	changed := false
	apply := func(c *astutil.Cursor) bool {
		se, ok := c.Node().(*ast.SelectorExpr)
		if !ok {
			return true
		}
		a, b := it.Fset.Position(se.Pos()), it.Fset.Position(se.End())
		sel := sels[posKey{a.Line - 1, a.Column, b.Line - 1, b.Column}]
		if sel == nil {
			return true
		}
		sig, ok := sel.Type().(*types.Signature)
		if !ok {
			return true
		}
		g := &convGen{w: w, memo: map[types.Type]int{}}
		var params, args []string
		for i := 0; i < sig.Params().Len(); i++ {
			ts, ok := g.typeString(sig.Params().At(i).Type())
			if !ok {
				return true
			}
			name := "a" + strconv.Itoa(i)
			if i == sig.Params().Len()-1 && sig.Variadic() {
				ts = "..." + strings.TrimPrefix(ts, "[]")
				name += "..."
			}
			params = append(params, "a"+strconv.Itoa(i)+" "+ts)
			args = append(args, name)
		}
		var results []string
		for i := 0; i < sig.Results().Len(); i++ {
			ts, ok := g.typeString(sig.Results().At(i).Type())
			if !ok {
				return true
			}
			results = append(results, ts)
		}
		call := fmt.Sprintf("a0.%s(%s)", sel.Obj().Name(), strings.Join(args[1:], ", "))
		body := call
		if len(results) > 0 {
			body = "return " + call
		}
		src := fmt.Sprintf("func(%s) (%s) { %s }", strings.Join(params, ", "), strings.Join(results, ", "), body)
		fl := parseLit(src, se.Pos())
		if fl == nil {
			return true
		}
		cell.RenameTypes(fl, w.ren)
		c.Replace(fl)
		changed = true
		return false
	}
	applyItem(it, apply)
	return changed
}

// rewriteAssertions replaces the type assertions x.(I) of an interface
// value to a compiled interface I (io.Writer, say) in it by function
// literals that try the cell types implementing I first: yaegi's assertion
// does not see the methods of a cell value (yaegi#919), while its
// conversion of a value of the concrete type to I does. The comma-ok form
// (in an assignment or var of two values) gets a literal returning
// (I, bool).
func (w *fmtWrapper) rewriteAssertions(it *cell.Item) bool {
	changed := false
	apply := func(c *astutil.Cursor) bool {
		ta, ok := c.Node().(*ast.TypeAssertExpr)
		if !ok || ta.Type == nil {
			return true
		}
		t, xt := w.typeOf(it, ta.Type), w.typeOf(it, ta.X)
		if t == nil || xt == nil || !types.IsInterface(xt) {
			return true
		}
		iface, ok := t.Underlying().(*types.Interface)
		p := it.Fset.Position(ta.Pos())
		g := &convGen{w: w, line: p.Line - 1, memo: map[types.Type]int{}}
		if !ok || iface.Empty() {
			return true
		}
		if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() == w.pkg {
			return true // cell interfaces are yaegi's own and work
		}
		ts, ok := g.typeString(t)
		if !ok {
			return true
		}
		commaOK := false
		switch p := c.Parent().(type) {
		case *ast.AssignStmt:
			commaOK = len(p.Lhs) == 2 && len(p.Rhs) == 1
		case *ast.ValueSpec:
			commaOK = len(p.Names) == 2 && len(p.Values) == 1
		}
		ret := "return v"
		if commaOK {
			ret = "return v, true"
		}
		var b strings.Builder
		for _, cand := range g.candidates() {
			for _, ct := range []types.Type{cand, types.NewPointer(cand)} {
				if !types.Implements(ct, iface) {
					continue
				}
				cs, ok := g.typeString(ct)
				if !ok {
					continue
				}
				fmt.Fprintf(&b, "\tif v, ok := x.(%s); ok {\n\t\t%s\n\t}\n", cs, ret)
			}
		}
		if b.Len() == 0 {
			return true
		}
		var src string
		if commaOK {
			src = fmt.Sprintf("func(x any) (%s, bool) {\n%s\tv, ok := x.(%s)\n\treturn v, ok\n}", ts, b.String(), ts)
		} else {
			src = fmt.Sprintf("func(x any) %s {\n%s\treturn x.(%s)\n}", ts, b.String(), ts)
		}
		fl := parseLit(src, ta.Pos())
		if fl == nil {
			return true
		}
		cell.RenameTypes(fl, w.ren)
		c.Replace(&ast.CallExpr{Fun: fl, Args: []ast.Expr{ta.X}, Lparen: ta.Pos(), Rparen: ta.Pos()})
		changed = true
		return true
	}
	applyItem(it, apply)
	return changed
}

// rewriteErrorCompare replaces a == b and a != b of two error operands
// (neither the nil literal) in it by a comparison that also looks inside
// yaegi's wrappers: a cell error value that went through compiled code
// (errors.Unwrap of a fmt.Errorf %w error) is wrapped anew each time it
// crosses, so the wrappers differ where Go's values are equal. Only cells
// of a session with a cell type implementing error are rewritten.
func (w *fmtWrapper) rewriteErrorCompare(it *cell.Item) bool {
	g := &convGen{w: w, memo: map[types.Type]int{}}
	errT := types.Universe.Lookup("error").Type()
	if !g.needs(errT) {
		return false
	}
	isErr := func(e ast.Expr) bool {
		t := w.typeOf(it, e)
		return t != nil && types.Identical(t, errT)
	}
	changed := false
	apply := func(c *astutil.Cursor) bool {
		be, ok := c.Node().(*ast.BinaryExpr)
		if !ok || (be.Op != token.EQL && be.Op != token.NEQ) || !isErr(be.X) || !isErr(be.Y) {
			return true
		}
		src := fmt.Sprintf("func(a, b any) bool { return a == b || %s.SameValue(a, b) }", rtName)
		if be.Op == token.NEQ {
			src = fmt.Sprintf("func(a, b any) bool { return a != b && !%s.SameValue(a, b) }", rtName)
		}
		fl := parseLit(src, be.Pos())
		if fl == nil {
			return true
		}
		c.Replace(&ast.CallExpr{Fun: fl, Args: []ast.Expr{be.X, be.Y}, Lparen: be.Pos(), Rparen: be.Pos()})
		changed = true
		return true
	}
	applyItem(it, apply)
	return changed
}

// errorsAs rewrites errors.As(err, &target) for a target of a cell type:
// compiled errors.As cannot see that the interpreted type implements error.
// The chain is walked in interpreted code, with Go's rules (Unwrap() error,
// Unwrap() []error, As methods).
func (w *fmtWrapper) errorsAs(it *cell.Item, call *ast.CallExpr) bool {
	pt, ok := w.typeOf(it, call.Args[1]).(*types.Pointer)
	if !ok {
		return false
	}
	t := types.Unalias(pt.Elem())
	g := &convGen{w: w, memo: map[types.Type]int{}}
	// A pointer to an interface literal (interface{ Timeout() bool })
	// reaches compiled errors.As as one of yaegi's types, which it refuses;
	// named interfaces work.
	cellIface := false
	if types.IsInterface(t) {
		_, named := t.(*types.Named)
		cellIface = !named
	}
	if !cellIface && (types.IsInterface(t) || !types.Implements(t, errorType) || !g.needs(t)) {
		return false
	}
	ts, ok := g.typeString(t)
	if !ok {
		return false
	}
	ivalue := fmt.Sprintf(`if v, ok := %[2]s.IValue(err).(%[1]s); ok {
				*p = v
				return true
			}`, ts, rtName)
	if cellIface {
		// yaegi's assertions to an interface do not see the methods of
		// cell types: try each cell type implementing it.
		p := it.Fset.Position(call.Pos())
		g.line = p.Line - 1
		iface := t.Underlying().(*types.Interface)
		var b strings.Builder
		for _, cand := range g.candidates() {
			for _, ct := range []types.Type{cand, types.NewPointer(cand)} {
				if !types.Implements(ct, iface) {
					continue
				}
				if cs, ok := g.typeString(ct); ok {
					fmt.Fprintf(&b, "if v, ok := err.(%[1]s); ok {\n*p = v\nreturn true\n}\nif v, ok := %[2]s.IValue(err).(%[1]s); ok {\n*p = v\nreturn true\n}\n", cs, rtName)
				}
			}
		}
		ivalue = b.String()
	}
	src := fmt.Sprintf(`func(err error, p *%[1]s) bool {
%[2]s
	return as(err)
}`, ts, errorWalk("as", fmt.Sprintf(`if v, ok := err.(%s); ok {
				*p = v
				return true
			}
			%s
			if x, ok := err.(interface{ As(any) bool }); ok && x.As(p) {
				return true
			}`, ts, ivalue)))
	fl := parseLit(src, call.Pos())
	if fl == nil {
		return false
	}
	cell.RenameTypes(fl, w.ren)
	call.Fun = fl
	return true
}

// errorsIs rewrites errors.Is(err, target) when target may hold a value of
// a cell type: compiled errors.Is compares the interpreter's wrappers of
// such values, which differ each time a value crosses into compiled code.
// The chain is walked with Go's rules (==, Is methods, Unwrap).
func (w *fmtWrapper) errorsIs(it *cell.Item, call *ast.CallExpr) bool {
	t := w.typeOf(it, call.Args[1])
	p := it.Fset.Position(call.Pos())
	g := &convGen{w: w, line: p.Line - 1, memo: map[types.Type]int{}}
	// yaegi's assertion to interface{ Is(error) bool } does not see the
	// methods of a cell value held in an error, so the Is methods of cell
	// types are called through a type switch on the concrete types.
	var cases strings.Builder
	for _, nt := range g.candidates() {
		for _, rt := range []types.Type{nt, types.NewPointer(nt)} {
			if _, isPtr := nt.Underlying().(*types.Pointer); isPtr && rt != nt {
				continue
			}
			sel := types.NewMethodSet(rt).Lookup(w.pkg, "Is")
			if sel == nil {
				continue
			}
			sig, ok := sel.Type().(*types.Signature)
			if !ok || sig.Params().Len() != 1 || sig.Results().Len() != 1 ||
				!types.Identical(sig.Params().At(0).Type(), types.Universe.Lookup("error").Type()) ||
				!types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool]) {
				continue
			}
			if _, ptrRecv := rt.(*types.Pointer); ptrRecv && types.NewMethodSet(nt).Lookup(w.pkg, "Is") != nil {
				continue // T's case already covers *T's promoted value method
			}
			ts, ok := g.typeString(rt)
			if !ok {
				continue
			}
			fmt.Fprintf(&cases, "\t\tcase %s:\n\t\t\treturn v.Is(target)\n", ts)
		}
	}
	if (t == nil || !g.needs(t)) && cases.Len() == 0 {
		return false
	}
	src := fmt.Sprintf(`func(err, target error) bool {
	if err == nil || target == nil {
		return err == target
	}
	isMethod := func(x any) bool {
		switch v := x.(type) {
%[2]s		}
		return false
	}
%[3]s
	return is(err)
}`, rtName, cases.String(), errorWalk("is", fmt.Sprintf(`if %[1]s.SameError(err, target) {
				return true
			}
			if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(target) {
				return true
			}
			if isMethod(err) || isMethod(%[1]s.IValue(err)) {
				return true
			}`, rtName)))
	fl := parseLit(src, call.Pos())
	if fl == nil {
		return false
	}
	cell.RenameTypes(fl, w.ren)
	call.Fun = fl
	return true
}

// errorWalk returns the source of a func(error) bool variable name that
// walks an error tree as errors.Is and errors.As do (Unwrap() []error
// depth first, Unwrap() error, then the compiled errors whose methods the
// interpreter's assertions do not see), returning true as soon as match, a
// block of statements on err, does.
func errorWalk(name, match string) string {
	return fmt.Sprintf(`	var %[1]s func(error) bool
	%[1]s = func(err error) bool {
		for err != nil {
			%[2]s
			if x, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range x.Unwrap() {
					if %[1]s(e) {
						return true
					}
				}
				return false
			}
			if x, ok := err.(interface{ Unwrap() error }); ok {
				err = x.Unwrap()
				continue
			}
			// Compiled errors (fmt.Errorf's): the interpreter's
			// assertions to method sets do not see their methods.
			if es, ok := %[3]s.UnwrapAll(err); ok {
				for _, e := range es {
					if %[1]s(e) {
						return true
					}
				}
				return false
			}
			e, ok := %[3]s.Unwrap(err)
			if !ok {
				return false
			}
			err = e
		}
		return false
	}`, name, match, rtName)
}
