package interp_test

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/gopherprop/gopherprop/internal/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// callsSrc declares one function, method and closure of each kind the
// call benchmarks and tests use; run(n) makes n calls of one kind.
const callsSrc = `
package main

type Kind interface{ Inc(x int) int }

type Lin struct{ a int }

func (l Lin) Inc(x int) int   { return x + l.a }
func (l *Lin) PInc(x int) int { return x + l.a }

type Wrap struct{ Lin }

func inc(x int) int { return x + 1 }

// locals has a dozen slots in its frame, one per intermediate result.
func locals(x int) int {
	return (x+1)*2/2 + (x*3 - x*2) - x + x*0 + 0*x
}

var (
	lin   = Lin{a: 1}
	plin  = &Lin{a: 1}
	kind  Kind = Lin{a: 1}
	kinds = []Kind{Lin{a: 1}, &Lin{a: 1}, Wrap{Lin{a: 1}}}
	clo   = func(x int) int { return x + lin.a }
)

func direct(n int) (s int)  { for i := 0; i < n; i++ { s = inc(s) }; return }
func many(n int) (s int)    { for i := 0; i < n; i++ { s = locals(s) }; return }
func method(n int) (s int)  { for i := 0; i < n; i++ { s = lin.Inc(s) }; return }
func pmethod(n int) (s int) { for i := 0; i < n; i++ { s = plin.PInc(s) }; return }
func iface(n int) (s int)   { for i := 0; i < n; i++ { s = kind.Inc(s) }; return }
func ifaces(n int) (s int)  { for i := 0; i < n; i++ { s = kinds[i%3].Inc(s) }; return }
func closure(n int) (s int) { for i := 0; i < n; i++ { s = clo(s) }; return }
`

func callsInterp(tb testing.TB) *interp.Interpreter {
	tb.Helper()
	i := interp.New(interp.Options{})
	if _, err := i.Eval(callsSrc); err != nil {
		tb.Fatal(err)
	}
	return i
}

func callKind(tb testing.TB, i *interp.Interpreter, name string) func(int) int {
	tb.Helper()
	v, err := i.Eval("main." + name)
	if err != nil {
		tb.Fatal(err)
	}
	return v.Interface().(func(int) int)
}

var callKinds = []string{"direct", "many", "method", "pmethod", "iface", "ifaces", "closure"}

// BenchmarkCalls measures one interpreted call of each kind; ns/op is per
// call, so the kinds compare against "direct" in the same run.
func BenchmarkCalls(b *testing.B) {
	i := callsInterp(b)
	for _, k := range callKinds {
		run := callKind(b, i, k)
		b.Run(k, func(b *testing.B) {
			b.ReportAllocs()
			if got := run(b.N); got != b.N {
				b.Fatalf("%s(%d) = %d", k, b.N, got)
			}
		})
	}
}

// TestCallKinds runs every kind of call of callsSrc and checks its result.
func TestCallKinds(t *testing.T) {
	i := callsInterp(t)
	for _, k := range callKinds {
		if got := callKind(t, i, k)(7); got != 7 {
			t.Errorf("%s(7) = %d, want 7", k, got)
		}
	}
}

// TestMethodCallSemantics checks what the direct method call (boundMethod)
// must keep of Go's semantics: value receivers are copies, pointer
// receivers are not, promoted methods, methods of values in embedded
// interface fields (which change from call to call, so their lookup is not
// cached), a call site seeing several types, and the method values, defer
// and go statements that still take the wrapper path.
func TestMethodCallSemantics(t *testing.T) {
	src := `
package main

import "fmt"

type Counter struct{ n int }

func (c Counter) IncCopy() int { c.n++; return c.n }
func (c *Counter) Inc() int    { c.n++; return c.n }
func (c Counter) Sum(xs ...int) int {
	s := c.n
	for _, x := range xs {
		s += x
	}
	return s
}

type Namer interface{ Name() string }

type A struct{}
type B struct{ s string }

func (A) Name() string  { return "A" }
func (b *B) Name() string { return "B" + b.s }

type Outer struct{ Counter }

type Holder struct{ Namer }

func run() string {
	c := Counter{}
	out := fmt.Sprint(c.IncCopy(), c.IncCopy(), c.n, " ")
	out += fmt.Sprint(c.Inc(), c.Inc(), c.n, " ")
	p := &c
	out += fmt.Sprint(p.IncCopy(), p.Inc(), c.Sum(1, 2, 3), c.Sum(), " ")
	o := Outer{}
	out += fmt.Sprint(o.Inc(), o.Inc(), o.n, " ")
	var names []string
	for _, n := range []Namer{A{}, &B{"x"}, A{}, &B{"y"}} {
		names = append(names, n.Name())
	}
	out += fmt.Sprint(names, " ")
	h := Holder{A{}}
	var hs []string
	for _, n := range []Namer{A{}, &B{"z"}} {
		h.Namer = n
		var nn Namer = h
		hs = append(hs, nn.Name())
	}
	out += fmt.Sprint(hs, " ")
	f := c.Inc
	f()
	var n Namer = &B{"v"}
	g := n.Name
	out += fmt.Sprint(c.n, g(), " ")
	func() {
		defer c.Inc()
	}()
	done := make(chan bool)
	go func() { c.Inc(); done <- true }()
	<-done
	out += fmt.Sprint(c.n)
	return out
}
`
	const want = "1 1 0 1 2 2 3 3 9 3 1 2 2 [A Bx A By] [A Bz] 4Bv 6" // as go run prints it
	if got := runMain(t, src); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestClosuresInLoopAreCollected makes closures in a loop, each holding a
// 64 KiB buffer, and measures the live heap before the loop ends: yaegi
// used to chain each closure to the one made before it, so that all of
// them stayed alive until the function returned.
func TestClosuresInLoopAreCollected(t *testing.T) {
	src := `
package main

import "probe"

func run(n int) (grown int) {
	before := probe.Live()
	total := 0
	for k := 0; k < n; k++ {
		buf := make([]byte, 64<<10)
		f := func() int { return len(buf) + k }
		total += apply(f)
	}
	return probe.Live() - before
}

func apply(f func() int) int { return f() }
`
	i := interp.New(interp.Options{})
	live := func() int {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int(m.HeapAlloc)
	}
	if err := i.Use(interp.Exports{"probe/probe": {"Live": reflect.ValueOf(live)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(src); err != nil {
		t.Fatal(err)
	}
	const n = 500 // 32 MiB of buffers if every closure stays alive
	v, err := i.Eval("main.run(500)")
	if err != nil {
		t.Fatal(err)
	}
	if grown := int(v.Int()); grown > 4<<20 {
		t.Errorf("the heap grew by %.1f MiB over %d closures: they are kept alive", float64(grown)/(1<<20), n)
	}
}

// TestMethodCallAllocations checks that an interpreted method call, direct
// or through an interface, allocates about what a function call does
// (a frame and its slots, the receiver's and the bound method's), not the
// reflect.MakeFunc wrapper and reflect.Call it used to make per call (25
// allocations against a function call's 4).
func TestMethodCallAllocations(t *testing.T) {
	i := callsInterp(t)
	perCall := func(kind string) float64 {
		run := callKind(t, i, kind)
		return testing.AllocsPerRun(5, func() { run(100) }) / 100
	}
	direct := perCall("direct")
	for _, k := range []string{"method", "pmethod", "iface", "ifaces"} {
		if got := perCall(k); got > direct+4 {
			t.Errorf("%s: %.1f allocations per call, a function call makes %.1f", k, got, direct)
		}
	}
}

// TestFrameAllocations checks that a call allocates the slots of a large
// frame in one block, and a frame with its slot table: a function with ten
// slots more allocates no more per call. (Variables declared with := still
// get fresh storage each time, as closures may keep them.)
func TestFrameAllocations(t *testing.T) {
	i := callsInterp(t)
	perCall := func(kind string) float64 {
		run := callKind(t, i, kind)
		return testing.AllocsPerRun(5, func() { run(100) }) / 100
	}
	direct, many := perCall("direct"), perCall("many")
	if many > direct+0.5 {
		t.Errorf("a call of a function with many locals makes %.1f allocations, one with few %.1f", many, direct)
	}
	// The frame with its slot table, the block of slots, and the result.
	if direct > 3.5 {
		t.Errorf("a call of a small function makes %.1f allocations, want 3", direct)
	}
}

// TestCallsFromCompiledCode counts the allocations of a call of an
// interpreted function from compiled code (as ad.Grad calls a cell's
// closure): the arguments' types are not rebuilt on every call.
func TestCallsFromCompiledCode(t *testing.T) {
	i := callsInterp(t)
	v, err := i.Eval("main.inc")
	if err != nil {
		t.Fatal(err)
	}
	inc := v.Interface().(func(int) int)
	s := 0
	perCall := testing.AllocsPerRun(100, func() { s = inc(s) })
	if s != 101 {
		t.Fatalf("inc called 101 times gave %d", s)
	}
	// reflect.MakeFunc's argument and result slices, the frame with its
	// slot table, the argument's slot, and the result: 5 (it was 8 when
	// each call rebuilt the argument's type).
	t.Logf("%.1f allocations per call", perCall)
	if perCall > 5.5 {
		t.Errorf("a call from compiled code makes %.1f allocations, want 5", perCall)
	}
}

// TestFrameSlots checks that slots sharing one block behave as separate
// variables: closures and pointers keep each loop iteration's own
// variables, and recursive calls have their own frames.
func TestFrameSlots(t *testing.T) {
	src := `
package main

import "fmt"

func fib(n int) int {
	if n < 2 {
		return n
	}
	a := fib(n - 1)
	b := fib(n - 2)
	return a + b
}

func run() string {
	var fs []func() int
	var ps []*int
	for i := 0; i < 3; i++ {
		x := i * 10
		y := x + 1
		fs = append(fs, func() int { return x + y })
		ps = append(ps, &y)
	}
	*ps[0] = 100
	out := ""
	for _, f := range fs {
		out += fmt.Sprint(f(), " ")
	}
	return out + fmt.Sprint(*ps[1], " ", *ps[2], " ", fib(15))
}
`
	const want = "100 21 41 11 21 610" // as go run prints it
	if got := runMain(t, src); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

type probeInt int

// TestRegisteredCallers checks that interpreted calls of a compiled
// function go through the Caller registered for its type, and through
// reflect.Value.Call when the Caller declines.
func TestRegisteredCallers(t *testing.T) {
	var used, declined int
	add := func(a, b probeInt) probeInt { return a + b }
	interp.RegisterCallers(map[reflect.Type]interp.Caller{
		reflect.TypeOf(add): func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
			if in[0].Int() < 0 {
				declined++
				return nil, false
			}
			used++
			f := fn.Interface().(func(a, b probeInt) probeInt)
			return []reflect.Value{reflect.ValueOf(f(probeInt(in[0].Int()), probeInt(in[1].Int())))}, true
		},
	})
	i := interp.New(interp.Options{})
	if err := i.Use(interp.Exports{"probe/probe": {"Add": reflect.ValueOf(add)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`package main

import "probe"

func run() int {
	s := probe.Add(1, 2)
	for k := 0; k < 10; k++ {
		s = probe.Add(s, 1)
	}
	return int(probe.Add(-1, s))
}`); err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("main.run()")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Int(); got != 12 || used != 11 || declined != 1 {
		t.Errorf("run() = %d with %d calls through the Caller and %d declined, want 12, 11, 1", got, used, declined)
	}
}

type probeAcc struct{ n probeInt }

func (a *probeAcc) Add(x probeInt) probeInt { a.n += x; return a.n }
func (a probeAcc) Get() probeInt            { return a.n }

// TestRegisteredMethodCallers checks that calls of methods of compiled
// types go through the Caller of their method expression (receiver first),
// and that method values, defer and the fallback still work.
func TestRegisteredMethodCallers(t *testing.T) {
	var used int
	add := (*probeAcc).Add
	interp.RegisterCallers(map[reflect.Type]interp.Caller{
		reflect.TypeOf(add): func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
			a, ok := in[0].Interface().(*probeAcc)
			if !ok || in[1].Int() < 0 {
				return nil, false
			}
			used++
			f := fn.Interface().(func(*probeAcc, probeInt) probeInt)
			return []reflect.Value{reflect.ValueOf(f(a, probeInt(in[1].Int())))}, true
		},
	})
	i := interp.New(interp.Options{})
	err := i.Use(interp.Exports{"probe/probe": {
		"Acc": reflect.ValueOf((*probeAcc)(nil)),
		"New": reflect.ValueOf(func() *probeAcc { return &probeAcc{} }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`package main

import "probe"

func run() int {
	a := probe.New()
	for k := 0; k < 10; k++ {
		a.Add(1)
	}
	a.Add(-2)
	f := a.Add
	f(5)
	func() {
		defer a.Add(100)
	}()
	var v probe.Acc
	v.Add(3)
	return int(a.Get()*1000 + v.Get())
}`); err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("main.run()")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Int(); got != 113003 || used < 11 {
		t.Errorf("run() = %d with %d calls through the Caller, want 113003 and at least 11", got, used)
	}
}

// probeVec is a compiled type whose method Scale a test calls through a
// registered Caller.
type probeVec struct{ x float64 }

func (v *probeVec) Scale(f float64) *probeVec { v.x *= f; return v }

// TestMethodCallerAllocations counts what a call of a compiled method
// through a Caller costs the interpreter: one slice for the receiver and
// the arguments together (it was two: the arguments, then a copy with the
// receiver in front), when the Caller returns its result in the slice it
// was given, as interp/symbols' do.
func TestMethodCallerAllocations(t *testing.T) {
	scale := (*probeVec).Scale
	interp.RegisterCallers(map[reflect.Type]interp.Caller{
		reflect.TypeOf(scale): func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
			v, ok := in[0].Interface().(*probeVec)
			if !ok || in[1].Type() != reflect.TypeFor[float64]() {
				return nil, false
			}
			in[0] = reflect.ValueOf(fn.Interface().(func(*probeVec, float64) *probeVec)(v, in[1].Float()))
			return in[:1], true
		},
	})
	i := interp.New(interp.Options{})
	err := i.Use(interp.Exports{"probe/probe": {
		"Vec": reflect.ValueOf((*probeVec)(nil)),
		"New": reflect.ValueOf(func() *probeVec { return &probeVec{x: 1} }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`package main

import "probe"

var v = probe.New()

func scale(n int) int {
	for k := 0; k < n; k++ {
		v.Scale(1)
	}
	v = v.Scale(2)
	return n
}`); err != nil {
		t.Fatal(err)
	}
	run := callKind(t, i, "scale")
	run(10)
	perCall := testing.AllocsPerRun(5, func() { run(1000) }) / 1000
	t.Logf("%.2f allocations per call", perCall)
	if perCall > 1.05 {
		t.Errorf("a compiled method's call through a Caller makes %.2f allocations, want 1", perCall)
	}
	w, err := i.Eval("v")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Interface().(*probeVec).x; got != 1<<7 {
		t.Errorf("v.x = %v after 7 doublings, want 128", got)
	}
}

// TestCompiledResultsInFrames counts the allocations of a call of a
// compiled function whose result (a float64) goes into the interpreter's
// frame, and of ranging over a slice of interface values: the result is
// not boxed again on its way into the frame, and the range reads the
// elements in place. It also checks what the range and the calls compute.
func TestCompiledResultsInFrames(t *testing.T) {
	half := func(x float64) float64 { return x / 2 }
	interp.RegisterCallers(map[reflect.Type]interp.Caller{
		reflect.TypeOf(half): func(fn reflect.Value, in []reflect.Value) ([]reflect.Value, bool) {
			if in[0].Type() != reflect.TypeFor[float64]() {
				return nil, false
			}
			// A result made without boxing: the test counts the
			// interpreter's allocations, not the Caller's.
			r := reflect.New(reflect.TypeFor[float64]()).Elem()
			r.SetFloat(fn.Interface().(func(float64) float64)(in[0].Float()))
			in[0] = r
			return in[:1], true
		},
	})
	i := interp.New(interp.Options{})
	if err := i.Use(interp.Exports{"probe/probe": {"Half": reflect.ValueOf(half)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(`package main

import "probe"

type Shape interface{ Area() float64 }

type Sq struct{ s float64 }
type Rect struct{ w, h float64 }

func (q Sq) Area() float64    { return q.s * q.s }
func (r *Rect) Area() float64 { return r.w * r.h }

var shapes = []Shape{Sq{2}, &Rect{2, 3}, Sq{1}}

func halves(n int) int {
	x := 1e300
	for k := 0; k < n; k++ {
		x = probe.Half(x) * 2
	}
	return n
}

func areas(n int) int {
	s := 0.0
	for k := 0; k < n; k++ {
		for _, sh := range shapes {
			s += sh.Area()
		}
	}
	return int(s) / n
}`); err != nil {
		t.Fatal(err)
	}
	halves, areas := callKind(t, i, "halves"), callKind(t, i, "areas")
	if got := areas(3); got != 4+6+1 {
		t.Fatalf("areas = %d, want 11", got)
	}
	perCall := testing.AllocsPerRun(5, func() { halves(1000) }) / 1000
	t.Logf("%.2f allocations per call of a compiled function", perCall)
	// The argument slice and the Caller's result: 2 (it was 3, when the
	// frame's slot was boxed to see whether it held a valueInterface).
	if perCall > 2.05 {
		t.Errorf("a compiled function's call makes %.2f allocations, want 2 (its argument slice and the Caller's result)", perCall)
	}
	perRange := testing.AllocsPerRun(5, func() { areas(1000) }) / 1000
	t.Logf("%.2f allocations per range over three interface values", perRange)
	// The copy of the slice the range reads, once, and the method calls:
	// 17 (it was 22, when each element was boxed and the copy grew).
	if perRange > 17.05 {
		t.Errorf("a range over three interface values with a method call each makes %.2f allocations, want 17", perRange)
	}
}

// runMain evaluates src, a main package with the standard library, and
// returns what its run() string returns.
func runMain(t *testing.T, src string) string {
	t.Helper()
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval(src); err != nil {
		t.Fatal(err)
	}
	v, err := i.Eval("main.run()")
	if err != nil {
		t.Fatal(err)
	}
	return v.String()
}
