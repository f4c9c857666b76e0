package interp

import (
	"bytes"
	"context"
	"go/ast"
	"go/build"
	"go/doc"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	yaegi "github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// stdCase is a program run both as cells and compiled.
type stdCase struct {
	name string
	src  string // a main package: imports, declarations, func main
	want string // expected output; "" means computed with go run
	// unordered: compare the output's lines as a set (a Go example's
	// "Unordered output").
	unordered bool
}

// stdExtraCases cover what the Go examples do not: iter (which has none),
// and range-over-func loops with every way out of the body.
var stdExtraCases = []stdCase{
	{name: "iter.Pull", src: `package main

import (
	"fmt"
	"iter"
	"slices"
)

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				fmt.Println("stopped at", i)
				return
			}
		}
		fmt.Println("exhausted")
	}
}

func main() {
	next, stop := iter.Pull(count(3))
	for {
		v, ok := next()
		fmt.Println(v, ok)
		if !ok {
			break
		}
	}
	stop()
	fmt.Println(next())
	next, stop = iter.Pull(count(5))
	fmt.Println(next())
	stop()
	stop()
	fmt.Println(next())
	nexts, stops := iter.Pull(slices.Values([]string{"a"}))
	stops()
	fmt.Println(nexts())
	boom := func(yield func(int) bool) { yield(1); panic("boom") }
	next, stop = iter.Pull(boom)
	fmt.Println(next())
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		next()
	}()
	fmt.Println(next())
}
`},
	{name: "iter.Pull2", src: `package main

import (
	"fmt"
	"iter"
	"maps"
	"slices"
)

func main() {
	next, stop := iter.Pull2(slices.All([]string{"x", "y"}))
	fmt.Println(next())
	fmt.Println(next())
	fmt.Println(next())
	stop()
	seq := maps.All(map[string]int{"k": 7})
	next2, stop2 := iter.Pull2(seq)
	defer stop2()
	fmt.Println(next2())
	fmt.Println(next2())
}
`},
	{name: "var of generic type from a generic call", src: `package main

import (
	"fmt"
	"iter"
	"maps"
)

func main() {
	var seq iter.Seq2[string, int] = maps.All(map[string]int{"k": 7})
	for k, v := range seq {
		fmt.Println(k, v)
	}
}
`},
	{name: "range-over-func", src: `package main

import (
	"fmt"
	"iter"
	"maps"
	"slices"
)

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func pairs(n int) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := range n {
			if !yield(i, fmt.Sprint("p", i)) {
				return
			}
		}
	}
}

func find(seq iter.Seq[int], x int) (int, bool) {
	for v := range seq {
		if v == x {
			return v * 10, true
		}
	}
	return -1, false
}

func main() {
	for v := range count(6) {
		if v == 1 {
			continue
		}
		if v == 4 {
			break
		}
		fmt.Println("v", v)
	}
	for i, s := range pairs(2) {
		fmt.Println(i, s)
	}
	for range count(2) {
		fmt.Println("tick")
	}
	var k int
	for k = range count(3) {
	}
	fmt.Println("k", k)
	fmt.Println(find(count(5), 3))
	fmt.Println(find(count(2), 3))
outer:
	for a := range count(3) {
		for b := range count(3) {
			if b > a {
				continue outer
			}
			if a == 2 {
				break outer
			}
			fmt.Println(a, b)
		}
	}
	for i := range count(3) {
		switch {
		case i == 1:
			break
		default:
			fmt.Println("switch", i)
		}
	}
	var fs []func() int
	for i := range count(3) {
		fs = append(fs, func() int { return i })
	}
	for _, f := range fs {
		fmt.Print(f(), " ")
	}
	fmt.Println()
	m := map[string]int{"a": 1, "b": 2, "c": 3}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		fmt.Println(key, m[key])
	}
	sum := 0
	for v := range maps.Values(m) {
		sum += v
	}
	fmt.Println("sum", sum)
}
`},
}

// stdKnownDifferent lists the cases whose cells do not behave as Go, with
// the reason; the test checks that they still fail (a case that passes
// must leave the list).
var stdKnownDifferent = map[string]string{
	"slices.ExampleSortedStableFunc":          "slices.SortedStableFunc on a type declared inside a function: yaegi fails (CFG post-order panic)",
	"slices.ExampleConcat":                    "a variadic generic function with explicit type arguments: yaegi reports not a generic type",
	"var of generic type from a generic call": "var x iter.Seq2[K, V] = f(...) leaves x nil in yaegi (x := f(...) works)",
}

// TestStdlibPackages runs, as cells, every example of Go's own slices,
// maps and cmp packages (their example_test.go files, from the installed
// Go's source) and the cases above, and compares the output with Go's: an
// example's documented output, and for the cases the output of go run.
// Every exported function of slices, maps, cmp and iter (read with
// go/doc) must be called by one of them.
func TestStdlibPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about a hundred cells")
	}
	cases, called := stdExamples(t)
	for _, c := range stdExtraCases {
		f, err := parser.ParseFile(token.NewFileSet(), "", c.src, 0)
		if err != nil {
			t.Fatal(c.name, err)
		}
		markCalled(f, called)
	}
	for _, pkg := range stdPackages(t) {
		for _, name := range exportedFuncs(t, pkg) {
			if !called[pkg+"."+name] {
				t.Errorf("%s.%s is called by no Go example and no case in stdExtraCases: add a case", pkg, name)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range append(cases, stdExtraCases...) {
		seen[c.name] = true
	}
	for name := range stdKnownDifferent {
		if !seen[name] {
			t.Errorf("stdKnownDifferent lists %s, which is no case", name)
		}
	}
	extra := goRunCases(t, stdExtraCases)
	cases = append(cases, extra...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runAsCells(c.src)
			if why, known := stdKnownDifferent[c.name]; known {
				if err == nil && strings.TrimSpace(got) == strings.TrimSpace(c.want) {
					t.Errorf("%s now behaves as Go: remove it from stdKnownDifferent", c.name)
				} else {
					t.Logf("known difference: %s (error: %v)", why, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\nsource:\n%s", err, c.src)
			}
			want := c.want
			if c.unordered {
				got, want = sortedLines(got), sortedLines(want)
			}
			if strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("output differs from Go's\n--- cells:\n%s\n--- Go:\n%s\n--- source:\n%s", got, want, c.src)
			}
		})
	}
}

// stdPackages returns the names of the packages in stdSources.
func stdPackages(t *testing.T) []string {
	var out []string
	for _, src := range stdSources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f.Name.Name)
	}
	return out
}

// runAsCells runs a main package's source in a new session, as two cells:
// the file without its package clause, then main().
func runAsCells(src string) (string, error) {
	out := &syncBuf{}
	errw := &syncBuf{}
	s, err := newSession(out, errw)
	if err != nil {
		return "", err
	}
	body := src[strings.Index(src, "\n")+1:]
	for i, code := range []string{body, "main()"} {
		if _, fail := s.run(context.Background(), code, i+1); fail != nil {
			return out.take(), fail
		}
	}
	return out.take(), nil
}

// stdExamples returns Go's examples of the generated packages as cases
// (each example's playable program and its output), and marks the
// functions they call.
func stdExamples(t *testing.T) ([]stdCase, map[string]bool) {
	called := map[string]bool{}
	var cases []stdCase
	for _, pkg := range stdPackages(t) {
		dir := filepath.Join(build.Default.GOROOT, "src", pkg)
		names, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		fset := token.NewFileSet()
		var files []*ast.File
		for _, n := range names {
			f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f.Name.Name, "_test") {
				files = append(files, f)
			}
		}
		for _, ex := range doc.Examples(files...) {
			if ex.Play == nil || (ex.Output == "" && !ex.EmptyOutput) {
				continue
			}
			var buf bytes.Buffer
			if err := format.Node(&buf, fset, ex.Play); err != nil {
				t.Fatal(err)
			}
			markCalled(ex.Play, called)
			name := pkg + ".Example" + ex.Name
			if ex.Name == "" {
				name = pkg + ".Example"
			}
			cases = append(cases, stdCase{name: name, src: buf.String(), want: ex.Output, unordered: ex.Unordered})
		}
	}
	if len(cases) == 0 {
		t.Fatalf("no examples found in %s/src: the test needs Go's source", build.Default.GOROOT)
	}
	return cases, called
}

// markCalled records the pkg.Func selectors in f.
func markCalled(f *ast.File, called map[string]bool) {
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				called[id.Name+"."+sel.Sel.Name] = true
			}
		}
		return true
	})
}

// exportedFuncs lists the exported functions of a standard package.
func exportedFuncs(t *testing.T, pkg string) []string {
	dir := filepath.Join(build.Default.GOROOT, "src", pkg)
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, pkg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range p.Funcs {
		out = append(out, f.Name)
	}
	for _, ty := range p.Types {
		for _, f := range ty.Funcs {
			out = append(out, f.Name)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no exported functions in %s", dir)
	}
	return out
}

// goRunCases fills in the expected output of cases by compiling and
// running them with go run.
func goRunCases(t *testing.T, cases []stdCase) []stdCase {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Log("go is not on PATH: the cases of stdExtraCases, whose expected output is what go run prints, are skipped")
		return nil
	}
	var out []stdCase
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(goCmd, "run", "main.go")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOTOOLCHAIN=local")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go run %s: %v\n%s", c.name, err, b)
		}
		c.want = string(b)
		out = append(out, c)
	}
	return out
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// BenchmarkSessionStart measures a new session (what a worker does before
// it is ready) and, within it, the part spent compiling stdSources: the
// ratio of the two is the start-up cost of the generated packages.
func BenchmarkSessionStart(b *testing.B) {
	b.Run("session", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := newSession(&syncBuf{}, &syncBuf{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdsources", func(b *testing.B) {
		s, err := newSession(&syncBuf{}, &syncBuf{})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s.in = yaegi.New(yaegi.Options{})
			if err := s.in.Use(stdlib.Symbols); err != nil {
				b.Fatal(err)
			}
			if err := s.in.Use(extraSymbols); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.loadStdSources(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStdSourcesUpToDate checks that stdsrc/*.go.txt are what
// stdsrc/gen.sh makes from the installed Go.
func TestStdSourcesUpToDate(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot run the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command(goCmd, "run", "./stdsrc/gen", "-o", dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("stdsrc/gen: %v\n%s", err, b)
	}
	for _, pkg := range stdPackages(t) {
		want, err := os.ReadFile(filepath.Join(dir, pkg+".go.txt"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("stdsrc", pkg+".go.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stdsrc/%s.go.txt is not what stdsrc/gen.sh makes from %s: run interp/stdsrc/gen.sh", pkg, runtime.Version())
		}
	}
}
