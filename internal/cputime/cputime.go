// Package cputime measures the CPU time of this process for benchmarks: on
// a machine shared with other jobs it is a much steadier measure than wall
// time. It is imported by tests only.
package cputime

import (
	"testing"
	"time"
)

// Meter holds the process CPU time at a start.
type Meter struct {
	start time.Duration
	ok    bool
}

// Start reads the process CPU time now.
func Start() Meter {
	c, ok := Process()
	return Meter{c, ok}
}

// Report reports the process CPU time since m started, divided by n, as
// b's extra metric "cpu-ns/op" (user+system time of all threads, including
// the garbage collector's). It reports nothing when n is 0 or the CPU time
// cannot be read on this system.
func (m Meter) Report(b *testing.B, n int) {
	if c, ok := Process(); m.ok && ok && n > 0 {
		b.ReportMetric(float64(c-m.start)/float64(n), "cpu-ns/op")
	}
}
