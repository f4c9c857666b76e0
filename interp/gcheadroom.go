package interp

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// gcHeadroom is the least heap growth the worker allows between two
// garbage collections.
//
// The worker's live heap is mostly the interpreter's own: the session's
// syntax trees, frames, types and symbol tables, some tens of MB of small
// objects full of pointers, which every collection marks again. With Go's
// default GOGC=100 a collection comes after allocating as much as is live,
// so a training loop in a cell that allocates 30 KB per step pays the
// marking of the whole interpreter every few hundred steps: a third of the
// step's CPU time for a small network, where the same loop compiled (with
// a live heap of a few MB, mostly float64 arrays without pointers) pays
// almost nothing. Keeping at least gcHeadroom of room above the live heap
// spaces the collections out to what the cell's own work needs; once the
// live heap is larger than gcHeadroom (large data sets), GOGC=100 applies
// unchanged. The memory limit (GOPHERPROP_WORKER_MEMORY_LIMIT) still
// bounds the heap: near it the runtime collects as often as it must.
const gcHeadroom = 64 << 20

// keepGCHeadroom sets the GC percentage after every collection so that the
// next one comes when the heap has grown by the larger of the live heap
// and headroom bytes (see gcHeadroom), until stop is called, which
// restores GOGC=100. A GOGC environment variable set by the user wins:
// then it does nothing. The worker calls it once, for its lifetime; the
// cell benchmarks call it around the cells they time, as the worker runs
// them.
func keepGCHeadroom(headroom uint64) (stop func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	var mu sync.Mutex
	on := true
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	adjust := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if !on {
			return false
		}
		metrics.Read(s)
		if s[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(s[0].Value.Uint64(), headroom))
		}
		return true
	}
	// A finalizer runs after a collection that finds its object
	// unreachable: re-arming it on a fresh object runs adjust once per
	// collection.
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
			if adjust() {
				arm()
			}
		})
	}
	adjust()
	arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		on = false
		debug.SetGCPercent(100)
	}
}

// gcSentinel is the object whose finalizer marks a collection; it holds a
// pointer so that it is not batched with other tiny allocations.
type gcSentinel struct{ _ *byte }

// gcPercentFor returns the GC percentage that lets a heap with live bytes
// live grow by max(live, headroom) before the next collection. The
// runtime scales its 4 MB minimum heap by the percentage too, so a live
// heap under 4 MB (0 before the first collection) counts as 4 MB.
func gcPercentFor(live, headroom uint64) int {
	const minHeap = 4 << 20
	live = max(live, minHeap)
	if headroom <= live {
		return 100
	}
	return int(headroom * 100 / live)
}
