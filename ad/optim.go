package ad

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Optimizers. An optimizer updates a parameter value in place from its
// gradient: a pointer to a struct (declared in compiled code or in a
// notebook cell) whose fields are float64, *mat.VecDense, *mat.Dense, nested
// structs, slices, arrays or string-keyed maps of these; or a slice, map,
// *mat.VecDense or *mat.Dense directly. The gradient has the same shape (as
// written by Grad into a value of the parameters' type). Optimizers keep
// their per-parameter state (momentum, moment estimates) keyed by the
// position of each component in the parameter value (field index, element
// index, map key), never by type, so they work on struct types declared in
// notebook cells too. Unexported fields, integers, strings and nil vectors
// and matrices are left alone; a nil gradient component means "no
// gradient" and leaves its parameter (and state) unchanged.

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Step updates params in place using grads, a value of the same shape.
	Step(params, grads any)
	// Reset forgets the optimizer's state (momentum, moment estimates,
	// step count), as if it were new.
	Reset()
}

// SGD is stochastic gradient descent, with optional momentum and weight
// decay, computed like PyTorch's torch.optim.SGD (with dampening 0 and
// nesterov false):
//
//	g ← grad + WeightDecay·p
//	v ← Momentum·v + g      (v = g at the first step; skipped if Momentum is 0)
//	p ← p − LR·v
type SGD struct {
	LR          float64 // learning rate
	Momentum    float64 // momentum factor μ in [0, 1); 0 means plain SGD
	WeightDecay float64 // L2 penalty added to the gradient; 0 means none
	velocity    map[string][]float64
}

// NewSGD returns plain stochastic gradient descent with learning rate lr:
// p ← p − lr·∂f/∂p.
func NewSGD(lr float64) *SGD { return &SGD{LR: lr} }

// NewMomentum returns stochastic gradient descent with momentum μ (PyTorch's
// SGD(lr=lr, momentum=μ)): v ← μ·v + ∂f/∂p, p ← p − lr·v.
func NewMomentum(lr, momentum float64) *SGD { return &SGD{LR: lr, Momentum: momentum} }

// Reset forgets the velocities.
func (o *SGD) Reset() { o.velocity = nil }

// Step updates params in place from grads (see the package's notes on
// optimizers for the accepted values). It panics, naming the component, if
// params is not updatable in place (pass a pointer) or if a gradient's
// shape differs from its parameter's.
func (o *SGD) Step(params, grads any) {
	if o.Momentum != 0 && o.velocity == nil {
		o.velocity = map[string][]float64{}
	}
	optWalkParams("SGD.Step", params, grads, func(at *optWalker, p, g []float64) {
		lr, wd := o.LR, o.WeightDecay
		if o.Momentum == 0 {
			if wd == 0 {
				floats.AddScaled(p, -lr, g) // p −= lr·g, vectorized (the same rounding)
				return
			}
			for i, gi := range g {
				p[i] -= lr * (gi + wd*p[i])
			}
			return
		}
		mu := o.Momentum
		key := at.key()
		v, ok := o.velocity[string(key)]
		if ok && len(v) != len(p) {
			panic(fmt.Sprintf("ad.SGD.Step: parameter %s changed size from %d to %d since the previous step; call Reset or use a new optimizer", at.name(), len(v), len(p)))
		}
		if !ok {
			v = make([]float64, len(p))
			for i, gi := range g {
				v[i] = gi + wd*p[i]
			}
			o.velocity[string(key)] = v
		} else {
			for i, gi := range g {
				v[i] = mu*v[i] + gi + wd*p[i]
			}
		}
		for i := range p {
			p[i] -= lr * v[i]
		}
	})
}

// Adam is the Adam optimizer (Kingma & Ba), computed like PyTorch's
// torch.optim.Adam (amsgrad false). At step t = 1, 2, ...:
//
//	g ← grad + WeightDecay·p
//	m ← Beta1·m + (1−Beta1)·g
//	v ← Beta2·v + (1−Beta2)·g²
//	p ← p − LR/(1−Beta1ᵗ) · m / (√v/√(1−Beta2ᵗ) + Eps)
type Adam struct {
	LR          float64 // learning rate (PyTorch's default 1e-3)
	Beta1       float64 // decay of the first moment estimate (0.9)
	Beta2       float64 // decay of the second moment estimate (0.999)
	Eps         float64 // added to the denominator for stability (1e-8)
	WeightDecay float64 // L2 penalty added to the gradient (0)
	t           int
	m, v        map[string][]float64
}

// NewAdam returns Adam with learning rate lr (0 means PyTorch's default
// 1e-3) and PyTorch's default hyper-parameters: Beta1 0.9, Beta2 0.999, Eps
// 1e-8, no weight decay.
func NewAdam(lr float64) *Adam {
	if lr == 0 {
		lr = 1e-3
	}
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Reset forgets the moment estimates and the step count.
func (o *Adam) Reset() { o.t, o.m, o.v = 0, nil, nil }

// Steps returns the number of steps taken since creation or Reset.
func (o *Adam) Steps() int { return o.t }

// Step updates params in place from grads (see the package's notes on
// optimizers for the accepted values). It panics, naming the component, if
// params is not updatable in place (pass a pointer) or if a gradient's
// shape differs from its parameter's.
func (o *Adam) Step(params, grads any) {
	if o.m == nil {
		o.m, o.v = map[string][]float64{}, map[string][]float64{}
	}
	o.t++
	b1, b2, eps, wd := o.Beta1, o.Beta2, o.Eps, o.WeightDecay
	bc1 := 1 - math.Pow(b1, float64(o.t))
	sqrtBC2 := math.Sqrt(1 - math.Pow(b2, float64(o.t)))
	stepSize := o.LR / bc1
	optWalkParams("Adam.Step", params, grads, func(at *optWalker, p, g []float64) {
		key := at.key()
		m, ok := o.m[string(key)]
		if ok && len(m) != len(p) {
			panic(fmt.Sprintf("ad.Adam.Step: parameter %s changed size from %d to %d since the previous step; call Reset or use a new optimizer", at.name(), len(m), len(p)))
		}
		if !ok {
			m = make([]float64, len(p))
			o.m[string(key)] = m
			o.v[string(key)] = make([]float64, len(p))
		}
		v := o.v[string(key)]
		for i, gi := range g {
			if wd != 0 {
				gi += wd * p[i]
			}
			m[i] = b1*m[i] + (1-b1)*gi
			v[i] = b2*v[i] + (1-b2)*gi*gi
			p[i] -= stepSize * m[i] / (math.Sqrt(v[i])/sqrtBC2 + eps)
		}
	})
}

// Minimize runs steps optimization steps of opt on f starting from params,
// updating params (a pointer, see the notes on optimizers) in place, and
// returns the loss before each step. f must return a scalar. Each step
// computes the gradient with Grad into storage allocated once, so the loop
// allocates no new gradient storage. Minimize checks the context installed
// by SetContext before every step and stops with ErrInterrupted when it is
// done, leaving params at the last completed step. Minimize panics if
// params is not a non-nil pointer (or slice or map), if opt is nil, or if f
// does not return a scalar.
func Minimize(f func(params *Var) *Var, params any, opt Optimizer, steps int) []float64 {
	pv := reflect.ValueOf(params)
	if !pv.IsValid() || (pv.Kind() != reflect.Pointer && pv.Kind() != reflect.Slice && pv.Kind() != reflect.Map) || pv.IsNil() {
		panic(fmt.Sprintf("ad.Minimize: params must be a non-nil pointer to the parameters (e.g. &net), got %T", params))
	}
	if opt == nil {
		panic("ad.Minimize: optimizer is nil")
	}
	grad := reflect.New(pv.Type()) // *T where params is a T
	losses := make([]float64, 0, steps)
	for i := 0; i < steps; i++ {
		CheckInterrupt()
		y := Grad(f, params, grad.Interface())
		loss, ok := y.(float64)
		if !ok {
			panic(fmt.Sprintf("ad.Minimize: f must return a scalar loss, got %s", describe(y)))
		}
		losses = append(losses, loss)
		opt.Step(params, grad.Elem().Interface())
	}
	return losses
}

// optWalkParams calls fn for every float64 component block of params that has
// a gradient in grads, with p (the parameter's storage, or a copy written
// back after fn returns) and g (the gradient, read only). fn may ask at for
// the block's key (its position, for per-parameter state) and its name (by
// field names, for messages); both are built only when asked for.
func optWalkParams(op string, params, grads any, fn func(at *optWalker, p, g []float64)) {
	pv := reflect.ValueOf(params)
	if !pv.IsValid() {
		panic(fmt.Sprintf("ad.%s: params is nil", op))
	}
	switch pv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		if pv.IsNil() {
			panic(fmt.Sprintf("ad.%s: params is a nil %T", op, params))
		}
	default:
		panic(fmt.Sprintf("ad.%s: params must be a pointer to the parameters (e.g. &net) so they can be updated in place, got %T", op, params))
	}
	w := optWalker{op: op, fn: fn}
	w.path = w.buf[:0]
	w.walk(pv, reflect.ValueOf(grads))
}

// An optWalker walks parameters and their gradients together; path is
// where it is.
type optWalker struct {
	op     string
	fn     func(at *optWalker, p, g []float64)
	path   []optStep
	buf    [6]optStep // the path's storage up to six steps deep
	keyBuf []byte     // key's storage
}

// An optStep is one step of a path into the parameters: a struct field
// (field is its name), a slice or array element, or a map entry (key).
type optStep struct {
	i     int
	field string
	key   string
	isKey bool
}

// key returns the position of the current block: "/" and the field or
// element index, or "/{key}", per step. It is built in a buffer the walker
// reuses, valid until the next call: look a map up with string(key), which
// does not allocate, and convert it to keep it.
func (w *optWalker) key() []byte {
	b := w.keyBuf[:0]
	for _, s := range w.path {
		if s.isKey {
			b = append(append(append(b, "/{"...), s.key...), '}')
		} else {
			b = strconv.AppendInt(append(b, '/'), int64(s.i), 10)
		}
	}
	w.keyBuf = b
	return b
}

// name returns the current block's name for messages: params.Field[3]["k"].
func (w *optWalker) name() string {
	b := "params"
	for _, s := range w.path {
		switch {
		case s.isKey:
			b += fmt.Sprintf("[%q]", s.key)
		case s.field != "":
			b += "." + s.field
		default:
			b += fmt.Sprintf("[%d]", s.i)
		}
	}
	return b
}

// down walks p and g one step further along the path.
func (w *optWalker) down(p, g reflect.Value, s optStep) {
	w.path = append(w.path, s)
	w.walk(p, g)
	w.path = w.path[:len(w.path)-1]
}

// optDeref follows pointers and interfaces (except to vectors and matrices).
func optDeref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		if v.Type() == vecType || v.Type() == denseType {
			return v
		}
		v = v.Elem()
	}
	return v
}

func optIsNil(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}

func (w *optWalker) walk(p, g reflect.Value) {
	p, g = optDeref(p), optDeref(g)
	if optIsNil(p) || optIsNil(g) {
		return
	}
	switch p.Type() {
	case denseType:
		pm := p.Interface().(*mat.Dense)
		gm, ok := g.Interface().(*mat.Dense)
		if !ok {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), describe(g.Interface()), describe(pm)))
		}
		pr, pc := pm.Dims()
		gr, gc := gm.Dims()
		if pr != gr || pc != gc {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), describe(gm), describe(pm)))
		}
		pd, pcopy := optDenseData(pm)
		gd, _ := optDenseData(gm)
		w.fn(w, pd, gd)
		if pcopy {
			pm.Copy(mat.NewDense(pr, pc, pd))
		}
		return
	case vecType:
		pvv := p.Interface().(*mat.VecDense)
		gvv, ok := g.Interface().(*mat.VecDense)
		if !ok || gvv.Len() != pvv.Len() {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), describe(g.Interface()), describe(pvv)))
		}
		pd, pcopy := optVecData(pvv)
		gd, _ := optVecData(gvv)
		w.fn(w, pd, gd)
		if pcopy {
			pvv.CopyVec(mat.NewVecDense(len(pd), pd))
		}
		return
	}
	switch p.Kind() {
	case reflect.Float64, reflect.Float32:
		if g.Kind() != reflect.Float64 && g.Kind() != reflect.Float32 {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is a scalar", w.op, w.name(), g.Type()))
		}
		if !p.CanSet() {
			panic(fmt.Sprintf("ad.%s: cannot update the scalar %s in place: pass a pointer to the parameters (e.g. &net)", w.op, w.name()))
		}
		pd := []float64{p.Float()}
		w.fn(w, pd, []float64{g.Float()})
		p.SetFloat(pd[0])
	case reflect.Struct:
		if g.Kind() != reflect.Struct || g.NumField() != p.NumField() {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), g.Type(), p.Type()))
		}
		t := p.Type()
		for i := 0; i < p.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			w.down(p.Field(i), g.Field(i), optStep{i: i, field: t.Field(i).Name})
		}
	case reflect.Slice, reflect.Array:
		if g.Kind() != reflect.Slice && g.Kind() != reflect.Array {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), g.Type(), p.Type()))
		}
		n := min(p.Len(), g.Len())
		for i := 0; i < n; i++ {
			w.down(p.Index(i), g.Index(i), optStep{i: i})
		}
	case reflect.Map:
		if g.Kind() != reflect.Map {
			panic(fmt.Sprintf("ad.%s: gradient of %s is %s but the parameter is %s", w.op, w.name(), g.Type(), p.Type()))
		}
		if p.Type().Key().Kind() != reflect.String {
			return
		}
		keys := p.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			gk := reflect.ValueOf(k.String()).Convert(g.Type().Key())
			ge := g.MapIndex(gk)
			if !ge.IsValid() {
				continue
			}
			// Map entries are not addressable: update a copy and store it.
			e := reflect.New(p.Type().Elem()).Elem()
			e.Set(p.MapIndex(k))
			w.down(e, ge, optStep{key: k.String(), isKey: true})
			p.SetMapIndex(k, e)
		}
	}
}

// optDenseData returns the elements of m in row-major order: its own storage
// when contiguous (copy false), otherwise a copy (copy true).
func optDenseData(m *mat.Dense) ([]float64, bool) {
	raw := m.RawMatrix()
	if raw.Stride == raw.Cols || raw.Rows <= 1 {
		return raw.Data[:raw.Rows*raw.Cols], false
	}
	d := make([]float64, 0, raw.Rows*raw.Cols)
	for i := 0; i < raw.Rows; i++ {
		d = append(d, raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols]...)
	}
	return d, true
}

// optVecData returns the elements of v: its own storage when contiguous (copy
// false), otherwise a copy (copy true).
func optVecData(v *mat.VecDense) ([]float64, bool) {
	raw := v.RawVector()
	if raw.Inc == 1 || raw.N <= 1 {
		return raw.Data[:raw.N], false
	}
	d := make([]float64, raw.N)
	for i := range d {
		d[i] = raw.Data[i*raw.Inc]
	}
	return d, true
}
