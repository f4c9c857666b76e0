package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopherprop/gopherprop/interp/compiled"
	"github.com/gopherprop/gopherprop/interp/symbols"
	"github.com/gopherprop/gopherprop/kernel"
)

// The compiled tier: `%%compile NAME` builds the rest of the cell as Go
// package NAME with the go toolchain (package interp/compiled), loads it
// into the worker as a plugin and registers its symbols with the
// interpreter, so later cells call NAME.X at native speed, with or without
// import "NAME". Re-running the cell builds a new version under a new
// package path and replaces the symbols; values made from the old version
// keep their old types.

// compiledPkg is a compiled package loaded into the session.
type compiledPkg struct {
	path     string // real package path of the latest version
	version  int
	generics []string
}

// The process's plugin builder, made on first use; it outlives %reset
// (plugins cannot be unloaded, and package paths must stay new).
var (
	builderOnce sync.Once
	builder     *compiled.Builder
	builderErr  error
)

// compiler returns the process's plugin builder.
func compiler() (*compiled.Builder, error) {
	builderOnce.Do(func() {
		builder, builderErr = compiled.NewBuilder()
		if builder != nil {
			builder.AutoImports = autoImports
			builder.Progress = os.Stdout
		}
	})
	return builder, builderErr
}

// compilerStarted reports whether the builder was made (so compiled code
// may be loaded).
func compilerStarted() bool { return builder != nil }

// compileCell implements %%compile NAME: first is the magic line, src the
// rest of the cell (its line 1 is the cell's line 2).
func (w *worker) compileCell(ctx context.Context, msg *message, reply *message, first, src string) {
	args := strings.Fields(first)
	if len(args) != 2 {
		magicError(reply, "usage: %%compile NAME on the first line, then the Go source of package NAME (the package clause is optional)")
		return
	}
	name := args[1]
	s := w.sess
	s.serial = s.serial%maxCellSerial + 1
	cid := strconv.Itoa(s.serial)
	s.cells[cid] = cellInfo{src: msg.Code, count: msg.Count}
	// The cell's line of src's line 1 (blank lines before the magic
	// count).
	base := strings.Count(msg.Code[:strings.Index(msg.Code, "%%compile")], "\n") + 1
	if old, ok := s.imports[name]; ok && old != name {
		reply.Err = kernel.NewExecError("CompileError", fmt.Sprintf("%s is already imported as %q in this session: give the compiled package another name", name, old))
		return
	}
	if _, ok := s.decls[name]; ok {
		reply.Err = kernel.NewExecError("CompileError", fmt.Sprintf("%s is already declared in a cell: give the compiled package another name", name))
		return
	}
	// A line "%test" runs the package's tests and benchmarks after the
	// build; it is blanked so that lines keep their numbers.
	runTests := false
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "%test" {
			runTests = true
			lines[i] = ""
		}
	}
	src = strings.Join(lines, "\n")
	b, err := compiler()
	if err != nil {
		reply.Err = kernel.NewExecError("CompileUnavailable", err.Error())
		return
	}
	if !b.Warm() {
		fmt.Fprintf(os.Stdout, "compiling %s (first time: about 30 s, while Go builds every dependency for plugins; later compiles take about 1 s)\n", name)
	}
	pkg, err := b.Compile(ctx, name, src)
	if err != nil {
		var ce *compiled.CompileError
		switch {
		case ctx.Err() != nil:
			reply.Err = kernel.NewExecError("Interrupted", "the compilation of "+name+" was interrupted (state is kept)")
		case errors.As(err, &ce) && len(ce.Diags) > 0:
			d := ce.Diags[0]
			reply.Err = s.cellFailure("CompileError", d.Msg, cid, d.Line+base, d.Col)
			for _, more := range ce.Diags[1:] {
				reply.Err.Traceback = append(reply.Err.Traceback, fmt.Sprintf("  also line %d:%d: %s", more.Line+base, more.Col, more.Msg))
			}
		default:
			reply.Err = kernel.NewExecError("CompileError", err.Error())
		}
		return
	}
	tables, err := compiled.Open(pkg.File)
	if err != nil {
		reply.Err = kernel.NewExecError("LoadError", fmt.Sprintf("the compiled %s could not be loaded: %v", name, err))
		return
	}
	if err := s.useCompiled(ctx, pkg, tables); err != nil {
		reply.Err = kernel.NewExecError("LoadError", err.Error())
		return
	}
	if d := pkg.Took; d > 5*time.Second {
		fmt.Fprintf(os.Stdout, "compiled %s in %s\n", name, fmtDuration(d))
	}
	if runTests {
		if err := b.Test(ctx, pkg, base, os.Stdout); err != nil {
			reply.Err = kernel.NewExecError("TestFailure", err.Error()+"; "+name+" is compiled and loaded all the same")
		}
	}
}

// useCompiled registers a loaded package's symbols under its real path and
// under its name (so that import "NAME" and NAME.X find it) and imports it
// into the session.
func (s *session) useCompiled(ctx context.Context, pkg *compiled.Package, tables map[string]map[string]reflect.Value) error {
	var syms map[string]reflect.Value
	for k, m := range tables {
		if strings.HasPrefix(k, pkg.Path+"/") {
			syms = m
		}
	}
	if syms == nil {
		return fmt.Errorf("the compiled %s has no symbol table for %s", pkg.Name, pkg.Path)
	}
	short := map[string]reflect.Value{}
	for k, v := range syms {
		short[k] = v
	}
	ex := map[string]map[string]reflect.Value{
		pkg.Path + "/" + pkg.Name: syms,
		pkg.Name + "/" + pkg.Name: short,
	}
	if err := s.in.Use(ex); err != nil {
		return err
	}
	for k, v := range ex {
		s.binPkgs[k] = v
	}
	if s.importer != nil {
		s.importer.Add(ex)
	}
	if s.compiled == nil {
		s.compiled = map[string]*compiledPkg{}
	}
	s.compiled[pkg.Name] = &compiledPkg{path: pkg.Path, version: pkg.Version, generics: pkg.Generics}
	if _, ok := s.imports[pkg.Name]; !ok {
		if _, err := s.eval(ctx, importLine(pkg.Name, pkg.Name)); err != nil {
			return fmt.Errorf("importing the compiled %s: %v", pkg.Name, err)
		}
		s.imports[pkg.Name] = pkg.Name
	}
	return nil
}

var (
	notAssignableRe = regexp.MustCompile(`(?:value of )?type (\*?)(\w+)\.(\w+) is not assignable to type (\*?)(\w+)\.(\w+)`)
	cannotUseRe     = regexp.MustCompile(`(?:cannot use|using) (?:type )?(\*?)(\w+)\.(\w+) as (?:type )?(\*?)(\w+)\.(\w+)`)
	undefinedSelRe  = regexp.MustCompile(`(?:undefined selector:? |has no symbol |undefined: )(\w+)\.?(\w*)`)
)

// compiledHint rewrites errors about compiled packages in people's words:
// a value of an older version meeting the new type, and generics the
// interpreter cannot instantiate.
func (s *session) compiledHint(msg string) string {
	if len(s.compiled) == 0 {
		return msg
	}
	for _, re := range []*regexp.Regexp{notAssignableRe, cannotUseRe} {
		if m := re.FindStringSubmatch(msg); m != nil && m[2] == m[5] && m[3] == m[6] {
			if cp := s.compiled[m[2]]; cp != nil && cp.version > 1 {
				return fmt.Sprintf("a %s.%s made before %s was recompiled cannot be used as the new %s.%s: recompiling is like Python's reload, old values keep the old type; make the value again with the new %s (Go said: %s)",
					m[2], m[3], m[2], m[2], m[3], m[2], msg)
			}
		}
	}
	for name, cp := range s.compiled {
		for _, g := range cp.generics {
			if strings.Contains(msg, name+"."+g) || strings.Contains(msg, "symbol "+g) || (strings.Contains(msg, g) && undefinedSelRe.MatchString(msg)) {
				return msg + " (" + compiled.GenericHint(name, g) + ")"
			}
		}
	}
	return msg
}

// compiledRunning reports whether a goroutine is running code of a
// compiled cell.
func compiledRunning() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("\n"+compiled.ModulePath+"/"))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// PrewarmMain is the hidden `gopherprop prewarm` command (run by
// install/setup.sh): it fills the Go build cache with the plugin-mode
// build of every preloaded package, so that the first %%compile is fast.
// It returns the exit status.
func PrewarmMain(args []string) int {
	if len(args) != 0 {
		os.Stderr.WriteString("usage: gopherprop prewarm\n")
		return 2
	}
	b, err := compiled.NewBuilder()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopherprop prewarm:", err)
		return 1
	}
	seen := map[string]bool{}
	var paths []string
	for _, table := range []map[string]map[string]reflect.Value{symbols.Symbols, {"fmt/fmt": nil, "math/math": nil, "testing/testing": nil}} {
		for k := range table {
			p := k[:strings.LastIndex(k, "/")]
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	sort.Strings(paths)
	t0 := time.Now()
	if err := b.Prewarm(context.Background(), paths); err != nil {
		fmt.Fprintln(os.Stderr, "gopherprop prewarm:", err)
		return 1
	}
	fmt.Printf("plugin build cache warm for %d packages in %s (workspace %s)\n", len(paths), time.Since(t0).Round(100*time.Millisecond), b.Workspace())
	return 0
}

// modules records the packages of Go modules loaded by import, by path.
type moduleInfo struct{ module, version string }

// importModule makes path importable by fetching and compiling its module
// (see compiled.Builder.Module), then registers its symbols. version ""
// means the latest, unless a module of the workspace already provides
// path.
func (s *session) importModule(ctx context.Context, path, version string) error {
	if mi, ok := loadedModules[path]; ok && (version == "" || version == mi.version) {
		return s.useModule(path)
	} else if ok {
		return fmt.Errorf("%s is already loaded from %s %s; a process can load only one version of a package: restart the kernel to use %s", path, mi.module, mi.version, version)
	}
	b, err := compiler()
	if err != nil {
		return err
	}
	pkg, err := b.Module(ctx, path, version, s.stdout)
	if err != nil {
		return err
	}
	tables, err := compiled.Open(pkg.File)
	if err != nil {
		return fmt.Errorf("the compiled %s could not be loaded: %v", path, err)
	}
	moduleTables[path] = tables
	loadedModules[path] = moduleInfo{pkg.Module, pkg.ModVersion}
	return s.useModule(path)
}

// Packages of modules loaded into this process, by import path: they stay
// loaded across %reset.
var (
	moduleTables  = map[string]map[string]map[string]reflect.Value{}
	loadedModules = map[string]moduleInfo{}
)

// useModule registers a loaded module package's symbols in the session.
func (s *session) useModule(path string) error {
	tables := moduleTables[path]
	if err := s.in.Use(tables); err != nil {
		return err
	}
	for k, v := range tables {
		s.binPkgs[k] = v
	}
	if s.importer != nil {
		s.importer.Add(tables)
	}
	return nil
}

// goMagic implements %go get PATH[@VERSION] and %go list.
func (w *worker) goMagic(ctx context.Context, arg string, reply *message) {
	f := strings.Fields(arg)
	switch {
	case len(f) == 2 && f[0] == "get":
		path, version, _ := strings.Cut(f[1], "@")
		if err := w.sess.importModule(ctx, path, version); err != nil {
			magicError(reply, err.Error())
			return
		}
		mi := loadedModules[path]
		name := w.sess.pkgName(path)
		fmt.Fprintf(os.Stdout, "loaded %s from %s %s: import %q\n", name, mi.module, mi.version, path)
	case len(f) == 1 && f[0] == "list":
		var lines []string
		for name, cp := range w.sess.compiled {
			lines = append(lines, fmt.Sprintf("%-24s %%%%compile %s, version %d", name, name, cp.version))
		}
		for path, mi := range loadedModules {
			lines = append(lines, fmt.Sprintf("%-24s module %s %s", path, mi.module, mi.version))
		}
		sort.Strings(lines)
		if len(lines) == 0 {
			os.Stdout.WriteString("nothing compiled or fetched yet (%%compile NAME, import \"module/path\", %go get PATH@VERSION)\n")
			return
		}
		fmt.Fprintln(os.Stdout, strings.Join(lines, "\n"))
	default:
		magicError(reply, "usage: %go get PATH[@VERSION] (fetch, compile and load a package of a Go module) or %go list (what is loaded)")
	}
}
