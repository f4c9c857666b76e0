package widget

import (
	"encoding/base64"
	"sync"
)

// StateRecorder rebuilds the state of the widgets a kernel opened from the
// comm messages it sent (comm_open, update comm_msg, comm_close), for
// saving in a notebook's metadata so that static renderers (nbconvert,
// GitHub, nbviewer) show the widgets as they were. `gopherprop run` uses
// it; Jupyter front ends and nbclient save the same state themselves. The
// zero value is ready to use and safe for concurrent use.
type StateRecorder struct {
	mu     sync.Mutex
	models map[string]map[string]any // id -> state
	order  []string
}

// Record takes note of one comm message sent to the front end. Messages
// for targets other than "jupyter.widget" and methods other than update
// are ignored.
func (r *StateRecorder) Record(msgType, commID, target string, data map[string]any, buffers [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.models == nil {
		r.models = map[string]map[string]any{}
	}
	switch msgType {
	case "comm_open":
		if target != Target {
			return
		}
		st, _ := data["state"].(map[string]any)
		s := map[string]any{}
		for k, v := range mergeBuffers(copyMap(st), data["buffer_paths"], buffers) {
			s[k] = v
		}
		if _, ok := r.models[commID]; !ok {
			r.order = append(r.order, commID)
		}
		r.models[commID] = s
	case "comm_msg":
		s, ok := r.models[commID]
		if !ok || data["method"] != "update" {
			return
		}
		st, _ := data["state"].(map[string]any)
		for k, v := range mergeBuffers(copyMap(st), data["buffer_paths"], buffers) {
			s[k] = v
		}
	case "comm_close":
		delete(r.models, commID)
	}
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// State returns the value of the notebook metadata key
// "widgets"["application/vnd.jupyter.widget-state+json"] for the open
// widgets (version 2.0 of the widget state schema), or nil when none is
// open. Binary values are stored base64-encoded in "buffers".
func (r *StateRecorder) State() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.models) == 0 {
		return nil
	}
	all := map[string]any{}
	for _, id := range r.order {
		s, ok := r.models[id]
		if !ok {
			continue
		}
		clean, paths, bufs := splitBuffers(s)
		entry := map[string]any{
			"model_name": clean["_model_name"], "model_module": clean["_model_module"],
			"model_module_version": clean["_model_module_version"], "state": clean,
		}
		if len(bufs) > 0 {
			bl := make([]any, len(bufs))
			for i, b := range bufs {
				bl[i] = map[string]any{"path": paths[i], "encoding": "base64", "data": base64.StdEncoding.EncodeToString(b)}
			}
			entry["buffers"] = bl
		}
		all[id] = entry
	}
	return map[string]any{"version_major": 2, "version_minor": 0, "state": all}
}
