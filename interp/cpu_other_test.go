//go:build !unix

package interp

import "time"

// processCPUTime is not available on this system; the cell step benchmark then
// reports wall time only.
func processCPUTime() (time.Duration, bool) { return 0, false }
