package interp

import _ "embed"

// slicesSortSource is the part of Go's slices package that yaegi does not
// ship (sorting and binary search; see stdsrc/gen.sh). The interpreter
// compiles it at start-up and the type checker reads it.
//
//go:embed stdsrc/slices_sort.go.txt
var slicesSortSource string
