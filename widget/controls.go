package widget

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
)

// Control is a widget with a value that Interact can pass to a function:
// *FloatSlider (float64), *IntSlider and *Play (int), *Dropdown and *Text
// (string) and *Checkbox (bool).
type Control interface {
	Widget
	// valueOf returns the current value, as a reflect.Value of the
	// control's value type.
	valueOf() reflect.Value
	// watch registers f to run after every change of the value.
	watch(f func())
}

// watchers holds the functions run after a control's value changes.
type watchers struct {
	mu sync.Mutex
	fs []func()
}

func (w *watchers) add(f func()) {
	w.mu.Lock()
	w.fs = append(w.fs, f)
	w.mu.Unlock()
}

func (w *watchers) run() {
	w.mu.Lock()
	fs := append([]func(){}, w.fs...)
	w.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// toFloat converts a JSON number (or a Go number) to float64.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return 0
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(math.Round(x))
	}
	return 0
}

// valueControl is the part common to the controls: a model whose "value"
// (or another key) is watched.
type valueControl struct {
	m   *model
	key string
	w   watchers
}

func newValueControl(m *model, key string) valueControl {
	return valueControl{m: m, key: key}
}

// init hooks front-end updates of the key to the watchers.
func (c *valueControl) init() {
	c.m.onUpdate = append(c.m.onUpdate, func(changed map[string]any) {
		if _, ok := changed[c.key]; ok {
			c.w.run()
		}
	})
}

// setValue stores v, sends it to the front end and runs the watchers when it
// changed.
func (c *valueControl) setValue(v any) {
	old := c.m.get(c.key)
	c.m.set(map[string]any{c.key: v})
	if !reflect.DeepEqual(old, v) {
		c.w.run()
	}
}

func (c *valueControl) ModelID() string { return c.m.id }
func (c *valueControl) Close()          { c.m.close() }
func (c *valueControl) base() *model    { return c.m }
func (c *valueControl) watch(f func())  { c.w.add(f) }

// FloatSlider is a slider for a float64 value between a minimum and a
// maximum (model FloatSliderModel).
type FloatSlider struct{ valueControl }

// NewFloatSlider returns a slider labelled description for values between
// min and max, starting at value (clamped into the range). The step is the
// power of ten at or below a hundredth of the range (0.01 for [0, 2]), so
// that the values on the slider are round decimals; change it with
// SetStep. It panics when min > max.
func NewFloatSlider(description string, min, max, value float64) *FloatSlider {
	if min > max || math.IsNaN(min) || math.IsNaN(max) {
		panic(fmt.Sprintf("widget.NewFloatSlider(%q): min %v is greater than max %v", description, min, max))
	}
	step := niceStep(max - min)
	s := &FloatSlider{newValueControl(openWidget("FloatSliderModel", "FloatSliderView", "SliderStyleModel", map[string]any{
		"description": description, "min": min, "max": max, "value": clampF(value, min, max), "step": step,
		"orientation": "horizontal", "readout": true, "readout_format": ".3g", "continuous_update": true,
		"disabled": false, "behavior": "drag-tap", "description_allow_html": false,
	}), "value")}
	s.init()
	return s
}

// niceStep returns the power of ten at or below span/100 (0.1 for an empty
// span).
func niceStep(span float64) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 0.1
	}
	return math.Pow(10, math.Floor(math.Log10(span/100)))
}

func clampF(v, min, max float64) float64 {
	if v < min || math.IsNaN(v) {
		return min
	}
	if v > max {
		return max
	}
	return v
}

// Value returns the slider's value.
func (s *FloatSlider) Value() float64 { return toFloat(s.m.get("value")) }

// SetValue moves the slider to v (clamped into its range) and runs the
// OnChange functions if the value changed.
func (s *FloatSlider) SetValue(v float64) {
	s.setValue(clampF(v, toFloat(s.m.get("min")), toFloat(s.m.get("max"))))
}

// SetStep sets the slider's step.
func (s *FloatSlider) SetStep(step float64) { s.m.set(map[string]any{"step": step}) }

// OnChange registers f to run with the new value after every change, from
// the front end or from SetValue.
func (s *FloatSlider) OnChange(f func(float64)) { s.watch(func() { f(s.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback; it is what
// a cell ending in the slider, or display.Show, shows.
func (s *FloatSlider) MIMEBundle() (map[string]any, map[string]any) { return s.m.view(s.String()) }

// String describes the slider, e.g. `FloatSlider(lr = 0.1 in [0, 1])`.
func (s *FloatSlider) String() string {
	return fmt.Sprintf("FloatSlider(%s = %v in [%v, %v])", s.m.get("description"), s.Value(), s.m.get("min"), s.m.get("max"))
}

func (s *FloatSlider) valueOf() reflect.Value { return reflect.ValueOf(s.Value()) }

// IntSlider is a slider for an int value between a minimum and a maximum
// (model IntSliderModel).
type IntSlider struct{ valueControl }

// NewIntSlider returns a slider labelled description for integers between
// min and max, starting at value (clamped into the range), with step 1. It
// panics when min > max.
func NewIntSlider(description string, min, max, value int) *IntSlider {
	if min > max {
		panic(fmt.Sprintf("widget.NewIntSlider(%q): min %d is greater than max %d", description, min, max))
	}
	s := &IntSlider{newValueControl(openWidget("IntSliderModel", "IntSliderView", "SliderStyleModel", map[string]any{
		"description": description, "min": min, "max": max, "value": clampI(value, min, max), "step": 1,
		"orientation": "horizontal", "readout": true, "readout_format": "d", "continuous_update": true,
		"disabled": false, "behavior": "drag-tap", "description_allow_html": false,
	}), "value")}
	s.init()
	return s
}

func clampI(v, min, max int) int {
	if v < min {
		return min
	}
	if v > max {
		return max
	}
	return v
}

// Value returns the slider's value.
func (s *IntSlider) Value() int { return toInt(s.m.get("value")) }

// SetValue moves the slider to v (clamped into its range) and runs the
// OnChange functions if the value changed.
func (s *IntSlider) SetValue(v int) {
	s.setValue(clampI(v, toInt(s.m.get("min")), toInt(s.m.get("max"))))
}

// SetStep sets the slider's step.
func (s *IntSlider) SetStep(step int) { s.m.set(map[string]any{"step": step}) }

// OnChange registers f to run with the new value after every change.
func (s *IntSlider) OnChange(f func(int)) { s.watch(func() { f(s.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback.
func (s *IntSlider) MIMEBundle() (map[string]any, map[string]any) { return s.m.view(s.String()) }

// String describes the slider.
func (s *IntSlider) String() string {
	return fmt.Sprintf("IntSlider(%s = %d in [%v, %v])", s.m.get("description"), s.Value(), s.m.get("min"), s.m.get("max"))
}

func (s *IntSlider) valueOf() reflect.Value { return reflect.ValueOf(s.Value()) }

// Play is an animation control: while playing, the front end advances its
// int value from min to max every interval (model PlayModel). Use it to
// step a training loop or an animation frame by frame.
type Play struct{ valueControl }

// NewPlay returns a player labelled description counting from min to max,
// starting at value, one step every 100 ms (see SetInterval). It panics
// when min > max.
func NewPlay(description string, min, max, value int) *Play {
	if min > max {
		panic(fmt.Sprintf("widget.NewPlay(%q): min %d is greater than max %d", description, min, max))
	}
	p := &Play{newValueControl(openWidget("PlayModel", "PlayView", "DescriptionStyleModel", map[string]any{
		"description": description, "min": min, "max": max, "value": clampI(value, min, max), "step": 1,
		"interval": 100, "playing": false, "repeat": false, "show_repeat": true, "disabled": false,
		"description_allow_html": false,
	}), "value")}
	p.init()
	return p
}

// Value returns the current frame.
func (p *Play) Value() int { return toInt(p.m.get("value")) }

// SetValue sets the current frame (clamped into the range) and runs the
// OnChange functions if it changed.
func (p *Play) SetValue(v int) { p.setValue(clampI(v, toInt(p.m.get("min")), toInt(p.m.get("max")))) }

// SetInterval sets the time between frames in milliseconds.
func (p *Play) SetInterval(ms int) { p.m.set(map[string]any{"interval": ms}) }

// OnChange registers f to run with the new frame after every change.
func (p *Play) OnChange(f func(int)) { p.watch(func() { f(p.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback.
func (p *Play) MIMEBundle() (map[string]any, map[string]any) { return p.m.view(p.String()) }

// String describes the player.
func (p *Play) String() string {
	return fmt.Sprintf("Play(%s = %d in [%v, %v])", p.m.get("description"), p.Value(), p.m.get("min"), p.m.get("max"))
}

func (p *Play) valueOf() reflect.Value { return reflect.ValueOf(p.Value()) }

// Dropdown chooses one string among options (model DropdownModel).
type Dropdown struct {
	valueControl
	options []string
}

// NewDropdown returns a drop-down list labelled description offering
// options, with value selected. It panics when options is empty or value is
// not one of them.
func NewDropdown(description string, options []string, value string) *Dropdown {
	if len(options) == 0 {
		panic(fmt.Sprintf("widget.NewDropdown(%q): no options", description))
	}
	i := indexOf(options, value)
	if i < 0 {
		panic(fmt.Sprintf("widget.NewDropdown(%q): value %q is not one of the options %q", description, value, options))
	}
	labels := make([]any, len(options))
	for k, o := range options {
		labels[k] = o
	}
	d := &Dropdown{valueControl: newValueControl(openWidget("DropdownModel", "DropdownView", "DescriptionStyleModel", map[string]any{
		"description": description, "_options_labels": labels, "index": i, "disabled": false,
		"description_allow_html": false,
	}), "index"), options: append([]string(nil), options...)}
	d.init()
	return d
}

func indexOf(options []string, v string) int {
	for i, o := range options {
		if o == v {
			return i
		}
	}
	return -1
}

// Value returns the selected option.
func (d *Dropdown) Value() string {
	i := toInt(d.m.get("index"))
	if i < 0 || i >= len(d.options) {
		return ""
	}
	return d.options[i]
}

// SetValue selects option v and runs the OnChange functions if the
// selection changed. It panics when v is not one of the options.
func (d *Dropdown) SetValue(v string) {
	i := indexOf(d.options, v)
	if i < 0 {
		panic(fmt.Sprintf("widget: Dropdown.SetValue(%q): not one of the options %q", v, d.options))
	}
	d.setValue(i)
}

// OnChange registers f to run with the new selection after every change.
func (d *Dropdown) OnChange(f func(string)) { d.watch(func() { f(d.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback.
func (d *Dropdown) MIMEBundle() (map[string]any, map[string]any) { return d.m.view(d.String()) }

// String describes the drop-down list.
func (d *Dropdown) String() string {
	return fmt.Sprintf("Dropdown(%s = %q of %q)", d.m.get("description"), d.Value(), d.options)
}

func (d *Dropdown) valueOf() reflect.Value { return reflect.ValueOf(d.Value()) }

// Checkbox is a boolean control (model CheckboxModel).
type Checkbox struct{ valueControl }

// NewCheckbox returns a check box labelled description.
func NewCheckbox(description string, value bool) *Checkbox {
	c := &Checkbox{newValueControl(openWidget("CheckboxModel", "CheckboxView", "DescriptionStyleModel", map[string]any{
		"description": description, "value": value, "indent": true, "disabled": false,
		"description_allow_html": false,
	}), "value")}
	c.init()
	return c
}

// Value reports whether the box is checked.
func (c *Checkbox) Value() bool { b, _ := c.m.get("value").(bool); return b }

// SetValue checks or unchecks the box and runs the OnChange functions if
// that changed it.
func (c *Checkbox) SetValue(v bool) { c.setValue(v) }

// OnChange registers f to run with the new value after every change.
func (c *Checkbox) OnChange(f func(bool)) { c.watch(func() { f(c.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback.
func (c *Checkbox) MIMEBundle() (map[string]any, map[string]any) { return c.m.view(c.String()) }

// String describes the check box.
func (c *Checkbox) String() string {
	return fmt.Sprintf("Checkbox(%s = %v)", c.m.get("description"), c.Value())
}

func (c *Checkbox) valueOf() reflect.Value { return reflect.ValueOf(c.Value()) }

// Text is a one-line text box (model TextModel). Its value changes as the
// user types.
type Text struct{ valueControl }

// NewText returns a text box labelled description holding value.
func NewText(description, value string) *Text {
	t := &Text{newValueControl(openWidget("TextModel", "TextView", "DescriptionStyleModel", map[string]any{
		"description": description, "value": value, "placeholder": "", "continuous_update": true,
		"disabled": false, "description_allow_html": false,
	}), "value")}
	t.init()
	return t
}

// Value returns the text.
func (t *Text) Value() string { s, _ := t.m.get("value").(string); return s }

// SetValue replaces the text and runs the OnChange functions if it changed.
func (t *Text) SetValue(v string) { t.setValue(v) }

// OnChange registers f to run with the new text after every change.
func (t *Text) OnChange(f func(string)) { t.watch(func() { f(t.Value()) }) }

// MIMEBundle returns the widget view with a text/plain fallback.
func (t *Text) MIMEBundle() (map[string]any, map[string]any) { return t.m.view(t.String()) }

// String describes the text box.
func (t *Text) String() string {
	return fmt.Sprintf("Text(%s = %s)", t.m.get("description"), strconv.Quote(t.Value()))
}

func (t *Text) valueOf() reflect.Value { return reflect.ValueOf(t.Value()) }

// Button is a push button (model ButtonModel).
type Button struct {
	m *model
	w watchers
}

// NewButton returns a button showing description.
func NewButton(description string) *Button {
	b := &Button{m: openWidget("ButtonModel", "ButtonView", "ButtonStyleModel", map[string]any{
		"description": description, "button_style": "", "icon": "", "disabled": false,
	})}
	b.m.onCustom = append(b.m.onCustom, func(content map[string]any) {
		if content["event"] == "click" {
			b.w.run()
		}
	})
	return b
}

// OnClick registers f to run every time the button is clicked.
func (b *Button) OnClick(f func()) { b.w.add(f) }

// Click runs the OnClick functions as a click in the front end does.
func (b *Button) Click() { b.w.run() }

// ModelID returns the id of the button's model.
func (b *Button) ModelID() string { return b.m.id }

// Close removes the button.
func (b *Button) Close()       { b.m.close() }
func (b *Button) base() *model { return b.m }

// MIMEBundle returns the widget view with a text/plain fallback.
func (b *Button) MIMEBundle() (map[string]any, map[string]any) { return b.m.view(b.String()) }

// String describes the button.
func (b *Button) String() string { return fmt.Sprintf("Button(%s)", b.m.get("description")) }

// Box lays widgets out in a row (HBox) or a column (VBox).
type Box struct {
	m    *model
	kids []Widget
	kind string
}

func newBox(kind string, children []Widget) *Box {
	refs := make([]any, len(children))
	for i, c := range children {
		refs[i] = ref(c.base())
	}
	m := openWidget(kind+"Model", kind+"View", "", map[string]any{"children": refs, "box_style": ""})
	return &Box{m: m, kids: append([]Widget(nil), children...), kind: kind}
}

// HBox returns a box showing children side by side.
func HBox(children ...Widget) *Box { return newBox("HBox", children) }

// VBox returns a box showing children one above the other.
func VBox(children ...Widget) *Box { return newBox("VBox", children) }

// Children returns the widgets in the box.
func (b *Box) Children() []Widget { return append([]Widget(nil), b.kids...) }

// ModelID returns the id of the box's model.
func (b *Box) ModelID() string { return b.m.id }

// Close removes the box (not its children).
func (b *Box) Close()       { b.m.close() }
func (b *Box) base() *model { return b.m }

// MIMEBundle returns the widget view with a text/plain fallback.
func (b *Box) MIMEBundle() (map[string]any, map[string]any) { return b.m.view(b.String()) }

// String describes the box and its children.
func (b *Box) String() string {
	s := b.kind + "("
	for i, k := range b.kids {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprint(k)
	}
	return s + ")"
}
