//go:build unix

package interp

import (
	"syscall"
	"time"
)

// processCPUTime returns the user+system CPU time of this process. The cell
// step benchmark reports it per op next to wall time: on a machine shared with
// other jobs it is a much steadier measure than wall time.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
