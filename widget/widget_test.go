package widget

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gopherprop/gopherprop/display"
)

// recorder is a display.Publisher that records every message.
type recorder struct {
	mu   sync.Mutex
	msgs []display.Message
}

func (r *recorder) Publish(m display.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

func (r *recorder) Input(string, bool) (string, error) { return "", errors.New("no input") }

// take returns and forgets the recorded messages.
func (r *recorder) take() []display.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.msgs
	r.msgs = nil
	return m
}

func record(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	old := display.SetPublisher(r)
	t.Cleanup(func() { display.SetPublisher(old); CloseAll() })
	return r
}

func ofType(ms []display.Message, typ, comm string) []display.Message {
	var r []display.Message
	for _, m := range ms {
		if m.Type == typ && (comm == "" || m.CommID == comm) {
			r = append(r, m)
		}
	}
	return r
}

func state(m display.Message) map[string]any {
	s, _ := m.Data["state"].(map[string]any)
	return s
}

func update(id string, st map[string]any) display.Message {
	return display.Message{Type: "comm_msg", CommID: id, Data: map[string]any{"method": "update", "state": st, "buffer_paths": []any{}}}
}

func TestFloatSliderOpen(t *testing.T) {
	r := record(t)
	s := NewFloatSlider("lr", 0, 2, 0.5)
	ms := r.take()
	opens := ofType(ms, "comm_open", "")
	if len(opens) != 3 {
		t.Fatalf("want layout, style and slider comm_open, got %d: %+v", len(opens), ms)
	}
	o := opens[2]
	if o.CommID != s.ModelID() || o.Target != "jupyter.widget" {
		t.Errorf("comm_open id %q target %q, want %q jupyter.widget", o.CommID, o.Target, s.ModelID())
	}
	if o.Metadata["version"] != "2.1.0" {
		t.Errorf("metadata %v, want version 2.1.0", o.Metadata)
	}
	st := state(o)
	for k, want := range map[string]any{
		"_model_name": "FloatSliderModel", "_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0",
		"_view_name": "FloatSliderView", "_view_module": "@jupyter-widgets/controls", "_view_module_version": "2.0.0",
		"description": "lr", "min": 0.0, "max": 2.0, "value": 0.5, "step": 0.01,
		"layout": "IPY_MODEL_" + opens[0].CommID, "style": "IPY_MODEL_" + opens[1].CommID,
	} {
		if !reflect.DeepEqual(st[k], want) {
			t.Errorf("state[%q] = %#v, want %#v", k, st[k], want)
		}
	}
	if state(opens[0])["_model_name"] != "LayoutModel" || state(opens[1])["_model_name"] != "SliderStyleModel" {
		t.Errorf("layout/style models: %v / %v", state(opens[0])["_model_name"], state(opens[1])["_model_name"])
	}
	if p, ok := o.Data["buffer_paths"].([]any); !ok || len(p) != 0 {
		t.Errorf("buffer_paths = %#v, want []", o.Data["buffer_paths"])
	}
	data, _ := display.Bundle(s)
	view, _ := data[ViewMIME].(map[string]any)
	if view["model_id"] != s.ModelID() || view["version_major"] != 2 {
		t.Errorf("view bundle %v", data)
	}
	if got := data["text/plain"]; got != "FloatSlider(lr = 0.5 in [0, 2])" {
		t.Errorf("text/plain = %q", got)
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ span, want float64 }{{2, 0.01}, {0.99, 0.001}, {0.199, 0.001}, {100, 1}, {350, 1}, {0, 0.1}} {
		if got := niceStep(c.span); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("niceStep(%v) = %v, want %v", c.span, got, c.want)
		}
	}
}

func TestSetValueAndOnChange(t *testing.T) {
	r := record(t)
	s := NewFloatSlider("x", -1, 1, 0)
	r.take()
	var got []float64
	s.OnChange(func(v float64) { got = append(got, v) })
	s.SetValue(0.25)
	s.SetValue(0.25) // no change: no callback
	s.SetValue(5)    // clamped
	if s.Value() != 1 {
		t.Errorf("Value() = %v after SetValue(5), want the max 1", s.Value())
	}
	if !reflect.DeepEqual(got, []float64{0.25, 1}) {
		t.Errorf("OnChange saw %v, want [0.25 1]", got)
	}
	ups := ofType(r.take(), "comm_msg", s.ModelID())
	if len(ups) != 3 || ups[0].Data["method"] != "update" || !reflect.DeepEqual(state(ups[0]), map[string]any{"value": 0.25}) {
		t.Errorf("updates %+v", ups)
	}
}

func TestReceiveUpdateEchoAndOrder(t *testing.T) {
	r := record(t)
	s := NewIntSlider("n", 0, 10, 3)
	r.take()
	var got []int
	s.OnChange(func(v int) { got = append(got, v) })
	for _, v := range []float64{4, 7, 7, 2} {
		if err := Receive(update(s.ModelID(), map[string]any{"value": v})); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(got, []int{4, 7, 2}) || s.Value() != 2 {
		t.Errorf("callbacks saw %v, value %d; want [4 7 2], 2", got, s.Value())
	}
	echoes := ofType(r.take(), "comm_msg", s.ModelID())
	if len(echoes) != 4 || echoes[1].Data["method"] != "echo_update" || !reflect.DeepEqual(state(echoes[1]), map[string]any{"value": 7.0}) {
		t.Errorf("echo_update messages %+v", echoes)
	}
	if err := Receive(display.Message{Type: "comm_msg", CommID: s.ModelID(), Data: map[string]any{"method": "request_state"}}); err != nil {
		t.Fatal(err)
	}
	full := ofType(r.take(), "comm_msg", s.ModelID())
	if len(full) != 1 || full[0].Data["method"] != "update" || state(full[0])["_model_name"] != "IntSliderModel" || state(full[0])["value"] != 2.0 {
		t.Errorf("request_state answer %+v", full)
	}
	if err := Receive(update("nope", map[string]any{"value": 1})); err == nil || !strings.Contains(err.Error(), "unknown widget nope") {
		t.Errorf("update of an unknown widget: err = %v", err)
	}
	if err := Receive(display.Message{Type: "comm_msg", CommID: s.ModelID(), Data: map[string]any{"method": "dance"}}); err == nil || !strings.Contains(err.Error(), `unknown method "dance"`) {
		t.Errorf("unknown method: err = %v", err)
	}
}

func TestBuffers(t *testing.T) {
	st := map[string]any{"a": 1.0, "x": []byte{1, 2}, "n": map[string]any{"y": []byte{3}, "k": "v"}, "l": []any{[]byte{4}, 5.0}}
	clean, paths, bufs := splitBuffers(st)
	if _, ok := clean["x"]; ok {
		t.Errorf("buffer left in state: %v", clean)
	}
	if clean["l"].([]any)[0] != nil {
		t.Errorf("a buffer in a list must become null: %v", clean["l"])
	}
	if len(paths) != 3 || len(bufs) != 3 {
		t.Fatalf("paths %v bufs %v", paths, bufs)
	}
	back := mergeBuffers(clean, paths, bufs)
	if !reflect.DeepEqual(back, st) {
		t.Errorf("round trip: %#v, want %#v", back, st)
	}
	if _, ok := st["x"]; !ok {
		t.Error("splitBuffers modified its argument")
	}
	// A front end's update with a binary value.
	r := record(t)
	s := NewText("t", "")
	r.take()
	msg := update(s.ModelID(), map[string]any{"blob": nil})
	msg.Data["buffer_paths"] = []any{[]any{"blob"}}
	msg.Buffers = [][]byte{[]byte("bin")}
	if err := Receive(msg); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.m.get("blob").([]byte); string(b) != "bin" {
		t.Errorf("blob = %#v", s.m.get("blob"))
	}
	echo := ofType(r.take(), "comm_msg", s.ModelID())[0]
	if len(echo.Buffers) != 1 || string(echo.Buffers[0]) != "bin" || !reflect.DeepEqual(echo.Data["buffer_paths"], []any{[]any{"blob"}}) {
		t.Errorf("echo with buffer %+v", echo)
	}
}

func TestControls(t *testing.T) {
	r := record(t)
	d := NewDropdown("opt", []string{"SGD", "Momentum", "Adam"}, "Momentum")
	if d.Value() != "Momentum" || d.m.get("index") != 1 {
		t.Errorf("dropdown value %q index %v", d.Value(), d.m.get("index"))
	}
	var picked []string
	d.OnChange(func(s string) { picked = append(picked, s) })
	Receive(update(d.ModelID(), map[string]any{"index": 2.0}))
	d.SetValue("SGD")
	if !reflect.DeepEqual(picked, []string{"Adam", "SGD"}) {
		t.Errorf("dropdown changes %v", picked)
	}
	mustPanic(t, "not one of the options", func() { d.SetValue("RMSProp") })
	mustPanic(t, "not one of the options", func() { NewDropdown("x", []string{"a"}, "b") })
	mustPanic(t, "min 2 is greater than max 1", func() { NewFloatSlider("x", 2, 1, 0) })

	c := NewCheckbox("on", false)
	Receive(update(c.ModelID(), map[string]any{"value": true}))
	tx := NewText("name", "go")
	Receive(update(tx.ModelID(), map[string]any{"value": "gopher"}))
	p := NewPlay("frame", 0, 9, 0)
	Receive(update(p.ModelID(), map[string]any{"value": 4.0}))
	if !c.Value() || tx.Value() != "gopher" || p.Value() != 4 {
		t.Errorf("checkbox %v text %q play %d", c.Value(), tx.Value(), p.Value())
	}
	b := NewButton("go")
	n := 0
	b.OnClick(func() { n++ })
	Receive(display.Message{Type: "comm_msg", CommID: b.ModelID(), Data: map[string]any{"method": "custom", "content": map[string]any{"event": "click"}}})
	b.Click()
	if n != 2 {
		t.Errorf("clicks %d, want 2", n)
	}
	h := HBox(c, tx)
	v := VBox(h, b)
	r.take()
	if got := state(modelMsg(t, v.ModelID()))["children"]; !reflect.DeepEqual(got, []any{"IPY_MODEL_" + h.ModelID(), "IPY_MODEL_" + b.ModelID()}) {
		t.Errorf("VBox children %v", got)
	}
	if v.String() != `VBox(HBox(Checkbox(on = true), Text(name = "gopher")), Button(go))` {
		t.Errorf("String() = %q", v.String())
	}
}

// modelMsg returns a message holding the current state of model id.
func modelMsg(t *testing.T, id string) display.Message {
	t.Helper()
	regMu.Lock()
	m := models[id]
	regMu.Unlock()
	if m == nil {
		t.Fatalf("no model %s", id)
	}
	return display.Message{Data: map[string]any{"state": m.snapshot()}}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestCloseAndLive(t *testing.T) {
	r := record(t)
	s := NewFloatSlider("x", 0, 1, 0)
	layout := strings.TrimPrefix(s.m.get("layout").(string), "IPY_MODEL_")
	live := strings.Join(Live(), " ")
	if !strings.Contains(live, s.ModelID()) || !strings.Contains(live, layout) {
		t.Fatalf("Live() = %v", live)
	}
	r.take()
	s.Close()
	s.Close() // closing twice sends nothing more
	closes := ofType(r.take(), "comm_close", "")
	if len(closes) != 3 || closes[0].CommID != s.ModelID() {
		t.Errorf("comm_close messages %+v", closes)
	}
	if len(Live()) != 0 {
		t.Errorf("Live() after Close = %v", Live())
	}
	// Closed by the front end: no comm_close back, no more callbacks.
	t2 := NewText("t", "")
	if err := Receive(display.Message{Type: "comm_close", CommID: t2.ModelID()}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(Live(), " "), t2.ModelID()) {
		t.Error("widget closed by the front end is still live")
	}
	// A comm_open from the front end is refused with comm_close.
	r.take()
	Receive(display.Message{Type: "comm_open", CommID: "fe1", Target: "jupyter.widget.control"})
	if c := ofType(r.take(), "comm_close", "fe1"); len(c) != 1 {
		t.Errorf("front-end comm_open not closed: %+v", c)
	}
}

func TestInteract(t *testing.T) {
	r := record(t)
	a := NewFloatSlider("a", 0, 10, 2)
	k := NewIntSlider("k", 0, 5, 1)
	it := Interact(func(a float64, k int) (string, error) {
		if k == 0 {
			return "", errors.New("k must not be 0")
		}
		if k == 5 {
			panic("k is 5")
		}
		return fmt.Sprintf("%v×%d=%v", a, k, a*float64(k)), nil
	}, a, k)
	if got := it.Output().String(); got != "\"2×1=2\"\n" {
		t.Errorf("first result %q", got)
	}
	r.take()
	Receive(update(a.ModelID(), map[string]any{"value": 3.0}))
	outs := ofType(r.take(), "comm_msg", it.Output().ModelID())
	if len(outs) != 1 {
		t.Fatalf("want one output update per change, got %+v", outs)
	}
	o := state(outs[0])["outputs"].([]any)
	if len(o) != 1 || o[0].(map[string]any)["data"].(map[string]any)["text/plain"] != `"3×1=3"` {
		t.Errorf("outputs after a change: %v", o)
	}
	k.SetValue(0)
	if got := it.Output().Outputs(); len(got) != 1 || got[0]["output_type"] != "error" || got[0]["evalue"] != "k must not be 0" {
		t.Errorf("error result: %v", got)
	}
	k.SetValue(5)
	if got := it.Output().Outputs(); len(got) != 1 || got[0]["ename"] != "Panic" || got[0]["evalue"] != "k is 5" {
		t.Errorf("panic result: %v", got)
	}
	k.SetValue(2)
	if it.Runs() != 5 || it.Output().String() != "\"3×2=6\"\n" {
		t.Errorf("runs %d, output %q", it.Runs(), it.Output().String())
	}
	data, _ := it.MIMEBundle()
	if data[ViewMIME].(map[string]any)["model_id"] != it.ModelID() || !strings.Contains(data["text/plain"].(string), `"3×2=6"`) {
		t.Errorf("Interact bundle %v", data)
	}
	for _, c := range []struct {
		f    any
		ctl  []Control
		want string
	}{
		{42, []Control{a}, "must be a function"},
		{func(float64, float64) {}, []Control{a}, "f takes 2 argument(s) but 1 control(s)"},
		{func(string) {}, []Control{a}, "argument 1 of f has type string but control 1 (*widget.FloatSlider) gives a float64"},
		{func(float64) (int, int) { return 0, 0 }, []Control{a}, "second result must be an error"},
		{func(float64) {}, []Control{(*FloatSlider)(nil)}, "control 1 is nil"},
	} {
		mustPanic(t, c.want, func() { Interact(c.f, c.ctl...) })
	}
}

func TestOutput(t *testing.T) {
	record(t)
	o := NewOutput()
	o.Println("hello")
	o.Printf("%d\n", 42)
	o.Show(display.Raw("text/html", "<b>x</b>"))
	if !o.Capture(func() {}) || o.Capture(func() { panic("oops") }) {
		t.Error("Capture's result")
	}
	got := o.Outputs()
	if len(got) != 3 || got[0]["text"] != "hello\n42\n" || got[1]["data"].(map[string]any)["text/html"] != "<b>x</b>" || got[2]["evalue"] != "oops" {
		t.Errorf("outputs %v", got)
	}
	o.Replace(1.5)
	if o.String() != "1.5\n" {
		t.Errorf("after Replace: %q", o.String())
	}
	o.Clear()
	if len(o.Outputs()) != 0 {
		t.Error("Clear left outputs")
	}
}

func TestNoPublisher(t *testing.T) {
	old := display.SetPublisher(nil)
	defer display.SetPublisher(old)
	defer CloseAll()
	s := NewFloatSlider("x", 0, 1, 0.5)
	s.SetValue(0.75)
	if s.Value() != 0.75 {
		t.Errorf("Value() = %v without a front end", s.Value())
	}
}

func TestStateRecorder(t *testing.T) {
	r := record(t)
	s := NewFloatSlider("lr", 0, 1, 0.5)
	b := NewButton("gone")
	s.SetValue(0.75)
	b.Close()
	x := NewText("blob", "")
	x.m.set(map[string]any{"raw": []byte("hi")})
	var rec StateRecorder
	rec.Record("comm_open", "other", "some.target", map[string]any{"state": map[string]any{}}, nil)
	for _, m := range r.take() {
		rec.Record(m.Type, m.CommID, m.Target, m.Data, m.Buffers)
	}
	st := rec.State()
	if st["version_major"] != 2 || st["version_minor"] != 0 {
		t.Errorf("version %v.%v", st["version_major"], st["version_minor"])
	}
	models := st["state"].(map[string]any)
	if _, ok := models["other"]; ok {
		t.Error("a comm of another target was recorded")
	}
	if _, ok := models[b.ModelID()]; ok {
		t.Error("a closed widget was recorded")
	}
	sl := models[s.ModelID()].(map[string]any)
	if sl["model_name"] != "FloatSliderModel" || sl["model_module"] != "@jupyter-widgets/controls" || sl["model_module_version"] != "2.0.0" {
		t.Errorf("slider entry %v", sl)
	}
	if v := sl["state"].(map[string]any)["value"]; v != 0.75 {
		t.Errorf("saved value %v, want the updated 0.75", v)
	}
	bufs := models[x.ModelID()].(map[string]any)["buffers"].([]any)
	if fmt.Sprint(bufs) != "[map[data:aGk= encoding:base64 path:[raw]]]" {
		t.Errorf("buffers %v", bufs)
	}
	// slider, layout, style; text, layout, style (button and its models closed)
	if len(models) != 6 {
		t.Errorf("%d models saved, want 6", len(models))
	}
	var empty StateRecorder
	if empty.State() != nil {
		t.Error("State of nothing should be nil")
	}
}

func TestInteractShowsPrints(t *testing.T) {
	record(t)
	var sink strings.Builder
	var dest io.Writer = &sink
	SetPrintRedirect(func(w io.Writer) func() {
		old := dest
		dest = w
		return func() { dest = old }
	})
	defer SetPrintRedirect(nil)
	n := NewIntSlider("n", 0, 9, 2)
	it := Interact(func(n int) int {
		fmt.Fprintf(dest, "squaring %d\n", n)
		return n * n
	}, n)
	n.SetValue(3)
	got := it.Output().Outputs()
	if len(got) != 2 || got[0]["output_type"] != "stream" || got[0]["text"] != "squaring 3\n" || got[1]["data"].(map[string]any)["text/plain"] != "9" {
		t.Errorf("outputs %v", got)
	}
	fmt.Fprint(dest, "after")
	if sink.String() != "after" {
		t.Errorf("prints after the run went to %q", sink.String())
	}
}
