// Command gen writes the standard library packages slices, maps, cmp and
// iter of the installed Go as source files the interpreter compiles at
// start-up (interp/stdsrc/*.go.txt; run it through interp/stdsrc/gen.sh).
//
// The packages' own source is used, changed only where yaegi v0.16.1
// cannot run it, mechanically:
//   - range-over-func loops become calls with a yield closure (the same
//     rewrite as in cells, cell.RewriteRangeFunc);
//   - the min, max and clear builtins become calls of generic helpers;
//   - T{} of a type parameter T becomes make(T, 0);
//   - statements calling internal packages (race detector hooks) are
//     dropped;
//   - calls of generic functions get explicit type arguments where yaegi
//     cannot infer them (see simpleGeneric);
//   - functions implemented by the runtime (no body) or using unsafe are
//     replaced by the versions in the shim below, written in plain Go:
//     maps.clone and slices.overlaps with reflect;
//   - names in renames are replaced by expressions: iter's coroutines
//     (newcoro, coroswitch) by the interpreter's compiled ones, under which
//     iter.Pull and Pull2 run unchanged;
//   - package-level constants are written where they are used, and
//     package-level variables are refused: yaegi gives the globals of a
//     package it loads from source the frame slots of later globals.
//
// Comments are dropped.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"golang.org/x/tools/go/ast/astutil"
)

// Packages lists the packages made, in the order they are compiled.
var Packages = []string{"cmp", "iter", "slices", "maps"}

// shim holds the replacement declarations of each package.
var shim = map[string]string{
	"maps": `package maps
import "reflect"
func clone(m any) any {
	v := reflect.ValueOf(m)
	c := reflect.MakeMapWithSize(v.Type(), v.Len())
	it := v.MapRange()
	for it.Next() {
		c.SetMapIndex(it.Key(), it.Value())
	}
	return c.Interface()
}
`,
	"slices": `package slices
import "reflect"
func overlaps[E any](a, b []E) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	elemSize := reflect.TypeOf(a).Elem().Size()
	if elemSize == 0 {
		return false
	}
	pa0, pa1 := reflect.ValueOf(&a[0]).Pointer(), reflect.ValueOf(&a[len(a)-1]).Pointer()
	pb0, pb1 := reflect.ValueOf(&b[0]).Pointer(), reflect.ValueOf(&b[len(b)-1]).Pointer()
	return pa0 <= pb1+(elemSize-1) && pb0 <= pa1+(elemSize-1)
}
`,
	"iter": `package iter
import gpcoro "gopherprop/coro"
// goexitPanic is the type of goexitPanicValue (see renames).
type goexitPanic int
`,
}

// renames replaces, in each package, the uses of package-level names by
// expressions: iter's runtime coroutines become the interpreter's
// (gopherprop/coro, compiled, interp/stdsrc.go), imported by the shim.
var renames = map[string]map[string]string{
	"iter": {"coro": "gpcoro.Coro", "newcoro": "gpcoro.New", "coroswitch": "gpcoro.Switch",
		// A value of its own type rather than a package variable (see
		// Generate on globals).
		"goexitPanicValue": "goexitPanic(0)"},
}

func main() {
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	for _, pkg := range Packages {
		src, err := Generate(pkg)
		if err != nil {
			log.Fatalf("%s: %v", pkg, err)
		}
		if err := os.WriteFile(filepath.Join(*out, pkg+".go.txt"), src, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// Generate returns the interpreter's source of the standard package pkg.
func Generate(pkg string) ([]byte, error) {
	dir := filepath.Join(build.Default.GOROOT, "src", pkg)
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Instances: map[*ast.Ident]types.Instance{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	tpkg, err := conf.Check(pkg, fset, files, info)
	if err != nil {
		return nil, err
	}
	qual := func(p *types.Package) string {
		if p == tpkg {
			return ""
		}
		return p.Name()
	}
	typeExpr := func(t types.Type) ast.Expr {
		e, err := parser.ParseExpr(types.TypeString(t, qual))
		if err != nil {
			log.Fatalf("%s: type %s: %v", pkg, t, err)
		}
		return e
	}

	var shimDecls []ast.Decl
	replaced := map[string]bool{}
	imports := map[string]bool{}
	aliases := map[string]string{}
	if s, ok := shim[pkg]; ok {
		f, err := parser.ParseFile(token.NewFileSet(), "shim.go", s, 0)
		if err != nil {
			return nil, fmt.Errorf("shim: %v", err)
		}
		for _, d := range f.Decls {
			switch x := d.(type) {
			case *ast.FuncDecl:
				replaced[x.Name.Name] = true
				shimDecls = append(shimDecls, d)
			case *ast.GenDecl:
				if x.Tok == token.IMPORT {
					for _, sp := range x.Specs {
						is := sp.(*ast.ImportSpec)
						p, _ := strconv.Unquote(is.Path.Value)
						imports[p] = true
						if is.Name != nil {
							aliases[p] = is.Name.Name + " "
						}
					}
					continue
				}
				for _, sp := range x.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						replaced[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							replaced[n.Name] = true
						}
					}
				}
				shimDecls = append(shimDecls, d)
			}
		}
	}

	n := 0
	tmp := func(prefix string) string {
		n++
		return fmt.Sprintf("__gp%s%d", prefix, n)
	}
	var decls []ast.Decl
	usesMinMax := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch x := d.(type) {
			case *ast.GenDecl:
				if x.Tok == token.IMPORT || x.Tok == token.CONST {
					continue
				}
				if x.Tok != token.IMPORT {
					var specs []ast.Spec
					for _, sp := range x.Specs {
						keep := true
						switch sp := sp.(type) {
						case *ast.TypeSpec:
							keep = !replaced[sp.Name.Name] && renames[pkg][sp.Name.Name] == ""
						case *ast.ValueSpec:
							for _, n := range sp.Names {
								keep = keep && !replaced[n.Name] && renames[pkg][n.Name] == ""
							}
						}
						if keep {
							specs = append(specs, sp)
						}
					}
					if len(specs) == 0 {
						continue
					}
					if x.Tok == token.VAR {
						return nil, fmt.Errorf("package-level variables are not supported (see Generate on globals)")
					}
					x.Specs = specs
				}
			case *ast.FuncDecl:
				if x.Recv == nil && (replaced[x.Name.Name] || renames[pkg][x.Name.Name] != "") {
					continue
				}
				if x.Body == nil {
					return nil, fmt.Errorf("function %s has no body and no shim", x.Name.Name)
				}
			}
			decls = append(decls, d)
		}
	}
	for i, d := range decls {
		decls[i] = astutil.Apply(d, func(c *astutil.Cursor) bool {
			id, ok := c.Node().(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.Uses[id]
			if obj == nil || obj.Parent() != tpkg.Scope() {
				return true
			}
			if renames[pkg][id.Name] != "" {
				e, err := parser.ParseExpr(renames[pkg][id.Name])
				if err != nil {
					log.Fatal(err)
				}
				c.Replace(e)
			} else if k, ok := obj.(*types.Const); ok {
				// Package-level constants are written in place: yaegi
				// gives the globals of a package it loads from source
				// the frame slots of later globals.
				var e ast.Expr = &ast.BasicLit{Kind: token.INT, Value: k.Val().ExactString()}
				if b, ok := k.Type().(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
					e = &ast.CallExpr{Fun: typeExpr(k.Type()), Args: []ast.Expr{e}}
				}
				c.Replace(e)
			}
			return true
		}, nil).(ast.Decl)
	}
	for i, d := range decls {
		// T{} of a type parameter T (yaegi makes it wrong) is make(T, 0).
		decls[i] = astutil.Apply(d, func(c *astutil.Cursor) bool {
			cl, ok := c.Node().(*ast.CompositeLit)
			if !ok || len(cl.Elts) > 0 {
				return true
			}
			if tp, ok := info.TypeOf(cl).(*types.TypeParam); ok {
				if isSliceParam(tp) {
					c.Replace(&ast.CallExpr{Fun: ast.NewIdent("make"), Args: []ast.Expr{cl.Type, &ast.BasicLit{Kind: token.INT, Value: "0"}}})
				}
			}
			return true
		}, nil).(ast.Decl)
	}
	for _, d := range decls {
		// Explicit type arguments, and min and max as helpers.
		ast.Inspect(d, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id := cell.Callee(call)
			if id == nil {
				return true
			}
			if b, ok := info.Uses[id].(*types.Builtin); ok && (b.Name() == "min" || b.Name() == "max") {
				usesMinMax[b.Name()] = true
				name := b.Name() + "Ordered"
				args := call.Args
				for len(args) > 2 {
					args = append([]ast.Expr{&ast.CallExpr{Fun: ast.NewIdent(name), Args: args[:2]}}, args[2:]...)
				}
				call.Fun = ast.NewIdent(name)
				call.Args = args
				return true
			}
			if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "clear" {
				// clear is not run by yaegi in a generic function.
				t := info.TypeOf(call.Args[0])
				var elem types.Type
				if tp, ok := t.(*types.TypeParam); ok && isSliceParam(tp) {
					elem = tp.Constraint().Underlying().(*types.Interface).EmbeddedType(0).(*types.Union).Term(0).Type().Underlying().(*types.Slice).Elem()
				} else if sl, ok := t.Underlying().(*types.Slice); ok {
					elem = sl.Elem()
				} else {
					log.Fatalf("%s: clear of %s", pkg, t)
				}
				usesMinMax["clear"] = true
				call.Fun = &ast.IndexListExpr{X: ast.NewIdent("clearSlice"), Indices: []ast.Expr{typeExpr(t), typeExpr(elem)}}
				return true
			}
			inst, ok := info.Instances[id]
			if !ok || inst.TypeArgs.Len() == 0 {
				return true
			}
			sig, isFunc := info.Uses[id].Type().(*types.Signature)
			if !isFunc {
				return true
			}
			if simpleGeneric(sig) {
				// Explicit type arguments that are type parameters of a
				// cell's type fail in yaegi where inference works; an
				// S ~[]E argument is converted to []E instead.
				for i, a := range call.Args {
					if i >= sig.Params().Len() {
						break
					}
					tp, ok := info.TypeOf(a).(*types.TypeParam)
					if _, isSlice := sig.Params().At(i).Type().(*types.Slice); ok && isSlice && isSliceParam(tp) {
						call.Args[i] = &ast.CallExpr{Fun: &ast.ArrayType{Elt: typeExpr(tp.Constraint().Underlying().(*types.Interface).EmbeddedType(0).(*types.Union).Term(0).Type().Underlying().(*types.Slice).Elem())}, Args: []ast.Expr{a}}
					}
				}
				return true
			}
			var list []ast.Expr
			for i := 0; i < inst.TypeArgs.Len(); i++ {
				list = append(list, typeExpr(inst.TypeArgs.At(i)))
			}
			call.Fun = &ast.IndexListExpr{X: call.Fun, Indices: list}
			return true
		})
	}
	for i, d := range decls {
		// Range over func.
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		sig := info.Defs[fd.Name].Type().(*types.Signature)
		var results []ast.Expr
		for i := 0; i < sig.Results().Len(); i++ {
			results = append(results, typeExpr(sig.Results().At(i).Type()))
		}
		// Loops inside function literals return from the literal.
		lits := map[*ast.RangeStmt]*types.Signature{}
		ast.Inspect(fd, func(n ast.Node) bool {
			if fl, ok := n.(*ast.FuncLit); ok {
				s := info.TypeOf(fl).(*types.Signature)
				ast.Inspect(fl.Body, func(m ast.Node) bool {
					if rs, ok := m.(*ast.RangeStmt); ok {
						lits[rs] = s
					}
					return true
				})
			}
			return true
		})
		rinfo := func(rs *ast.RangeStmt) (cell.RangeFunc, bool) {
			ft, ok := info.TypeOf(rs.X).Underlying().(*types.Signature)
			if !ok {
				return cell.RangeFunc{}, false
			}
			yield := ft.Params().At(0).Type().Underlying().(*types.Signature)
			var rf cell.RangeFunc
			for i := 0; i < yield.Params().Len(); i++ {
				rf.Params = append(rf.Params, typeExpr(yield.Params().At(i).Type()))
			}
			rf.Results = results
			if s, ok := lits[rs]; ok {
				rf.Results = nil
				for i := 0; i < s.Results().Len(); i++ {
					rf.Results = append(rf.Results, typeExpr(s.Results().At(i).Type()))
				}
			}
			return rf, true
		}
		nd, _ := cell.RewriteRangeFunc(fd, rinfo, tmp)
		decls[i] = nd.(ast.Decl)
	}
	// Internal packages: only statements calling them, which are dropped.
	for _, d := range decls {
		astutil.Apply(d, func(c *astutil.Cursor) bool {
			es, ok := c.Node().(*ast.ExprStmt)
			if !ok {
				return true
			}
			if call, ok := es.X.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if pn, ok := info.Uses[identOf(sel.X)].(*types.PkgName); ok && strings.HasPrefix(pn.Imported().Path(), "internal/") {
						c.Delete()
					}
				}
			}
			return false
		}, nil)
	}
	decls = append(decls, shimDecls...)
	for _, name := range []string{"min", "max"} {
		if usesMinMax[name] && !replaced[name+"Ordered"] {
			imports["cmp"] = pkg != "cmp"
			op := map[string]string{"min": "<", "max": ">"}[name]
			q := "cmp."
			if pkg == "cmp" {
				q = ""
			}
			f, err := parser.ParseFile(token.NewFileSet(), "", fmt.Sprintf(`package p
// %[1]sOrdered is the %[1]s builtin, which the interpreter lacks; NaN propagates as with the builtin.
func %[1]sOrdered[E %[3]sOrdered](x, y E) E {
	if x != x {
		return x
	}
	if y != y || y %[2]s x {
		return y
	}
	return x
}
`, name, op, q), 0)
			if err != nil {
				return nil, err
			}
			decls = append(decls, f.Decls...)
		}
	}
	if usesMinMax["clear"] {
		f, err := parser.ParseFile(token.NewFileSet(), "", `package p
// clearSlice is the clear builtin on a slice.
func clearSlice[S ~[]E, E any](s S) {
	var zero E
	for i := range s {
		s[i] = zero
	}
}
`, 0)
		if err != nil {
			return nil, err
		}
		decls = append(decls, f.Decls...)
	}
	// Imports: those still used.
	for _, d := range decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if pn, ok := info.Uses[identOf(sel.X)].(*types.PkgName); ok {
					imports[pn.Imported().Path()] = true
				}
			}
			return true
		})
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "// Code generated by interp/stdsrc/gen.sh from %s src/%s; DO NOT EDIT.\n", runtime.Version(), pkg)
	buf.WriteString("// Copyright The Go Authors. All rights reserved.\n// Use of this source code is governed by a BSD-style\n// license that can be found in Go's LICENSE file.\n\n")
	fmt.Fprintf(&buf, "package %s\n\n", pkg)
	var paths []string
	for p, used := range imports {
		if used {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	if len(paths) > 0 {
		buf.WriteString("import (\n")
		for _, p := range paths {
			fmt.Fprintf(&buf, "\t%s%q\n", aliases[p], p)
		}
		buf.WriteString(")\n")
	}
	pfset := token.NewFileSet()
	for _, d := range decls {
		buf.WriteString("\n")
		if err := format.Node(&buf, pfset, d); err != nil {
			return nil, err
		}
		buf.WriteString("\n")
	}
	return format.Source(buf.Bytes())
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := e.(*ast.Ident)
	return id
}

// isSliceParam reports whether the constraint of tp is ~[]E.
func isSliceParam(tp *types.TypeParam) bool {
	iface, ok := tp.Constraint().Underlying().(*types.Interface)
	if !ok || iface.NumEmbeddeds() != 1 {
		return false
	}
	u, ok := iface.EmbeddedType(0).(*types.Union)
	if !ok || u.Len() != 1 {
		return false
	}
	_, isSlice := u.Term(0).Type().Underlying().(*types.Slice)
	return isSlice
}

// simpleGeneric reports whether yaegi infers the type arguments of calls
// of the generic function sig: its type parameters have no core type
// (~[]E) and its parameters use them only as T, []T, *T or in func types
// of such.
func simpleGeneric(sig *types.Signature) bool {
	tps := sig.TypeParams()
	for i := 0; i < tps.Len(); i++ {
		if isSliceParam(tps.At(i)) {
			return false
		}
	}
	var plain func(t types.Type, depth int) bool
	plain = func(t types.Type, depth int) bool {
		switch t := t.(type) {
		case *types.TypeParam, *types.Basic:
			return true
		case *types.Slice:
			return plain(t.Elem(), depth)
		case *types.Pointer:
			return plain(t.Elem(), depth)
		case *types.Signature:
			if depth > 0 {
				return false
			}
			for _, tu := range []*types.Tuple{t.Params(), t.Results()} {
				for i := 0; i < tu.Len(); i++ {
					if !plain(tu.At(i).Type(), depth+1) {
						return false
					}
				}
			}
			return true
		}
		return false
	}
	for i := 0; i < sig.Params().Len(); i++ {
		if !plain(sig.Params().At(i).Type(), 0) {
			return false
		}
	}
	return true
}
