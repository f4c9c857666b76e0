package compiled

import (
	"context"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDetectNeedsTrimpath(t *testing.T) {
	bi, _ := debug.ReadBuildInfo()
	for _, s := range bi.Settings {
		if s.Key == "-trimpath" && s.Value == "true" {
			t.Skip("the test binary was built with -trimpath")
		}
	}
	_, err := Detect()
	var ue *UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Detect() = %v, want an UnavailableError", err)
	}
	if !strings.Contains(ue.Missing, "-trimpath") && !strings.Contains(ue.Missing, "cgo") {
		t.Errorf("Missing = %q, want it to name -trimpath or cgo", ue.Missing)
	}
	if !strings.Contains(err.Error(), "install/setup.sh") {
		t.Errorf("error %q does not give the fixing command", err)
	}
}

func TestPackageClause(t *testing.T) {
	for src, want := range map[string]string{
		"package geo\nfunc F() {}":     "geo",
		"// doc\npackage x; var A = 1": "x",
		"func F() {}":                  "",
		"import \"math\"":              "",
	} {
		got, _ := packageClause(src)
		if got != want {
			t.Errorf("packageClause(%q) = %q, want %q", src, got, want)
		}
	}
}

func TestAddAutoImports(t *testing.T) {
	b := &Builder{AutoImports: map[string]string{"mat": "gonum.org/v1/gonum/mat", "fmt": "fmt", "math": "math"}}
	src := "package geo\nimport \"math\"\nfunc F(m *mat.Dense) { fmt.Println(math.Pi) }\nfunc G(fmt int) {}\n"
	got := b.addAutoImports(src)
	want := "package geo; import (fmt \"fmt\"; mat \"gonum.org/v1/gonum/mat\"; )\nimport \"math\"\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("addAutoImports:\n%s\nwant prefix\n%s", got, want)
	}
	if strings.Count(got, "\n") != strings.Count(src, "\n") {
		t.Errorf("addAutoImports moved lines:\n%s", got)
	}
}

func TestCompileErrorPositions(t *testing.T) {
	out := "# gpcells/geo/v3\nv3/cell.go:4:9: cannot use \"x\" (untyped string constant) as int value in return statement\n./geo/v3/cell.go:5:2: undefined: gpcells/geo/v3.y\n"
	e := compileError("geo", out, 1)
	want := []Diag{{3, 9, `cannot use "x" (untyped string constant) as int value in return statement`}, {4, 2, "undefined: geo.y"}}
	if len(e.Diags) != 2 || e.Diags[0] != want[0] || e.Diags[1] != want[1] {
		t.Errorf("Diags = %+v, want %+v", e.Diags, want)
	}
	if e.Error() != "3:9: "+want[0].Msg {
		t.Errorf("Error() = %q", e.Error())
	}
}

// testBuilder returns a builder over this checkout's source, or skips when
// there is no go toolchain or C compiler.
func testBuilder(t *testing.T) *Builder {
	if testing.Short() {
		t.Skip("builds plugins (-short)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler")
	}
	out, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	SetSource(os.DirFS(root))
	t.Cleanup(func() { SetSource(nil) })
	env := &Env{Go: goBin, GOROOT: strings.TrimSpace(string(out))}
	b, err := newBuilder(env, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompile builds a cell twice (new package path and plugin each time)
// and a cell the compiler rejects. Loading needs a binary built with
// -trimpath: see TestCompiledCells in the main package and
// tests/kernel/compiled_test.py.
func TestCompile(t *testing.T) {
	b := testBuilder(t)
	b.AutoImports = map[string]string{"ad": "github.com/gopherprop/gopherprop/ad"}
	ctx := context.Background()
	src := "// Square is x².\nfunc Square(x *ad.Var) *ad.Var { return ad.Mul(x, x) }\n\nfunc Map[T any](x T) T { return x }\n"
	p1, err := b.Compile(ctx, "sq", src)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Path != ModulePath+"/sq/v1" || p1.Version != 1 || len(p1.Generics) != 1 || p1.Generics[0] != "Map" {
		t.Errorf("first build: %+v", p1)
	}
	syms, err := os.ReadFile(filepath.Join(b.ws, "cells", "sq", "v1", "plug", "symbols.go"))
	if err != nil || !strings.Contains(string(syms), `"Square": reflect.ValueOf(pkg.Square)`) {
		t.Errorf("symbol table lacks Square (%v):\n%s", err, syms)
	}
	if fi, err := os.Stat(p1.File); err != nil || fi.Size() < 1<<20 {
		t.Errorf("plugin %s: %v", p1.File, err)
	}
	// A second build, importing the first by name.
	p2, err := b.Compile(ctx, "sq2", "import \"sq\"\nvar S = sq.Square\n")
	if err != nil {
		t.Fatal(err)
	}
	if p2.Path != ModulePath+"/sq2/v1" {
		t.Errorf("sq2 path %s", p2.Path)
	}
	p3, err := b.Compile(ctx, "sq", "package sq\nfunc Square(x float64) float64 { return x * x }\n")
	if err != nil {
		t.Fatal(err)
	}
	if p3.Path != ModulePath+"/sq/v2" || p3.Version != 2 || p3.File == p1.File {
		t.Errorf("rebuild: %+v (first %+v)", p3, p1)
	}
	_, err = b.Compile(ctx, "bad", "func F() int {\n\treturn \"x\"\n}\n")
	var ce *CompileError
	if !errors.As(err, &ce) || len(ce.Diags) == 0 {
		t.Fatalf("compile error: %v", err)
	}
	if d := ce.Diags[0]; d.Line != 2 || d.Col != 9 || !strings.Contains(d.Msg, `cannot use "x"`) {
		t.Errorf("diag %+v, want 2:9 cannot use \"x\"", d)
	}
	_, err = b.Compile(ctx, "bad", "package other\n")
	if !errors.As(err, &ce) || !strings.Contains(ce.Error(), "package clause names other") {
		t.Errorf("package clause mismatch: %v", err)
	}
	if _, err := b.Compile(ctx, "main", "func F() {}"); err == nil {
		t.Error("a cell named main compiled")
	}
}

func TestSymbolTable(t *testing.T) {
	src := `package geo

import "io"

const Big = 1 << 70
const Pi = 3.25
const Name = "geo"
const Typed int = 3

var Count int

type Shape interface {
	Area() float64
	Write(w io.Writer, args ...int) (int, error)
	String() string
}

type Box[T any] struct{ V T }
type FloatBox = Box[float64]
type Number interface{ ~int | ~float64 }

func Map[T any](x T) T { return x }
func Area(s Shape) float64 { return s.Area() }
func hidden() {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "geo.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("gpcells/geo/v1", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := symbolTable("gpcells/geo/v1", pkg)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`Symbols["gpcells/geo/v1/geo"]`,
		`"Big":      reflect.ValueOf(constant.MakeFromLiteral("1180591620717411303424", 5, 0))`,
		`"Pi":       reflect.ValueOf(constant.MakeFloat64(3.25))`,
		`"Name":     reflect.ValueOf(constant.MakeString("geo"))`,
		`"Typed":    reflect.ValueOf(pkg.Typed)`,
		`"Count":    reflect.ValueOf(&pkg.Count).Elem()`,
		`"Shape":    reflect.ValueOf((*pkg.Shape)(nil))`,
		`"_Shape":   reflect.ValueOf((*_Shape)(nil))`,
		`"FloatBox": reflect.ValueOf((*pkg.FloatBox)(nil))`,
		`"Area":     reflect.ValueOf(pkg.Area)`,
		`func (W _Shape) Write(a0 p`, `a1 ...int) (int, error) {`,
		`if W.WString == nil {`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("symbol table lacks %s:\n%s", want, got)
		}
	}
	for _, not := range []string{`"Map"`, `"Box"`, `"Number"`, `"hidden"`} {
		if strings.Contains(got, not) {
			t.Errorf("symbol table has %s:\n%s", not, got)
		}
	}
}

// TestCompileFetchesModule: a compiled cell importing a module no cell
// fetched yet gets it through the Go module proxy (needs the network).
func TestCompileFetchesModule(t *testing.T) {
	b := testBuilder(t)
	if out, _ := exec.Command("go", "env", "GOPROXY").Output(); strings.TrimSpace(string(out)) == "off" {
		t.Skip("GOPROXY=off")
	}
	var progress strings.Builder
	b.Progress = &progress
	p, err := b.Compile(context.Background(), "ids", "import \"github.com/google/uuid\"\n\nfunc New() string { return uuid.NewString() }\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "fetching github.com/google/uuid@latest") {
		t.Errorf("progress %q", progress.String())
	}
	mod, _ := os.ReadFile(filepath.Join(b.ws, "cells", "go.mod"))
	if !strings.Contains(string(mod), "github.com/google/uuid v") {
		t.Errorf("go.mod lacks the module:\n%s", mod)
	}
	if p.Path != ModulePath+"/ids/v1" {
		t.Errorf("path %s", p.Path)
	}
}
