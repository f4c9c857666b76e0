package interp

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/kernel"
)

// BenchmarkExecute compares a `1+1` cell through the worker process (the
// product path) with the same cell on an in-process session (the baseline:
// the cost of the front-end and yaegi alone).
func BenchmarkExecute(b *testing.B) {
	b.Run("in-process-baseline", func(b *testing.B) {
		s, err := newSession(io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if _, f := s.run(context.Background(), "1+1", i); f != nil {
				b.Fatal(f)
			}
		}
	})
	b.Run("worker", func(b *testing.B) {
		e := newTestEvaluator(b, nil)
		out := newRecOutput()
		for i := 0; i < b.N; i++ {
			if _, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "1+1"}, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInterrupt measures the time from cancelling a cell that spins in
// an interpreted loop to Execute returning (reported as ms/interrupt).
func BenchmarkInterrupt(b *testing.B) {
	e := newTestEvaluator(b, nil)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		out := newRecOutput()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan time.Time, 1)
		go func() {
			e.Execute(ctx, kernel.ExecuteRequest{Code: "println(\"spin\")\nfor {}"}, out)
			done <- time.Now()
		}()
		for out.text("stdout") == "" {
			<-out.notify
		}
		t0 := time.Now()
		cancel()
		total += (<-done).Sub(t0)
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/interrupt")
}

// BenchmarkCrashRecovery measures how long a crashing cell takes to report
// and have a fresh worker ready (ms/crash).
func BenchmarkCrashRecovery(b *testing.B) {
	e := newTestEvaluator(b, nil)
	for i := 0; i < b.N; i++ {
		_, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: "import \"time\"\ngo func() { panic(1) }()\ntime.Sleep(time.Second)"}, newRecOutput())
		if err == nil || err.Name != "WorkerCrash" {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrintBurst runs a cell printing 10,000 lines through the worker
// (ms per cell); the in-process session writing to a discarded writer is
// the baseline.
func BenchmarkPrintBurst(b *testing.B) {
	const code = "for i := 0; i < 10000; i++ { fmt.Println(i) }"
	b.Run("in-process-baseline", func(b *testing.B) {
		s, err := newSession(io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if _, f := s.run(context.Background(), code, i); f != nil {
				b.Fatal(f)
			}
		}
	})
	b.Run("worker", func(b *testing.B) {
		e := newTestEvaluator(b, nil)
		for i := 0; i < b.N; i++ {
			out := newRecOutput()
			if _, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: code}, out); err != nil {
				b.Fatal(err)
			}
			if n := len(out.text("stdout")); n != 48890 {
				b.Fatalf("got %d bytes of output", n)
			}
		}
	})
}

// BenchmarkMultiValueDefine measures the cost of the multi-value workaround
// (topLevelMulti): a top-level loop whose body defines `a, b := h()` runs
// wrapped in a function literal, and a top-level `A, B := h()` goes through
// temporaries. The baselines are the same cells with single-value
// definitions, which are not rewritten.
func BenchmarkMultiValueDefine(b *testing.B) {
	cases := []struct{ name, code string }{
		{"loop-baseline", "q := 0\nfor j := 0; j < 1000; j++ { a := h1(); b := a + 1; q += a + b }\nq"},
		{"loop-wrapped", "q := 0\nfor j := 0; j < 1000; j++ { a, b := h2(); q += a + b }\nq"},
		{"global-baseline", "A := h1()\nB := h1()"},
		{"global-split", "A, B := h2()"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s, err := newSession(io.Discard, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			if _, f := s.run(context.Background(), "func h1() int { return 1 }\nfunc h2() (int, int) { return 1, 2 }", 0); f != nil {
				b.Fatal(f)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, f := s.run(context.Background(), c.code, i+1); f != nil {
					b.Fatal(f)
				}
			}
		})
	}
}

// BenchmarkIndexCheck guards the cost of the bounds rewrite (bounds.go),
// which leaves function bodies and loops alone so that hot code pays no
// call per index: a function with a plain index (getChecked) against the
// same function with the index inside a for statement, each called 10000
// times by one cell; the ratio should be about 1.
func BenchmarkIndexCheck(b *testing.B) {
	s, err := newSession(io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	decl := "xs := []int{1, 2, 3}\n" +
		"func getChecked(xs []int, i int) int { return xs[i] }\n" +
		"func getPlain(xs []int, i int) int { for { return xs[i] } }"
	if _, f := s.run(context.Background(), decl, 1); f != nil {
		b.Fatal(f)
	}
	for _, name := range []string{"getPlain", "getChecked"} {
		b.Run(name, func(b *testing.B) {
			cellCode := "t := 0\nfor k := 0; k < 10000; k++ { t += " + name + "(xs, k%3) }\nt"
			for i := 0; i < b.N; i++ {
				if _, f := s.run(context.Background(), cellCode, i+2); f != nil {
					b.Fatal(f)
				}
			}
		})
	}
}
