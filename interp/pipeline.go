package interp

import (
	"context"
	"go/ast"
	"go/types"
	"reflect"
	"strconv"

	"github.com/gopherprop/gopherprop/interp/internal/cell"
	"github.com/gopherprop/gopherprop/kernel"
)

// A cell runs through a pipeline of stages, in this order; each lives in the
// file of its name and has its own tests:
//
//	split    split.go    the source into imports, declarations and statements
//	imports  imports.go  explicit and automatic imports; packages of Go modules
//	                     fetched and compiled as plugins (compile.go)
//	check    check.go    compile errors Go reports that the interpreter misses
//	rewrite  rewrite.go  redefined types renamed, Go features yaegi lacks rewritten
//	run      run.go      declarations and statements evaluated by yaegi
//	render   render.go   the final expression's value as a MIME bundle
//
// A stage reads and fills the cellRun; it returns an error to stop the
// cell, or sets done when nothing is left to do.
var pipeline = []struct {
	name string
	run  func(*session, *cellRun) *kernel.ExecError
}{
	{"split", (*session).split},
	{"imports", (*session).importStage},
	{"check", (*session).check},
	{"rewrite", (*session).rewrite},
	{"run", (*session).runStage},
	{"render", (*session).render},
}

// cellRun is the state of one cell going through the pipeline.
type cellRun struct {
	ctx  context.Context
	code string // the cell's source
	cid  string // the cell's serial number, which names it in //line directives
	done bool   // no later stage has anything to do

	items []cell.Item // split
	// check: the checker's information on the cell and its package (nil
	// when the checker stepped aside)
	info    *types.Info
	tpkg    *types.Package
	checked *ast.File // the checker's file of the cell
	// rewrite: fresh hidden names of redefined types (user name -> hidden),
	// the types and methods the cell declares, the rewriter used, and the
	// final expression statement taken out of the last item.
	fresh       map[string]string
	cellTypes   map[string]bool
	cellMethods map[string]bool
	rw          *cell.Rewriter
	final       ast.Expr
	finalText   string // a func literal giving the final value's text as compiled Go prints it, or ""

	res cellResult // render
}

// cellResult is what executing a cell produced.
type cellResult struct {
	value    reflect.Value
	hasValue bool
	bundle   map[string]any // {"data": ..., "metadata": ...} rendered in the interpreter, or nil
	text     string         // the value's text/plain as compiled Go prints it, when the interpreter's would differ
}

// run executes one cell. Hidden type names (see redefine.go) never reach
// the user: errors speak of the names the user wrote.
func (s *session) run(ctx context.Context, code string, count int) (cellResult, *kernel.ExecError) {
	s.serial = s.serial%maxCellSerial + 1
	s.cells[strconv.Itoa(s.serial)] = cellInfo{src: code, count: count}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer s.watchDeadlock(cancel)()
	c := &cellRun{ctx: ctx, code: code, cid: strconv.Itoa(s.serial)}
	s.frames.reset()
	resetPanicNote()
	s.curLine, s.curCol, s.curWrapped = 0, 0, false
	for _, st := range pipeline {
		if fail := st.run(s, c); fail != nil {
			fail.Value = s.compiledHint(cell.Unhide(fail.Value))
			for i := range fail.Traceback {
				fail.Traceback[i] = cell.Unhide(fail.Traceback[i])
			}
			if len(fail.Traceback) > 0 {
				fail.Traceback[0] = s.compiledHint(fail.Traceback[0])
			}
			return c.res, fail
		}
		if c.done {
			break
		}
	}
	return c.res, nil
}
