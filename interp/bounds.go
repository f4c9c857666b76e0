package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
)

// Bounds checks with Go's messages. yaegi indexes and slices through
// reflect, whose panics do not carry the index and the length; Go's read
// "index out of range [5] with length 3". The rewrite stage therefore turns
// an index or slice expression of a slice, array or string, outside loops,
// into one whose index passes through a compiled check (rtIndex and
// friends) that panics with Go's runtime.Error:
//
//	a[i]         ->  a[rt.Index(i, len(a))]
//	a[lo:hi]     ->  a[lo:rt.SliceHi(lo, hi, cap(a), true)]
//	a[lo:hi:max] ->  a[lo:hi:rt.Slice3(lo, hi, max, cap(a), true)]
//
// The result is still an index (or slice) expression, so a[i] = v, a[i]++
// and &a[i] keep working. Operands that the rewritten form evaluates twice
// (a, lo, hi) must be free of side effects (names, selectors, constants,
// arithmetic, len and cap); maps, type parameters and generic
// instantiations are left alone. Inside for and range statements nothing
// is rewritten, so that loops do not pay a call per index: there a panic
// gets Go's wording without the values (goRuntimeText).

// goRuntimeError is a runtime.Error with Go's text.
type goRuntimeError string

func (e goRuntimeError) Error() string { return "runtime error: " + string(e) }

// RuntimeError marks goRuntimeError as a runtime.Error.
func (e goRuntimeError) RuntimeError() {}

func boundsPanic(format string, args ...any) {
	panic(goRuntimeError(fmt.Sprintf(format, args...)))
}

// rtIndex checks index i of a sequence of length n, as Go does.
func rtIndex(i, n int) int {
	if i < 0 {
		boundsPanic("index out of range [%d]", i)
	}
	if i >= n {
		boundsPanic("index out of range [%d] with length %d", i, n)
	}
	return i
}

// capWord is how Go names the bound of a slice expression: the capacity of
// a slice, the length of an array or a string.
func capWord(isSlice bool) string {
	if isSlice {
		return "capacity"
	}
	return "length"
}

// rtSliceHi checks s[lo:hi] with c the capacity (or length) of s.
func rtSliceHi(lo, hi, c int, isSlice bool) int {
	if hi < 0 {
		boundsPanic("slice bounds out of range [:%d]", hi)
	}
	if hi > c {
		boundsPanic("slice bounds out of range [:%d] with %s %d", hi, capWord(isSlice), c)
	}
	if lo < 0 {
		boundsPanic("slice bounds out of range [%d:]", lo)
	}
	if lo > hi {
		boundsPanic("slice bounds out of range [%d:%d]", lo, hi)
	}
	return hi
}

// rtSlice3 checks s[lo:hi:max] with c the capacity (or length) of s.
func rtSlice3(lo, hi, max, c int, isSlice bool) int {
	if max < 0 {
		boundsPanic("slice bounds out of range [::%d]", max)
	}
	if max > c {
		boundsPanic("slice bounds out of range [::%d] with %s %d", max, capWord(isSlice), c)
	}
	if hi < 0 {
		boundsPanic("slice bounds out of range [:%d:]", hi)
	}
	if hi > max {
		boundsPanic("slice bounds out of range [:%d:%d]", hi, max)
	}
	if lo < 0 {
		boundsPanic("slice bounds out of range [%d::]", lo)
	}
	if lo > hi {
		boundsPanic("slice bounds out of range [%d:%d:]", lo, hi)
	}
	return max
}

// boundsChecker rewrites the index and slice expressions of one cell.
type boundsChecker struct {
	types map[posKey]types.Type
	vals  map[posKey]bool // constant expressions
	uses  map[[2]int]types.Object
	skip  map[ast.Node]bool
}

// boundsChecks applies the rewrite described above to the cell's items.
// It needs the checker's information; without it the cell is left alone.
func (s *session) boundsChecks(c *cellRun) {
	if c.info == nil || c.tpkg == nil {
		return
	}
	for _, b := range []string{"len", "cap", "int"} {
		if c.tpkg.Scope().Lookup(b) != nil {
			return
		}
	}
	bc := &boundsChecker{types: map[posKey]types.Type{}, vals: map[posKey]bool{}, uses: map[[2]int]types.Object{}, skip: map[ast.Node]bool{}}
	fset := s.typesFset
	for e, tv := range c.info.Types {
		a, b := fset.Position(e.Pos()), fset.Position(e.End())
		if a.Filename == "cell" && tv.Type != nil {
			k := posKey{a.Line, a.Column, b.Line, b.Column}
			bc.types[k] = tv.Type
			if tv.Value != nil {
				bc.vals[k] = true
			}
		}
	}
	for id, obj := range c.info.Uses {
		if p := fset.Position(id.Pos()); p.Filename == "cell" {
			bc.uses[[2]int{p.Line, p.Column}] = obj
		}
	}
	for i := range c.items {
		it := &c.items[i]
		changed := false
		for _, d := range it.Decls {
			if _, ok := d.(*ast.FuncDecl); ok {
				continue // function bodies: see rewrite
			}
			changed = bc.rewrite(it, d) || changed
		}
		for _, st := range it.Stmts {
			changed = bc.rewrite(it, st) || changed
		}
		if changed {
			it.Rewritten, it.ExprRewritten = true, true
		}
	}
}

func (bc *boundsChecker) key(it *cell.Item, e ast.Expr) posKey {
	a, b := it.Fset.Position(e.Pos()), it.Fset.Position(e.End())
	return posKey{a.Line - 1, a.Column, b.Line - 1, b.Column}
}

func (bc *boundsChecker) typeOf(it *cell.Item, e ast.Expr) types.Type {
	if !e.Pos().IsValid() {
		return nil
	}
	return bc.types[bc.key(it, e)]
}

// rewrite rewrites the expressions in node that are outside loops and
// function bodies. The checked index costs a call into compiled code (about
// 0.7 µs in the interpreter, twice a plain index), so code that may run
// many times (a loop, or a function, which a loop may call) keeps the plain
// index and its panic Go's wording without the values.
func (bc *boundsChecker) rewrite(it *cell.Item, node ast.Node) bool {
	ast.Inspect(node, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			ast.Inspect(x, func(m ast.Node) bool {
				if m != nil {
					bc.skip[m] = true
				}
				return true
			})
			return false
		case *ast.AssignStmt:
			// a[i] = f(): Go calls f before it checks i.
			for _, r := range x.Rhs {
				if !bc.pure(it, r) {
					for _, l := range x.Lhs {
						bc.skip[l] = true
					}
				}
			}
		}
		return true
	})
	changed := false
	ast.Inspect(node, func(n ast.Node) bool {
		if n == nil || bc.skip[n] {
			return n != nil && !bc.skip[n]
		}
		switch x := n.(type) {
		case *ast.IndexExpr:
			changed = bc.index(it, x) || changed
		case *ast.SliceExpr:
			changed = bc.slice(it, x) || changed
		}
		return true
	})
	return changed
}

// seqKind classifies the operand of an index or slice expression: ok is
// false for maps, type parameters and anything else left alone.
func seqKind(t types.Type) (isSlice, isArray, ok bool) {
	if t == nil {
		return false, false, false
	}
	if _, isTP := t.(*types.TypeParam); isTP {
		return false, false, false
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return true, false, true
	case *types.Array:
		return false, true, true
	case *types.Pointer:
		if _, isTP := u.Elem().(*types.TypeParam); isTP {
			return false, false, false
		}
		if _, arr := u.Elem().Underlying().(*types.Array); arr {
			return false, true, true
		}
	case *types.Basic:
		if u.Info()&types.IsString != 0 {
			return false, false, true
		}
	}
	return false, false, false
}

// intArg returns e as an int argument of a check.
func (bc *boundsChecker) intArg(it *cell.Item, e ast.Expr) (ast.Expr, bool) {
	t := bc.typeOf(it, e)
	if t == nil {
		return nil, false
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok || b.Info()&types.IsInteger == 0 {
		return nil, false
	}
	if b.Kind() == types.Int || b.Info()&types.IsUntyped != 0 {
		return e, true
	}
	return &ast.CallExpr{Fun: ast.NewIdent("int"), Args: []ast.Expr{e}}, true
}

func (bc *boundsChecker) index(it *cell.Item, x *ast.IndexExpr) bool {
	_, isArray, ok := seqKind(bc.typeOf(it, x.X))
	if !ok || !bc.pure(it, x.X) {
		return false
	}
	if isArray && bc.vals[bc.key(it, x.Index)] {
		return false // a constant index into an array is checked by the compiler
	}
	i, ok := bc.intArg(it, x.Index)
	if !ok {
		return false
	}
	x.Index = rtCall("Index", i, builtinCall("len", x.X))
	return true
}

func (bc *boundsChecker) slice(it *cell.Item, x *ast.SliceExpr) bool {
	isSlice, _, ok := seqKind(bc.typeOf(it, x.X))
	if !ok || !bc.pure(it, x.X) {
		return false
	}
	lo := ast.Expr(&ast.BasicLit{Kind: token.INT, Value: "0"})
	if x.Low != nil {
		if lo, ok = bc.intArg(it, x.Low); !ok || !bc.pure(it, x.Low) {
			return false
		}
	}
	bound := "len"
	if isSlice {
		bound = "cap"
	}
	word := ast.NewIdent(fmt.Sprint(isSlice))
	if x.Slice3 {
		hi, ok1 := bc.intArg(it, x.High)
		max, ok2 := bc.intArg(it, x.Max)
		if !ok1 || !ok2 || !bc.pure(it, x.High) {
			return false
		}
		x.Max = rtCall("Slice3", lo, hi, max, builtinCall(bound, x.X), word)
		return true
	}
	hi := ast.Expr(builtinCall("len", x.X))
	if x.High != nil {
		if hi, ok = bc.intArg(it, x.High); !ok {
			return false
		}
	}
	x.High = rtCall("SliceHi", lo, hi, builtinCall(bound, x.X), word)
	return true
}

func rtCall(name string, args ...ast.Expr) ast.Expr {
	return &ast.CallExpr{Fun: &ast.SelectorExpr{X: ast.NewIdent(rtName), Sel: ast.NewIdent(name)}, Args: args}
}

func builtinCall(name string, arg ast.Expr) ast.Expr {
	return &ast.CallExpr{Fun: ast.NewIdent(name), Args: []ast.Expr{arg}}
}

// pure reports whether evaluating e twice is the same as evaluating it
// once: names, selectors, constants, arithmetic, dereferences, and len and
// cap of such operands.
func (bc *boundsChecker) pure(it *cell.Item, e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return bc.pure(it, x.X)
	case *ast.SelectorExpr:
		return bc.pure(it, x.X)
	case *ast.StarExpr:
		return bc.pure(it, x.X)
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && bc.pure(it, x.X)
	case *ast.BinaryExpr:
		return bc.pure(it, x.X) && bc.pure(it, x.Y)
	case *ast.CallExpr:
		id, ok := x.Fun.(*ast.Ident)
		if !ok || len(x.Args) != 1 || !id.Pos().IsValid() {
			return false
		}
		p := it.Fset.Position(id.Pos())
		if b, ok := bc.uses[[2]int{p.Line - 1, p.Column}].(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
			return bc.pure(it, x.Args[0])
		}
	}
	return false
}
