package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// Import paths of the project's own packages.
const (
	adPath      = "github.com/gopherprop/gopherprop/ad"
	displayPath = "github.com/gopherprop/gopherprop/display"
	rtPath      = "gopherprop/rt"
	rtName      = cell.RuntimeName
)

// autoImports lists the packages a cell may use without importing them.
var autoImports = map[string]string{
	"ad":      adPath,
	"mat":     "gonum.org/v1/gonum/mat",
	"display": displayPath,
	"plot":    "gonum.org/v1/plot",
	"plotter": "gonum.org/v1/plot/plotter",
	"fmt":     "fmt",
	"math":    "math",
}

// extraSymbols holds additional compiled packages (tests use it to provide
// a compiled library that misbehaves).
var extraSymbols = map[string]map[string]reflect.Value{}

// declRec remembers the source of one top-level declaration item so that it
// can be re-evaluated when something it depends on is redefined, or restored
// when a redefinition fails to compile.
type declRec struct {
	names []string // declared names; methods are "Type.Method"
	kind  token.Token
	text  string // original source text
	norm  string // text reprinted without comments or layout, to compare definitions
	chunk string // source handed to yaegi (with //line directive)
	refs  map[string]bool
	seq   int
	decls []ast.Decl
	fset  *token.FileSet
	cid   string
	doc   string // comment lines just above the declaration in its cell
	line  int    // position of text in its cell (0: unknown)
	col   int
}

// leadingComment returns the // comment lines directly above line.
func leadingComment(src string, line int) string {
	lines := strings.Split(src, "\n")
	var out []string
	for l := line - 2; l >= 0 && l < len(lines); l-- {
		t := strings.TrimSpace(lines[l])
		if !strings.HasPrefix(t, "//") {
			break
		}
		out = append([]string{strings.TrimSpace(strings.TrimPrefix(t, "//"))}, out...)
	}
	return strings.Join(out, "\n")
}

// cellInfo remembers a cell's source for tracebacks.
type cellInfo struct {
	src   string
	count int
}

// session is a yaegi interpreter plus the cell front-end state. It is not
// safe for concurrent use except for interrupt (context cancellation).
type session struct {
	in      *yaegi.Interpreter
	stdout  io.Writer
	stderr  io.Writer
	frames  *frameCatcher
	imports map[string]string // local name -> import path
	decls   map[string]*declRec
	seq     int
	serial  int
	cells   map[string]cellInfo
	binPkgs map[string]map[string]reflect.Value
	// position of the top-level statement being run, for panics that
	// yaegi reports without a frame in the current cell
	curLine, curCol int
	curWrapped      bool // the running statement is inside func() { ... }() (see topLevelMulti)
	tmpN            int  // counter of rewriter temporaries
	// typeNames maps a redefined type's user name to its current hidden
	// name (see redefine.go); typeGen numbers hidden names.
	typeNames map[string]string
	typeGen   int
}

// newSession creates an interpreter with every preloaded package. stdout and
// stderr receive what interpreted fmt/log calls print.
func newSession(stdout, stderr io.Writer) (*session, error) {
	fc := &frameCatcher{out: stderr}
	env := os.Environ()
	in := yaegi.New(yaegi.Options{Stdout: stdout, Stderr: fc, Env: env, Args: []string{"gopherprop"}})
	s := &session{
		in: in, stdout: stdout, stderr: stderr, frames: fc,
		imports:   map[string]string{},
		decls:     map[string]*declRec{},
		cells:     map[string]cellInfo{},
		binPkgs:   map[string]map[string]reflect.Value{},
		typeNames: map[string]string{},
	}
	for _, ex := range []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols, rtSymbols, extraSymbols} {
		if err := in.Use(ex); err != nil {
			return nil, fmt.Errorf("interp: loading symbols: %w", err)
		}
		for k, v := range ex {
			s.binPkgs[k] = v
		}
	}
	// Interface wrappers for values of cell-declared types passed to the
	// display package (and to the runtime helper that renders results).
	mt := display.MapTypes()
	for _, ifaces := range mt {
		mt[reflect.ValueOf(rtBundle)] = ifaces
		break
	}
	if err := in.Use(yaegi.Exports{".": {"MapTypes": reflect.ValueOf(mt)}}); err != nil {
		return nil, fmt.Errorf("interp: loading display type maps: %w", err)
	}
	if _, err := s.eval(context.Background(), "import "+rtName+" \""+rtPath+"\""); err != nil {
		return nil, fmt.Errorf("interp: loading runtime helpers: %w", err)
	}
	return s, nil
}

// binSymbols returns the exported symbols of compiled package path, or nil.
func (s *session) binSymbols(path string) map[string]reflect.Value {
	base := path[strings.LastIndex(path, "/")+1:]
	if m, ok := s.binPkgs[path+"/"+base]; ok {
		return m
	}
	for k, m := range s.binPkgs {
		if i := strings.LastIndex(k, "/"); i >= 0 && k[:i] == path {
			return m
		}
	}
	return nil
}

// globals returns the interpreter's global variables, or nil when yaegi
// cannot list them (it panics on some internal states).
func (s *session) globals() (g map[string]reflect.Value) {
	defer func() {
		if recover() != nil {
			g = nil
		}
	}()
	return s.in.Globals()
}

// eval runs src in the interpreter, converting panics from yaegi itself into
// errors.
func (s *session) eval(ctx context.Context, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = yaegi.Panic{Value: r}
		}
	}()
	return s.in.EvalWithContext(ctx, src)
}

// compileOnly compiles src without running it, reporting whether it
// compiles.
func (s *session) compileOnly(src string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_, err = s.in.Compile(src)
	return err
}

// cellResult is what executing a cell produced.
type cellResult struct {
	value    reflect.Value
	hasValue bool
	bundle   map[string]any // {"data": ..., "metadata": ...} rendered in the interpreter, or nil
	page     string         // pager text for ?name
}

// errCell is returned by the front-end for user errors.
type execFailure struct {
	ename, evalue string
	traceback     []string
}

func (e *execFailure) Error() string { return e.ename + ": " + e.evalue }

// run executes one cell.
func (s *session) run(ctx context.Context, code string, count int) (cellResult, *execFailure) {
	res, fail := s.runCell(ctx, code, count)
	if fail != nil {
		fail.evalue = cell.Unhide(fail.evalue)
		for i := range fail.traceback {
			fail.traceback[i] = cell.Unhide(fail.traceback[i])
		}
	}
	return res, fail
}

// runCell executes one cell; hidden type names may appear in errors.
func (s *session) runCell(ctx context.Context, code string, count int) (res cellResult, fail *execFailure) {
	s.serial = s.serial%maxCellSerial + 1
	cid := strconv.Itoa(s.serial)
	s.cells[cid] = cellInfo{src: code, count: count}
	s.frames.reset()
	s.curLine, s.curCol, s.curWrapped = 0, 0, false

	if strings.HasPrefix(strings.TrimSpace(code), "package ") {
		// A whole file: hand it to yaegi as is, and remember its
		// declarations (for results, completion and inspection).
		_, err := s.eval(ctx, code)
		if err != nil {
			return res, s.failure(ctx, err, cid)
		}
		fset := token.NewFileSet()
		if f, perr := parser.ParseFile(fset, "cell", code, 0); perr == nil {
			for _, d := range f.Decls {
				if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
					continue
				}
				s.seq++
				ds := []ast.Decl{d}
				rec := &declRec{names: cell.DeclNames(ds), kind: cell.DeclKind(ds), text: code, refs: cell.IdentRefs(ds), seq: s.seq, decls: ds, fset: fset, cid: cid}
				for _, n := range rec.names {
					s.decls[n] = rec
				}
			}
		}
		return res, nil
	}

	items, cerr := cell.Split(code)
	if cerr != nil {
		return res, s.cellFailure("SyntaxError", cerr.Msg, cid, cerr.Line, cerr.Col)
	}
	if len(items) == 0 {
		return res, nil
	}

	// Normalised texts are computed before the rewriter changes the ASTs.
	for i := range items {
		if items[i].Kind == cell.DeclItem {
			items[i].NormText()
		}
	}

	// Redefined types (and types with a redefined method) get a fresh
	// hidden name; every cell sees user type names through s.typeNames.
	fresh := s.planRedefinitions(items)
	ren := map[string]string{}
	for k, v := range s.typeNames {
		ren[k] = v
	}
	for k, v := range fresh {
		ren[k] = v
	}
	cellMethods := map[string]bool{}
	cellTypes := map[string]bool{}
	for i := range items {
		it := &items[i]
		forced, changed := false, false
		for _, d := range it.Decls {
			if cell.RenameTypes(d, fresh) {
				forced = true
			}
			if cell.RenameTypes(d, ren) {
				changed = true
			}
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				cellMethods[cell.FuncKey(fd)] = true
			}
		}
		for _, name := range cell.TypeNames(it.Decls) {
			cellTypes[name] = true
		}
		for _, st := range it.Stmts {
			if cell.RenameTypes(st, ren) {
				changed = true
			}
		}
		if forced || changed {
			it.Rewritten, it.ExprRewritten, it.Force = true, true, it.Force || forced
		}
	}
	commit := func(name string) *execFailure {
		if err := s.redeclareOld(ctx, name, fresh[name], cellTypes[name], cellMethods, fresh); err != nil {
			return s.failure(ctx, err, cid)
		}
		s.typeNames[name] = fresh[name]
		return nil
	}
	// A method-only redefinition: re-declare the type (and its other
	// methods) under the fresh name before the cell runs.
	for name := range fresh {
		if !cellTypes[name] {
			if f := commit(name); f != nil {
				return res, f
			}
		}
	}

	// Imports: explicit ones, then automatic ones.
	var importSrc []string
	for _, it := range items {
		if it.Kind != cell.ImportItem {
			continue
		}
		for _, d := range it.Decls {
			for _, sp := range d.(*ast.GenDecl).Specs {
				is := sp.(*ast.ImportSpec)
				path, _ := strconv.Unquote(is.Path.Value)
				name := path[strings.LastIndex(path, "/")+1:]
				if is.Name != nil {
					name = is.Name.Name
				}
				if name == "_" || name == "." {
					importSrc = append(importSrc, "import "+is.Name.Name+" "+is.Path.Value)
					continue
				}
				if old, ok := s.imports[name]; ok {
					if old == path {
						continue // already imported: nothing to do
					}
					p := it.Fset.Position(is.Pos())
					return res, s.cellFailure("ImportError",
						fmt.Sprintf("%s is already imported as %q; import %q under another name, e.g. import %s2 %q", name, old, path, name, path),
						cid, p.Line-1, p.Column)
				}
				if s.binSymbols(path) == nil && !strings.Contains(path, ".") {
					// Let yaegi report it, but with a clear message for
					// unknown standard packages.
					if _, ok := stdlib.Symbols[path+"/"+name]; !ok {
						p := it.Fset.Position(is.Pos())
						return res, s.cellFailure("ImportError",
							fmt.Sprintf("package %q is not available in the interpreter (it holds the Go 1.22 standard library, gonum, gonum/plot, ad and display)", path),
							cid, p.Line-1, p.Column)
					}
				}
				importSrc = append(importSrc, importLine(name, path))
				s.imports[name] = path
			}
		}
	}
	for _, name := range s.autoImportsFor(items) {
		importSrc = append(importSrc, importLine(name, autoImports[name]))
		s.imports[name] = autoImports[name]
	}
	for _, src := range importSrc {
		if _, err := s.eval(ctx, src); err != nil {
			return res, &execFailure{"ImportError", err.Error(), []string{"ImportError: " + err.Error()}}
		}
	}

	// Assignments that drop results of a call (yaegi accepts them).
	if pos, msg, bad := s.arityError(items); bad {
		return res, s.cellFailure("CompileError", msg, cid, pos.Line, pos.Column)
	}

	// Rewrites for Go features the interpreter lacks.
	rw := &cell.Rewriter{GlobalKind: s.globalKind, Shadowed: s.shadowedBuiltins(items), N: &s.tmpN}
	rw.Prepare(items)
	for i := range items {
		rw.RewriteItem(&items[i])
	}

	// Find the final expression statement, if any.
	var final ast.Expr
	last := &items[len(items)-1]
	if last.Kind == cell.StmtItem {
		if es, ok := last.Stmts[len(last.Stmts)-1].(*ast.ExprStmt); ok && !rw.Wrappers[es] {
			final = es.X
			last.Stmts = last.Stmts[:len(last.Stmts)-1]
			last.Rewritten = true
		}
	}

	// Group consecutive items of the same kind into chunks.
	for i := 0; i < len(items); {
		if items[i].Kind == cell.ImportItem {
			i++
			continue
		}
		j := i
		for j < len(items) && items[j].Kind == items[i].Kind {
			j++
		}
		if items[i].Kind == cell.DeclItem {
			redefined, f := s.runDecls(ctx, items[i:j], cid)
			if f != nil {
				return res, f
			}
			for k := i; k < j; k++ {
				for _, name := range cell.TypeNames(items[k].Decls) {
					if _, ok := fresh[name]; ok {
						if f := commit(name); f != nil {
							return res, f
						}
					}
				}
			}
			if len(redefined) > 0 {
				just := make([]*cell.Item, 0, j-i)
				for k := i; k < j; k++ {
					just = append(just, &items[k])
				}
				s.reevalDependents(ctx, redefined, just, fresh)
			}
		} else {
			// One Eval per top-level statement, so that a panic's
			// top-level frame names the statement's line.
			for k := i; k < j; k++ {
				src := ";" + s.itemSource(&items[k], cid)
				if strings.TrimSpace(strings.Trim(src, ";\n")) == "" || (items[k].Rewritten && len(items[k].Stmts) == 0) {
					continue
				}
				s.curLine, s.curCol = items[k].Line, items[k].Col
				s.curWrapped = items[k].WrapText || (len(items[k].Stmts) == 1 && rw.Wrappers[items[k].Stmts[0]])
				if _, err := s.eval(ctx, src); err != nil {
					return res, s.failure(ctx, err, cid)
				}
			}
		}
		i = j
	}

	if final != nil {
		show := s.hasValue(final)
		var src string
		if text, line, col, ok := cell.ExprText(last, final); ok {
			src = ";\n" + lineDir(cid, line, col) + "\n" + text
		} else {
			src = ";" + s.nodeSource(last.Fset, final, cid)
		}
		p := last.Fset.Position(final.Pos())
		s.curLine, s.curCol, s.curWrapped = p.Line-1, p.Column, false
		if prog := s.resultProgram(show, src); prog != nil {
			// Keep the value in a variable of its static type and render
			// it from there: yaegi then hands values of cell-declared
			// types to the display package with their methods (HTML, …).
			v, err := s.execute(ctx, prog)
			{
				if err != nil {
					return res, s.failure(ctx, err, cid)
				}
				if v.IsValid() {
					res.value, res.hasValue = v, true
				}
				if b, err := s.eval(ctx, ";\n"+rtName+".Bundle("+resultVar+")"); err == nil && b.IsValid() && b.CanInterface() {
					res.bundle, _ = b.Interface().(map[string]any)
				}
				return res, nil
			}
		}
		v, err := s.eval(ctx, src)
		if err != nil {
			return res, s.failure(ctx, err, cid)
		}
		if show && v.IsValid() {
			res.value, res.hasValue = v, true
		}
	}
	return res, nil
}

// displayMethods are the methods through which the display package renders
// values (HTMLer, SVGer, PNGer, Markdowner, Latexer, Valuer).
var displayMethods = []string{"HTML", "SVG", "PNG", "Markdown", "Latex", "Shape"}

// resultProgram compiles "resultVar := E" for a final expression E when a
// cell declared a type with a display method, or returns nil (then E is
// evaluated plainly): the assignment does not compile for every
// expression (untyped nil, some generic calls).
func (s *session) resultProgram(show bool, src string) *yaegi.Program {
	if !show {
		return nil
	}
	has := false
	for key := range s.decls {
		for _, m := range displayMethods {
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

// importLine returns an import declaration of path under name.
func importLine(name, path string) string {
	if path[strings.LastIndex(path, "/")+1:] == name {
		return "import " + strconv.Quote(path)
	}
	return "import " + name + " " + strconv.Quote(path)
}

// cellName describes a cell for messages: "cell [3]" or "this cell".
func (s *session) cellName(cid string) string {
	ci, ok := s.cells[cid]
	if !ok {
		return "generated code"
	}
	if ci.count > 0 {
		return fmt.Sprintf("cell [%d]", ci.count)
	}
	return "an earlier cell"
}

var lineDirRe = regexp.MustCompile(`//line cell:(\d+)`)

// lineBase separates cells in the line numbers seen by yaegi: line L of
// cell N is line N*lineBase+L of the file "_.go" (yaegi scopes imports by
// file name, so every chunk must keep its default name). go/scanner limits
// line numbers to 2^30, so cell numbers wrap around at maxCellSerial.
const (
	lineBase      = 10000
	maxCellSerial = 100000
)

// lineDir returns a //line directive placing the next line at line:col of
// cell (col 0: no column).
func lineDir(cid string, line, col int) string {
	n, _ := strconv.Atoi(cid)
	if col <= 0 {
		return fmt.Sprintf("//line %s:%d", yaegi.DefaultSourceName, n*lineBase+line)
	}
	return fmt.Sprintf("//line %s:%d:%d", yaegi.DefaultSourceName, n*lineBase+line, col)
}

// cellPos splits a yaegi line number into cell and line.
func cellPos(n int) (cid string, line int) {
	if n < lineBase {
		return "", n
	}
	return strconv.Itoa(n / lineBase), n % lineBase
}

// itemSource returns the yaegi source for a statement item.
func (s *session) itemSource(it *cell.Item, cid string) string {
	if it.WrapText && !it.Rewritten {
		dir := lineDir(cid, it.Line, it.Col)
		return "\n" + dir + "\nfunc() {\n" + dir + "\n" + it.Text + "\n}()"
	}
	if !it.Rewritten {
		return "\n" + lineDir(cid, it.Line, it.Col) + "\n" + it.Text
	}
	var b strings.Builder
	for _, st := range it.Stmts {
		b.WriteString(s.nodeSource(it.Fset, st, cid))
	}
	return b.String()
}

// nodeSource prints node with //line directives mapping back to the cell.
func (s *session) nodeSource(fset *token.FileSet, node any, cid string) string {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.SourcePos | printer.RawFormat}
	if err := cfg.Fprint(&buf, fset, node); err != nil {
		return "\n" + fmt.Sprint(node)
	}
	out := lineDirRe.ReplaceAllStringFunc(buf.String(), func(m string) string {
		n, _ := strconv.Atoi(m[len("//line cell:"):])
		if n-1 < 1 {
			return "//"
		}
		return lineDir(cid, n-1, 0)
	})
	if p := fset.Position(node.(ast.Node).Pos()); !strings.HasPrefix(out, "//line") && p.Line > 1 {
		out = lineDir(cid, p.Line-1, p.Column) + "\n" + out
	}
	return "\n" + out
}

// runDecls evaluates a run of declaration items: skips unchanged ones,
// evaluates the rest, re-evaluates dependents of redefined functions and
// restores the previous definitions when compilation fails.
func (s *session) runDecls(ctx context.Context, items []cell.Item, cid string) (map[string]bool, *execFailure) {
	type pending struct {
		it    *cell.Item
		names []string
		src   string
	}
	var todo []pending
	redefined := map[string]bool{}
	for i := range items {
		it := &items[i]
		names := cell.DeclNames(it.Decls)
		same := len(names) > 0
		for _, n := range names {
			old, ok := s.decls[n]
			if !ok || old.norm != it.NormText() {
				same = false
			}
			if ok && old.norm != it.NormText() {
				redefined[n] = true
			}
		}
		if same && !it.Force {
			continue // identical re-run: keep the existing definition
		}
		var src string
		if it.Rewritten {
			var b strings.Builder
			for _, d := range it.Decls {
				b.WriteString(s.nodeSource(it.Fset, d, cid))
			}
			src = b.String()
		} else {
			src = "\n" + lineDir(cid, it.Line, it.Col) + "\n" + it.Text
		}
		todo = append(todo, pending{it, names, src})
	}
	if len(todo) == 0 {
		return nil, nil
	}
	var b strings.Builder
	for _, p := range todo {
		b.WriteString(p.src)
	}
	_, err := s.eval(ctx, b.String())
	if err != nil {
		fail := s.failure(ctx, err, cid)
		s.restore(ctx, todo2items(todo, func(p pending) *cell.Item { return p.it }))
		// yaegi may have kept new types of the failed chunk: remember
		// them, so that a changed definition later is reported instead of
		// silently ignored.
		for _, p := range todo {
			for _, name := range cell.TypeNames(p.it.Decls) {
				if _, known := s.decls[name]; known {
					continue
				}
				if s.compileOnly(";\n_ = (*"+name+")(nil)") == nil {
					s.seq++
					s.decls[name] = &declRec{names: []string{name}, kind: token.TYPE, text: p.it.Text, norm: p.it.NormText(),
						chunk: "", refs: map[string]bool{}, seq: s.seq, decls: p.it.Decls, fset: p.it.Fset, cid: cid}
				}
			}
		}
		return nil, fail
	}
	for _, p := range todo {
		s.seq++
		rec := &declRec{names: p.names, kind: cell.DeclKind(p.it.Decls), text: p.it.Text, norm: p.it.NormText(), chunk: p.src,
			doc: leadingComment(s.cells[cid].src, p.it.Line), line: p.it.Line, col: p.it.Col,
			refs: cell.IdentRefs(p.it.Decls), seq: s.seq, decls: p.it.Decls, fset: p.it.Fset, cid: cid}
		for _, n := range p.names {
			s.decls[n] = rec
		}
	}
	return redefined, nil
}

func todo2items[T any](ps []T, f func(T) *cell.Item) []*cell.Item {
	out := make([]*cell.Item, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}

// reevalDependents re-evaluates every stored function or method that
// (transitively) references a redefined name, so that it binds to the new
// definition.
func (s *session) reevalDependents(ctx context.Context, redefined map[string]bool, just []*cell.Item, skipTypes map[string]string) {
	justText := map[string]bool{}
	for _, it := range just {
		justText[it.Text] = true
	}
	isMethodOf := func(rec *declRec) bool {
		for _, n := range rec.names {
			if i := strings.Index(n, "."); i >= 0 {
				if _, ok := skipTypes[n[:i]]; ok {
					return true
				}
			}
		}
		return false
	}
	short := func(n string) string {
		if i := strings.LastIndex(n, "."); i >= 0 {
			return n[i+1:]
		}
		return n
	}
	changed := map[string]bool{}
	for n := range redefined {
		changed[short(n)] = true
	}
	deps := map[*declRec]bool{}
	for {
		grew := false
		for _, rec := range s.decls {
			if deps[rec] || justText[rec.text] || rec.kind != token.FUNC || isMethodOf(rec) {
				continue
			}
			for r := range rec.refs {
				if changed[r] {
					deps[rec] = true
					for _, n := range rec.names {
						changed[short(n)] = true
					}
					grew = true
					break
				}
			}
		}
		if !grew {
			break
		}
	}
	if len(deps) == 0 {
		return
	}
	recs := make([]*declRec, 0, len(deps))
	for r := range deps {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	var b strings.Builder
	var names []string
	for _, r := range recs {
		if r.chunk == "" {
			continue // from a package cell or a failed cell: cannot be replayed
		}
		r.chunk = s.renderRec(r, nil)
		b.WriteString(r.chunk)
		names = append(names, r.names...)
	}
	if _, err := s.eval(ctx, b.String()); err != nil {
		fmt.Fprintf(s.stderr, "warning: %s use(s) a redefined name and no longer compile(s): %s\n(they keep calling the previous definition until fixed)\n",
			strings.Join(names, ", "), s.mapPositions(err.Error()))
	}
}

// restore undoes the effect of a failed declaration chunk: functions that
// existed before get their previous source back, new ones become stubs that
// panic with a clear message (yaegi would otherwise leave stubs returning
// zero values).
func (s *session) restore(ctx context.Context, items []*cell.Item) {
	var b strings.Builder
	seen := map[*declRec]bool{}
	for _, it := range items {
		for _, d := range it.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			key := cell.FuncKey(fd)
			if old, ok := s.decls[key]; ok {
				if !seen[old] {
					seen[old] = true
					b.WriteString(old.chunk)
				}
				continue
			}
			stub := &ast.FuncDecl{Recv: fd.Recv, Name: fd.Name, Type: fd.Type, Body: &ast.BlockStmt{List: []ast.Stmt{
				&ast.ExprStmt{X: &ast.CallExpr{Fun: ast.NewIdent("panic"), Args: []ast.Expr{&ast.BasicLit{Kind: token.STRING,
					Value: strconv.Quote(key + " is not defined: the cell declaring it failed to compile")}}}},
			}}}
			var buf bytes.Buffer
			if err := printer.Fprint(&buf, token.NewFileSet(), stub); err == nil {
				b.WriteString("\n")
				b.WriteString(buf.String())
			}
		}
	}
	if b.Len() == 0 {
		return
	}
	s.eval(ctx, b.String())
}

// autoImportsFor returns the auto-importable package names used as a
// package qualifier in items and neither imported nor shadowed.
func (s *session) autoImportsFor(items []cell.Item) []string {
	defined := cell.DefinedNames(items)
	used := map[string]bool{}
	cell.InspectItems(items, func(n ast.Node) bool {
		if se, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok {
				if _, auto := autoImports[id.Name]; auto {
					used[id.Name] = true
				}
			}
		}
		return true
	})
	var out []string
	for name := range used {
		if defined[name] {
			continue
		}
		if _, ok := s.imports[name]; ok {
			continue
		}
		if _, ok := s.decls[name]; ok {
			continue
		}
		if _, ok := s.globals()[name]; ok {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// shadowedBuiltins reports which of min, max and clear the user has
// defined, so the rewriter leaves them alone.
func (s *session) shadowedBuiltins(items []cell.Item) map[string]bool {
	out := map[string]bool{}
	defined := cell.DefinedNames(items)
	g := s.globals()
	for _, n := range []string{"min", "max", "clear"} {
		_, inDecls := s.decls[n]
		_, inGlobals := g[n]
		if defined[n] || inDecls || inGlobals {
			out[n] = true
		}
	}
	return out
}

// globalKind returns the reflect kind of a global variable, or Invalid.
func (s *session) globalKind(name string) reflect.Kind {
	v, ok := s.globals()[name]
	if !ok || !v.IsValid() {
		return reflect.Invalid
	}
	return v.Kind()
}

// hasValue decides statically whether the final expression statement e
// produces a single value worth showing: not a void call, not a print call.
func (s *session) hasValue(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return true
	}
	switch fn := ast.Unparen(call.Fun).(type) {
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

// frameCatcher is the interpreter's Stderr: it keeps yaegi's
// "cell:L:C: panic: fn(...)" frame lines for the traceback and forwards
// everything else.
type frameCatcher struct {
	out    io.Writer
	mu     sync.Mutex
	buf    []byte
	frames []string
}

var frameRe = regexp.MustCompile(`^(?:\S+:)?\d+:\d+: panic: .*\(\.\.\.\)$`)

func (f *frameCatcher) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		line := string(f.buf[:i])
		f.buf = f.buf[i+1:]
		if frameRe.MatchString(line) {
			f.frames = append(f.frames, line)
			continue
		}
		f.out.Write([]byte(line + "\n"))
	}
	if len(f.buf) > 0 && !bytes.Contains(f.buf, []byte(": panic: ")) && !frameStart(f.buf) {
		f.out.Write(f.buf)
		f.buf = f.buf[:0]
	}
	return len(p), nil
}

// frameStart reports whether b may be the start of a frame line.
func frameStart(b []byte) bool {
	return len(b) > 0 && (b[0] == '_' || (b[0] >= '0' && b[0] <= '9'))
}

func (f *frameCatcher) reset() {
	f.mu.Lock()
	f.frames = nil
	f.mu.Unlock()
}

func (f *frameCatcher) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.frames
	f.frames = nil
	return out
}

var posRe = regexp.MustCompile(`(?:_\.go:)?(\d{5,})(?::(\d+))?`)

// matchPos finds the first position in msg; it returns the cell, line,
// column and the index range of the match.
func matchPos(msg string) (cid string, line, col int, loc []int) {
	m := posRe.FindStringSubmatchIndex(msg)
	if m == nil {
		return "", 0, 0, nil
	}
	a, _ := strconv.Atoi(msg[m[2]:m[3]])
	b := 0
	if m[4] >= 0 {
		b, _ = strconv.Atoi(msg[m[4]:m[5]])
	}
	cid, line = cellPos(a)
	return cid, line, b, m[:2]
}

// mapPositions rewrites "cN:L:C" positions into user terms.
func (s *session) mapPositions(msg string) string {
	return posRe.ReplaceAllStringFunc(msg, func(m string) string {
		cid, line, col, _ := matchPos(m)
		if col <= 0 {
			return fmt.Sprintf("%s line %d", s.cellName(cid), line)
		}
		return fmt.Sprintf("%s line %d:%d", s.cellName(cid), line, col)
	})
}

// failure converts an error from yaegi into an execFailure with the cell's
// own positions and the offending line quoted.
func (s *session) failure(ctx context.Context, err error, cid string) *execFailure {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return &execFailure{"Interrupted", "the cell was interrupted (state is kept)",
			[]string{"Interrupted: the cell was interrupted; variables and functions defined so far are kept"}}
	}
	var p yaegi.Panic
	if errors.As(err, &p) {
		return s.panicFailure(p, cid)
	}
	msg := err.Error()
	// yaegi compile errors: "cN:L:C: message"
	if c, line, col, m := matchPos(msg); m != nil && m[0] == 0 && c != "" {
		text := strings.TrimSpace(strings.TrimPrefix(msg[m[1]:], ":"))
		text = hint(text, s.cells[cid].src)
		if c != cid {
			return &execFailure{"CompileError", text, append([]string{
				fmt.Sprintf("CompileError: %s", text),
				fmt.Sprintf("  at %s, line %d:%d:", s.cellName(c), line, col)},
				cell.Quote(s.cells[c].src, line, col)...)}
		}
		return s.cellFailure("CompileError", text, cid, line, col)
	}
	text := hint(msg, s.cells[cid].src)
	return &execFailure{"CompileError", text, []string{"CompileError: " + text}}
}

// hint adds advice to errors caused by Go features the interpreter lacks.
func hint(msg, src string) string {
	switch {
	case strings.Contains(msg, "undefined: min"), strings.Contains(msg, "undefined: max"):
		return msg + " (the Go interpreter lacks the min/max builtins; gopherprop rewrites them except in for-loop conditions and constants: compute the value in a variable first)"
	case strings.Contains(msg, "undefined: clear"):
		return msg + " (the Go interpreter lacks the clear builtin; gopherprop rewrites clear(x) used as a statement)"
	case strings.HasSuffix(msg, "constant definition loop"), strings.HasSuffix(msg, "variable definition loop"):
		return msg + " (yaegi reports this for a name that is not defined: check spelling and imports)"
	case msg == "nil type" && !strings.Contains(src, "range"):
		return "nil type: an internal error of the Go interpreter (yaegi), often caused by a generic function whose type arguments it cannot infer: try explicit type arguments, e.g. F[float64](x)"
	case msg == "nil type" && strings.Contains(src, "range"):
		return "cannot range over this value: the Go interpreter (yaegi) supports range over slices, arrays, strings, maps and channels; range over an integer is rewritten only when the integer's type is evident (a literal, len(...), an int variable) — otherwise write for i := 0; i < n; i++ — and range-over-func iterators are not supported: call the function with a yield callback instead"
	}
	return msg
}

// cellFailure builds an error at line:col of the current cell.
func (s *session) cellFailure(ename, msg, cid string, line, col int) *execFailure {
	tb := []string{fmt.Sprintf("%s: %s", ename, msg), fmt.Sprintf("  at line %d, column %d:", line, col)}
	tb = append(tb, cell.Quote(s.cells[cid].src, line, col)...)
	return &execFailure{ename, fmt.Sprintf("%d:%d: %s", line, col, msg), tb}
}

// panicFailure reports a runtime panic with the interpreter's frames mapped
// to cells.
func (s *session) panicFailure(p yaegi.Panic, cid string) *execFailure {
	ename := "Panic"
	val := fmt.Sprint(p.Value)
	if _, ok := p.Value.(runtime.Error); ok {
		ename = "RuntimeError"
	}
	if strings.HasPrefix(val, "os.Exit(") {
		ename = "Exit"
		val = "the cell called " + val + " (the kernel keeps running)"
	}
	if strings.HasPrefix(val, "reflect: ") && strings.Contains(val, "out of range") {
		ename = "RuntimeError"
		val = "index out of range (" + strings.TrimPrefix(val, "reflect: ") + ")"
	}
	if strings.HasPrefix(val, "reflect: call of reflect.Value.") && strings.Contains(val, "zero Value") {
		ename = "RuntimeError"
		val = "invalid memory address or nil pointer dereference (" + val + ")"
	}
	tb := []string{ename + ": " + val}
	frames := s.frames.take()
	if n := len(frames); s.curWrapped && n >= 2 {
		// The outermost frame, at the statement's start, only calls the
		// wrapper of the statement.
		if fc, line, _, loc := matchPos(frames[n-1]); loc != nil && fc == cid && line == s.curLine {
			frames = frames[:n-1]
		}
	}
	if len(frames) > 0 {
		tb = append(tb, "Traceback (innermost first):")
	}
	var first []int
	for i, fr := range frames {
		fc, line, col, loc := matchPos(fr)
		fn := fr[strings.Index(fr, "panic: ")+len("panic: "):]
		fn = strings.TrimSuffix(fn, "(...)")
		if loc == nil || fc == "" {
			tb = append(tb, "  "+fn)
			continue
		}
		where := "this cell"
		if fc != cid {
			where = s.cellName(fc)
		}
		if fn == "main" || (s.curWrapped && i == len(frames)-1 && fc == cid) {
			fn = "top level"
		} else {
			fn = strings.TrimPrefix(fn, "main.")
		}
		tb = append(tb, fmt.Sprintf("  %s, %s line %d:%d", fn, where, line, col))
		tb = append(tb, cell.Quote(s.cells[fc].src, line, col)...)
		if first == nil && fc == cid {
			first = []int{line, col}
		}
	}
	if val == "nil type" {
		val = hint(val, s.cells[cid].src)
	}
	if first == nil && s.curLine > 0 {
		first = []int{s.curLine, s.curCol}
		tb = append(tb, fmt.Sprintf("  top level, this cell line %d:%d", s.curLine, s.curCol))
		tb = append(tb, cell.Quote(s.cells[cid].src, s.curLine, s.curCol)...)
	}
	ev := val
	if first != nil {
		ev = fmt.Sprintf("%d:%d: %s", first[0], first[1], val)
	}
	return &execFailure{ename, ev, tb}
}
