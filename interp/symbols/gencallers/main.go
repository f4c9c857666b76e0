// Command gencallers writes callers_gen.go of package symbols: a typed
// CallFunc for every signature, with one to four parameters and at most
// one result, of the exported functions and methods (as method
// expressions) of the packages whose symbol tables the package generates (read from its `yaegi ... extract` go:generate
// directives, so the list of packages has one source) and of the standard
// packages given with -std.
//
//	//go:generate go run github.com/gopherprop/gopherprop/interp/symbols/gencallers -std math
//
// Run by go generate in the package's directory.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"log"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	std := flag.String("std", "", "comma-separated standard packages to include")
	out := flag.String("o", "callers_gen.go", "output file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gencallers: ")

	paths, err := extractedPackages(".")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range strings.Split(*std, ",") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	imp, err := exportImporter(paths)
	if err != nil {
		log.Fatal(err)
	}
	g := newGen()
	for _, path := range paths {
		p, err := imp.Import(path)
		if err != nil {
			log.Fatal(err)
		}
		scope := p.Scope()
		for _, name := range scope.Names() {
			switch obj := scope.Lookup(name).(type) {
			case *types.Func:
				if obj.Exported() {
					g.add(obj.Type().(*types.Signature), nil)
				}
			case *types.TypeName:
				named, ok := obj.Type().(*types.Named)
				if !obj.Exported() || obj.IsAlias() || !ok || named.TypeParams().Len() > 0 || types.IsInterface(named) {
					continue
				}
				// The methods of T and *T, as method expressions.
				for _, recv := range []types.Type{named, types.NewPointer(named)} {
					ms := types.NewMethodSet(recv)
					for i := 0; i < ms.Len(); i++ {
						if f := ms.At(i).Obj(); f.Exported() {
							g.add(f.Type().(*types.Signature), recv)
						}
					}
				}
			}
		}
	}
	src, err := g.source()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// exportImporter returns an importer reading the compiler's export data
// of paths and their dependencies, as `go list -export` builds it.
func exportImporter(paths []string) (types.Importer, error) {
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, paths...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	listing, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %v", err)
	}
	export := map[string]string{}
	for _, line := range strings.Split(string(listing), "\n") {
		if p, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			export[p] = file
		}
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := export[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
	return importer.ForCompiler(token.NewFileSet(), "gc", lookup), nil
}

// extractedPackages returns the import paths named by the yaegi extract
// directives (go generate's) of the .go files in dir.
func extractedPackages(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "//go:generate ") || !strings.Contains(line, " extract ") {
				continue
			}
			fields := strings.Fields(line)
			for i := 0; i < len(fields); i++ {
				if fields[i] == "-name" {
					i++
					continue
				}
				if strings.Contains(fields[i], ".") && strings.Contains(fields[i], "/") && !strings.Contains(fields[i], "@") {
					paths = append(paths, fields[i])
				}
			}
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no extract directives in %s", dir)
	}
	return paths, nil
}

type gen struct {
	imports  map[string]string // path -> name in the generated file
	pkgNames map[string]string // path -> package name
	names    map[string]bool   // names taken
	calls    map[string]bool   // caller instantiations
}

func newGen() *gen {
	return &gen{imports: map[string]string{}, pkgNames: map[string]string{}, names: map[string]bool{}, calls: map[string]bool{}}
}

// add records the caller of sig (of a method expression with receiver
// recv first, if recv is not nil) if it has one to four parameters, at
// most one result, no variadic parameter and only types the file can
// name.
func (g *gen) add(sig *types.Signature, recv types.Type) {
	var ts []types.Type
	if recv != nil {
		ts = append(ts, recv)
	}
	for i := 0; i < sig.Params().Len(); i++ {
		ts = append(ts, sig.Params().At(i).Type())
	}
	n, results := len(ts), sig.Results().Len()
	if sig.TypeParams().Len() > 0 || sig.Variadic() || n < 1 || n > 4 || results > 1 {
		return
	}
	shape := fmt.Sprintf("void%d", n)
	if results == 1 {
		shape = fmt.Sprintf("caller%d", n)
		ts = append(ts, sig.Results().At(0).Type())
	}
	for _, t := range ts {
		if !nameable(t) {
			return
		}
	}
	var args []string
	for _, t := range ts {
		args = append(args, types.TypeString(t, g.qualifier))
	}
	g.calls[fmt.Sprintf("%s[%s]()", shape, strings.Join(args, ", "))] = true
}

// nameable reports whether t can be written in another package: no
// unexported or internal named types, no instantiated generics, no struct
// or non-empty interface literals.
func nameable(t types.Type) bool {
	switch t := t.(type) {
	case *types.Basic:
		return t.Kind() != types.UnsafePointer && t.Info()&types.IsUntyped == 0
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return obj.Name() == "error"
		}
		p := obj.Pkg().Path()
		return obj.Exported() && t.TypeArgs().Len() == 0 && !strings.Contains(p, "internal") && !strings.Contains(p, "vendor/")
	case *types.Alias:
		return nameable(types.Unalias(t))
	case *types.Pointer:
		return nameable(t.Elem())
	case *types.Slice:
		return nameable(t.Elem())
	case *types.Array:
		return nameable(t.Elem())
	case *types.Map:
		return nameable(t.Key()) && nameable(t.Elem())
	case *types.Chan:
		return nameable(t.Elem())
	case *types.Signature:
		if t.TypeParams().Len() > 0 {
			return false
		}
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if !nameable(tup.At(i).Type()) {
					return false
				}
			}
		}
		return true
	case *types.Interface:
		return t.Empty()
	}
	return false
}

func (g *gen) qualifier(p *types.Package) string {
	if name, ok := g.imports[p.Path()]; ok {
		return name
	}
	base := strings.ReplaceAll(path.Base(p.Path()), "-", "_")
	if strings.HasPrefix(base, "v") && len(base) <= 3 {
		base = p.Name()
	}
	name := base
	for i := 2; g.names[name] || name == "symbols"; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	g.names[name] = true
	g.imports[p.Path()] = name
	g.pkgNames[p.Path()] = p.Name()
	return name
}

func (g *gen) source() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by gencallers; DO NOT EDIT.\n\npackage symbols\n\nimport (\n")
	for _, p := range sortedKeys(g.imports) {
		if g.imports[p] == g.pkgNames[p] {
			fmt.Fprintf(&b, "\t%q\n", p)
		} else {
			fmt.Fprintf(&b, "\t%s %q\n", g.imports[p], p)
		}
	}
	b.WriteString(")\n\nfunc init() {\n")
	for _, c := range sortedKeys(g.calls) {
		fmt.Fprintf(&b, "\taddCaller(%s)\n", c)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
