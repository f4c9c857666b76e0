package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

var printerConfig = printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}

// goKeywords are completed in statement position.
var goKeywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var"}

// goBuiltins are the predeclared functions, types and constants.
var goBuiltins = []string{"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len",
	"make", "max", "min", "new", "panic", "print", "println", "real", "recover",
	"any", "bool", "byte", "complex128", "complex64", "error", "float32", "float64", "int", "int16",
	"int32", "int64", "int8", "rune", "string", "uint", "uint16", "uint32", "uint64", "uint8", "uintptr",
	"true", "false", "nil", "iota"}

// byteOffset converts a cursor position in code points to a byte offset.
func byteOffset(code string, cursor int) int {
	if cursor < 0 {
		return 0
	}
	off := 0
	for i := 0; i < cursor && off < len(code); i++ {
		_, n := utf8.DecodeRuneInString(code[off:])
		off += n
	}
	return off
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// identBefore returns the identifier ending at byte offset off and its start.
func identBefore(code string, off int) (string, int) {
	start := off
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= n
	}
	return code[start:off], start
}

// selectorChain returns the dotted expression ending at byte offset end
// (e.g. "a.b" for "x := a.b" with end after b), or "".
func selectorChain(code string, end int) string {
	start := end
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) && r != '.' {
			break
		}
		start -= n
	}
	return strings.Trim(code[start:end], ".")
}

// complete implements completion for the session.
func (s *session) complete(code string, cursor int) kernel.Completion {
	off := byteOffset(code, cursor)
	prefix, start := identBefore(code, off)
	c := kernel.Completion{CursorEnd: cursor, CursorStart: cursor - utf8.RuneCountInString(prefix), Metadata: map[string]any{}}
	var cands []string
	if start > 0 && code[start-1] == '.' {
		chain := selectorChain(code, start-1)
		cands = s.members(chain)
	} else {
		cands = s.topNames()
	}
	seen := map[string]bool{}
	for _, n := range cands {
		if strings.HasPrefix(n, prefix) && !seen[n] && !strings.HasPrefix(n, "__gp") && !strings.HasPrefix(n, "_") {
			seen[n] = true
			c.Matches = append(c.Matches, n)
		}
	}
	sort.Strings(c.Matches)
	if c.Matches == nil {
		c.Matches = []string{}
	}
	// JupyterLab shows these kinds next to the matches.
	var types []map[string]any
	for _, m := range c.Matches {
		types = append(types, map[string]any{"start": c.CursorStart, "end": c.CursorEnd, "text": m, "type": s.kindOf(code, start, m)})
	}
	if types != nil {
		c.Metadata["_jupyter_types_experimental"] = types
	}
	return c
}

// kindOf classifies a completion for the front end: "keyword", "module",
// "function", "class" (types), "instance" (variables) or "field".
func (s *session) kindOf(code string, start int, name string) string {
	if start > 0 && code[start-1] == '.' {
		chain := selectorChain(code, start-1)
		if path, ok := s.pkgPathFor(chain); ok {
			v := s.binSymbols(path)[name]
			switch {
			case v.Kind() == reflect.Func:
				return "function"
			case v.Kind() == reflect.Pointer && v.IsNil():
				return "class"
			}
			return "instance"
		}
		return "field"
	}
	for _, k := range goKeywords {
		if k == name {
			return "keyword"
		}
	}
	if _, ok := s.pkgPathFor(name); ok {
		return "module"
	}
	if rec, ok := s.decls[name]; ok {
		if rec.kind == token.TYPE {
			return "class"
		}
		return "function"
	}
	return "instance"
}

// topNames lists the names visible at top level.
func (s *session) topNames() []string {
	var out []string
	out = append(out, goKeywords...)
	out = append(out, goBuiltins...)
	for name := range s.imports {
		out = append(out, name)
	}
	for name := range autoImports {
		out = append(out, name)
	}
	for name := range s.decls {
		if !strings.Contains(name, ".") {
			out = append(out, name)
		}
	}
	for name := range s.globals() {
		out = append(out, name)
	}
	return out
}

// pkgPathFor returns the import path a package name refers to.
func (s *session) pkgPathFor(name string) (string, bool) {
	if p, ok := s.imports[name]; ok {
		return p, true
	}
	if _, shadow := s.decls[name]; shadow {
		return "", false
	}
	if _, shadow := s.globals()[name]; shadow {
		return "", false
	}
	p, ok := autoImports[name]
	return p, ok
}

// members lists the members of the expression chain (a package, a global
// variable or a field path of one).
func (s *session) members(chain string) []string {
	parts := strings.Split(chain, ".")
	if len(parts) == 1 {
		if path, ok := s.pkgPathFor(parts[0]); ok {
			var out []string
			for name := range s.binSymbols(path) {
				out = append(out, name)
			}
			return out
		}
	}
	v, ok := s.globals()[parts[0]]
	if !ok || !v.IsValid() {
		return nil
	}
	for _, p := range parts[1:] {
		v = fieldOrNil(v, p)
		if !v.IsValid() {
			return nil
		}
	}
	return s.valueMembers(v)
}

// fieldOrNil follows pointers and returns field name of v.
func fieldOrNil(v reflect.Value, name string) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		f = v.FieldByName("X" + name)
	}
	return f
}

// valueMembers lists fields and methods of v, including methods declared
// in cells for interpreted struct types with the same fields.
func (s *session) valueMembers(v reflect.Value) []string {
	var out []string
	t := v.Type()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return out
		}
		v = v.Elem()
	}
	for _, tt := range []reflect.Type{v.Type(), reflect.PointerTo(v.Type())} {
		for i := 0; i < tt.NumMethod(); i++ {
			out = append(out, tt.Method(i).Name)
		}
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	fields := map[string]bool{}
	st := v.Type()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		name := f.Name
		out = append(out, name)
		fields[name] = true
	}
	// Interpreted struct types are anonymous to reflect: match them to
	// cell-declared types by their field names and add their methods.
	for key, rec := range s.decls {
		if rec.kind != token.TYPE || strings.Contains(key, ".") {
			continue
		}
		if structFieldsMatch(rec, key, fields) {
			for mkey := range s.decls {
				if strings.HasPrefix(mkey, key+".") {
					out = append(out, mkey[len(key)+1:])
				}
			}
		}
	}
	return out
}

// structFieldsMatch reports whether type name in rec is a struct whose
// fields are exactly fields (unexported ones appear with an X prefix).
func structFieldsMatch(rec *declRec, name string, fields map[string]bool) bool {
	for _, d := range rec.decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, sp := range gd.Specs {
			ts, ok := sp.(*ast.TypeSpec)
			if !ok || cell.UserName(ts.Name.Name) != name {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			n := 0
			for _, f := range st.Fields.List {
				names := f.Names
				if len(names) == 0 {
					names = []*ast.Ident{ast.NewIdent(embeddedName(f.Type))}
				}
				for _, id := range names {
					n++
					if !fields[id.Name] && !fields["X"+id.Name] {
						return false
					}
				}
			}
			return n == len(fields)
		}
	}
	return false
}

func embeddedName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// identAt returns the dotted identifier chain around byte offset off.
func identAt(code string, off int) string {
	end := off
	for end < len(code) {
		r, n := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += n
	}
	chain := selectorChain(code, end)
	if chain == "" && off > 0 {
		// cursor right after "name(": inspect name
		trimmed := strings.TrimRight(code[:off], " (")
		chain = selectorChain(trimmed, len(trimmed))
	}
	return chain
}

// inspect implements inspection: signature and documentation of a name.
func (s *session) inspect(code string, cursor, detail int) kernel.Inspection {
	name := identAt(code, byteOffset(code, cursor))
	text := s.describe(name, detail)
	if text == "" {
		return kernel.Inspection{Found: false, Data: map[string]any{}, Metadata: map[string]any{}}
	}
	return kernel.Inspection{Found: true, Data: map[string]any{"text/plain": text}, Metadata: map[string]any{}}
}

// describe returns the help text of a name, or "".
func (s *session) describe(name string, detail int) string {
	if name == "" {
		return ""
	}
	parts := strings.Split(name, ".")
	if len(parts) == 2 {
		if path, ok := s.pkgPathFor(parts[0]); ok {
			return s.describePkgMember(path, parts[1])
		}
	}
	if len(parts) == 1 {
		if path, ok := s.pkgPathFor(parts[0]); ok {
			d := pkgDoc(path)
			text := fmt.Sprintf("package %s // import %q", parts[0], path)
			if d != nil {
				text += "\n\n" + strings.TrimSpace(d.Doc)
			}
			return text
		}
		if rec, ok := s.decls[name]; ok {
			text := fmt.Sprintf("%s (declared in %s):\n\n%s", name, s.cellName(rec.cid), rec.text)
			if rec.doc != "" {
				text += "\n\n" + rec.doc
			}
			return text
		}
	}
	// Global variables and their fields and methods.
	if v, ok := s.globals()[parts[0]]; ok && v.IsValid() {
		for _, p := range parts[1:] {
			f := fieldOrNil(v, p)
			if !f.IsValid() {
				if m := methodByName(v, p); m.IsValid() {
					if doc := methodDoc(v.Type(), p); doc != "" {
						return doc
					}
					return fmt.Sprintf("%s: method %s", name, m.Type())
				}
				for key, rec := range s.decls {
					if strings.HasSuffix(key, "."+p) {
						return fmt.Sprintf("%s: method declared in %s:\n\n%s", name, s.cellName(rec.cid), rec.text)
					}
				}
				return ""
			}
			v = f
		}
		val := ""
		if v.CanInterface() {
			val = fmt.Sprintf("%v", v.Interface())
			if len(val) > 400 {
				val = val[:400] + "…"
			}
		}
		typ := v.Type().String()
		if t, ok := s.globalTypes[name]; ok && len(parts) == 1 {
			// The checker's type: the names the user declared, where the
			// interpreter's reflect type shows its own representation.
			typ = cell.Unhide(t)
			if typ != v.Type().String() {
				if res, fail := s.run(context.Background(), name, 0); fail == nil && res.text != "" {
					val = res.text
				}
			}
		}
		text := fmt.Sprintf("%s: %s = %s", name, typ, val)
		if detail > 0 {
			if ms := s.valueMembers(v); len(ms) > 0 {
				sort.Strings(ms)
				text += "\n\nfields and methods: " + strings.Join(dedup(ms), ", ")
			}
		}
		return text
	}
	if len(parts) == 1 {
		for _, b := range goBuiltins {
			if b == name {
				return fmt.Sprintf("%s: Go builtin (see the Go specification)", name)
			}
		}
	}
	return ""
}

func dedup(xs []string) []string {
	var out []string
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func methodByName(v reflect.Value, name string) reflect.Value {
	if m := v.MethodByName(name); m.IsValid() {
		return m
	}
	if v.CanAddr() {
		return v.Addr().MethodByName(name)
	}
	return reflect.Value{}
}

// describePkgMember returns signature and doc comment of path.name.
func (s *session) describePkgMember(path, name string) string {
	syms := s.binSymbols(path)
	v, ok := syms[name]
	if !ok {
		return ""
	}
	var sig string
	switch {
	case v.Kind() == reflect.Func:
		sig = fmt.Sprintf("func %s.%s%s", path[strings.LastIndex(path, "/")+1:], name, strings.TrimPrefix(v.Type().String(), "func"))
	case v.Kind() == reflect.Pointer && v.IsNil():
		sig = fmt.Sprintf("type %s", v.Type().Elem())
	default:
		sig = fmt.Sprintf("%s.%s %s", path[strings.LastIndex(path, "/")+1:], name, v.Type())
	}
	if d := pkgDoc(path); d != nil {
		if text := docFor(d, name); text != "" {
			return text
		}
	}
	return sig
}

// docFor finds the declaration and doc comment of name in package doc d.
func docFor(d *pkgDocs, name string) string {
	if t, ok := d.decls[name]; ok {
		return t
	}
	return ""
}

// pkgDocs is the documentation of one package.
type pkgDocs struct {
	Doc   string
	decls map[string]string // name -> "signature\n\ndoc"
}

var (
	docMu    sync.Mutex
	docCache = map[string]*pkgDocs{}
)

// pkgDoc loads the documentation of package path from its source (GOROOT
// for the standard library, the module cache for modules), or nil.
func pkgDoc(path string) *pkgDocs {
	docMu.Lock()
	defer docMu.Unlock()
	if d, ok := docCache[path]; ok {
		return d
	}
	d := loadDoc(path)
	docCache[path] = d
	return d
}

func loadDoc(path string) *pkgDocs {
	dir := sourceDir(path)
	if dir == "" {
		return nil
	}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil
	}
	p, err := doc.NewFromFiles(fset, files, path)
	if err != nil {
		return nil
	}
	out := &pkgDocs{Doc: p.Doc, decls: map[string]string{}}
	render := func(decl ast.Decl, text string) string {
		var b strings.Builder
		cfg := printerConfig
		cfg.Fprint(&b, fset, stripBody(decl))
		return b.String() + "\n\n" + strings.TrimSpace(text)
	}
	for _, f := range p.Funcs {
		out.decls[f.Name] = render(f.Decl, f.Doc)
	}
	for _, t := range p.Types {
		out.decls[t.Name] = render(t.Decl, t.Doc)
		for _, f := range t.Funcs {
			out.decls[f.Name] = render(f.Decl, f.Doc)
		}
		for _, m := range t.Methods {
			out.decls[t.Name+"."+m.Name] = render(m.Decl, m.Doc)
		}
		for _, v := range append(t.Consts, t.Vars...) {
			for _, n := range v.Names {
				out.decls[n] = render(v.Decl, v.Doc)
			}
		}
	}
	for _, v := range append(p.Consts, p.Vars...) {
		for _, n := range v.Names {
			out.decls[n] = render(v.Decl, v.Doc)
		}
	}
	return out
}

// stripBody returns decl without a function body.
func stripBody(decl ast.Decl) ast.Decl {
	if fd, ok := decl.(*ast.FuncDecl); ok {
		c := *fd
		c.Body = nil
		return &c
	}
	return decl
}

// goroot is the root of the Go installation whose standard library source
// documents the standard packages: $GOROOT, else what `go env GOROOT` says
// (the go command on PATH, which the kernelspec records), else "". Not the
// root the binary was built with (runtime.GOROOT, deprecated): a binary
// built with -trimpath does not know it, and on another machine it is wrong.
var goroot = sync.OnceValue(func() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// sourceDir locates the source directory of an import path.
func sourceDir(path string) string {
	if !strings.Contains(strings.Split(path, "/")[0], ".") {
		root := goroot()
		if root == "" {
			return ""
		}
		dir := filepath.Join(root, "src", path)
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		return ""
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	modCache := os.Getenv("GOMODCACHE")
	if modCache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		modCache = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
	}
	mods := append([]*debug.Module{&bi.Main}, bi.Deps...)
	for _, m := range mods {
		if m == nil || (path != m.Path && !strings.HasPrefix(path, m.Path+"/")) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(path, m.Path), "/")
		if m == &bi.Main || m.Version == "(devel)" || m.Version == "" {
			// The main module: try the working directory's module root.
			if wd, err := os.Getwd(); err == nil {
				for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
					if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
						if modulePath(b) == m.Path {
							return filepath.Join(d, rel)
						}
						break
					}
				}
			}
			continue
		}
		dir := filepath.Join(modCache, escapeModPath(m.Path)+"@"+m.Version, rel)
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
	}
	// No version information (e.g. a test binary): take the newest version
	// in the module cache of the longest module path that matches.
	parts := strings.Split(path, "/")
	for i := len(parts); i > 0; i-- {
		mod := strings.Join(parts[:i], "/")
		matches, _ := filepath.Glob(filepath.Join(modCache, escapeModPath(mod)+"@v*"))
		sort.Strings(matches)
		for j := len(matches) - 1; j >= 0; j-- {
			dir := filepath.Join(append([]string{matches[j]}, parts[i:]...)...)
			if st, err := os.Stat(dir); err == nil && st.IsDir() {
				return dir
			}
		}
	}
	return ""
}

// escapeModPath applies the module cache's case encoding.
func escapeModPath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// modulePath returns the module path declared in a go.mod file.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// methodDoc returns the documentation of method name of a compiled type t
// (or *t), or "".
func methodDoc(t reflect.Type, name string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == "" || t.Name() == "" {
		return ""
	}
	if d := pkgDoc(t.PkgPath()); d != nil {
		return d.decls[t.Name()+"."+name]
	}
	return ""
}
