//go:build !unix

package cputime

import "time"

// Process returns false: the process CPU time is not available on this
// system, and benchmarks report wall time only.
func Process() (time.Duration, bool) { return 0, false }
