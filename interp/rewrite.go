package interp

import (
	"go/ast"
	"reflect"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// rewrite turns the checked cell into code yaegi runs as Go would:
// func main is an ordinary function under a hidden name (cell.RenameMain);
// redefined types (and types with a redefined method) get a fresh hidden
// name that every later cell sees through s.typeNames (redefine.go); Go
// features the interpreter lacks are rewritten (cell.Rewriter); and the
// final expression statement is set aside for render.
func (s *session) rewrite(c *cellRun) *kernel.ExecError {
	s.rangeFuncs(c) // rangefunc.go
	items := cell.TypesFirst(c.items)
	c.fresh = s.planRedefinitions(items)
	ren := map[string]string{}
	for k, v := range s.typeNames {
		ren[k] = v
	}
	for k, v := range c.fresh {
		ren[k] = v
	}
	c.cellMethods = map[string]bool{}
	c.cellTypes = map[string]bool{}
	for i := range items {
		it := &items[i]
		forced, changed := false, false
		for _, d := range it.Decls {
			if cell.RenameTypes(d, c.fresh) {
				forced = true
			}
			if cell.RenameTypes(d, ren) {
				changed = true
			}
			if cell.RenameMain(d) {
				changed = true
			}
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				c.cellMethods[cell.FuncKey(fd)] = true
			}
		}
		for _, name := range cell.TypeNames(it.Decls) {
			c.cellTypes[name] = true
		}
		for _, st := range it.Stmts {
			if cell.RenameTypes(st, ren) {
				changed = true
			}
			if cell.RenameMain(st) {
				changed = true
			}
		}
		if forced || changed {
			it.Rewritten, it.ExprRewritten, it.Force = true, true, it.Force || forced
		}
	}
	// A method-only redefinition: re-declare the type (and its other
	// methods) under the fresh name before the cell runs.
	for name := range c.fresh {
		if !c.cellTypes[name] {
			if f := s.commitType(c, name); f != nil {
				return f
			}
		}
	}

	s.boundsChecks(c) // bounds.go
	s.wrapPrints(c, ren)

	c.rw = &cell.Rewriter{GlobalKind: s.globalKind, Shadowed: s.shadowedBuiltins(items), N: &s.tmpN}
	c.rw.Prepare(items)
	for i := range items {
		c.rw.RewriteItem(&items[i])
	}

	// Set the final expression statement aside.
	last := &items[len(items)-1]
	if last.Kind == cell.StmtItem {
		if es, ok := last.Stmts[len(last.Stmts)-1].(*ast.ExprStmt); ok && !c.rw.Wrappers[es] {
			c.final = es.X
			last.Stmts = last.Stmts[:len(last.Stmts)-1]
			last.Rewritten = true
		}
	}
	return nil
}

// commitType makes the fresh hidden name of redefined type name current:
// the old type's remaining methods are declared again on it.
func (s *session) commitType(c *cellRun, name string) *kernel.ExecError {
	if err := s.redeclareOld(c.ctx, name, c.fresh[name], c.cellTypes[name], c.cellMethods, c.fresh); err != nil {
		return s.failure(c.ctx, err, c.cid)
	}
	s.typeNames[name] = c.fresh[name]
	return nil
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
