package interp

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/interp/internal/gotypes"
	"github.com/gopherprop/gopherprop/interp/symbols"
)

// Import paths of the project's own packages.
const (
	adPath      = "github.com/gopherprop/gopherprop/ad"
	displayPath = "github.com/gopherprop/gopherprop/display"
	widgetPath  = "github.com/gopherprop/gopherprop/widget"
	rtPath      = "gopherprop/rt"
	rtName      = cell.RuntimeName
)

// autoImports lists the packages a cell may use without importing them.
var autoImports = map[string]string{
	"ad":      adPath,
	"mat":     "gonum.org/v1/gonum/mat",
	"display": displayPath,
	"widget":  widgetPath,
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
	deadlock deadlockWatch // deadlock.go
	in       *yaegi.Interpreter
	stdout   io.Writer
	stderr   io.Writer
	frames   *frameCatcher
	imports  map[string]string // local name -> import path
	decls    map[string]*declRec
	seq      int
	serial   int
	cells    map[string]cellInfo
	binPkgs  map[string]map[string]reflect.Value
	// position of the top-level statement being run, for panics that
	// yaegi reports without a frame in the current cell
	curLine, curCol int
	curWrapped      bool // the running statement is inside func() { ... }() (see topLevelMulti)
	tmpN            int  // counter of rewriter temporaries
	// typeNames maps a redefined type's user name to its current hidden
	// name (see redefine.go); typeGen numbers hidden names.
	typeNames map[string]string
	// The type checker's state (typecheck.go): its importer, the types of
	// globals defined by statements, as Go source, and hidden imports of
	// packages those types need.
	typesFset    *token.FileSet
	importer     *gotypes.Importer
	globalTypes  map[string]string
	checkImports map[string]string
	typeGen      int
	// compiled holds the packages built by %%compile, by name
	// (compile.go).
	compiled map[string]*compiledPkg
}

// registerCallers hands the interpreter the typed callers of the preloaded
// packages' functions (symbols.Callers), once per process.
var registerCallers = sync.OnceFunc(func() { yaegi.RegisterCallers(symbols.Callers) })

// newSession creates an interpreter with every preloaded package. stdout and
// stderr receive what interpreted fmt/log calls print.
func newSession(stdout, stderr io.Writer) (*session, error) {
	registerCallers()
	fc := &frameCatcher{out: stderr}
	env := os.Environ()
	in := yaegi.New(yaegi.Options{Stdout: stdout, Stderr: fc, Env: env, Args: []string{"gopherprop"}})
	s := &session{
		in: in, stdout: stdout, stderr: stderr, frames: fc,
		imports:     map[string]string{},
		decls:       map[string]*declRec{},
		cells:       map[string]cellInfo{},
		binPkgs:     map[string]map[string]reflect.Value{},
		typeNames:   map[string]string{},
		globalTypes: map[string]string{}, checkImports: map[string]string{},
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
	if err := in.Use(yaegi.Exports{".": {"MapTypes": reflect.ValueOf(display.MapTypes())}}); err != nil {
		return nil, fmt.Errorf("interp: loading display type maps: %w", err)
	}
	if err := s.loadStdSources(); err != nil { // stdsrc.go
		return nil, err
	}
	if _, err := s.eval(context.Background(), "import "+rtName+" \""+rtPath+"\""); err != nil {
		return nil, fmt.Errorf("interp: loading runtime helpers: %w", err)
	}
	return s, nil
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
