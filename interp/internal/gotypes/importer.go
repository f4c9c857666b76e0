// Package gotypes gives go/types the packages the interpreter offers: the
// compiled ones from their symbol tables (maps of reflect values, as yaegi's
// extract writes them) and the generic ones from their source. A cell is
// then type-checked against exactly what it can use when it runs.
//
// Conversion from reflect loses what reflect does not show: unexported
// methods, and the type parameters of generic compiled functions (which
// symbol tables cannot hold anyway). Interfaces are converted without their
// unexported methods, so a check never fails for want of them; the checker
// errs on the side of accepting code.
package gotypes

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"
)

// Symbols maps "importpath/name" to a package's exported symbols, in the
// form of yaegi's interp.Exports: functions, variables (addressable
// values), typed constants (other values), untyped constants
// (constant.Value) and types (nil pointers to the type). Keys starting with
// "_" (interface wrappers) are ignored.
type Symbols = map[string]map[string]reflect.Value

// Importer implements types.Importer over symbol tables and sources. It
// caches what it builds; it is not safe for concurrent use.
type Importer struct {
	fset    *token.FileSet
	syms    map[string]map[string]reflect.Value // import path -> symbols
	names   map[string]string                   // import path -> package name
	sources map[string][]string                 // import path -> source files
	pkgs    map[string]*types.Package
	named   map[reflect.Type]types.Type
	busy    map[string]bool
}

// NewImporter returns an importer over the symbol tables (merged in order)
// and the source files of packages given as source (each file's package
// clause names its package; the import path is the package name, as for
// the standard library's slices, maps and cmp). A path found both as
// source and in a symbol table is checked from source, with the symbols the
// source lacks added.
func NewImporter(fset *token.FileSet, sources []string, tables ...Symbols) *Importer {
	im := &Importer{
		fset: fset, syms: map[string]map[string]reflect.Value{}, names: map[string]string{},
		sources: map[string][]string{}, pkgs: map[string]*types.Package{},
		named: map[reflect.Type]types.Type{}, busy: map[string]bool{},
	}
	im.Add(tables...)
	for _, src := range sources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
		if err != nil {
			continue
		}
		path := f.Name.Name
		im.sources[path] = append(im.sources[path], src)
		im.names[path] = f.Name.Name
	}
	return im
}

// Add merges more symbol tables into the importer (later symbols win), as
// interp.Use does, and forgets what it built for their packages. Symbol
// keys are "importpath/name", as in yaegi's tables.
func (im *Importer) Add(tables ...Symbols) {
	for _, t := range tables {
		for key, m := range t {
			i := strings.LastIndex(key, "/")
			if i < 0 {
				continue
			}
			path, name := key[:i], key[i+1:]
			if im.syms[path] == nil {
				im.syms[path] = map[string]reflect.Value{}
			}
			for k, v := range m {
				im.syms[path][k] = v
			}
			im.names[path] = name
			delete(im.pkgs, path)
		}
	}
}

// Has reports whether path can be imported.
func (im *Importer) Has(path string) bool {
	return im.syms[path] != nil || im.sources[path] != nil
}

// Import implements types.Importer.
func (im *Importer) Import(path string) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if p, ok := im.pkgs[path]; ok && p.Complete() {
		return p, nil
	}
	if !im.Has(path) {
		return nil, fmt.Errorf("package %s is not available in the interpreter", path)
	}
	if im.busy[path] {
		return nil, fmt.Errorf("import cycle through %s", path)
	}
	im.busy[path] = true
	defer delete(im.busy, path)
	pkg := im.pkg(path)
	if srcs := im.sources[path]; srcs != nil {
		var files []*ast.File
		for i, src := range srcs {
			f, err := parser.ParseFile(im.fset, fmt.Sprintf("%s/%d.go", path, i), src, 0)
			if err != nil {
				return nil, fmt.Errorf("parsing the source of %s: %w", path, err)
			}
			files = append(files, f)
		}
		conf := types.Config{Importer: im, Error: func(error) {}}
		// Errors are ignored: the sources are the interpreter's own and
		// compile there; what the checker rejects in them stays invalid.
		_ = types.NewChecker(&conf, im.fset, pkg, nil).Files(files)
	}
	im.addSymbols(pkg, im.syms[path])
	pkg.MarkComplete()
	return pkg, nil
}

// pkg returns the package object of path, created empty if new.
func (im *Importer) pkg(path string) *types.Package {
	if p, ok := im.pkgs[path]; ok {
		return p
	}
	name := im.names[path]
	if name == "" {
		name = path[strings.LastIndex(path, "/")+1:]
		if strings.HasPrefix(name, "v") && strings.Trim(name[1:], "0123456789") == "" && strings.Contains(path, "/") {
			p := path[:strings.LastIndex(path, "/")]
			name = p[strings.LastIndex(p, "/")+1:]
		}
		name = strings.NewReplacer("-", "_", ".", "_").Replace(name)
	}
	p := types.NewPackage(path, name)
	im.pkgs[path] = p
	return p
}

// addSymbols declares the symbols of a table in pkg, except names already
// declared (from source).
func (im *Importer) addSymbols(pkg *types.Package, syms map[string]reflect.Value) {
	names := make([]string, 0, len(syms))
	for n := range syms {
		names = append(names, n)
	}
	sort.Strings(names)
	scope := pkg.Scope()
	for _, name := range names {
		if strings.HasPrefix(name, "_") || scope.Lookup(name) != nil {
			continue
		}
		v := syms[name]
		if !v.IsValid() {
			continue
		}
		var obj types.Object
		switch {
		case v.Type() == reflect.TypeOf((*constant.Value)(nil)).Elem() || isConstantValue(v):
			c := v.Interface().(constant.Value)
			obj = types.NewConst(token.NoPos, pkg, name, untyped(c), c)
		case v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr():
			t := v.Type().Elem()
			typ := im.typ(t)
			if n, ok := typ.(*types.Named); ok && n.Obj().Name() == name && n.Obj().Pkg() == pkg {
				obj = n.Obj()
			} else {
				// An alias, or a type whose reflect name differs.
				obj = types.NewTypeName(token.NoPos, pkg, name, typ)
			}
		case v.CanAddr():
			obj = types.NewVar(token.NoPos, pkg, name, im.typ(v.Type()))
		case v.Kind() == reflect.Func:
			sig, _ := im.typ(v.Type()).(*types.Signature)
			if sig == nil {
				continue
			}
			obj = types.NewFunc(token.NoPos, pkg, name, sig)
		default:
			c := constOf(v)
			if c == nil {
				obj = types.NewVar(token.NoPos, pkg, name, im.typ(v.Type()))
			} else {
				obj = types.NewConst(token.NoPos, pkg, name, im.typ(v.Type()), c)
			}
		}
		if obj.Parent() == nil && obj.Pkg() == pkg {
			scope.Insert(obj)
		}
	}
}

// isConstantValue reports whether v holds a constant.Value.
func isConstantValue(v reflect.Value) bool {
	if !v.CanInterface() {
		return false
	}
	_, ok := v.Interface().(constant.Value)
	return ok
}

// untyped returns the untyped basic type of a constant.
func untyped(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Int:
		return types.Typ[types.UntypedInt]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.Invalid]
}

// constOf returns the constant value of a typed constant, or nil.
func constOf(v reflect.Value) constant.Value {
	switch v.Kind() {
	case reflect.Bool:
		return constant.MakeBool(v.Bool())
	case reflect.String:
		return constant.MakeString(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return constant.MakeFloat64(v.Float())
	}
	return nil
}

var basics = map[reflect.Kind]types.BasicKind{
	reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
	reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
	reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
	reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
	reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
	reflect.UnsafePointer: types.UnsafePointer,
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// typ converts a reflect type.
func (im *Importer) typ(t reflect.Type) types.Type {
	if t == errorType {
		return types.Universe.Lookup("error").Type()
	}
	if t.Name() != "" && t.PkgPath() == "" {
		if k, ok := basics[t.Kind()]; ok && t.Name() == t.Kind().String() {
			return types.Typ[k]
		}
	}
	if t.Name() != "" && t.PkgPath() != "" && !strings.Contains(t.Name(), "[") {
		return im.namedType(t)
	}
	if typ, ok := im.named[t]; ok {
		return typ
	}
	if t.Name() != "" && t.PkgPath() != "" {
		// An instance of a generic type (atomic.Pointer[T]): a named
		// type without methods, made before its underlying type so that
		// a type that refers to itself through it ends.
		named := types.NewNamed(types.NewTypeName(token.NoPos, im.pkg(t.PkgPath()), t.Name(), nil), nil, nil)
		im.named[t] = named
		named.SetUnderlying(im.underlying(t))
		return named
	}
	return im.underlying(t)
}

// namedType converts a defined type, with its methods.
func (im *Importer) namedType(t reflect.Type) types.Type {
	if typ, ok := im.named[t]; ok {
		return typ
	}
	pkg := im.pkg(t.PkgPath())
	if obj, ok := pkg.Scope().Lookup(t.Name()).(*types.TypeName); ok && pkg.Complete() {
		// Declared from source.
		im.named[t] = obj.Type()
		return obj.Type()
	}
	tn := types.NewTypeName(token.NoPos, pkg, t.Name(), nil)
	named := types.NewNamed(tn, nil, nil)
	im.named[t] = named
	if pkg.Scope().Lookup(t.Name()) == nil {
		pkg.Scope().Insert(tn)
	}
	named.SetUnderlying(im.underlying(t))
	if t.Kind() == reflect.Interface {
		return named
	}
	recv := func(pt types.Type) *types.Var { return types.NewParam(token.NoPos, pkg, "", pt) }
	seen := map[string]bool{}
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		seen[m.Name] = true
		named.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, im.method(m.Type, recv(named))))
	}
	pt := reflect.PointerTo(t)
	for i := 0; i < pt.NumMethod(); i++ {
		m := pt.Method(i)
		if seen[m.Name] {
			continue
		}
		named.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, im.method(m.Type, recv(types.NewPointer(named)))))
	}
	return named
}

// method converts a method's func type (receiver first) into a signature.
func (im *Importer) method(ft reflect.Type, recv *types.Var) *types.Signature {
	var params, results []*types.Var
	for i := 1; i < ft.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", im.typ(ft.In(i))))
	}
	for i := 0; i < ft.NumOut(); i++ {
		results = append(results, types.NewParam(token.NoPos, nil, "", im.typ(ft.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), ft.IsVariadic())
}

// underlying converts the structure of t.
func (im *Importer) underlying(t reflect.Type) types.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(im.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(im.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(im.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(im.typ(t.Key()), im.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, im.typ(t.Elem()))
	case reflect.Func:
		var params, results []*types.Var
		for i := 0; i < t.NumIn(); i++ {
			params = append(params, types.NewParam(token.NoPos, nil, "", im.typ(t.In(i))))
		}
		for i := 0; i < t.NumOut(); i++ {
			results = append(results, types.NewParam(token.NoPos, nil, "", im.typ(t.Out(i))))
		}
		return types.NewSignatureType(nil, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
	case reflect.Struct:
		var fields []*types.Var
		var tags []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			var pkg *types.Package
			if f.PkgPath != "" {
				pkg = im.pkg(f.PkgPath)
			} else if t.PkgPath() != "" {
				pkg = im.pkg(t.PkgPath())
			}
			fields = append(fields, types.NewField(token.NoPos, pkg, f.Name, im.typ(f.Type), f.Anonymous))
			tags = append(tags, string(f.Tag))
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			if m.PkgPath != "" {
				continue // unexported: left out, see the package doc
			}
			methods = append(methods, types.NewFunc(token.NoPos, nil, m.Name, im.underlying(m.Type).(*types.Signature)))
		}
		return types.NewInterfaceType(methods, nil).Complete()
	}
	if k, ok := basics[t.Kind()]; ok {
		return types.Typ[k]
	}
	return types.Typ[types.Invalid]
}
