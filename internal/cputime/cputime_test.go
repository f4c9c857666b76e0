package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessAdvances checks that busy work on this goroutine makes the
// process CPU time grow, on systems that have it.
func TestProcessAdvances(t *testing.T) {
	c0, ok := Process()
	if !ok {
		if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
			t.Fatal("no process CPU time on", runtime.GOOS)
		}
		t.Skip("no process CPU time on", runtime.GOOS)
	}
	if c0 <= 0 {
		t.Fatalf("CPU time %v at start, want > 0", c0)
	}
	deadline := time.Now().Add(10 * time.Second)
	s := 0.0
	for i := 0; ; i++ {
		s += float64(i)
		if i%1_000_000 != 0 {
			continue
		}
		if c, _ := Process(); c > c0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU time still %v after 10 s of work (sum %g)", c0, s)
		}
	}
}

// BenchmarkReport shows the metric Report adds: compare its cpu-ns/op with
// ns/op.
func BenchmarkReport(b *testing.B) {
	m := Start()
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += float64(i)
	}
	m.Report(b, b.N)
	_ = s
}
