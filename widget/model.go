package widget

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"reflect"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/gopherprop/gopherprop/display"
)

// Protocol constants of the Jupyter widget messaging protocol 2.1.
const (
	// Target is the comm target of widget models.
	Target = "jupyter.widget"
	// ProtocolVersion is sent in the metadata of every comm_open.
	ProtocolVersion = "2.1.0"
	// ViewMIME is the MIME type of a widget view in a display bundle.
	ViewMIME = "application/vnd.jupyter.widget-view+json"
	// StateMIME is the key of the saved widget state in a notebook's
	// metadata.widgets.
	StateMIME = "application/vnd.jupyter.widget-state+json"

	controlsModule = "@jupyter-widgets/controls"
	baseModule     = "@jupyter-widgets/base"
	outputModule   = "@jupyter-widgets/output"
	controlsVer    = "2.0.0"
	baseVer        = "2.0.0"
	outputVer      = "1.0.0"
)

// Widget is implemented by every widget of this package.
type Widget interface {
	// ModelID returns the id of the widget's model (its comm id).
	ModelID() string
	// Close closes the widget: its views disappear from the front end and
	// its callbacks no longer run.
	Close()
	base() *model
}

// model is the kernel side of one widget model: its state and comm.
type model struct {
	id string

	mu       sync.Mutex
	state    map[string]any
	closed   bool
	onUpdate []func(changed map[string]any) // called with the keys the front end changed
	onCustom []func(content map[string]any)
	children []*model // models whose lifetime is tied to this one (layout, style)
}

var (
	regMu  sync.Mutex
	models = map[string]*model{}
)

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// ref is the serialised reference to a model in another model's state.
func ref(m *model) string { return "IPY_MODEL_" + m.id }

// open registers a model with the given state and sends its comm_open.
func open(state map[string]any) *model {
	m := &model{id: newID(), state: state}
	regMu.Lock()
	models[m.id] = m
	regMu.Unlock()
	st, paths, bufs := splitBuffers(state)
	display.Send(display.Message{Type: "comm_open", CommID: m.id, Target: Target,
		Data:     map[string]any{"state": st, "buffer_paths": paths},
		Metadata: map[string]any{"version": ProtocolVersion}, Buffers: bufs})
	return m
}

// openWidget opens a DOM widget of the given model and view names in
// @jupyter-widgets/controls with a fresh layout and, when style is not
// empty, a fresh style model of that name.
func openWidget(modelName, viewName, style string, state map[string]any) *model {
	layout := open(map[string]any{
		"_model_module": baseModule, "_model_module_version": baseVer, "_model_name": "LayoutModel",
		"_view_module": baseModule, "_view_module_version": baseVer, "_view_name": "LayoutView",
	})
	kids := []*model{layout}
	full := map[string]any{
		"_model_module": controlsModule, "_model_module_version": controlsVer, "_model_name": modelName,
		"_view_module": controlsModule, "_view_module_version": controlsVer, "_view_name": viewName,
		"_dom_classes": []any{}, "layout": ref(layout), "tabbable": nil, "tooltip": nil,
	}
	if style != "" {
		st := open(map[string]any{
			"_model_module": controlsModule, "_model_module_version": controlsVer, "_model_name": style,
			"_view_module": baseModule, "_view_module_version": baseVer, "_view_name": "StyleView",
		})
		kids = append(kids, st)
		full["style"] = ref(st)
	}
	for k, v := range state {
		full[k] = v
	}
	m := open(full)
	m.children = kids
	return m
}

// get returns the value of a state key.
func (m *model) get(key string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state[key]
}

// set changes state keys and sends them to the front end as an update.
func (m *model) set(kv map[string]any) {
	m.mu.Lock()
	if m.closed {
		for k, v := range kv {
			m.state[k] = v
		}
		m.mu.Unlock()
		return
	}
	for k, v := range kv {
		m.state[k] = v
	}
	m.mu.Unlock()
	m.send("update", kv)
}

// send sends a state message (update or echo_update) with kv.
func (m *model) send(method string, kv map[string]any) {
	st, paths, bufs := splitBuffers(kv)
	display.Send(display.Message{Type: "comm_msg", CommID: m.id,
		Data: map[string]any{"method": method, "state": st, "buffer_paths": paths}, Buffers: bufs})
}

// snapshot returns a copy of the full state.
func (m *model) snapshot() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := make(map[string]any, len(m.state))
	for k, v := range m.state {
		c[k] = v
	}
	return c
}

// close closes the model and its children, sending comm_close.
func (m *model) close() {
	m.mu.Lock()
	was := m.closed
	m.closed = true
	kids := m.children
	m.mu.Unlock()
	if was {
		return
	}
	regMu.Lock()
	delete(models, m.id)
	regMu.Unlock()
	display.Send(display.Message{Type: "comm_close", CommID: m.id, Data: map[string]any{}})
	for _, k := range kids {
		k.close()
	}
}

// view returns the display bundle of the model: the widget view, with a
// text/plain fallback.
func (m *model) view(text string) (map[string]any, map[string]any) {
	return map[string]any{
		ViewMIME:     map[string]any{"model_id": m.id, "version_major": 2, "version_minor": 1},
		"text/plain": text,
	}, nil
}

// Live returns the ids of the open widget models, sorted.
func Live() []string {
	regMu.Lock()
	defer regMu.Unlock()
	ids := make([]string, 0, len(models))
	for id := range models {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// CloseAll closes every open widget.
func CloseAll() {
	regMu.Lock()
	all := make([]*model, 0, len(models))
	for _, m := range models {
		all = append(all, m)
	}
	regMu.Unlock()
	for _, m := range all {
		m.close()
	}
}

// CallbackPanic is the error Receive returns when a callback panicked.
type CallbackPanic struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

// Error implements error.
func (p *CallbackPanic) Error() string { return fmt.Sprintf("panic in a widget callback: %v", p.Value) }

// Receive handles one comm message from the front end (comm_open,
// comm_msg or comm_close for target "jupyter.widget"): it applies state
// updates in order, answers request_state, echoes updates (echo_update)
// and runs the callbacks (OnChange, OnClick) on the calling goroutine. The
// notebook kernel's worker calls it; a callback's panic is returned as a
// *CallbackPanic.
func Receive(msg display.Message) (err error) {
	switch msg.Type {
	case "comm_open":
		// Models created by the front end (e.g. jupyter.widget.control)
		// are not supported: close the comm so that it does not wait.
		display.Send(display.Message{Type: "comm_close", CommID: msg.CommID, Data: map[string]any{}})
		return nil
	case "comm_close":
		regMu.Lock()
		m := models[msg.CommID]
		regMu.Unlock()
		if m != nil {
			m.mu.Lock()
			m.closed = true
			m.mu.Unlock()
			regMu.Lock()
			delete(models, m.id)
			regMu.Unlock()
		}
		return nil
	case "comm_msg":
	default:
		return fmt.Errorf("widget: unknown comm message type %q", msg.Type)
	}
	regMu.Lock()
	m := models[msg.CommID]
	regMu.Unlock()
	if m == nil {
		return fmt.Errorf("widget: comm_msg for unknown widget %s", msg.CommID)
	}
	method, _ := msg.Data["method"].(string)
	defer func() {
		if r := recover(); r != nil {
			err = &CallbackPanic{Value: r, Stack: debug.Stack()}
		}
	}()
	switch method {
	case "request_state":
		m.send("update", m.snapshot())
	case "update":
		st, _ := msg.Data["state"].(map[string]any)
		st = mergeBuffers(st, msg.Data["buffer_paths"], msg.Buffers)
		m.mu.Lock()
		changed := map[string]any{}
		for k, v := range st {
			if old, ok := m.state[k]; !ok || !reflect.DeepEqual(old, v) {
				changed[k] = v
			}
			m.state[k] = v
		}
		fs := append([]func(map[string]any){}, m.onUpdate...)
		m.mu.Unlock()
		m.send("echo_update", st)
		if len(changed) > 0 {
			for _, f := range fs {
				f(changed)
			}
		}
	case "custom":
		content, _ := msg.Data["content"].(map[string]any)
		m.mu.Lock()
		fs := append([]func(map[string]any){}, m.onCustom...)
		m.mu.Unlock()
		for _, f := range fs {
			f(content)
		}
	default:
		return fmt.Errorf("widget: unknown method %q in comm_msg", method)
	}
	return nil
}

// splitBuffers removes the []byte values from state (at any depth in maps
// and slices) and returns the remaining JSON state, the paths of the
// buffers and the buffers, as the protocol's buffer_paths require. state is
// not modified.
func splitBuffers(state map[string]any) (map[string]any, []any, [][]byte) {
	paths := []any{}
	var bufs [][]byte
	var walk func(v any, path []any) (any, bool)
	walk = func(v any, path []any) (any, bool) {
		switch x := v.(type) {
		case []byte:
			paths = append(paths, append([]any{}, path...))
			bufs = append(bufs, x)
			return nil, true
		case map[string]any:
			c := make(map[string]any, len(x))
			for k, e := range x {
				if nv, isBuf := walk(e, append(path, k)); !isBuf {
					c[k] = nv
				}
			}
			return c, false
		case []any:
			c := make([]any, len(x))
			for i, e := range x {
				nv, _ := walk(e, append(path, i))
				c[i] = nv
			}
			return c, false
		}
		return v, false
	}
	out, _ := walk(state, nil)
	return out.(map[string]any), paths, bufs
}

// mergeBuffers puts buffers back into state at paths (the inverse of
// splitBuffers).
func mergeBuffers(state map[string]any, paths any, bufs [][]byte) map[string]any {
	ps, _ := paths.([]any)
	if state == nil {
		state = map[string]any{}
	}
	for i, p := range ps {
		path, _ := p.([]any)
		if i >= len(bufs) || len(path) == 0 {
			continue
		}
		var cur any = state
		for j, key := range path {
			last := j == len(path)-1
			switch c := cur.(type) {
			case map[string]any:
				k, _ := key.(string)
				if last {
					c[k] = bufs[i]
				} else {
					cur = c[k]
				}
			case []any:
				n, ok := index(key)
				if !ok || n < 0 || n >= len(c) {
					cur = nil
					continue
				}
				if last {
					c[n] = bufs[i]
				} else {
					cur = c[n]
				}
			}
		}
	}
	return state
}

func index(k any) (int, bool) {
	switch n := k.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	}
	return 0, false
}
