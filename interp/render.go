package interp

import (
	"context"
	"go/ast"
	"go/token"
	"reflect"
	"strings"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// render evaluates the cell's final expression, if any, and keeps its value
// and MIME bundle in c.res. Values of a type with display methods are
// rendered inside the interpreter, where yaegi hands them to the display
// package with their methods (HTML, PNG, …).
func (s *session) render(c *cellRun) *kernel.ExecError {
	if c.final == nil {
		return nil
	}
	final, last := c.final, &c.items[len(c.items)-1]
	show := s.hasValue(final)
	var src string
	if text, line, col, ok := cell.ExprText(last, final); ok {
		src = ";\n" + lineDir(c.cid, line, col) + "\n" + text
	} else {
		src = ";" + s.nodeSource(last.Fset, final, c.cid)
	}
	p := last.Fset.Position(final.Pos())
	s.curLine, s.curCol, s.curWrapped = p.Line-1, p.Column, false
	if prog := s.resultProgram(show, c.finalText != "", src); prog != nil {
		// Keep the value in a variable of its static type and render it
		// from there.
		v, err := s.execute(c.ctx, prog)
		if err != nil {
			return s.failure(c.ctx, err, c.cid)
		}
		if v.IsValid() {
			c.res.value, c.res.hasValue = v, true
		}
		if c.finalText != "" {
			if t, err := s.eval(c.ctx, ";\n("+c.finalText+")("+resultVar+")"); err == nil && t.IsValid() && t.Kind() == reflect.String {
				c.res.text = t.String()
			}
		}
		if b, err := s.eval(c.ctx, ";\n"+rtName+".Bundle("+resultVar+")"); err == nil && b.IsValid() && b.CanInterface() {
			c.res.bundle, _ = b.Interface().(map[string]any)
		}
		return nil
	}
	v, err := s.eval(c.ctx, src)
	if err != nil {
		return s.failure(c.ctx, err, c.cid)
	}
	if show && v.IsValid() {
		c.res.value, c.res.hasValue = v, true
	}
	return nil
}

// resultProgram compiles "resultVar := E" for a final expression E when a
// cell declared a type with a display method or force is set (the value's
// text is to be made by the checker's converter), or returns nil (then E is
// evaluated plainly): the assignment does not compile for every
// expression (untyped nil, some generic calls).
func (s *session) resultProgram(show, force bool, src string) *yaegi.Program {
	if !show {
		return nil
	}
	has := force
	for key := range s.decls {
		for _, m := range display.Methods() {
			if strings.HasSuffix(key, "."+m) {
				has = true
			}
		}
	}
	if !has {
		return nil
	}
	var prog *yaegi.Program
	func() {
		defer func() {
			if recover() != nil {
				prog = nil
			}
		}()
		p, err := s.in.Compile(";\n" + resultVar + " :=" + src[1:])
		if err == nil {
			prog = p
		}
	}()
	return prog
}

// execute runs a compiled program, converting panics into errors.
func (s *session) execute(ctx context.Context, prog *yaegi.Program) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = yaegi.Panic{Value: r}
		}
	}()
	return s.in.ExecuteWithContext(ctx, prog)
}

// resultVar holds the value of the last cell's final expression.
const resultVar = "__gpOut"

// hasValue decides statically whether the final expression statement e
// produces a single value worth showing: not a void call, not a print call.
func (s *session) hasValue(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return true
	}
	fun := ast.Unparen(call.Fun)
	switch x := fun.(type) { // explicit type arguments: F[T](…)
	case *ast.IndexListExpr:
		fun = x.X
	case *ast.IndexExpr:
		if _, isCall := x.X.(*ast.Ident); isCall {
			if rec, ok := s.decls[x.X.(*ast.Ident).Name]; ok && rec.kind == token.FUNC {
				fun = x.X
			}
		}
	}
	switch fn := fun.(type) {
	case *ast.Ident:
		switch fn.Name {
		case "len", "cap", "append", "make", "new", "complex", "real", "imag", "min", "max", "recover":
			if _, user := s.decls[fn.Name]; !user {
				return true
			}
		case "print", "println", "panic", "copy", "delete", "close", "clear":
			if _, user := s.decls[fn.Name]; !user {
				return false
			}
		}
		if rec, ok := s.decls[cell.UserName(fn.Name)]; ok {
			if rec.kind == token.TYPE {
				return true // conversion
			}
			return funcResults(rec, fn.Name) == 1
		}
		if isBasicType(fn.Name) {
			return true
		}
		if v, ok := s.globals()[fn.Name]; ok && v.IsValid() && v.Kind() == reflect.Func {
			return v.Type().NumOut() == 1
		}
		return false
	case *ast.SelectorExpr:
		if id, ok := fn.X.(*ast.Ident); ok {
			if path, ok := s.imports[id.Name]; ok {
				if id.Name == "fmt" || path == "fmt" {
					if strings.HasPrefix(fn.Sel.Name, "Print") || strings.HasPrefix(fn.Sel.Name, "Fprint") {
						return false
					}
				}
				if syms := s.binSymbols(path); syms != nil {
					if v, ok := syms[fn.Sel.Name]; ok {
						if v.Kind() == reflect.Func {
							return v.Type().NumOut() == 1
						}
						if v.Kind() == reflect.Ptr && v.Type().Elem().Kind() != reflect.Func {
							return true // conversion to a compiled type
						}
					}
				}
				return false
			}
			// Method call on a global variable.
			if v, ok := s.globals()[id.Name]; ok && v.IsValid() {
				if m, ok := methodOut(v, fn.Sel.Name); ok {
					return m == 1
				}
			}
		}
		// Method call on an expression of a compiled type, e.g.
		// mat.NewDense(2, 2, nil).T() or y.Grad().At(0, 0).
		if t := s.exprType(fn.X); t != nil {
			if m, ok := typeMethod(t, fn.Sel.Name); ok {
				return m.NumOut() == 1
			}
		}
		// Method declared in a cell: look it up by method name.
		outs := -1
		for key, rec := range s.decls {
			if strings.HasSuffix(key, "."+fn.Sel.Name) {
				n := funcResults(rec, key)
				if outs >= 0 && outs != n {
					return false
				}
				outs = n
			}
		}
		return outs == 1
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StructType, *ast.IndexExpr:
		return true
	case *ast.FuncLit:
		return fn.Type.Results != nil && fn.Type.Results.NumFields() == 1
	}
	return false
}

// methodOut returns the number of results of method name of v.
func methodOut(v reflect.Value, name string) (int, bool) {
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if m, ok := typeMethod(v.Type(), name); ok {
		return m.NumOut(), true
	}
	return 0, false
}

// typeMethod returns the type of method name of t or *t (without the
// receiver).
func typeMethod(t reflect.Type, name string) (reflect.Type, bool) {
	if t.Kind() == reflect.Interface {
		if m, ok := t.MethodByName(name); ok {
			return m.Type, true
		}
		return nil, false
	}
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m, ok := tt.MethodByName(name); ok {
			return methodSig(m), true
		}
	}
	return nil, false
}

// methodSig returns the method's type without its receiver.
func methodSig(m reflect.Method) reflect.Type {
	ft := m.Type
	in := make([]reflect.Type, 0, ft.NumIn())
	for i := 1; i < ft.NumIn(); i++ {
		in = append(in, ft.In(i))
	}
	out := make([]reflect.Type, ft.NumOut())
	for i := range out {
		out[i] = ft.Out(i)
	}
	return reflect.FuncOf(in, out, ft.IsVariadic())
}

// exprType infers the static type of e when it only involves globals and
// compiled packages; nil when unknown.
func (s *session) exprType(e ast.Expr) reflect.Type {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := s.globals()[x.Name]; ok && v.IsValid() {
			if v.Kind() == reflect.Interface && !v.IsNil() {
				return v.Elem().Type()
			}
			return v.Type()
		}
	case *ast.CallExpr:
		ft := s.funcType(x.Fun)
		if ft != nil && ft.NumOut() >= 1 {
			return ft.Out(0)
		}
	case *ast.SelectorExpr:
		t := s.exprType(x.X)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(x.Sel.Name); ok {
				return f.Type
			}
		}
	case *ast.IndexExpr:
		if t := s.exprType(x.X); t != nil {
			switch t.Kind() {
			case reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer:
				return t.Elem()
			}
		}
	case *ast.StarExpr:
		if t := s.exprType(x.X); t != nil && t.Kind() == reflect.Pointer {
			return t.Elem()
		}
	}
	return nil
}

// funcType returns the type of the function called by fun, or nil.
func (s *session) funcType(fun ast.Expr) reflect.Type {
	switch f := ast.Unparen(fun).(type) {
	case *ast.Ident:
		if v, ok := s.globals()[f.Name]; ok && v.IsValid() && v.Kind() == reflect.Func {
			return v.Type()
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if path, ok := s.imports[id.Name]; ok {
				if v, ok := s.binSymbols(path)[f.Sel.Name]; ok && v.Kind() == reflect.Func {
					return v.Type()
				}
				return nil
			}
		}
		if t := s.exprType(f.X); t != nil {
			if m, ok := typeMethod(t, f.Sel.Name); ok {
				return m
			}
		}
	}
	return nil
}

// funcResults counts the results of the function or method key in rec.
func funcResults(rec *declRec, key string) int {
	for _, d := range rec.decls {
		if fd, ok := d.(*ast.FuncDecl); ok && cell.FuncKey(fd) == key {
			if fd.Type.Results == nil {
				return 0
			}
			return fd.Type.Results.NumFields()
		}
	}
	return -1
}

func isBasicType(n string) bool {
	switch n {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
		"float32", "float64", "complex64", "complex128", "string", "byte", "rune", "bool", "any", "error":
		return true
	}
	return false
}
