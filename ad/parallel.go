package ad

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
)

// ParallelGrad computes the gradient of a loss that is a sum over a batch
// of n examples, splitting the batch across goroutines (one per
// runtime.GOMAXPROCS, at most n), each with its own tape, and adding up the
// gradients (data parallelism). f(params, i0, i1) must return the scalar
// loss of the examples i0 ≤ i < i1 such that the losses of consecutive
// sub-batches add up to the loss of the whole batch: a sum over examples,
// or a sum divided by n (a mean over the whole batch), but not a mean over
// the sub-batch. ParallelGrad writes the gradient with respect to params
// into dparams (a pointer to a value of params' type, or a *any, as for
// Grad) and returns the loss of the whole batch.
//
// The result equals Grad(func(p *Var) *Var { return f(p, 0, n) }, params,
// dparams) up to rounding. f is called concurrently from several goroutines:
// it may read params and shared data (the batch) but must not modify them.
// A panic in f (or an interruption through SetContext, checked before every
// sub-batch and during each backward pass) is re-raised in the caller's
// goroutine once all workers have stopped, so it never crashes the process;
// dparams is then left in an unspecified state. ParallelGrad panics if n < 1.
//
// When it pays: the workers run the sub-batches on separate cores, so the
// speed-up is best when the loss is computed example by example or with
// many small operations. A loss built on large matrix–matrix products of
// the whole batch already uses every core inside gonum's DGEMM (and
// OpenBLAS's), and splitting the batch makes those products narrower, so
// the gain there is small. The workers' gradient buffers are pooled per
// parameter type and reused across calls.
func ParallelGrad(f func(params *Var, i0, i1 int) *Var, params any, n int, dparams any) float64 {
	return parallelGrad(f, params, n, runtime.GOMAXPROCS(0), dparams)
}

func parallelGrad(f func(params *Var, i0, i1 int) *Var, params any, n, workers int, dparams any) float64 {
	if n < 1 {
		panic(fmt.Sprintf("ad.ParallelGrad: the batch has %d examples; need at least 1", n))
	}
	if f == nil {
		panic("ad.ParallelGrad: f is nil")
	}
	checkDest("ParallelGrad", 0, dparams, params)
	workers = max(1, min(workers, n))
	if workers == 1 {
		CheckInterrupt()
		return parScalarLoss(Grad(func(p *Var) *Var { return f(p, 0, n) }, params, dparams))
	}
	pt := reflect.TypeOf(params)
	if pt == nil {
		panic("ad.ParallelGrad: params is nil")
	}
	grads := make([]reflect.Value, workers) // each a *T for params of type T
	// Worker 0 writes straight into the caller's destination when it has
	// params' type (its matrices are reused), else into a new value that
	// becomes the result; the others into pooled buffers, which are never
	// handed to the caller.
	if dv := reflect.ValueOf(dparams); dparams != nil && dv.Type().Elem() == pt {
		grads[0] = dv
	} else {
		grads[0] = reflect.New(pt)
	}
	pool := parGradPool(pt)
	for w := 1; w < workers; w++ {
		buf := pool.Get() // a *T
		grads[w] = reflect.ValueOf(buf)
		defer pool.Put(buf)
	}
	losses := make([]any, workers)
	panics := make([]any, workers)
	var wg sync.WaitGroup
	run := func(w int) {
		defer func() {
			if r := recover(); r != nil {
				panics[w] = r
			}
		}()
		CheckInterrupt()
		i0, i1 := w*n/workers, (w+1)*n/workers
		losses[w] = Grad(func(p *Var) *Var { return f(p, i0, i1) }, params, grads[w].Interface())
	}
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			run(w)
		}(w)
	}
	run(0)
	wg.Wait()
	for _, p := range panics { // an interruption wins: it is what the user asked for
		if err, ok := p.(error); ok && errors.Is(err, ErrInterrupted) {
			panic(p)
		}
	}
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	loss := 0.0
	for _, l := range losses {
		loss += parScalarLoss(l)
	}
	sum := grads[0]
	for _, g := range grads[1:] {
		parAddInto(sum, g)
	}
	if dparams != nil && grads[0].Interface() != dparams {
		store(dparams, sum.Elem().Interface(), params)
	}
	return loss
}

func parScalarLoss(y any) float64 {
	l, ok := y.(float64)
	if !ok {
		panic(fmt.Sprintf("ad.ParallelGrad: f must return a scalar loss, got %s", describe(y)))
	}
	return l
}

// parAddInto adds the gradient held by the pointer src into the one held
// by the pointer dst, in place, component by component.
func parAddInto(dst, src reflect.Value) {
	optWalkParams("ParallelGrad", dst.Interface(), src.Interface(), func(_ *optWalker, p, g []float64) {
		for i, gi := range g {
			p[i] += gi
		}
	})
}

// parGradPools holds, per parameter type T, a *sync.Pool of *T gradient
// buffers for the workers, so that repeated ParallelGrad calls (a training
// loop) reuse the workers' gradient matrices instead of allocating them.
var parGradPools sync.Map // reflect.Type → *sync.Pool

func parGradPool(t reflect.Type) *sync.Pool {
	if p, ok := parGradPools.Load(t); ok {
		return p.(*sync.Pool)
	}
	p, _ := parGradPools.LoadOrStore(t, &sync.Pool{New: func() any { return reflect.New(t).Interface() }})
	return p.(*sync.Pool)
}
