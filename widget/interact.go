package widget

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// Interactive is the widget Interact returns: the controls above an Output
// showing the function's latest result.
type Interactive struct {
	box      *Box
	out      *Output
	f        reflect.Value
	controls []Control
	mu       sync.Mutex // serialises runs
	runs     int
}

// Interact shows controls above the result of f and calls f again, with
// the controls' values as arguments, whenever one of them changes; the new
// result replaces the old one in place. f takes one argument per control,
// in order, of the control's value type (float64 for FloatSlider, int for
// IntSlider and Play, string for Dropdown and Text, bool for Checkbox), and
// returns nothing, a value, or a value and an error. The result is shown as
// display.Show would show it: text, HTML, a plot, a matrix, an image.
//
// f runs on the goroutine that changed the value: in a notebook, in the
// kernel's worker while the front end waits for it, so rapid slider moves
// are merged by the front end (it sends the latest value once the previous
// run is done) and the display never falls behind; a slow f can be
// interrupted. A panic or error in f is shown in place of the result, and
// what f prints (fmt.Print* in a notebook cell) is shown above it.
//
// Interact panics when f is not a function matching the controls.
func Interact(f any, controls ...Control) *Interactive {
	fv := reflect.ValueOf(f)
	if err := checkInteract(fv, controls); err != nil {
		panic(err.Error())
	}
	kids := make([]Widget, 0, len(controls)+1)
	for _, c := range controls {
		kids = append(kids, c)
	}
	it := &Interactive{out: NewOutput(), f: fv, controls: controls}
	kids = append(kids, it.out)
	it.box = VBox(kids...)
	it.box.kind = "Interact"
	it.run()
	for _, c := range controls {
		c.watch(it.run)
	}
	return it
}

func checkInteract(fv reflect.Value, controls []Control) error {
	if !fv.IsValid() || fv.Kind() != reflect.Func {
		return fmt.Errorf("widget.Interact: the first argument must be a function, not %T", fv)
	}
	ft := fv.Type()
	if ft.IsVariadic() {
		return fmt.Errorf("widget.Interact: f must not be variadic (%v)", ft)
	}
	if ft.NumIn() != len(controls) {
		return fmt.Errorf("widget.Interact: f takes %d argument(s) but %d control(s) were given (%v)", ft.NumIn(), len(controls), ft)
	}
	for i, c := range controls {
		if c == nil || reflect.ValueOf(c).IsNil() {
			return fmt.Errorf("widget.Interact: control %d is nil", i+1)
		}
		vt := c.valueOf().Type()
		if !vt.AssignableTo(ft.In(i)) {
			return fmt.Errorf("widget.Interact: argument %d of f has type %v but control %d (%T) gives a %v", i+1, ft.In(i), i+1, c, vt)
		}
	}
	switch ft.NumOut() {
	case 0, 1:
	case 2:
		if ft.Out(1) != errorType {
			return fmt.Errorf("widget.Interact: f's second result must be an error, not %v", ft.Out(1))
		}
	default:
		return fmt.Errorf("widget.Interact: f returns %d results; it may return nothing, a value, or a value and an error", ft.NumOut())
	}
	return nil
}

// run calls f with the current values and shows its result.
func (it *Interactive) run() {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.runs++
	args := make([]reflect.Value, len(it.controls))
	for i, c := range it.controls {
		args[i] = c.valueOf()
	}
	// What f prints goes into a scratch output, shown above the result.
	printed := &Output{m: &model{state: map[string]any{"outputs": []any{}}, closed: true}}
	var res []reflect.Value
	var final map[string]any
	func() {
		defer func() {
			if r := recover(); r != nil {
				final = panicOutput(r)
			}
		}()
		redirectPrints(printed, func() { res = it.f.Call(args) })
	}()
	switch {
	case final != nil:
	case len(res) == 2 && !res[1].IsNil():
		final = errorOutput("Error", res[1].Interface().(error).Error(), nil)
	case len(res) >= 1:
		final = displayOutput(res[0].Interface())
	}
	l := printed.outputs()
	if final != nil {
		l = append(l, final)
	}
	it.out.mu.Lock()
	it.out.setOutputs(l)
	it.out.mu.Unlock()
}

// Runs returns how many times f has run (once when Interact returns, then
// once per change).
func (it *Interactive) Runs() int {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.runs
}

// Output returns the output area showing f's result.
func (it *Interactive) Output() *Output { return it.out }

// Controls returns the controls.
func (it *Interactive) Controls() []Control { return append([]Control(nil), it.controls...) }

// ModelID returns the id of the box holding the controls and the output.
func (it *Interactive) ModelID() string { return it.box.ModelID() }

// Close removes the controls' box and the output (not the controls).
func (it *Interactive) Close() {
	it.box.Close()
	it.out.Close()
}

func (it *Interactive) base() *model { return it.box.m }

// MIMEBundle returns the widget view with a text/plain fallback, plus the
// current result's own representations (an image/png plot, HTML), so that
// renderers without widgets — nbconvert, GitHub — show the result.
func (it *Interactive) MIMEBundle() (map[string]any, map[string]any) {
	data, md := it.box.m.view(it.String())
	for _, o := range it.out.Outputs() {
		if o["output_type"] != "display_data" {
			continue
		}
		d, _ := o["data"].(map[string]any)
		for k, v := range d {
			if k != "text/plain" {
				data[k] = v
			}
		}
		if m, _ := o["metadata"].(map[string]any); len(m) > 0 {
			md = m
		}
	}
	return data, md
}

// String describes the controls and the current result.
func (it *Interactive) String() string {
	var parts []string
	for _, c := range it.controls {
		parts = append(parts, fmt.Sprint(c))
	}
	return "Interact(" + strings.Join(parts, ", ") + ")\n" + strings.TrimRight(it.out.String(), "\n")
}
