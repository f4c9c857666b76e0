package interp

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

// TestSoak runs 5,000 cells through one Evaluator and reports the worker's
// heap growth per cell and its goroutine count; it also checks that
// interrupts and crashes leak no goroutines in the kernel process. Skipped
// with -short.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test: skipped with -short")
	}
	const cells = 5000
	e := newTestEvaluator(t, nil)
	cellsSrc := []string{
		"x%[1]d := %[1]d",
		"func f%[1]d(a int) int { return a + %[1]d }\nf%[1]d(1)",
		"s := %[1]d\nfor i := range 10 { s += i }\ns",
		"fmt.Println(\"cell\", %[1]d)",
		"m := mat.NewDense(2, 2, []float64{1, 2, 3, %[1]d})\nm.At(1, 1)",
	}
	run := func(i int) {
		code := fmt.Sprintf(cellsSrc[i%len(cellsSrc)], i)
		_, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: code, ExecutionCount: i + 1}, newRecOutput())
		if err != nil {
			t.Fatalf("cell %d %q: %v %v", i, code, err, err.Traceback)
		}
	}
	// Warm up, then measure.
	for i := 0; i < 50; i++ {
		run(i)
	}
	parentG0 := runtime.NumGoroutine()
	st0, err := e.stats()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := 50; i < cells; i++ {
		run(i)
	}
	el := time.Since(t0)
	st1, err := e.stats()
	if err != nil {
		t.Fatal(err)
	}
	perCell := float64(int64(st1.HeapAlloc)-int64(st0.HeapAlloc)) / float64(cells-50)
	t.Logf("soak: %d cells in %s (%.2f ms/cell); worker heap %.1f MiB -> %.1f MiB = %.1f KiB/cell; worker goroutines %d -> %d; kernel-side goroutines %d -> %d",
		cells-50, el.Round(time.Millisecond), float64(el.Microseconds())/1e3/float64(cells-50),
		float64(st0.HeapAlloc)/(1<<20), float64(st1.HeapAlloc)/(1<<20), perCell/1024,
		st0.Goroutines, st1.Goroutines, parentG0, runtime.NumGoroutine())
	if st1.Goroutines > st0.Goroutines+2 {
		t.Fatalf("worker goroutines grew from %d to %d", st0.Goroutines, st1.Goroutines)
	}

	// Interrupts and crashes must not leak goroutines in the kernel process.
	for k := 0; k < 10; k++ {
		ctx, cancel := context.WithCancel(context.Background())
		out := newRecOutput()
		done := make(chan struct{})
		go func() {
			e.Execute(ctx, kernel.ExecuteRequest{Code: "fmt.Println(\"spin\")\nfor {}"}, out)
			close(done)
		}()
		out.waitFor(t, "spin")
		cancel()
		<-done
		_, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "import \"time\"\ngo func() { panic(\"x\") }()\ntime.Sleep(time.Second)"}, newRecOutput())
		if err == nil || err.Name != "WorkerCrash" {
			t.Fatalf("crash %d: %v", k, err)
		}
	}
	run(0)
	var g int
	for try := 0; try < 50; try++ {
		g = runtime.NumGoroutine()
		if g <= parentG0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	st2, _ := e.stats()
	t.Logf("after 10 interrupts and 10 crashes: kernel-side goroutines %d (before %d), worker goroutines %d", g, parentG0, st2.Goroutines)
	if g > parentG0 {
		t.Fatalf("kernel-side goroutines leaked: %d -> %d", parentG0, g)
	}
}
