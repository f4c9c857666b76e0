// Command oracle computes the expected output of every corpus case by
// compiling its cells as one Go program and running it, and writes that
// output into the case's txtar file (see tests/corpus/README.md).
//
//	go run ./tests/corpus/oracle            rewrite the expected sections
//	go run ./tests/corpus/oracle -check     fail if any file is not current
//	go run ./tests/corpus/oracle -v NAME    also print the program built for NAME
//
// The cells of a case become one main package: imports (deduplicated) and
// top-level declarations (func, type, const, var) at package level, in
// order, and every other statement in func main, in order. A cell that
// declares its own func main has it renamed, so that it runs only where a
// later cell calls it, as in the kernel.
//
// The oracle writes the split of each case (heldout for about 40% of
// names, chosen by a hash of the name alone) and, from the program's run,
// the stdout section and, when the program does not compile or exits
// with a panic or fatal error, the error section: gc's first message, or
// the panic's first line without its "panic: " prefix. For a compile
// error the stdout section is the output of the cells before the last one
// (the kernel runs those before it reaches the failing cell). A case
// marked kernel-differs keeps its hand-written stdout and error sections
// (what the kernel must print) and gets go-stdout and go-error sections
// with what Go itself does.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/tools/txtar"
)

// heldoutShare is the share of case names (out of 256, by the first byte
// of the SHA-256 of the name) that go to the held-out split.
const heldoutShare = 102 // 102/256 ≈ 40%

func main() {
	dir := flag.String("dir", "tests/corpus/cases", "directory of the *.txtar cases")
	check := flag.Bool("check", false, "report cases whose expected sections are not current, change nothing")
	verbose := flag.Bool("v", false, "print each generated program")
	jobs := flag.Int("j", 2, "cases run at once")
	flag.Parse()

	files, err := filepath.Glob(filepath.Join(*dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(os.Stderr, "oracle: no cases in %s\n", *dir)
		os.Exit(2)
	}
	if names := flag.Args(); len(names) > 0 {
		files = filterNames(files, names)
	}
	// One directory per case that stays between runs: go run caches the
	// executable of a program whose source and directory are unchanged.
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	work := filepath.Join(base, "gopherprop-corpus-oracle")

	type result struct {
		file    string
		stale   bool
		problem string
	}
	results := make([]result, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, *jobs)
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			stale, err := processCase(f, filepath.Join(work, caseName(f)), *check, *verbose)
			results[i] = result{file: f, stale: stale}
			if err != nil {
				results[i].problem = err.Error()
			}
		}()
	}
	wg.Wait()
	bad, stale := 0, 0
	for _, r := range results {
		name := caseName(r.file)
		switch {
		case r.problem != "":
			bad++
			fmt.Printf("oracle: %s: %s\n", name, r.problem)
		case r.stale && *check:
			stale++
			fmt.Printf("oracle: %s: expected sections are not current (run go run ./tests/corpus/oracle %s)\n", name, name)
		case r.stale:
			stale++
			fmt.Printf("oracle: %s: updated\n", name)
		}
	}
	fmt.Printf("oracle: %d cases, %d %s, %d broken\n", len(files), stale, map[bool]string{true: "stale", false: "updated"}[*check], bad)
	if bad > 0 || (*check && stale > 0) {
		os.Exit(1)
	}
}

func filterNames(files, names []string) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[strings.TrimSuffix(filepath.Base(n), ".txtar")] = true
	}
	var out []string
	for _, f := range files {
		if want[caseName(f)] {
			out = append(out, f)
		}
	}
	return out
}

func caseName(file string) string { return strings.TrimSuffix(filepath.Base(file), ".txtar") }

// Split returns "heldout" or "dev" for a case name; it depends on the name
// only, so the held-out set was fixed before any case was run.
func Split(name string) string {
	sum := sha256.Sum256([]byte(name))
	if sum[0] < heldoutShare {
		return "heldout"
	}
	return "dev"
}

// processCase computes the expected sections of one case. It rewrites the
// file (unless check) and reports whether the file was not current.
func processCase(file, work string, check, verbose bool) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	ar := txtar.Parse(data)
	name := caseName(file)
	header, err := parseHeader(string(ar.Comment))
	if err != nil {
		return false, err
	}
	if header.get("source") == "" {
		return false, errors.New("header has no source: line")
	}
	if header.get("category") == "" {
		return false, errors.New("header has no category: line")
	}
	var cells []string
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "cell") {
			cells = append(cells, string(f.Data))
		}
	}
	if len(cells) == 0 {
		return false, errors.New("no cell sections")
	}
	out, err := runCells(cells, filepath.Join(work, "all"), verbose, name)
	if err != nil {
		return false, err
	}
	if out.errMsg != "" && out.compileError && len(cells) > 1 {
		prefix, err := runCells(cells[:len(cells)-1], filepath.Join(work, "prefix"), verbose, name+" (cells before the last)")
		if err != nil {
			return false, err
		}
		if prefix.errMsg != "" {
			return false, fmt.Errorf("only the last cell may fail, but the cells before it fail with %q", prefix.errMsg)
		}
		out.stdout = prefix.stdout
	}

	header.set("split", Split(name))
	outName, errName := "stdout", "error"
	if header.get("kernel-differs") != "" {
		outName, errName = "go-stdout", "go-error"
	}
	files := []txtar.File{}
	for _, f := range ar.Files {
		if f.Name != outName && f.Name != errName {
			files = append(files, f)
		}
	}
	files = append(files, txtar.File{Name: outName, Data: []byte(out.stdout)})
	if out.errMsg != "" {
		files = append(files, txtar.File{Name: errName, Data: []byte(out.errMsg + "\n")})
	}
	files = orderSections(files)
	if header.get("kernel-differs") != "" && sectionIndex(files, "stdout") < 0 {
		return false, errors.New("a kernel-differs case needs a hand-written stdout section (what the kernel prints)")
	}
	newData := txtar.Format(&txtar.Archive{Comment: []byte(header.String()), Files: files})
	stale := !bytes.Equal(newData, data)
	if stale && !check {
		if err := os.WriteFile(file, newData, 0o644); err != nil {
			return stale, err
		}
	}
	return stale, nil
}

func sectionIndex(files []txtar.File, name string) int {
	for i, f := range files {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// orderSections puts cells first (in their order), then stdout, error,
// go-stdout, go-error.
func orderSections(files []txtar.File) []txtar.File {
	rank := map[string]int{"stdout": 1, "error": 2, "go-stdout": 3, "go-error": 4}
	sort.SliceStable(files, func(i, j int) bool { return rank[files[i].Name] < rank[files[j].Name] })
	return files
}

// header is the case's comment: "key: value" lines, in order.
type header struct {
	keys   []string
	values map[string]string
}

func parseHeader(text string) (*header, error) {
	h := &header{values: map[string]string{}}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("header line %q is not key: value", line)
		}
		h.set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h, nil
}

func (h *header) get(k string) string { return h.values[k] }

func (h *header) set(k, v string) {
	if _, ok := h.values[k]; !ok {
		h.keys = append(h.keys, k)
	}
	h.values[k] = v
}

func (h *header) String() string {
	var b strings.Builder
	for _, k := range h.keys {
		fmt.Fprintf(&b, "%s: %s\n", k, h.values[k])
	}
	return b.String()
}

// outcome is what the compiled program did.
type outcome struct {
	stdout       string
	errMsg       string // first compile error, or the panic / fatal error line
	compileError bool
}

var (
	gcError      = regexp.MustCompile(`(?m)^\S+\.go:\d+:\d+: (.*)$`)
	unusedImport = regexp.MustCompile(`(?m)^\S+\.go:\d+:\d+: "([^"]+)" imported( as \w+)? and not used$`)
)

// runCells builds the program of cells and runs it. Imports a cell does
// not use are dropped (the kernel does not object to them either).
func runCells(cells []string, work string, verbose bool, label string) (outcome, error) {
	prog, err := compose(cells)
	if err != nil {
		return outcome{}, err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return outcome{}, err
	}
	src := filepath.Join(work, "main.go")
	for attempt := 0; ; attempt++ {
		if err := os.WriteFile(src, []byte(prog.source()), 0o644); err != nil {
			return outcome{}, err
		}
		// go run caches the executable of an unchanged program (in the Go
		// build cache, keyed by its source and directory), so a -check of
		// unchanged cases links nothing.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cmd := exec.CommandContext(ctx, "go", "run", "main.go")
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GO111MODULE=off", "GOFLAGS=")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			return outcome{}, errors.New("the program did not finish in 60 s (corpus programs must end)")
		}
		if err == nil {
			if verbose {
				fmt.Printf("== %s\n%s", label, prog.source())
			}
			return outcome{stdout: stdout.String()}, nil
		}
		msg := stderr.String()
		if strings.HasPrefix(msg, "# command-line-arguments\n") {
			if m := unusedImport.FindAllStringSubmatch(msg, -1); len(m) > 0 && attempt < 10 {
				for _, sub := range m {
					prog.dropImport(sub[1])
				}
				continue
			}
			first := gcError.FindStringSubmatch(msg)
			if first == nil {
				return outcome{}, fmt.Errorf("go run failed without a compiler message:\n%s", msg)
			}
			if verbose {
				fmt.Printf("== %s\n%s\n== go run\n%s", label, prog.source(), msg)
			}
			return outcome{errMsg: first[1], compileError: true}, nil
		}
		if verbose {
			fmt.Printf("== %s\n%s", label, prog.source())
		}
		out := outcome{stdout: stdout.String()}
		first, _, _ := strings.Cut(msg, "\n")
		switch {
		case strings.HasPrefix(first, "panic: "):
			out.errMsg = strings.TrimSuffix(strings.TrimPrefix(first, "panic: "), " [recovered]")
		case strings.HasPrefix(first, "fatal error: "):
			out.errMsg = strings.TrimPrefix(first, "fatal error: ")
		default:
			return outcome{}, fmt.Errorf("the program failed (%v) without a panic: %q", err, first)
		}
		return out, nil
	}
}

// program is a case's cells laid out as one file.
type program struct {
	imports []importSpec
	decls   []string
	stmts   []string
}

type importSpec struct{ name, path string }

func (p *program) dropImport(path string) {
	for i, im := range p.imports {
		if im.path == path {
			p.imports = append(p.imports[:i], p.imports[i+1:]...)
			return
		}
	}
}

func (p *program) source() string {
	var b strings.Builder
	b.WriteString("package main\n\n")
	for _, im := range p.imports {
		fmt.Fprintf(&b, "import %s %q\n", im.name, im.path)
	}
	for _, d := range p.decls {
		b.WriteString("\n" + d + "\n")
	}
	b.WriteString("\nfunc main() {\n")
	for _, s := range p.stmts {
		b.WriteString(s + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// compose splits every cell into top-level items and lays them out.
func compose(cells []string) (*program, error) {
	p := &program{}
	seen := map[importSpec]bool{}
	declaresMain := false
	for _, c := range cells {
		items, err := splitCell(c)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.kind == declItem && it.isMain {
				declaresMain = true
			}
		}
	}
	locals := map[string]bool{} // names the statements in main declare
	for i, c := range cells {
		if declaresMain {
			c = renameMain(c)
		}
		items, err := splitCell(c)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %v", i+1, err)
		}
		for _, it := range items {
			switch it.kind {
			case importItem:
				specs, err := parseImports(it.text)
				if err != nil {
					return nil, fmt.Errorf("cell %d: %v", i+1, err)
				}
				for _, s := range specs {
					if !seen[s] {
						seen[s] = true
						p.imports = append(p.imports, s)
					}
				}
			case declItem:
				if it.toks[0].tok == token.VAR && mentions(it.toks, locals) {
					// var x = y where y is local to main: a statement too.
					p.stmts = append(p.stmts, it.text)
					addNames(it.toks[1:], locals)
					break
				}
				p.decls = append(p.decls, it.text)
			default:
				p.stmts = append(p.stmts, it.text)
				if defines(it.toks) {
					addNames(it.toks, locals)
				}
			}
		}
	}
	return p, nil
}

// mentions reports whether any identifier of toks is in names.
func mentions(toks []tok, names map[string]bool) bool {
	for _, t := range toks {
		if t.tok == token.IDENT && names[t.lit] {
			return true
		}
	}
	return false
}

// defines reports whether a statement is a short variable declaration.
func defines(toks []tok) bool {
	depth := 0
	for _, t := range toks {
		switch t.tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		case token.DEFINE:
			return depth == 0
		}
	}
	return false
}

// addNames adds the leading list of identifiers of a declaration
// ("a, b" of "a, b := …" or of "var a, b T = …").
func addNames(toks []tok, names map[string]bool) {
	for _, t := range toks {
		switch t.tok {
		case token.IDENT:
			names[t.lit] = true
		case token.COMMA:
		default:
			return
		}
	}
}

func parseImports(text string) ([]importSpec, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "imports.go", "package p\n"+text, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var out []importSpec
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := ""
		if im.Name != nil {
			name = im.Name.Name
		}
		out = append(out, importSpec{name, path})
	}
	return out, nil
}

type itemKind int

const (
	stmtItem itemKind = iota
	declItem
	importItem
)

type item struct {
	kind   itemKind
	text   string
	isMain bool // a func main declaration
	toks   []tok
}

type tok struct {
	pos int
	tok token.Token
	lit string
}

func scanAll(src string) ([]tok, error) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	var s scanner.Scanner
	var errs scanner.ErrorList
	s.Init(file, []byte(src), func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{file.Offset(pos), t, lit})
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return toks, nil
}

// splitCell splits a cell into its top-level items: a new item starts
// after each semicolon (written or automatic) at bracket depth 0.
func splitCell(src string) ([]item, error) {
	toks, err := scanAll(src)
	if err != nil {
		return nil, err
	}
	var items []item
	depth, start := 0, -1
	for i, t := range toks {
		if start < 0 {
			if t.tok == token.SEMICOLON {
				continue
			}
			start = i
		}
		switch t.tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
		if (t.tok == token.SEMICOLON && depth == 0) || i == len(toks)-1 {
			end := len(src)
			if t.tok == token.SEMICOLON && t.lit == ";" {
				end = t.pos + 1
			} else if t.tok == token.SEMICOLON {
				end = t.pos // automatic semicolon at the newline
			}
			items = append(items, classify(toks[start:i+1], src[toks[start].pos:end]))
			start = -1
		}
	}
	return items, nil
}

func classify(toks []tok, text string) item {
	it := item{kind: stmtItem, text: text, toks: toks}
	switch toks[0].tok {
	case token.IMPORT:
		it.kind = importItem
	case token.TYPE, token.CONST, token.VAR:
		it.kind = declItem
	case token.FUNC:
		if len(toks) > 1 && toks[1].tok == token.IDENT {
			it.kind = declItem
			it.isMain = toks[1].lit == "main"
			break
		}
		// A method has a receiver, then a name and its parameters; a
		// function literal has parameters, then results or a body.
		if len(toks) > 1 && toks[1].tok == token.LPAREN {
			depth := 0
			for j := 1; j < len(toks); j++ {
				switch toks[j].tok {
				case token.LPAREN:
					depth++
				case token.RPAREN:
					depth--
				}
				if depth == 0 {
					if j+2 < len(toks) && toks[j+1].tok == token.IDENT && toks[j+2].tok == token.LPAREN {
						it.kind = declItem
					}
					break
				}
			}
		}
	}
	return it
}

// renameMain renames the identifier main (declarations and calls) so that
// a cell's own func main is an ordinary function of the program.
func renameMain(src string) string {
	toks, err := scanAll(src)
	if err != nil {
		return src
	}
	var b strings.Builder
	last := 0
	for _, t := range toks {
		if t.tok == token.IDENT && t.lit == "main" {
			b.WriteString(src[last:t.pos])
			b.WriteString("cellMain")
			last = t.pos + len("main")
		}
	}
	b.WriteString(src[last:])
	return b.String()
}
