// Package yaegisym gives ad's tests the yaegi symbol tables the notebook
// kernel uses, so that notebook-style code can be run through the
// interpreter in ad's own tests. It is the table of interp/symbols (ad,
// gonum, gonum/plot, display, ...), which is generated with yaegi extract
// and checked for drift by interp/symbols/check.sh: after changing ad's
// exported API, run go generate ./interp/symbols.
package yaegisym

import "github.com/gopherprop/gopherprop/interp/symbols"

// Symbols maps "import/path/name" to exported symbols, in the form yaegi's
// interp.Use expects.
var Symbols = symbols.Symbols
