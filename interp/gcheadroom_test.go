package interp

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 64 * mb, 1600}, // before the first collection
		{1024, 64 * mb, 1600},
		{16 * mb, 64 * mb, 400},
		{32 * mb, 64 * mb, 200},
		{64 * mb, 64 * mb, 100},
		{500 * mb, 64 * mb, 100},
	} {
		if got := gcPercentFor(c.live, c.headroom); got != c.want {
			t.Errorf("gcPercentFor(%d MB, %d MB) = %d, want %d", c.live/mb, c.headroom/mb, got, c.want)
		}
	}
}

// gcPercent returns the current GC percentage.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestKeepGCHeadroom checks that the worker's GC policy raises the GC
// percentage while the live heap is below the headroom, adjusts it after
// each collection, and that stop restores GOGC=100.
func TestKeepGCHeadroom(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set: the policy leaves it alone")
	}
	stop := keepGCHeadroom(1 << 40) // far above this test's live heap
	if p := gcPercent(); p < 10000 {
		t.Errorf("GC percentage %d with a live heap far below the headroom, want at least 10000", p)
	}
	stop()
	if p := gcPercent(); p != 100 {
		t.Fatalf("GC percentage %d after stop, want 100", p)
	}

	// After a collection the finalizer sets the percentage from the new
	// live heap: with a headroom of twice the live heap, 200 or so.
	keep := make([]*[1 << 16]byte, 0, 512) // 32 MB live
	for len(keep) < cap(keep) {
		keep = append(keep, new([1 << 16]byte))
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	stop = keepGCHeadroom(2 * m.HeapAlloc)
	defer stop()
	debug.SetGCPercent(100) // overwritten at the next collection
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		if p := gcPercent(); p > 150 && p < 250 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("GC percentage %d after collections with a headroom of twice the live heap, want about 200", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(keep)
}
