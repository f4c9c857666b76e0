// Command parallel measures the speed-up of ad.ParallelGrad (data-parallel
// gradients, one goroutine and tape per core) over the serial gradient on
// the 784-300-100-10 MNIST network of ad's BenchmarkMLP, on this machine.
//
// It times three ways of computing the gradient of the loss summed over a
// batch, interleaved round after round so that all three see the same
// machine load, and reports the fastest and the median round of each:
//
//	serial-1core  ad.Grad on the whole batch with GOMAXPROCS=1
//	serial        ad.Grad on the whole batch (gonum's DGEMM may use all cores)
//	parallel      ad.ParallelGrad with GOMAXPROCS workers
//
// The loss is written two ways: one example at a time (vector ops) and the
// sub-batch as one matrix. Usage:
//
//	go run ./bench/parallel [-batch 128] [-rounds 20]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"time"

	"github.com/gopherprop/gopherprop/ad"
	"gonum.org/v1/gonum/mat"
)

// Net is the network's parameters.
type Net struct {
	W1, W2, W3 *mat.Dense
	B1, B2, B3 *mat.VecDense
}

var sizes = [4]int{784, 300, 100, 10}

func uniform(rng *rand.Rand, r, c int) *mat.Dense {
	d := make([]float64, r*c)
	for i := range d {
		d[i] = rng.Float64() - 0.5
	}
	return mat.NewDense(r, c, d)
}

func vec(m *mat.Dense) *mat.VecDense {
	r, _ := m.Dims()
	return mat.NewVecDense(r, m.RawMatrix().Data)
}

func logits(n, x *ad.Var) *ad.Var {
	h1 := ad.Logistic(ad.Dense(ad.Field(n, "W1"), ad.Field(n, "B1"), x))
	h2 := ad.Logistic(ad.Dense(ad.Field(n, "W2"), ad.Field(n, "B2"), h1))
	return ad.Dense(ad.Field(n, "W3"), ad.Field(n, "B3"), h2)
}

func main() {
	batch := flag.Int("batch", 128, "examples per batch")
	rounds := flag.Int("rounds", 20, "timing rounds")
	flag.Parse()
	rng := rand.New(rand.NewPCG(21, 1))
	net := Net{
		W1: uniform(rng, sizes[1], sizes[0]), B1: vec(uniform(rng, sizes[1], 1)),
		W2: uniform(rng, sizes[2], sizes[1]), B2: vec(uniform(rng, sizes[2], 1)),
		W3: uniform(rng, sizes[3], sizes[2]), B3: vec(uniform(rng, sizes[3], 1)),
	}
	x := uniform(rng, sizes[0], *batch)
	x.Apply(func(_, _ int, v float64) float64 { return v + 0.51 }, x) // non-zero inputs
	t := mat.NewDense(sizes[3], *batch, nil)
	for j := 0; j < *batch; j++ {
		t.Set(rng.IntN(sizes[3]), j, 1)
	}
	xs := make([]*ad.Var, *batch)
	ts := make([]*ad.Var, *batch)
	for j := range xs {
		xs[j] = ad.Const(mat.VecDenseCopyOf(x.ColView(j)))
		ts[j] = ad.Const(mat.VecDenseCopyOf(t.ColView(j)))
	}
	losses := []struct {
		name string
		f    func(n *ad.Var, i0, i1 int) *ad.Var
	}{
		{"examples", func(n *ad.Var, i0, i1 int) *ad.Var {
			sum := ad.SoftmaxCrossEntropy(logits(n, xs[i0]), ts[i0])
			for i := i0 + 1; i < i1; i++ {
				sum = ad.Add(sum, ad.SoftmaxCrossEntropy(logits(n, xs[i]), ts[i]))
			}
			return sum
		}},
		{"matrix", func(n *ad.Var, i0, i1 int) *ad.Var {
			return ad.SoftmaxCrossEntropy(logits(n, ad.Const(x.Slice(0, sizes[0], i0, i1))), ad.Const(t.Slice(0, sizes[3], i0, i1)))
		}},
	}
	procs := runtime.GOMAXPROCS(0)
	fmt.Printf("ParallelGrad on the 784-300-100-10 MLP, batch %d, %d rounds, GOMAXPROCS=%d, BLAS %s\n", *batch, *rounds, procs, ad.BLAS())
	fmt.Printf("%-9s %-13s %10s %10s %9s\n", "loss", "mode", "fastest", "median", "speed-up")
	for _, l := range losses {
		var g Net
		serial := func() { ad.Grad(func(n *ad.Var) *ad.Var { return l.f(n, 0, *batch) }, net, &g) }
		modes := []struct {
			name string
			run  func()
		}{
			{"serial-1core", func() { defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)); serial() }},
			{"serial", serial},
			{"parallel", func() { ad.ParallelGrad(l.f, net, *batch, &g) }},
		}
		times := make([][]time.Duration, len(modes))
		for _, m := range modes { // warm up
			m.run()
		}
		for r := 0; r < *rounds; r++ {
			for k, m := range modes {
				runtime.GC()
				start := time.Now()
				m.run()
				times[k] = append(times[k], time.Since(start))
			}
		}
		best := make([]time.Duration, len(modes))
		for k, m := range modes {
			sort.Slice(times[k], func(i, j int) bool { return times[k][i] < times[k][j] })
			best[k] = times[k][0]
			ratio := ""
			if k == 2 {
				ratio = fmt.Sprintf("%.2f× / %.2f×", float64(best[0])/float64(best[2]), float64(best[1])/float64(best[2]))
			}
			fmt.Printf("%-9s %-13s %10s %10s %s\n", l.name, m.name, best[k].Round(10*time.Microsecond), times[k][len(times[k])/2].Round(10*time.Microsecond), ratio)
		}
	}
	fmt.Println("speed-up: fastest serial-1core / fastest parallel, and fastest serial / fastest parallel")
}
