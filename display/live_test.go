package display

import (
	"math"
	"strings"
	"testing"
	"time"
)

// fakeClock is an injectable clock advanced by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func updates(ms []Message, id string) []Message {
	var us []Message
	for _, m := range ms {
		if m.Type == "update_display_data" && m.DisplayID == id {
			us = append(us, m)
		}
	}
	return us
}

func TestProgressRateLimit(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	p := newProgress(1000, "train", clk.now)
	ms := f.messages()
	if len(ms) != 1 || ms[0].Type != "display_data" || ms[0].DisplayID == "" {
		t.Fatalf("initial display = %+v", ms)
	}
	if !strings.Contains(ms[0].Data["text/html"].(string), "<progress") {
		t.Errorf("no <progress> element: %v", ms[0].Data["text/html"])
	}
	// 500 steps, 10 ms apart: 5 s in all, so at most 5/s → ≤ 25 updates,
	// and with steps this dense at least 20.
	for i := 0; i < 500; i++ {
		clk.advance(10 * time.Millisecond)
		p.Add(1)
	}
	us := updates(f.messages(), p.Handle().ID())
	if len(us) < 20 || len(us) > 25 {
		t.Errorf("%d updates in 5 s of steps, want 20…25", len(us))
	}
	last := us[len(us)-1].Data["text/plain"].(string)
	if !strings.HasPrefix(last, "train ") || !strings.Contains(last, "/1000") {
		t.Errorf("text/plain = %q", last)
	}
	// No time passes: no update, however many steps.
	n := len(us)
	for i := 0; i < 10000 && p.Count() < 999; i++ {
		p.Add(0)
	}
	p.Set(999)
	if got := len(updates(f.messages(), p.Handle().ID())); got != n {
		t.Errorf("%d updates without the clock moving, want %d", got, n)
	}
	// Reaching the total always sends the final state, once.
	p.Add(1)
	p.Add(1)
	p.Done()
	us = updates(f.messages(), p.Handle().ID())
	if len(us) != n+1 {
		t.Fatalf("%d updates after reaching the total, want %d", len(us), n+1)
	}
	final := us[len(us)-1].Data["text/plain"].(string)
	if !strings.Contains(final, "100% ") || !strings.Contains(final, "1000/1000") {
		t.Errorf("final text/plain = %q", final)
	}
}

func TestProgressRateAndETA(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	p := newProgress(100, "", clk.now)
	clk.advance(10 * time.Second)
	p.Set(50)
	us := updates(f.messages(), p.Handle().ID())
	if len(us) != 1 {
		t.Fatalf("%d updates, want 1", len(us))
	}
	txt := us[0].Data["text/plain"].(string)
	for _, want := range []string{" 50% |", "50/100", "[0:10<0:10, 5.0 it/s]"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text/plain %q lacks %q", txt, want)
		}
	}
	h := us[0].Data["text/html"].(string)
	if !strings.Contains(h, `value="50" max="100"`) || !strings.Contains(h, "5.0 it/s") {
		t.Errorf("text/html = %q", h)
	}
	// Slow steps are shown as seconds per step.
	clk.advance(200 * time.Second)
	p.Done()
	txt = f.last(t).Data["text/plain"].(string)
	if !strings.Contains(txt, "s/it") || !strings.Contains(txt, "3:30") {
		t.Errorf("text/plain = %q", txt)
	}
}

func TestProgressSetBack(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	p := newProgress(10, "epoch", clk.now)
	for i := 1; i <= 9; i++ {
		clk.advance(time.Second)
		p.Set(i)
	}
	n := len(updates(f.messages(), p.Handle().ID()))
	if n != 9 {
		t.Fatalf("%d updates for 9 slow steps, want 9", n)
	}
	clk.advance(time.Second)
	p.Set(0) // a new epoch
	us := updates(f.messages(), p.Handle().ID())
	if len(us) != n+1 || !strings.Contains(us[n].Data["text/plain"].(string), " 0/10 ") {
		t.Errorf("Set(0) did not redraw the bar: %d updates, last %q", len(us), us[len(us)-1].Data["text/plain"])
	}
}

func TestProgressUnknownTotal(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	p := newProgress(0, "epochs", clk.now)
	clk.advance(2 * time.Second)
	p.Add(7)
	p.Done()
	txt := f.last(t).Data["text/plain"].(string)
	if txt != "epochs 7 [0:02, 3.5 it/s]" {
		t.Errorf("text/plain = %q", txt)
	}
	p.Add(1) // after Done: ignored
	if n := len(updates(f.messages(), p.Handle().ID())); n != 2 {
		t.Errorf("%d updates, want 2", n)
	}
}

func TestProgressStrideReadsClockRarely(t *testing.T) {
	withFake(t)
	clk := newClock()
	reads := 0
	p := newProgress(0, "", func() time.Time { reads++; return clk.now() })
	before := reads
	for i := 0; i < 100000; i++ {
		p.Add(1)
	}
	// The stride doubles up to maxStride while the clock stands still.
	if got := reads - before; got > 100000/maxStride+20 {
		t.Errorf("clock read %d times in 100000 calls", got)
	}
}

func TestLiveLoss(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	l := newLiveLoss(clk.now)
	first := f.messages()
	if len(first) != 1 || first[0].Data["text/plain"] != "no losses yet" {
		t.Fatalf("initial display = %+v", first)
	}
	for i := 0; i < 100; i++ {
		clk.advance(20 * time.Millisecond) // 2 s in all
		l.Add(1 / float64(i+1))
	}
	us := updates(f.messages(), l.Handle().ID())
	if len(us) < 8 || len(us) > 10 {
		t.Errorf("%d updates in 2 s, want 8…10", len(us))
	}
	l.Done()
	us = updates(f.messages(), l.Handle().ID())
	final := us[len(us)-1]
	if txt := final.Data["text/plain"].(string); !strings.HasPrefix(txt, "step 99  loss 0.01  smoothed ") {
		t.Errorf("final text/plain = %q", txt)
	}
	checkXML(t, final.Data["image/svg+xml"].(string), "svg")
	if got := len(l.Losses()); got != 100 {
		t.Errorf("%d losses recorded", got)
	}
	l.Add(3)
	if n := len(updates(f.messages(), l.Handle().ID())); n != len(us) {
		t.Errorf("update after Done")
	}
}

func TestLiveLossSpacesSlowRenders(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	// Every read of the clock takes 1 ms, so a render "costs" ≥ 1 ms and
	// updates must be ≥ 100 ms… but also ≥ the 200 ms interval. Make the
	// interval tiny to see the cost rule.
	l := newLiveLoss(func() time.Time { clk.advance(time.Millisecond); return clk.now() })
	l.SetInterval(time.Millisecond)
	for i := 0; i < 1000; i++ {
		l.Add(1)
	}
	// 1000 calls ≈ 1000+ ms of fake time; each render costs 1 ms, so
	// updates at least 100 ms apart: ≤ about 11.
	if n := len(updates(f.messages(), l.Handle().ID())); n > 12 || n < 3 {
		t.Errorf("%d updates, want 3…12", n)
	}
}

func TestLiveLossDownsamples(t *testing.T) {
	withFake(t)
	l := newLiveLoss(newClock().now)
	for i := 0; i < 5000; i++ {
		l.Add(float64(i))
	}
	l.SetLogScale(true)
	b := l.render(time.Now(), true)
	if !strings.HasPrefix(b["text/plain"].(string), "step 4999  loss 4999") {
		t.Errorf("text/plain = %q", b["text/plain"])
	}
	if s := b["image/svg+xml"].(string); len(s) > 200000 {
		t.Errorf("SVG of 5000 losses is %d bytes; not downsampled?", len(s))
	}
}

func TestFmtDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "0:00"}, {59 * time.Second, "0:59"}, {61 * time.Second, "1:01"}, {3725 * time.Second, "1:02:05"}, {-time.Second, "0:00"}} {
		if got := fmtDuration(tt.d); got != tt.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

var sinkF float64

// work is the body of the benchmark loops: about a microsecond of
// arithmetic, like a small training step.
func work(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x * x
	}
	return s
}

// BenchmarkLoop runs a loop of about 0.5 µs steps without (Baseline) and
// with a progress bar or a live loss curve updated on every step,
// including the first and the final (always sent) drawing. Compare ns/op
// of the sub-benchmarks (run with -count to see the spread).
func BenchmarkLoop(b *testing.B) {
	f := &fakePublisher{}
	old := SetPublisher(f)
	defer SetPublisher(old)
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(i)
	}
	b.Run("Baseline", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkF += work(xs)
		}
	})
	b.Run("Progress", func(b *testing.B) {
		p := NewProgress(b.N, "bench")
		for i := 0; i < b.N; i++ {
			sinkF += work(xs)
			p.Add(1)
		}
		p.Done()
	})
	b.Run("LiveLoss", func(b *testing.B) {
		l := NewLiveLoss()
		for i := 0; i < b.N; i++ {
			sinkF += work(xs)
			l.Add(float64(i))
		}
		l.Done()
	})
	// The cost of the calls alone, without work.
	b.Run("ProgressAddOnly", func(b *testing.B) {
		p := NewProgress(b.N, "bench")
		for i := 0; i < b.N; i++ {
			p.Add(1)
		}
		p.Done()
	})
	b.Run("LiveLossAddOnly", func(b *testing.B) {
		l := NewLiveLoss()
		for i := 0; i < b.N; i++ {
			l.Add(float64(i))
		}
		l.Done()
	})
}

func TestLiveViewsConcurrent(t *testing.T) {
	f := withFake(t)
	p := NewProgress(4000, "workers")
	p.SetInterval(0)
	l := NewLiveLoss()
	done := make(chan bool)
	for w := 0; w < 4; w++ {
		go func() {
			for i := 0; i < 1000; i++ {
				p.Add(1)
				l.Add(float64(i))
			}
			done <- true
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	p.Done()
	l.Done()
	if p.Count() != 4000 || len(l.Losses()) != 4000 {
		t.Errorf("count %d, losses %d; want 4000", p.Count(), len(l.Losses()))
	}
	us := updates(f.messages(), p.Handle().ID())
	if txt := us[len(us)-1].Data["text/plain"].(string); !strings.Contains(txt, "4000/4000") {
		t.Errorf("final progress %q", txt)
	}
}

// BenchmarkOverhead measures the slowdown of a loop of about 0.5 µs
// steps by a progress bar or a live loss curve updated on every step, as
// "overhead-%": it alternates runs of 300000 steps without and with the
// view (each with its first and final drawing) and compares the fastest
// of seven runs of each, so that other load on the machine cancels out.
func BenchmarkOverhead(b *testing.B) {
	f := &fakePublisher{}
	old := SetPublisher(f)
	defer SetPublisher(old)
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(i)
	}
	const steps = 300000
	for _, c := range []struct {
		name string
		run  func(view bool)
	}{
		{"Progress", func(view bool) {
			var p *Progress
			if view {
				p = NewProgress(steps, "bench")
			}
			for i := 0; i < steps; i++ {
				sinkF += work(xs)
				if view {
					p.Add(1)
				}
			}
			if view {
				p.Done()
			}
		}},
		{"LiveLoss", func(view bool) {
			var l *LiveLoss
			if view {
				l = NewLiveLoss()
			}
			for i := 0; i < steps; i++ {
				sinkF += work(xs)
				if view {
					l.Add(float64(i))
				}
			}
			if view {
				l.Done()
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				best := [2]time.Duration{1 << 62, 1 << 62}
				for k := 0; k < 7; k++ {
					for v := 0; v < 2; v++ {
						start := time.Now()
						c.run(v == 1)
						best[v] = min(best[v], time.Since(start))
					}
				}
				b.ReportMetric(100*(float64(best[1])/float64(best[0])-1), "overhead-%")
				b.ReportMetric(float64(best[0])/steps, "base-ns/step")
			}
		})
	}
}

func TestLossStore(t *testing.T) {
	var s lossStore
	if s.len() != 0 || !math.IsNaN(s.at(0)) {
		t.Fatalf("empty store: len %d, at(0) %v", s.len(), s.at(0))
	}
	const n = 3*lossChunk + 5
	for i := 0; i < n; i++ {
		if got := s.add(float64(i)); got != int64(i+1) {
			t.Fatalf("add returned %d, want %d", got, i+1)
		}
	}
	all := s.slice(0, s.len())
	if len(all) != n || all[0] != 0 || all[lossChunk] != lossChunk || all[n-1] != n-1 {
		t.Errorf("slice: len %d, ends %v %v %v", len(all), all[0], all[lossChunk], all[n-1])
	}
	for i, x := range all {
		if x != float64(i) {
			t.Fatalf("slot %d = %v", i, x)
		}
	}
}

// TestLiveLossPNGWhenSlow checks that every update carries a PNG beside its
// SVG, that a slow PNG is repeated rather than rendered for every update
// (so updates stay frequent), and that the final curve's PNG is new.
func TestLiveLossPNGWhenSlow(t *testing.T) {
	f := withFake(t)
	clk := newClock()
	l := newLiveLoss(clk.now)
	l.lim.mu.Lock()
	l.pngCost = time.Second // as if a PNG took 1 s: renew at most every 100 s
	l.lim.mu.Unlock()
	for i := 0; i < 100; i++ {
		clk.advance(20 * time.Millisecond)
		l.Add(1 / float64(i+1))
	}
	us := updates(f.messages(), l.Handle().ID())
	if len(us) < 5 {
		t.Fatalf("%d updates in 2 s, want ≥ 5", len(us))
	}
	first := f.messages()[0].Data["image/png"] // the first display
	svgs := map[any]bool{}
	for _, u := range us {
		if u.Data["image/png"] != first || first == nil {
			t.Fatalf("an update renewed the slow PNG or lacks one")
		}
		svgs[u.Data["image/svg+xml"]] = true
	}
	if len(svgs) != len(us) {
		t.Errorf("%d distinct SVGs in %d updates, want each new", len(svgs), len(us))
	}
	l.Done()
	us = updates(f.messages(), l.Handle().ID())
	final := us[len(us)-1].Data
	if final["image/png"] == first {
		t.Errorf("the final curve repeats an old PNG")
	}
	decodePNG(t, final)
}
