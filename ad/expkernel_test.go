package ad

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// expkRefExp and expkRefLogistic are the plain loops the kernels replace.
func expkRefExp(dst, src []float64) {
	for i, x := range src {
		dst[i] = math.Exp(x)
	}
}

func expkRefLogistic(dst, src []float64) {
	for i, x := range src {
		dst[i] = 1 / (1 + math.Exp(-x))
	}
}

// expkUlpErr returns |got−want| in units of the last place of want, where
// the ulp is the gap from |want| to the next float64 away from zero. For
// results below the smallest normal float64 it returns the error in units of
// the smallest subnormal instead (the ulp there). Non-finite or mismatched
// special results give +Inf.
func expkUlpErr(got, want float64) float64 {
	if math.IsNaN(want) || math.IsInf(want, 0) || want == 0 {
		if math.Float64bits(got) == math.Float64bits(want) || (math.IsNaN(got) && math.IsNaN(want)) {
			return 0
		}
		if want == 0 && got == 0 {
			return 0
		}
		if want == 0 && math.Abs(got) <= math.SmallestNonzeroFloat64 {
			return 1
		}
		return math.Inf(1)
	}
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return math.Inf(1)
	}
	aw := math.Abs(want)
	ulp := math.Nextafter(aw, math.Inf(1)) - aw
	return math.Abs(got-want) / ulp
}

// expkCheck compares got against want element by element: at most maxUlp ulp
// for normal results, at most one subnormal unit for subnormal ones. It
// returns the largest error seen in normal results (in ulp).
func expkCheck(t *testing.T, name string, src, got, want []float64, maxUlp float64) float64 {
	t.Helper()
	worst := 0.0
	fails := 0
	for i, x := range src {
		e := expkUlpErr(got[i], want[i])
		limit := maxUlp
		if math.Abs(want[i]) < 0x1p-1022 {
			limit = 1 // one subnormal unit
		} else if e > worst {
			worst = e
		}
		if e > limit || math.IsNaN(e) {
			fails++
			if fails <= 10 {
				t.Errorf("%s(%v) [%#016x] = %v [%#016x], want %v [%#016x] (error %.3g ulp, limit %v)",
					name, x, math.Float64bits(x), got[i], math.Float64bits(got[i]),
					want[i], math.Float64bits(want[i]), e, limit)
			}
		}
	}
	if fails > 10 {
		t.Errorf("%s: %d more failures", name, fails-10)
	}
	return worst
}

// expkSweep returns n evenly spaced points over [lo, hi], the endpoints and
// some points around the boundaries of the fast path and of the float64
// range, and m uniformly random points over [lo, hi].
func expkSweep(lo, hi float64, n, m int) []float64 {
	xs := make([]float64, 0, n+m+200)
	for i := 0; i < n; i++ {
		xs = append(xs, lo+(hi-lo)*float64(i)/float64(n-1))
	}
	for _, c := range []float64{
		0, expkMaxAbs, -expkMaxAbs, 709.782712893384, -708.3964185322641,
		-745.1332191019411, -745.1332191019412, 1, -1, 0x1p-54, -0x1p-54,
	} {
		x := c
		for j := 0; j < 8; j++ {
			xs = append(xs, x)
			x = math.Nextafter(x, math.Inf(1))
		}
		x = c
		for j := 0; j < 8; j++ {
			x = math.Nextafter(x, math.Inf(-1))
			xs = append(xs, x)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < m; i++ {
		xs = append(xs, lo+(hi-lo)*r.Float64())
	}
	// Tiny and mid-sized magnitudes of both signs, spread over the exponents.
	for i := 0; i < m/4; i++ {
		x := math.Ldexp(1+r.Float64(), -60+r.IntN(70))
		if r.IntN(2) == 0 {
			x = -x
		}
		if x >= lo && x <= hi {
			xs = append(xs, x)
		}
	}
	return xs
}

// TestExpKernelTable recomputes expkTab to 300 bits with math/big.
func TestExpKernelTable(t *testing.T) {
	const prec = 300
	root := new(big.Float).SetPrec(prec).SetInt64(2)
	for range expkTableBits {
		root.Sqrt(root) // 2^(1/N)
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for j := range expkN {
		scale, _ := p.Float64()
		bs := new(big.Float).SetPrec(prec).SetFloat64(scale)
		tailBig := new(big.Float).SetPrec(prec).Sub(p, bs)
		tailBig.Quo(tailBig, bs)
		tail, _ := tailBig.Float64()
		wantTail := math.Float64bits(tail)
		wantS := math.Float64bits(scale) - uint64(j)<<(52-expkTableBits)
		if got := expkTab[j]; got.tail != wantTail || got.sbits != wantS {
			t.Errorf("expkTab[%d] = {%#016x, %#016x}, want {%#016x, %#016x}",
				j, got.tail, got.sbits, wantTail, wantS)
		}
		p.Mul(p, root)
	}
	if got := math.Float64bits(expkMaxAbs); got != expkMaxAbsBits {
		t.Errorf("expkMaxAbsBits = %#016x, want %#016x", uint64(expkMaxAbsBits), got)
	}
	if got := math.Float64bits(expkLogMid + 36); got != expkLogHalfBits {
		t.Errorf("expkLogHalfBits = %#016x, want %#016x", uint64(expkLogHalfBits), got)
	}
}

// TestExpKernelSweep compares expInto with math.Exp over 2 million evenly
// spaced points of [−745.2, 709.8] and 400,000 random ones.
func TestExpKernelSweep(t *testing.T) {
	n, m := 2_000_000, 400_000
	if testing.Short() {
		n, m = 200_000, 40_000
	}
	src := expkSweep(-745.2, 709.8, n, m)
	got := make([]float64, len(src))
	want := make([]float64, len(src))
	expInto(got, src)
	expkRefExp(want, src)
	worst := expkCheck(t, "expInto", src, got, want, 2)
	t.Logf("expInto: %d points, max error %.3f ulp vs math.Exp", len(src), worst)
}

// TestLogisticKernelSweep compares logisticInto with 1/(1+math.Exp(−x)).
//
// The limit is 3 ulp, not 2: on amd64 math.Exp (assembly) is up to 1.7 ulp
// off, the kernel's e^x up to 0.51 ulp, and the rounding of 1 + e^−x and of
// the division can turn their 2-ulp differences into 3-ulp differences of
// the quotient (about 1 element in a million for x in [−1, 1]). Against the
// exact logistic the kernel is the more accurate of the two; see
// TestLogisticKernelTrueError. Where logisticInto falls back to math.Exp
// (x < −36.04, x > 708, NaN, ±Inf) the results must be identical.
func TestLogisticKernelSweep(t *testing.T) {
	n, m := 2_000_000, 400_000
	if testing.Short() {
		n, m = 200_000, 40_000
	}
	for _, r := range []struct {
		lo, hi float64
	}{{-750, 750}, {-40, 40}, {-1, 1}} {
		src := expkSweep(r.lo, r.hi, n/2, m/2)
		// Inputs found (in 98 million random ones) where the kernel and
		// the reference are 3 ulp apart.
		for _, b := range []uint64{
			0xc011b120d9fa98d4, 0xbfd5dcc05b2b0ca0, 0xc01772d8231ba204,
			0xc01fd313e47e103c, 0xbfd32a8b368af480, 0xc01fb47a7036585e,
		} {
			src = append(src, math.Float64frombits(b))
		}
		got := make([]float64, len(src))
		want := make([]float64, len(src))
		logisticInto(got, src)
		expkRefLogistic(want, src)
		worst := expkCheck(t, "logisticInto", src, got, want, 3)
		over2, same := 0, 0
		for i, x := range src {
			if expkUlpErr(got[i], want[i]) > 2 {
				over2++
			}
			if x < -36.04 || x > 708 {
				same++
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Errorf("logisticInto(%v) = %v, want exactly %v (slow path)", x, got[i], want[i])
				}
			}
		}
		t.Logf("logisticInto over [%v, %v]: %d points (%d on the slow path), max error %.3f ulp vs 1/(1+math.Exp(-x)), %d above 2 ulp",
			r.lo, r.hi, len(src), same, worst, over2)
	}
}

// expkBigExp returns e^x to about 150 bits: e^x = (e^(x/2^12))^(2^12),
// with a Taylor series for the inner exponential.
func expkBigExp(x float64) *big.Float {
	const prec, halvings = 170, 12
	y := new(big.Float).SetPrec(prec).SetFloat64(x)
	y.SetMantExp(y, -halvings) // |y| < 0.19
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	k := new(big.Float).SetPrec(prec)
	for i := 1; i <= 32; i++ { // 0.19^33/33! < 2^-190
		term.Mul(term, y)
		term.Quo(term, k.SetInt64(int64(i)))
		sum.Add(sum, term)
	}
	for range halvings {
		sum.Mul(sum, sum)
	}
	return sum
}

// expkTrueUlpErr returns |got − exact| in ulp of exact rounded to float64.
func expkTrueUlpErr(got float64, exact *big.Float) float64 {
	w, _ := exact.Float64()
	aw := math.Abs(w)
	ulp := math.Nextafter(aw, math.Inf(1)) - aw
	d := new(big.Float).SetPrec(exact.Prec()).SetFloat64(got)
	d.Sub(d, exact)
	df, _ := d.Float64()
	return math.Abs(df) / ulp
}

// expkTruthSample returns random points over the fast paths, weighted
// toward the range where activations live.
func expkTruthSample(n int, lo, hi float64) []float64 {
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float64, n)
	for i := range xs {
		switch i % 3 {
		case 0:
			xs[i] = lo + (hi-lo)*r.Float64()
		case 1:
			xs[i] = -2 + 4*r.Float64()
		default:
			xs[i] = -30 + 60*r.Float64()
		}
	}
	return xs
}

// TestExpKernelTrueError checks expInto against e^x computed with math/big:
// the method's bound is 0.511 ulp. math.Exp's own error is logged for
// comparison.
func TestExpKernelTrueError(t *testing.T) {
	n := 30_000
	if testing.Short() {
		n = 3_000
	}
	src := expkTruthSample(n, -708, 708)
	got := make([]float64, len(src))
	expInto(got, src)
	worst, worstRef := 0.0, 0.0
	for i, x := range src {
		exact := expkBigExp(x)
		e := expkTrueUlpErr(got[i], exact)
		if e > 0.52 {
			t.Errorf("expInto(%v) = %v: error %.3f ulp against the exact value, want ≤ 0.52", x, got[i], e)
		}
		worst = max(worst, e)
		worstRef = max(worstRef, expkTrueUlpErr(math.Exp(x), exact))
	}
	t.Logf("%d points: max error against the exact e^x: expInto %.3f ulp, math.Exp %.3f ulp", len(src), worst, worstRef)
}

// TestLogisticKernelTrueError checks logisticInto against the exact
// logistic; the rounding of 1 + e^−x and of the division dominate.
func TestLogisticKernelTrueError(t *testing.T) {
	n := 30_000
	if testing.Short() {
		n = 3_000
	}
	src := expkTruthSample(n, -36, 708)
	got := make([]float64, len(src))
	logisticInto(got, src)
	one := new(big.Float).SetInt64(1)
	worst, worstRef := 0.0, 0.0
	for i, x := range src {
		d := expkBigExp(-x)
		d.Add(d, one)
		exact := new(big.Float).SetPrec(d.Prec()).Quo(one, d)
		e := expkTrueUlpErr(got[i], exact)
		if e > 2.5 {
			t.Errorf("logisticInto(%v) = %v: error %.3f ulp against the exact value, want ≤ 2.5", x, got[i], e)
		}
		worst = max(worst, e)
		worstRef = max(worstRef, expkTrueUlpErr(1/(1+math.Exp(-x)), exact))
	}
	t.Logf("%d points: max error against the exact logistic: logisticInto %.3f ulp, 1/(1+math.Exp(-x)) %.3f ulp", len(src), worst, worstRef)
}

// expkBits formats v with its bits, so that −0 and NaN payloads show.
func expkBits(v float64) string { return fmt.Sprintf("%v [%#016x]", v, math.Float64bits(v)) }

func TestExpKernelSpecialValues(t *testing.T) {
	nan := math.NaN()
	inf := math.Inf(1)
	tests := []struct {
		name string
		fn   func(dst, src []float64)
		x    float64
		want float64
	}{
		{"expInto", expInto, 0, 1},
		{"expInto", expInto, math.Copysign(0, -1), 1},
		{"expInto", expInto, inf, inf},
		{"expInto", expInto, -inf, 0},
		{"expInto", expInto, nan, nan},
		{"expInto", expInto, 710, inf},
		{"expInto", expInto, 1000, inf},
		{"expInto", expInto, math.MaxFloat64, inf},
		{"expInto", expInto, -746, 0},
		{"expInto", expInto, -1000, 0},
		{"expInto", expInto, -math.MaxFloat64, 0},
		{"expInto", expInto, 1, math.E},
		{"expInto", expInto, math.SmallestNonzeroFloat64, 1},
		{"expInto", expInto, -math.SmallestNonzeroFloat64, 1},
		{"logisticInto", logisticInto, inf, 1},
		{"logisticInto", logisticInto, -inf, 0},
		{"logisticInto", logisticInto, nan, nan},
		{"logisticInto", logisticInto, 0, 0.5},
		{"logisticInto", logisticInto, math.Copysign(0, -1), 0.5},
		{"logisticInto", logisticInto, -1000, 0},
		{"logisticInto", logisticInto, 1000, 1},
		{"logisticInto", logisticInto, 40, 1},
		{"logisticInto", logisticInto, math.MaxFloat64, 1},
		{"logisticInto", logisticInto, -math.MaxFloat64, 0},
	}
	for _, tt := range tests {
		// Put the value among ordinary ones so that it also goes through the
		// loop next to fast-path elements.
		src := []float64{0.5, tt.x, -0.25}
		dst := make([]float64, 3)
		tt.fn(dst, src)
		got := dst[1]
		ok := math.Float64bits(got) == math.Float64bits(tt.want) ||
			(math.IsNaN(tt.want) && math.IsNaN(got))
		if !ok {
			t.Errorf("%s(%v) = %s, want %s", tt.name, tt.x, expkBits(got), expkBits(tt.want))
		}
	}
}

func TestExpKernelAliasing(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func(dst, src []float64)
		ref  func(dst, src []float64)
	}{
		{"expInto", expInto, expkRefExp},
		{"logisticInto", logisticInto, expkRefLogistic},
	} {
		r := rand.New(rand.NewPCG(3, 4))
		src := make([]float64, 1001)
		for i := range src {
			src[i] = -20 + 40*r.Float64()
		}
		src[7], src[8], src[9] = math.NaN(), 800, -800 // slow path too
		orig := append([]float64(nil), src...)
		separate := make([]float64, len(src))
		tt.fn(separate, src)
		want := make([]float64, len(src))
		tt.ref(want, orig)

		tt.fn(src, src) // in place
		for i := range src {
			if math.Float64bits(src[i]) != math.Float64bits(separate[i]) {
				t.Errorf("%s in place: element %d (x=%v) = %v, want %v as with separate slices",
					tt.name, i, orig[i], src[i], separate[i])
			}
		}
		expkCheck(t, tt.name+" in place", orig, src, want, 2)
	}
}

func TestExpKernelLengths(t *testing.T) {
	const sentinel = -12345.0
	for _, tt := range []struct {
		name string
		fn   func(dst, src []float64)
		ref  func(dst, src []float64)
	}{
		{"expInto", expInto, expkRefExp},
		{"logisticInto", logisticInto, expkRefLogistic},
	} {
		for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 127, 1001} {
			r := rand.New(rand.NewPCG(uint64(n), 5))
			src := make([]float64, n)
			for i := range src {
				src[i] = -10 + 20*r.Float64()
			}
			// dst has spare capacity that must be left alone.
			buf := make([]float64, n+3)
			for i := range buf {
				buf[i] = sentinel
			}
			dst := buf[:n]
			tt.fn(dst, src)
			want := make([]float64, n)
			tt.ref(want, src)
			expkCheck(t, fmt.Sprintf("%s (n=%d)", tt.name, n), src, dst, want, 2)
			for i := n; i < len(buf); i++ {
				if buf[i] != sentinel {
					t.Errorf("%s (n=%d) wrote past the end of dst: buf[%d] = %v", tt.name, n, i, buf[i])
				}
			}
		}
		// nil slices are length 0.
		tt.fn(nil, nil)
	}
}

func TestExpKernelLengthMismatch(t *testing.T) {
	for _, tt := range []struct {
		name           string
		fn             func(dst, src []float64)
		dstLen, srcLen int
		want           string
	}{
		{"expInto", expInto, 3, 4, "ad: expInto: dst has length 3 but src has length 4"},
		{"expInto", expInto, 5, 0, "ad: expInto: dst has length 5 but src has length 0"},
		{"logisticInto", logisticInto, 0, 1, "ad: logisticInto: dst has length 0 but src has length 1"},
		{"logisticInto", logisticInto, 10, 9, "ad: logisticInto: dst has length 10 but src has length 9"},
	} {
		t.Run(fmt.Sprintf("%s/%d,%d", tt.name, tt.dstLen, tt.srcLen), func(t *testing.T) {
			dst := make([]float64, tt.dstLen)
			src := make([]float64, tt.srcLen)
			for i := range dst {
				dst[i] = 42
			}
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("%s did not panic", tt.name)
				}
				if got := fmt.Sprint(r); got != tt.want {
					t.Errorf("panic message %q, want %q", got, tt.want)
				}
				for i, v := range dst {
					if v != 42 {
						t.Errorf("dst[%d] was written (%v) before the panic", i, v)
					}
				}
			}()
			tt.fn(dst, src)
		})
	}
}

// expkBenchSize is the element count of a 300×128 layer.
const expkBenchSize = 300 * 128

func expkBenchInput(halfWidth float64) []float64 {
	r := rand.New(rand.NewPCG(7, 8))
	src := make([]float64, expkBenchSize)
	for i := range src {
		src[i] = halfWidth * (2*r.Float64() - 1)
	}
	return src
}

func expkBench(b *testing.B, ref, kernel func(dst, src []float64)) {
	for _, impl := range []struct {
		name string
		fn   func(dst, src []float64)
	}{{"mathexp", ref}, {"kernel", kernel}} {
		for _, w := range []float64{8, 30} {
			b.Run(fmt.Sprintf("%s/range=%v", impl.name, w), func(b *testing.B) {
				src := expkBenchInput(w)
				dst := make([]float64, len(src))
				b.SetBytes(int64(8 * len(src)))
				for b.Loop() {
					impl.fn(dst, src)
				}
			})
		}
	}
}

// BenchmarkExpKernel compares expInto with the plain math.Exp loop over
// 38,400 inputs uniform in [−8, 8] and [−30, 30].
func BenchmarkExpKernel(b *testing.B) { expkBench(b, expkRefExp, expInto) }

// BenchmarkLogisticKernel compares logisticInto with the plain
// 1/(1+math.Exp(−x)) loop.
func BenchmarkLogisticKernel(b *testing.B) { expkBench(b, expkRefLogistic, logisticInto) }
