package cell

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

var hiddenRe = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*?)__gp[0-9]+\b`)

// UserName strips the hidden-name suffix of a type name.
func UserName(n string) string {
	if m := hiddenRe.FindStringSubmatch(n); m != nil && m[0] == n {
		return m[1]
	}
	return n
}

// Unhide maps hidden type names in a message back to the user's names.
func Unhide(s string) string {
	return hiddenRe.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "__gp") {
			return m // a rewriter temporary, not a type
		}
		return UserName(m)
	})
}

// RenameTypes rewrites identifiers naming types in m (user name -> hidden
// name) inside node; it reports whether anything changed. Field names,
// selectors, composite-literal keys and names being declared as variables
// or functions are left alone.
func RenameTypes(node ast.Node, m map[string]string) bool {
	if len(m) == 0 || node == nil {
		return false
	}
	return renameIdents(node, func(name string) (string, bool) {
		to, ok := m[UserName(name)]
		return to, ok && name != to
	}, func(c *astutil.Cursor) bool {
		switch p := c.Parent().(type) {
		case *ast.ValueSpec:
			return c.Name() == "Names"
		case *ast.FuncDecl:
			return c.Name() == "Name"
		case *ast.AssignStmt:
			return c.Name() == "Lhs" && p.Tok == token.DEFINE
		}
		return false
	})
}

// renameIdents renames, inside node, each identifier for which to gives a
// new name, except where the identifier is not a reference of the scope
// (a selector's or composite-literal key's name, a struct field or
// parameter name, a label) or where keep says so. It reports whether
// anything changed.
func renameIdents(node ast.Node, to func(name string) (string, bool), keep func(c *astutil.Cursor) bool) bool {
	changed := false
	astutil.Apply(node, func(c *astutil.Cursor) bool {
		id, ok := c.Node().(*ast.Ident)
		if !ok {
			return true
		}
		name, ok := to(id.Name)
		if !ok {
			return true
		}
		switch c.Parent().(type) {
		case *ast.SelectorExpr:
			if c.Name() == "Sel" {
				return true
			}
		case *ast.Field:
			if c.Name() == "Names" {
				return true
			}
		case *ast.KeyValueExpr:
			if c.Name() == "Key" {
				return true
			}
		case *ast.LabeledStmt, *ast.BranchStmt:
			return true
		}
		if keep(c) {
			return true
		}
		id.Name = name
		changed = true
		return true
	}, nil)
	return changed
}

// ParseDecls parses the source text of a stored declaration item again (a
// fresh AST to rename), with positions placed at line:col of its cell.
func ParseDecls(text string, line, col int) ([]ast.Decl, *token.FileSet, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell", padTo("package p;", line, col)+text, parser.ParseComments)
	if err != nil {
		return nil, nil, err
	}
	return f.Decls, fset, nil
}

// MainName is the hidden name a cell's func main is declared under: yaegi
// runs a function called main after every evaluation, where Go's main is an
// ordinary function once declared in a notebook.
const MainName = "main__gp0"

// RenameMain renames every identifier main in node (the function, calls of
// it, and consistently any local of that name) to MainName; selectors,
// field and method names, composite-literal keys and labels are left
// alone. It reports whether anything changed.
func RenameMain(node ast.Node) bool {
	return renameIdents(node, func(name string) (string, bool) {
		return MainName, name == "main"
	}, func(c *astutil.Cursor) bool {
		fd, ok := c.Parent().(*ast.FuncDecl)
		return ok && fd.Recv != nil // a method called main
	})
}
