// Package compiled builds notebook cells as Go plugins and loads them into
// the running process, so that interpreted cells can call them at native
// speed (the `%%compile NAME` cell magic).
//
// A cell is written as package NAME into a private module that sits in a Go
// workspace next to an exact copy of the source the kernel binary was
// built from (SetSource), and is built with `go build -buildmode=plugin`
// with the kernel's own build tags and -trimpath. Every build gets a new
// package path (gpcells/NAME/vN), so re-running a cell loads a new package
// instead of failing with "plugin already loaded". The yaegi symbol table
// of the package is generated from its export data (symtab.go) and
// compiled into the plugin, which exports it as Symbols; Open returns it.
//
// Plugins need cgo on both sides, the same Go toolchain and the same source
// and flags as the kernel: Detect reports what is missing as an
// UnavailableError that names the command fixing it.
package compiled

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ModulePath is the module path of the private module holding compiled
// cells; a cell NAME built for the Nth time has the package path
// ModulePath/NAME/vN.
const ModulePath = "gpcells"

var (
	srcMu  sync.Mutex
	source fs.FS
)

// SetSource gives the package the kernel's own source: an fs.FS rooted at
// the module root holding go.mod, go.sum and the directories of the
// packages compiled cells may import. The gopherprop binary embeds it at
// build time (cmd_compiled.go), so plugins are built against exactly the
// source the binary was built from.
func SetSource(fsys fs.FS) {
	srcMu.Lock()
	source = fsys
	srcMu.Unlock()
}

// UnavailableError says why cells cannot be compiled here and how to fix
// it.
type UnavailableError struct {
	Missing string // what is missing, e.g. "the go command"
	Fix     string // the command or step that fixes it
}

func (e *UnavailableError) Error() string {
	return "compiled cells are unavailable: " + e.Missing + ". Fix: " + e.Fix
}

// Env is what building plugins needs from the running binary and the
// system.
type Env struct {
	Go     string            // the go command
	GOROOT string            // its GOROOT
	Tags   string            // the kernel's -tags
	Deps   map[string]string // module path -> version, as the kernel was built
}

// rebuildFix is the command that rebuilds and reinstalls the kernel.
const rebuildFix = "rebuild the kernel with install/setup.sh --only build,kernelspec (it builds with -trimpath and warms the plugin cache)"

// Detect checks that plugins can be built and loaded here: the kernel was
// built with cgo and -trimpath and carries its source, and the same go
// toolchain and a C compiler are on PATH.
func Detect() (*Env, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, &UnavailableError{"this binary has no build information", rebuildFix}
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if set["CGO_ENABLED"] != "1" {
		return nil, &UnavailableError{"the kernel was built without cgo (CGO_ENABLED=0), and Go plugins need cgo", "install a C compiler (apt-get install gcc), then " + rebuildFix}
	}
	if set["-trimpath"] != "true" {
		return nil, &UnavailableError{"the kernel was built without -trimpath, so plugins cannot match its packages", rebuildFix}
	}
	srcMu.Lock()
	src := source
	srcMu.Unlock()
	if src == nil {
		return nil, &UnavailableError{"this binary carries no copy of the source it was built from", rebuildFix}
	}
	if _, err := fs.Stat(src, "go.mod"); err != nil {
		return nil, &UnavailableError{"the kernel's copy of its source has no go.mod", rebuildFix}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, &UnavailableError{"the go command is not on PATH", "install Go " + strings.TrimPrefix(runtime.Version(), "go") + " (install/setup.sh does) and put its bin directory on PATH"}
	}
	out, err := exec.Command(goBin, "env", "GOVERSION", "CC", "GOROOT").Output()
	if err != nil {
		return nil, &UnavailableError{"`go env` failed: " + err.Error(), "check the Go installation (go version)"}
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for len(lines) < 3 {
		lines = append(lines, "")
	}
	if v := strings.TrimSpace(lines[0]); v != runtime.Version() {
		return nil, &UnavailableError{fmt.Sprintf("the go command on PATH is %s but the kernel was built with %s", v, runtime.Version()), "put Go " + strings.TrimPrefix(runtime.Version(), "go") + " first on PATH, or " + rebuildFix}
	}
	cc := strings.Fields(strings.TrimSpace(lines[1]))
	if len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return nil, &UnavailableError{"no C compiler (" + cc[0] + ") on PATH; Go plugins need cgo", "apt-get install gcc"}
	}
	env := &Env{Go: goBin, GOROOT: strings.TrimSpace(lines[2]), Tags: set["-tags"], Deps: map[string]string{}}
	for _, d := range bi.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
		}
		env.Deps[d.Path] = v
	}
	return env, nil
}

// Builder builds cells as plugins in its own Go workspace. It is safe for
// use by one goroutine at a time.
type Builder struct {
	env  *Env
	root string // the cache directory shared by builders
	src  string // the extracted kernel source
	ws   string // this builder's workspace

	// AutoImports maps package names a cell may use without importing
	// them to their import paths, as in interpreted cells (testing is
	// always one).
	AutoImports map[string]string

	// Progress receives progress lines (fetching a module) during
	// Compile; nil discards them.
	Progress io.Writer

	builds map[string]int    // NAME -> number of builds
	latest map[string]string // NAME -> package path of its latest build
	mods   int               // module packages built
}

// Package is a built cell.
type Package struct {
	Name    string // the package name the cell gave
	Path    string // its real package path, new for every build
	Version int    // 1 for the first build of Name, then 2, ...
	File    string // the plugin (.so)
	// Generics lists the cell's exported generic functions and types,
	// which the interpreter cannot use (see GenericHint).
	Generics []string
	Took     time.Duration
	// Module and ModVersion give the module of a package from Module.
	Module, ModVersion string

	src    string // the source built
	offset int    // lines added before the cell's source
}

// CacheDir returns the directory holding extracted sources, workspaces and
// the warm-cache marker: $GOPHERPROP_COMPILED_DIR, else gopherprop/compiled
// in the user's cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("GOPHERPROP_COMPILED_DIR"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", &UnavailableError{"no cache directory: " + err.Error(), "set HOME or GOPHERPROP_COMPILED_DIR"}
	}
	return filepath.Join(d, "gopherprop", "compiled"), nil
}

// NewBuilder checks the environment (Detect), extracts the kernel's source
// once per binary into the cache directory and makes a fresh workspace.
func NewBuilder() (*Builder, error) {
	env, err := Detect()
	if err != nil {
		return nil, err
	}
	root, err := CacheDir()
	if err != nil {
		return nil, err
	}
	return newBuilder(env, root)
}

// newBuilder makes a builder for env with its cache in root.
func newBuilder(env *Env, root string) (*Builder, error) {
	b := &Builder{env: env, root: root, builds: map[string]int{}, latest: map[string]string{}}
	var err error
	if b.src, err = extractSource(root, env); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, "ws"), 0o755); err != nil {
		return nil, err
	}
	cleanOld(filepath.Join(root, "ws"), 24*time.Hour)
	if b.ws, err = os.MkdirTemp(filepath.Join(root, "ws"), "ws-"); err != nil {
		return nil, err
	}
	if err := b.writeWorkspace(); err != nil {
		return nil, err
	}
	return b, nil
}

// Workspace returns the builder's workspace directory.
func (b *Builder) Workspace() string { return b.ws }

// cleanOld removes workspaces not touched for age (plugins of running
// kernels are in use, so recent ones stay).
func cleanOld(dir string, age time.Duration) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// sourceKey hashes the embedded source and the build configuration.
func sourceKey(src fs.FS, env *Env) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", runtime.Version(), env.Tags)
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// extractSource writes the embedded source to root/src-KEY (once) and
// returns that directory.
func extractSource(root string, env *Env) (string, error) {
	srcMu.Lock()
	src := source
	srcMu.Unlock()
	key, err := sourceKey(src, env)
	if err != nil {
		return "", &UnavailableError{"the kernel's copy of its source cannot be read: " + err.Error(), rebuildFix}
	}
	dir := filepath.Join(root, "src-"+key)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "tmp-src-")
	if err != nil {
		return "", err
	}
	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o444)
	})
	if err == nil {
		err = os.Rename(tmp, dir)
		if err != nil {
			if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
				err = nil // another kernel extracted it first
			}
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("compiled: extracting the kernel's source: %w", err)
	}
	return dir, nil
}

// writeWorkspace writes go.work and the cells module.
func (b *Builder) writeWorkspace() error {
	gomod, err := os.ReadFile(filepath.Join(b.src, "go.mod"))
	if err != nil {
		return err
	}
	gosum, _ := os.ReadFile(filepath.Join(b.src, "go.sum"))
	goLine := "go " + strings.TrimPrefix(runtime.Version(), "go")
	if m := regexp.MustCompile(`(?m)^go \S+$`).Find(gomod); m != nil {
		goLine = string(m)
	}
	work := goLine + "\n\nuse (\n\t" + strconv.Quote(b.src) + "\n\t./cells\n)\n"
	if err := os.WriteFile(filepath.Join(b.ws, "go.work"), []byte(work), 0o644); err != nil {
		return err
	}
	cells := filepath.Join(b.ws, "cells")
	if err := os.MkdirAll(cells, 0o755); err != nil {
		return err
	}
	// The cells module requires what the kernel's module requires, at the
	// same versions.
	var req strings.Builder
	if m := regexp.MustCompile(`(?s)require \(.*?\)`).FindAll(gomod, -1); m != nil {
		for _, blk := range m {
			req.Write(blk)
			req.WriteString("\n")
		}
	}
	mod := "module " + ModulePath + "\n\n" + goLine + "\n\n" + req.String()
	if err := os.WriteFile(filepath.Join(cells, "go.mod"), []byte(mod), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cells, "go.sum"), gosum, 0o644)
}

// goCmd returns a go command running in the cells module of the workspace.
func (b *Builder) goCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.env.Go, args...)
	cmd.Dir = filepath.Join(b.ws, "cells")
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(b.ws, "go.work"), "GOTOOLCHAIN=local", "CGO_ENABLED=1", "GOFLAGS=")
	return cmd
}

// pluginLDFlags leave the ELF symbol table and DWARF out of plugins: half
// the link time and size, and Go's tracebacks do not need them.
const pluginLDFlags = "-ldflags=-s -w"

// buildFlags are the kernel's own flags.
func (b *Builder) buildFlags() []string {
	f := []string{"-trimpath"}
	if b.env.Tags != "" {
		f = append(f, "-tags", b.env.Tags)
	}
	return f
}

// Diag is one compiler message at a line and column of the cell's source.
type Diag struct {
	Line, Col int
	Msg       string
}

// CompileError is a cell the Go compiler rejected: gc's messages at the
// source's own lines and columns (Line 1 is the first line given to
// Compile).
type CompileError struct {
	Name  string
	Diags []Diag
	// Output is the go command's whole output, for errors without a
	// position (Diags empty).
	Output string
}

func (e *CompileError) Error() string {
	if len(e.Diags) == 0 {
		return "compiling " + e.Name + ": " + strings.TrimSpace(e.Output)
	}
	d := e.Diags[0]
	return fmt.Sprintf("%d:%d: %s", d.Line, d.Col, d.Msg)
}

var identRe = regexp.MustCompile(`^[\p{L}_][\p{L}\p{Nd}_]*$`)

// packageClause reports the name in src's package clause, if it has one.
func packageClause(src string) (name string, ok bool) {
	var s scanner.Scanner
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(src))
	s.Init(f, []byte(src), nil, 0)
	_, tok, _ := s.Scan()
	if tok != token.PACKAGE {
		return "", false
	}
	_, tok, lit := s.Scan()
	if tok != token.IDENT {
		return "", true
	}
	return lit, true
}

// Compile builds src, the source of package name, as a new plugin. Lines
// the go command prints go to progress. A package clause is optional; when
// present it must name name. Imports of earlier compiled cells by their
// name ("geo") refer to their latest build. A source the compiler rejects
// gives a *CompileError.
func (b *Builder) Compile(ctx context.Context, name, src string) (*Package, error) {
	t0 := time.Now()
	if !identRe.MatchString(name) || name == "main" || token.IsKeyword(name) {
		return nil, fmt.Errorf("%q is not a usable package name (use a Go identifier such as geo)", name)
	}
	offset := 0
	if clause, ok := packageClause(src); ok {
		if clause != name {
			return nil, &CompileError{Name: name, Diags: []Diag{{Line: 1, Col: 1, Msg: fmt.Sprintf("the package clause names %s but the cell is %%%%compile %s", clause, name)}}}
		}
	} else {
		src = "package " + name + "\n" + src
		offset = 1
	}
	src = b.rewriteImports(b.addAutoImports(src))
	n := b.builds[name] + 1
	rel := name + "/v" + strconv.Itoa(n)
	pkgPath := ModulePath + "/" + rel
	dir := filepath.Join(b.ws, "cells", filepath.FromSlash(rel))
	plugDir := filepath.Join(dir, "plug")
	if err := os.MkdirAll(plugDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.go"), []byte(src), 0o644); err != nil {
		return nil, err
	}
	// The symbol table, from the export data of the package: the go
	// command compiles it first, so gc's messages about the cell come
	// from here.
	syms, out, err := b.symbols(ctx, pkgPath)
	if m := missingRe.FindAllStringSubmatch(out, -1); err != nil && m != nil && ctx.Err() == nil {
		// Imports of modules not fetched yet: fetch them, then try again.
		seen := map[string]bool{}
		for _, mm := range m {
			if seen[mm[1]] {
				continue
			}
			seen[mm[1]] = true
			if ferr := b.fetch(ctx, mm[1], "", b.progress()); ferr != nil {
				return nil, fmt.Errorf("cannot import %q: %v", mm[1], ferr)
			}
		}
		syms, out, err = b.symbols(ctx, pkgPath)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if out != "" {
			return nil, compileError(name, out, offset)
		}
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(plugDir, "symbols.go"), syms, 0o644); err != nil {
		return nil, err
	}
	mainSrc := "// Code generated by gopherprop for %%compile " + name + ". DO NOT EDIT.\n\npackage main\n\nimport \"reflect\"\n\n// Symbols is the yaegi symbol table of the compiled cell.\nvar Symbols = map[string]map[string]reflect.Value{}\n"
	if err := os.WriteFile(filepath.Join(plugDir, "main.go"), []byte(mainSrc), 0o644); err != nil {
		return nil, err
	}
	so := filepath.Join(b.ws, "so", name+"-v"+strconv.Itoa(n)+".so")
	args := append([]string{"build", "-buildmode=plugin", pluginLDFlags}, b.buildFlags()...)
	args = append(args, "-o", so, "./"+rel+"/plug")
	if out, err := b.goCmd(ctx, args...).CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, compileError(name, string(out), offset)
	}
	b.builds[name] = n
	b.latest[name] = pkgPath
	markWarm(b.root)
	return &Package{Name: name, Path: pkgPath, Version: n, File: so, Generics: exportedGenerics(src), Took: time.Since(t0), src: src, offset: offset}, nil
}

// rewriteImports points imports of earlier compiled cells ("geo") at their
// latest build; the line layout is unchanged.
func (b *Builder) rewriteImports(src string) string {
	for name, path := range b.latest {
		src = strings.ReplaceAll(src, strconv.Quote(name), strconv.Quote(path))
	}
	return src
}

// addAutoImports adds imports of the AutoImports packages src uses
// without importing them, at the end of its package clause's line, so
// that no other line moves.
func (b *Builder) addAutoImports(src string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", src, parser.SkipObjectResolution)
	if err != nil {
		return src
	}
	declared := map[string]bool{}
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		n := p[strings.LastIndex(p, "/")+1:]
		if is.Name != nil {
			n = is.Name.Name
		}
		declared[n] = true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				declared[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					declared[sp.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						declared[n.Name] = true
					}
				}
			}
		}
	}
	auto := map[string]string{"testing": "testing"} // for %test
	for k, v := range b.AutoImports {
		auto[k] = v
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if se, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok && auto[id.Name] != "" && !declared[id.Name] {
				used[id.Name] = true
			}
		}
		return true
	})
	if len(used) == 0 {
		return src
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	var imp strings.Builder
	imp.WriteString("; import (")
	for _, n := range names {
		fmt.Fprintf(&imp, "%s %q; ", n, auto[n])
	}
	imp.WriteString(")")
	end := fset.Position(f.Name.End()).Offset
	return src[:end] + imp.String() + src[end:]
}

// progress returns where Compile's progress lines go.
func (b *Builder) progress() io.Writer {
	if b.Progress == nil {
		return io.Discard
	}
	return b.Progress
}

// Latest returns the package path of the latest build of name.
func (b *Builder) Latest(name string) (string, bool) {
	p, ok := b.latest[name]
	return p, ok
}

// pkgPathRe matches the package path of a build, which messages show by
// the cell's name.
var pkgPathRe = regexp.MustCompile(ModulePath + `/(\w+)/v\d+`)

var diagRe = regexp.MustCompile(`(?m)^(?:\S*/)?cell\.go:(\d+):(\d+): (.*)$`)

// compileError turns the go command's output into a CompileError, lines
// shifted by offset.
func compileError(name, out string, offset int) *CompileError {
	e := &CompileError{Name: name, Output: out}
	for _, m := range diagRe.FindAllStringSubmatch(out, -1) {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		msg := pkgPathRe.ReplaceAllString(m[3], "$1")
		e.Diags = append(e.Diags, Diag{Line: l - offset, Col: c, Msg: msg})
	}
	return e
}

// Prewarm builds a plugin importing every package in paths, so that the
// plugin-mode build of each (and of the standard library beneath them) is
// in the Go build cache: the first %%compile after install then takes
// about a second instead of tens of seconds.
func (b *Builder) Prewarm(ctx context.Context, paths []string) error {
	dir := filepath.Join(b.ws, "cells", "prewarm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var src strings.Builder
	src.WriteString("// Code generated by gopherprop prewarm. DO NOT EDIT.\n\npackage main\n\nimport (\n")
	for _, p := range paths {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o644); err != nil {
		return err
	}
	so := filepath.Join(b.ws, "so", "prewarm.so")
	args := append([]string{"build", "-buildmode=plugin", pluginLDFlags}, b.buildFlags()...)
	args = append(args, "-o", so, "./prewarm")
	if out, err := b.goCmd(ctx, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	os.Remove(so)
	markWarm(b.root)
	return nil
}

// Test runs `go test` on a package built by Compile: its Test and
// Benchmark functions (and examples), with the kernel's flags, streaming
// the output to out. A failing test gives an error.
//
// go test finds Test functions only in _test.go files, so the cell's
// source is copied as the test file of a package of its own; positions in
// that file are shown as "line N" with N shifted by shift (the cell's line
// of the source's first line, minus one).
func (b *Builder) Test(ctx context.Context, pkg *Package, shift int, out io.Writer) error {
	rel := strings.TrimPrefix(pkg.Path, ModulePath+"/") + "/test"
	dir := filepath.Join(b.ws, "cells", filepath.FromSlash(rel))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cell_test.go"), []byte(pkg.src), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "doc.go"), []byte("package "+pkg.Name+"\n"), 0o644); err != nil {
		return err
	}
	lineRe := regexp.MustCompile(`cell_test\.go:(\d+)`)
	fix := func(p []byte) []byte {
		p = lineRe.ReplaceAllFunc(p, func(m []byte) []byte {
			n, _ := strconv.Atoi(string(m[len("cell_test.go:"):]))
			return []byte("line " + strconv.Itoa(n-pkg.offset+shift))
		})
		return pkgPathRe.ReplaceAll(p, []byte("$1"))
	}
	args := append([]string{"test"}, b.buildFlags()...)
	args = append(args, "-count=1", "-v", "-run=.", "-bench=.", "-benchmem", "./"+rel)
	cmd := b.goCmd(ctx, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := pr.Read(buf)
			if n > 0 {
				out.Write(fix(buf[:n]))
			}
			if err != nil {
				return
			}
		}
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("go test of %s failed (%v)", pkg.Name, err)
	}
	return nil
}

// fetch adds the module providing package path to the workspace with go
// get (version "" means the latest), refusing (and undoing) a module that
// would change the version of a module the kernel is built with.
func (b *Builder) fetch(ctx context.Context, path, version string, progress io.Writer) error {
	target := path + "@latest"
	if version != "" {
		target = path + "@" + version
	}
	fmt.Fprintf(progress, "fetching %s …\n", target)
	cells := filepath.Join(b.ws, "cells")
	oldMod, _ := os.ReadFile(filepath.Join(cells, "go.mod"))
	oldSum, _ := os.ReadFile(filepath.Join(cells, "go.sum"))
	restore := func() {
		os.WriteFile(filepath.Join(cells, "go.mod"), oldMod, 0o644)
		os.WriteFile(filepath.Join(cells, "go.sum"), oldSum, 0o644)
	}
	if out, err := b.goCmd(ctx, "get", target).CombinedOutput(); err != nil {
		restore()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("go get %s failed: %s", target, strings.TrimSpace(string(out)))
	}
	out, err := b.goCmd(ctx, "list", "-m", "all").Output()
	if err != nil {
		restore()
		return fmt.Errorf("listing the modules after go get %s: %v", target, err)
	}
	for _, m := range modVersionRe.FindAllStringSubmatch(string(out), -1) {
		if have, ok := b.env.Deps[m[1]]; ok && have != "" && have != m[2] {
			restore()
			return fmt.Errorf("%s needs %s %s, but the kernel is built with %s %s, and a plugin must use the kernel's versions: try an older version of the module (%%go get %s@VERSION)",
				target, m[1], m[2], m[1], have, path)
		}
	}
	return nil
}

// missingRe matches the go command's message for an import no module of
// the workspace provides.
var missingRe = regexp.MustCompile(`no required module provides package (\S+?);`)

// modVersionRe matches a module and its version in `go list -m all`.
var modVersionRe = regexp.MustCompile(`(?m)^(\S+) (v\S+)`)

// Module makes package path of a Go module importable: when no module of
// the workspace provides it, it fetches the module through the Go module
// proxy with go get (version "" means the latest), refusing modules that
// would change the version of a module the kernel is built with; then it
// builds a plugin holding the package's symbol table. Progress lines go to
// progress.
func (b *Builder) Module(ctx context.Context, path, version string, progress io.Writer) (*Package, error) {
	t0 := time.Now()
	modOf := func() (string, error) {
		out, err := b.goCmd(ctx, "list", "-f", "{{if .Module}}{{.Module.Path}} {{.Module.Version}}{{end}}", path).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	mod, err := modOf()
	if err != nil || version != "" {
		if err := b.fetch(ctx, path, version, progress); err != nil {
			return nil, err
		}
		if mod, err = modOf(); err != nil {
			return nil, fmt.Errorf("%s: %s", path, mod)
		}
	}
	est := "about 2 s"
	if !b.Warm() {
		est = "first time: about 30 s"
	}
	fmt.Fprintf(progress, "compiling %s (%s) …\n", strings.Replace(mod, " ", "@", 1), est)
	syms, out, err := b.symbols(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("compiling %s: %v %s", path, err, strings.TrimSpace(out))
	}
	b.mods++
	rel := "mod" + strconv.Itoa(b.mods)
	plugDir := filepath.Join(b.ws, "cells", rel)
	if err := os.MkdirAll(plugDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(plugDir, "symbols.go"), syms, 0o644); err != nil {
		return nil, err
	}
	mainSrc := "// Code generated by gopherprop for import " + strconv.Quote(path) + ". DO NOT EDIT.\n\npackage main\n\nimport \"reflect\"\n\n// Symbols is the yaegi symbol table of the package.\nvar Symbols = map[string]map[string]reflect.Value{}\n"
	if err := os.WriteFile(filepath.Join(plugDir, "main.go"), []byte(mainSrc), 0o644); err != nil {
		return nil, err
	}
	so := filepath.Join(b.ws, "so", rel+".so")
	args := append([]string{"build", "-buildmode=plugin", pluginLDFlags}, b.buildFlags()...)
	args = append(args, "-o", so, "./"+rel)
	if out, err := b.goCmd(ctx, args...).CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("building %s: %s", path, strings.TrimSpace(string(out)))
	}
	markWarm(b.root)
	modPath, modVer, _ := strings.Cut(mod, " ")
	return &Package{Path: path, File: so, Module: modPath, ModVersion: modVer, Took: time.Since(t0)}, nil
}

// markWarm records that the plugin build cache is warm.
func markWarm(root string) {
	f := filepath.Join(root, "warm-"+runtime.Version())
	if _, err := os.Stat(f); err != nil {
		os.WriteFile(f, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
	}
}

// Warm reports whether a plugin was built (or the cache pre-warmed) with
// this Go version: if not, the first build compiles every dependency in
// plugin mode and takes tens of seconds.
func (b *Builder) Warm() bool {
	_, err := os.Stat(filepath.Join(b.root, "warm-"+runtime.Version()))
	return err == nil
}

// exportedGenerics lists the exported generic functions and types declared
// in src (top level, by a quick scan of the source).
var genericRe = regexp.MustCompile(`(?m)^(?:func|type)\s+([\p{Lu}][\p{L}\p{Nd}_]*)\s*\[`)

func exportedGenerics(src string) []string {
	var out []string
	for _, m := range genericRe.FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// GenericHint explains how to use generic name of package pkg from an
// interpreted cell.
func GenericHint(pkg, name string) string {
	return fmt.Sprintf("%s.%s is generic, and the interpreter cannot instantiate compiled generics: instantiate it inside the %%%%compile %s cell, e.g. var %sF = %s[float64] (or type %sF = %s[float64]), and use %s.%sF",
		pkg, name, pkg, name, name, name, name, pkg, name)
}
