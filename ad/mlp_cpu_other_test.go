//go:build !unix

package ad

import "time"

// processCPUTime is not available on this system; the MLP benchmark then
// reports wall time only.
func processCPUTime() (time.Duration, bool) { return 0, false }
