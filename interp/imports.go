package interp

import (
	"fmt"
	"go/ast"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// importStage runs the cell's import declarations, then imports the
// automatic packages (autoImports) the cell uses without importing them.
// Re-importing a path under the same name is a no-op; importing another
// path under a name already in use is an error that suggests a new name.
func (s *session) importStage(c *cellRun) *kernel.ExecError {
	var importSrc []string
	for _, it := range c.items {
		if it.Kind != cell.ImportItem {
			continue
		}
		for _, d := range it.Decls {
			for _, sp := range d.(*ast.GenDecl).Specs {
				is := sp.(*ast.ImportSpec)
				path, _ := strconv.Unquote(is.Path.Value)
				name := s.pkgName(path)
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
					return s.cellFailure("ImportError",
						fmt.Sprintf("%s is already imported as %q; import %q under another name, e.g. import %s2 %q", name, old, path, name, path),
						c.cid, p.Line-1, p.Column)
				}
				if s.binSymbols(path) == nil && strings.Contains(strings.Split(path, "/")[0], ".") && !s.importer0().Has(path) {
					// A package of a Go module: fetch and compile it.
					if err := s.importModule(c.ctx, path, ""); err != nil {
						p := it.Fset.Position(is.Pos())
						if c.ctx.Err() != nil {
							return kernel.NewExecError("Interrupted", "the import of "+path+" was interrupted (state is kept)")
						}
						return s.cellFailure("ImportError", fmt.Sprintf("cannot import %q: %v", path, err), c.cid, p.Line-1, p.Column)
					}
					name = s.pkgName(path)
					if is.Name != nil {
						name = is.Name.Name
					}
				}
				if s.binSymbols(path) == nil && !strings.Contains(path, ".") {
					// Let yaegi report it, but with a clear message for
					// unknown standard packages.
					if _, ok := stdlib.Symbols[path+"/"+name]; !ok && !s.importer0().Has(path) {
						p := it.Fset.Position(is.Pos())
						return s.cellFailure("ImportError",
							fmt.Sprintf("package %q is not available in the interpreter (it holds the Go 1.22 standard library, gonum, gonum/plot, ad, display and widget)", path),
							c.cid, p.Line-1, p.Column)
					}
				}
				importSrc = append(importSrc, importLine(name, path))
				s.imports[name] = path
			}
		}
	}
	for _, name := range s.autoImportsFor(c.items) {
		importSrc = append(importSrc, importLine(name, autoImports[name]))
		s.imports[name] = autoImports[name]
	}
	for _, src := range importSrc {
		if _, err := s.eval(c.ctx, src); err != nil {
			return kernel.NewExecError("ImportError", err.Error())
		}
	}
	return nil
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

// importLine returns an import declaration of path under name.
func importLine(name, path string) string {
	if path[strings.LastIndex(path, "/")+1:] == name {
		return "import " + strconv.Quote(path)
	}
	return "import " + name + " " + strconv.Quote(path)
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

// pkgName returns the name of the package at path: the name its symbol
// table gives (math/rand/v2 is rand), else the path's last element.
func (s *session) pkgName(path string) string {
	for k := range s.binPkgs {
		if i := strings.LastIndex(k, "/"); i >= 0 && k[:i] == path {
			return k[i+1:]
		}
	}
	return path[strings.LastIndex(path, "/")+1:]
}
