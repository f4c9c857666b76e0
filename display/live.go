package display

import (
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/plot"
)

// DefaultInterval is the shortest time between two updates of a live view
// (Progress, LiveLoss): at most 5 updates per second. The final update is
// always sent.
const DefaultInterval = 200 * time.Millisecond

// maxStride bounds how many steps a live view lets pass between two looks
// at the clock, so that a loop that slows down is still updated promptly.
const maxStride = 256

// limiter decides when a live view publishes. Its fast path is one
// atomic load and a comparison of the view's position (steps done, losses
// recorded) with nextCheck; it reads the clock only every stride steps,
// where stride adapts so that the clock is read a few times per interval.
type limiter struct {
	nextCheck atomic.Int64

	mu        sync.Mutex
	now       func() time.Time // injectable clock
	interval  time.Duration
	stride    int64
	lastCheck time.Time
	lastSent  time.Time
	sentOnce  bool
}

func (l *limiter) init(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	l.now = now
	l.interval = DefaultInterval
	l.stride = 1
	l.lastCheck = now()
}

// due reports whether an update may be sent now at position pos (called
// with l.mu held, after the fast path let the call through). It adapts
// the stride and sets the next position to check.
func (l *limiter) due(now time.Time, pos int64) bool {
	since := now.Sub(l.lastCheck)
	l.lastCheck = now
	switch {
	case since < l.interval/8 && l.stride < maxStride:
		l.stride *= 2
	case since > l.interval/2 && l.stride > 1:
		l.stride /= 2
	}
	l.nextCheck.Store(pos + l.stride)
	return !l.sentOnce || now.Sub(l.lastSent) >= l.interval
}

// check reports whether a view at position pos must take the slow path.
func (l *limiter) check(pos int64) bool {
	return pos >= l.nextCheck.Load()
}

// Progress is a live progress bar: an HTML <progress> element updated in
// place with the count, percentage, elapsed time, rate and ETA, and the
// same as one line of text for terminals and nbconvert. Updates are
// rate-limited (see DefaultInterval), so calling Add in every iteration of
// a tight loop is cheap (a few nanoseconds: one atomic add and one
// atomic load, the clock being read only every few hundred steps in fast
// loops). A Progress is safe for concurrent use.
type Progress struct {
	lim   limiter
	cur   atomic.Int64
	total int64
	label string
	start time.Time
	h     *Handle
	done  bool        // guarded by lim.mu
	ended atomic.Bool // done, for the fast path
}

// NewProgress displays a progress bar for total steps (total ≤ 0 when the
// number of steps is unknown; then no percentage or ETA is shown) with
// the given label, and returns it.
func NewProgress(total int, label string) *Progress {
	return newProgress(total, label, nil)
}

func newProgress(total int, label string, now func() time.Time) *Progress {
	p := &Progress{total: int64(total), label: label}
	p.lim.init(now)
	p.start = p.lim.now()
	p.lim.lastSent, p.lim.sentOnce = p.start, true
	p.h = showBundle(p.bundle(0, p.start), nil)
	return p
}

// SetInterval sets the shortest time between two updates (default
// DefaultInterval); d ≤ 0 updates on every call, which is useful in tests
// but slow in loops.
func (p *Progress) SetInterval(d time.Duration) {
	p.lim.mu.Lock()
	p.lim.interval = d
	p.lim.mu.Unlock()
}

// Add advances the bar by n steps.
func (p *Progress) Add(n int) {
	c := p.cur.Add(int64(n))
	if p.lim.check(c) || (p.total > 0 && c >= p.total && !p.ended.Load()) {
		p.slow(c)
	}
}

// Set sets the number of completed steps to i (which may go back, e.g.
// to 0 for a new epoch).
func (p *Progress) Set(i int) {
	prev := p.cur.Swap(int64(i))
	if p.lim.check(int64(i)) || int64(i) < prev || (p.total > 0 && int64(i) >= p.total && !p.ended.Load()) {
		p.slow(int64(i))
	}
}

// Count returns the number of completed steps.
func (p *Progress) Count() int { return int(p.cur.Load()) }

// Handle returns the display of the progress bar.
func (p *Progress) Handle() *Handle { return p.h }

func (p *Progress) slow(c int64) {
	l := &p.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.done {
		return
	}
	now := l.now()
	final := p.total > 0 && c >= p.total
	if !l.due(now, c) && !final {
		return
	}
	l.lastSent, l.sentOnce = now, true
	if final {
		p.end()
	}
	p.h.Update(Rich{Data: p.bundle(c, now)})
}

// Done sends the final state of the bar (even if an update was sent very
// recently) and stops further updates.
func (p *Progress) Done() {
	l := &p.lim
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.done {
		return
	}
	p.end()
	p.h.Update(Rich{Data: p.bundle(p.cur.Load(), l.now())})
}

// end marks the bar finished (lim.mu held): no more updates, and the fast
// path stops calling slow.
func (p *Progress) end() {
	p.done = true
	p.ended.Store(true)
	p.lim.nextCheck.Store(math.MaxInt64)
}

// fmtDuration formats d as m:ss or h:mm:ss.
func fmtDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func fmtRate(r float64) string {
	switch {
	case r <= 0 || math.IsInf(r, 0) || math.IsNaN(r):
		return "? it/s"
	case r >= 1:
		return strconv.FormatFloat(r, 'f', 1, 64) + " it/s"
	default:
		return strconv.FormatFloat(1/r, 'f', 1, 64) + " s/it"
	}
}

// bundle renders the bar for c completed steps at time now.
func (p *Progress) bundle(c int64, now time.Time) map[string]any {
	el := now.Sub(p.start)
	rate := 0.0
	if el > 0 {
		rate = float64(c) / el.Seconds()
	}
	stats := fmtDuration(el)
	count := strconv.FormatInt(c, 10)
	frac := 0.0
	if p.total > 0 {
		frac = math.Min(1, math.Max(0, float64(c)/float64(p.total)))
		count += "/" + strconv.FormatInt(p.total, 10)
		eta := "?"
		if rate > 0 {
			eta = fmtDuration(time.Duration(float64(p.total-c) / rate * float64(time.Second)))
		}
		stats += "<" + eta
	}
	stats += ", " + fmtRate(rate)

	var t strings.Builder
	if p.label != "" {
		t.WriteString(p.label + " ")
	}
	if p.total > 0 {
		const width = 30
		fill := int(frac * width)
		t.WriteString(fmt.Sprintf("%3.0f%% |%s%s| ", 100*frac, strings.Repeat("█", fill), strings.Repeat("·", width-fill)))
	}
	t.WriteString(count + " [" + stats + "]")

	var h strings.Builder
	h.WriteString(`<div style="font-family:monospace;white-space:nowrap">`)
	if p.label != "" {
		h.WriteString(html.EscapeString(p.label) + " ")
	}
	if p.total > 0 {
		fmt.Fprintf(&h, `%3.0f%% <progress value="%d" max="%d" style="width:30ex;vertical-align:middle"></progress> `, 100*frac, c, p.total)
	}
	h.WriteString(html.EscapeString(count + " [" + stats + "]"))
	h.WriteString(`</div>`)
	return map[string]any{"text/plain": t.String(), "text/html": h.String()}
}

// maxLivePoints is the number of points LiveLoss draws at most; longer
// runs are averaged in buckets.
const maxLivePoints = 1000

// LiveLoss is a loss curve that updates in place while a model trains:
// call Add with each step's loss (a few tens of nanoseconds). The plot
// (see LossPlot; runs longer than 1000 steps are drawn as 1000 bucket
// means) is sent as SVG, which renders in a few milliseconds, with a PNG
// beside it for notebooks that do not trust SVG (renewed less often when
// it is slow, always in the final curve); updates are
// rate-limited (see DefaultInterval) and, in addition, spaced so that
// drawing takes at most about 1% of the time. The text/plain form gives
// the step, the last loss and the smoothed loss. A LiveLoss is safe for
// concurrent use.
type LiveLoss struct {
	lim    limiter
	losses lossStore
	logY   atomic.Bool
	h      *Handle
	done   bool          // guarded by lim.mu
	cost   time.Duration // time of the last render, by the limiter's clock

	// The last PNG (base64), when and in how long it was rendered;
	// guarded by lim.mu.
	png     string
	pngAt   time.Time
	pngCost time.Duration
}

// lossChunk is the number of losses per chunk of a lossStore.
const lossChunk = 4096

var nanBits = math.Float64bits(math.NaN())

// lossStore is an append-only list of float64 that many goroutines may
// append to and read without a lock: a slot is reserved with one atomic
// add and written with an atomic store; chunks are allocated (filled with
// NaN, which readers skip like a missing value) under a mutex.
type lossStore struct {
	n      atomic.Int64 // slots reserved
	mu     sync.Mutex   // serialises growth
	chunks atomic.Pointer[[]*[lossChunk]uint64]
}

// add appends x and returns the new length.
func (s *lossStore) add(x float64) int64 {
	i := s.n.Add(1) - 1
	c := int(i / lossChunk)
	cs := s.chunks.Load()
	if cs == nil || c >= len(*cs) {
		cs = s.grow(c)
	}
	atomic.StoreUint64(&(*cs)[c][i%lossChunk], math.Float64bits(x))
	return i + 1
}

// grow makes sure chunk c exists and returns the chunk list.
func (s *lossStore) grow(c int) *[]*[lossChunk]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chunks.Load()
	var old []*[lossChunk]uint64
	if cs != nil {
		old = *cs
	}
	if c < len(old) {
		return cs
	}
	chunks := make([]*[lossChunk]uint64, c+1)
	copy(chunks, old)
	for k := len(old); k <= c; k++ {
		// Plain writes: the chunk is published by the atomic Store below.
		ch := new([lossChunk]uint64)
		for j := range ch {
			ch[j] = nanBits
		}
		chunks[k] = ch
	}
	s.chunks.Store(&chunks)
	return &chunks
}

// len returns the number of losses added (some of the last may not be
// written yet by concurrent Adds; they read as NaN).
func (s *lossStore) len() int { return int(s.n.Load()) }

// at returns loss i < len().
func (s *lossStore) at(i int) float64 {
	cs := s.chunks.Load()
	if cs == nil || i/lossChunk >= len(*cs) {
		return math.NaN()
	}
	return math.Float64frombits(atomic.LoadUint64(&(*cs)[i/lossChunk][i%lossChunk]))
}

// slice returns losses lo…hi-1.
func (s *lossStore) slice(lo, hi int) []float64 {
	out := make([]float64, hi-lo)
	for i := range out {
		out[i] = s.at(lo + i)
	}
	return out
}

// NewLiveLoss displays an empty loss curve and returns it.
func NewLiveLoss() *LiveLoss {
	return newLiveLoss(nil)
}

func newLiveLoss(now func() time.Time) *LiveLoss {
	l := &LiveLoss{}
	l.lim.init(now)
	l.h = showBundle(l.render(l.lim.now(), false), nil)
	l.lim.lastSent, l.lim.sentOnce = l.lim.now(), true
	return l
}

// SetInterval sets the shortest time between two updates (default
// DefaultInterval).
func (l *LiveLoss) SetInterval(d time.Duration) {
	l.lim.mu.Lock()
	l.lim.interval = d
	l.lim.mu.Unlock()
}

// SetLogScale chooses a logarithmic loss axis (see LossPlotLog) for the
// following updates.
func (l *LiveLoss) SetLogScale(on bool) {
	l.logY.Store(on)
}

// Handle returns the display of the curve.
func (l *LiveLoss) Handle() *Handle { return l.h }

// Losses returns a copy of the losses added so far.
func (l *LiveLoss) Losses() []float64 {
	return l.losses.slice(0, l.losses.len())
}

// Add records the loss of the next step and updates the plot when due.
func (l *LiveLoss) Add(loss float64) {
	n := l.losses.add(loss)
	if !l.lim.check(n) {
		return
	}
	lim := &l.lim
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if l.done {
		return
	}
	now := lim.now()
	if !lim.due(now, n) || (lim.sentOnce && now.Sub(lim.lastSent) < 100*l.cost) {
		return
	}
	l.publish(now, false)
}

// publish renders and sends an update (lim.mu held).
func (l *LiveLoss) publish(now time.Time, final bool) {
	b := l.render(now, final)
	l.lim.lastSent, l.lim.sentOnce = l.lim.now(), true
	l.h.Update(Rich{Data: b})
}

// render renders the curve (lim.mu held, or before l is shared), started
// at now. The SVG is new in every update; the PNG beside it, which takes
// several times longer to render, is renewed when final is set or when
// at most 1% of the time since the last one went into PNGs, and otherwise
// repeated, so that updates stay frequent and every one carries a
// picture that untrusted notebooks show.
func (l *LiveLoss) render(now time.Time, final bool) map[string]any {
	p, text := l.plot()
	svg, err := renderSVG(p, DefaultWidth, DefaultHeight)
	after := l.lim.now()
	l.cost = after.Sub(now)
	if err != nil {
		return textBundle(text + "\n" + err.Error())
	}
	if final || l.png == "" || after.Sub(l.pngAt) >= 100*l.pngCost {
		png, err := renderPNG(p, DefaultWidth, DefaultHeight)
		if err != nil {
			return textBundle(text + "\n" + err.Error())
		}
		l.png = base64.StdEncoding.EncodeToString(png)
		l.pngAt = l.lim.now()
		l.pngCost = l.pngAt.Sub(after)
	}
	return map[string]any{"image/svg+xml": svg, "image/png": l.png, "text/plain": text}
}

// Done sends the final curve and stops further updates.
func (l *LiveLoss) Done() {
	lim := &l.lim
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	lim.nextCheck.Store(math.MaxInt64)
	l.publish(lim.now(), true)
}

// plot returns the plot of the current curve and its text form.
func (l *LiveLoss) plot() (*plot.Plot, string) {
	// Take at most maxLivePoints values (bucket means of long runs),
	// without copying the whole history.
	var steps, series []float64
	n := l.losses.len()
	last := math.NaN()
	if n > 0 {
		last = l.losses.at(n - 1)
	}
	if n > maxLivePoints {
		steps, series = downsample(n, l.losses.at, maxLivePoints)
	} else {
		series = l.losses.slice(0, n)
	}
	logY := l.logY.Load()

	text := "no losses yet"
	if n > 0 {
		sm := Smooth(series, max(1, len(series)/20))
		text = "step " + strconv.Itoa(n-1) + "  loss " + formatFloat(last) + "  smoothed " + formatFloat(sm[len(sm)-1])
	}
	p := lossPlot(steps, series, logY)
	if steps != nil {
		p.Title.Text = text + "   (means of " + strconv.Itoa(n/maxLivePoints) + "+ steps)"
	}
	return p, text
}

// downsample averages the m values at(0…m-1) in n buckets, ignoring
// non-finite values (a bucket with none is NaN), and returns the middle
// step of each bucket and the means.
func downsample(m int, at func(int) float64, n int) (steps, means []float64) {
	out := make([]float64, n)
	steps = make([]float64, n)
	for b := 0; b < n; b++ {
		lo, hi := b*m/n, (b+1)*m/n
		steps[b] = float64(lo+hi-1) / 2
		s, k := 0.0, 0
		for i := lo; i < hi; i++ {
			x := at(i)
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				s += x
				k++
			}
		}
		out[b] = math.NaN()
		if k > 0 {
			out[b] = s / float64(k)
		}
	}
	return steps, out
}
