// Package notebook reads, validates, writes and executes Jupyter notebooks
// in nbformat 4, without Python or Jupyter.
//
// Read parses and validates a notebook and reports every problem with its
// place (for example `cells[3].outputs[0]: stream output has no "name"`).
// Write produces the same bytes as Jupyter's own writer: keys sorted, one
// space of indentation, multi-line strings split into lists of lines and a
// trailing newline, so that a notebook saved by gopherprop and by Jupyter
// differs only where its content differs. Run executes the code cells in
// order through a kernel.Evaluator and stores their outputs in the notebook.
package notebook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Notebook is an nbformat 4 notebook.
type Notebook struct {
	// Cells are the notebook's cells in order.
	Cells []*Cell
	// Metadata is the notebook-level metadata (kernelspec, language_info, ...).
	Metadata map[string]any
	// NBFormat is the major format version; always 4 for a valid notebook.
	NBFormat int
	// NBFormatMinor is the minor format version (0 to 5). From 5 on every
	// cell carries an id.
	NBFormatMinor int
}

// Cell types.
const (
	Code     = "code"
	Markdown = "markdown"
	Raw      = "raw"
)

// Cell is one notebook cell.
type Cell struct {
	// ID is the cell id (required from nbformat 4.5 on, else may be empty).
	ID string
	// Type is Code, Markdown or Raw.
	Type string
	// Source is the cell's text, lines joined.
	Source string
	// Metadata is the cell metadata.
	Metadata map[string]any
	// Attachments holds the attachments of markdown and raw cells (nil for none).
	Attachments map[string]any
	// ExecutionCount is the prompt number of a code cell; nil when not run.
	ExecutionCount *int
	// Outputs are a code cell's outputs.
	Outputs []*Output
}

// Output types.
const (
	Stream        = "stream"
	DisplayData   = "display_data"
	ExecuteResult = "execute_result"
	Error         = "error"
)

// Output is one output of a code cell. Which fields are meaningful depends
// on Type: Name and Text for Stream; Data and Metadata for DisplayData and
// ExecuteResult (plus ExecutionCount for ExecuteResult); EName, EValue and
// Traceback for Error.
type Output struct {
	Type           string
	Name           string // "stdout" or "stderr"
	Text           string
	Data           map[string]any // MIME type to value; text values are plain strings
	Metadata       map[string]any
	ExecutionCount *int
	EName          string
	EValue         string
	Traceback      []string
}

// New returns an empty notebook of format 4.5 with the given metadata
// (nil for none).
func New(metadata map[string]any) *Notebook {
	if metadata == nil {
		metadata = map[string]any{}
	}
	return &Notebook{Metadata: metadata, NBFormat: 4, NBFormatMinor: 5}
}

// ValidationError lists every problem found in a notebook.
type ValidationError struct {
	// Problems are messages of the form "place: problem".
	Problems []string
}

// Error implements error. It names the first problems, one per line.
func (e *ValidationError) Error() string {
	const max = 20
	var b strings.Builder
	fmt.Fprintf(&b, "invalid nbformat 4 notebook (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for i, p := range e.Problems {
		if i == max {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-max)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p)
	}
	return b.String()
}

// ReadFile reads and validates the notebook in the named file. Errors name
// the file.
func ReadFile(name string) (*Notebook, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	nb, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return nb, nil
}

// Read reads and validates a notebook from r.
func Read(r io.Reader) (*Notebook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes and validates a notebook. It returns a *ValidationError
// listing every problem when the JSON is well formed but not a valid
// nbformat 4 notebook, and a JSON syntax error (with line and column)
// when it is not JSON.
func Parse(data []byte) (*Notebook, error) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not a notebook: extra data after the JSON document")
	}
	v := &validator{}
	nb := v.notebook(raw)
	if len(v.problems) > 0 {
		return nil, &ValidationError{Problems: v.problems}
	}
	return nb, nil
}

// jsonError turns a JSON decoding error into one that names the line and column.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if err == io.EOF {
		return fmt.Errorf("not a notebook: the file is empty")
	}
	if off < 0 {
		return fmt.Errorf("not a notebook: invalid JSON: %v", err)
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	// The offset counts the offending byte itself.
	col := max(int(off)-bytes.LastIndexByte(data[:off], '\n')-1, 1)
	return fmt.Errorf("not a notebook: invalid JSON at line %d, column %d: %v", line, col, err)
}

// Validate checks nb against the nbformat 4 rules that Jupyter enforces and
// returns a *ValidationError listing every problem, or nil.
func Validate(nb *Notebook) error {
	data, err := Marshal(nb)
	if err != nil {
		return err
	}
	_, err = Parse(data)
	return err
}

var cellIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)

type validator struct {
	problems []string
}

func (v *validator) addf(place, format string, args ...any) {
	v.problems = append(v.problems, place+": "+fmt.Sprintf(format, args...))
}

func (v *validator) notebook(raw any) *Notebook {
	top, ok := raw.(map[string]any)
	if !ok {
		v.addf("notebook", "top level is %s, want a JSON object", kind(raw))
		return nil
	}
	nb := &Notebook{}
	major, ok := v.integer("nbformat", top["nbformat"], false)
	if !ok {
		if _, present := top["nbformat"]; !present {
			v.addf("notebook", `no "nbformat" key: not a Jupyter notebook`)
		}
		return nil
	}
	if major == nil || *major != 4 {
		v.addf("nbformat", "version %v is not supported, only nbformat 4 (convert with `jupyter nbconvert --to notebook`)", top["nbformat"])
		return nil
	}
	nb.NBFormat = 4
	if minor, ok := v.integer("nbformat_minor", top["nbformat_minor"], false); ok && minor != nil {
		if *minor < 0 {
			v.addf("nbformat_minor", "is negative")
		}
		nb.NBFormatMinor = *minor
	} else if _, present := top["nbformat_minor"]; !present {
		v.addf("notebook", `missing "nbformat_minor"`)
	}
	nb.Metadata = v.object("metadata", top["metadata"], true)
	for _, k := range sortedKeys(top) {
		switch k {
		case "nbformat", "nbformat_minor", "metadata", "cells":
		default:
			v.addf("notebook", "unknown key %q", k)
		}
	}
	cells, ok := top["cells"].([]any)
	if !ok {
		if top["cells"] == nil {
			v.addf("notebook", `missing "cells"`)
		} else {
			v.addf("cells", "is %s, want an array", kind(top["cells"]))
		}
		return nb
	}
	ids := map[string]int{}
	for i, c := range cells {
		place := fmt.Sprintf("cells[%d]", i)
		cell := v.cell(place, c, nb.NBFormatMinor)
		if cell == nil {
			continue
		}
		if cell.ID != "" {
			if j, dup := ids[cell.ID]; dup {
				v.addf(place, "id %q is also the id of cells[%d]; cell ids must be unique", cell.ID, j)
			} else {
				ids[cell.ID] = i
			}
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb
}

func (v *validator) cell(place string, raw any, minor int) *Cell {
	m, ok := raw.(map[string]any)
	if !ok {
		v.addf(place, "is %s, want an object", kind(raw))
		return nil
	}
	c := &Cell{}
	t, _ := m["cell_type"].(string)
	switch t {
	case Code, Markdown, Raw:
		c.Type = t
	case "":
		v.addf(place, `missing "cell_type" (want "code", "markdown" or "raw")`)
		return nil
	default:
		v.addf(place, `cell_type %q is not "code", "markdown" or "raw"`, t)
		return nil
	}
	place = fmt.Sprintf("%s (%s)", place, t)
	allowed := map[string]bool{"id": true, "cell_type": true, "metadata": true, "source": true}
	if idv, present := m["id"]; present {
		id, ok := idv.(string)
		switch {
		case !ok:
			v.addf(place, "id is %s, want a string", kind(idv))
		case !cellIDPattern.MatchString(id):
			v.addf(place, "id %q must be 1 to 64 letters, digits, '-' or '_'", id)
		default:
			c.ID = id
		}
		if minor < 5 {
			v.addf(place, "has an id, which needs nbformat_minor 5 (the notebook says %d)", minor)
		}
	} else if minor >= 5 {
		v.addf(place, `missing "id" (required from nbformat 4.5 on)`)
	}
	c.Metadata = v.object(place+".metadata", m["metadata"], true)
	c.Source = v.multiline(place+".source", m["source"], true)
	switch t {
	case Code:
		allowed["execution_count"] = true
		allowed["outputs"] = true
		if ec, present := m["execution_count"]; !present {
			v.addf(place, `missing "execution_count" (null when not run)`)
		} else {
			c.ExecutionCount, _ = v.integer(place+".execution_count", ec, true)
		}
		outs, ok := m["outputs"].([]any)
		if !ok {
			if m["outputs"] == nil {
				v.addf(place, `missing "outputs" (an array, empty when not run)`)
			} else {
				v.addf(place+".outputs", "is %s, want an array", kind(m["outputs"]))
			}
		}
		for j, o := range outs {
			if out := v.output(fmt.Sprintf("%s.outputs[%d]", place, j), o); out != nil {
				c.Outputs = append(c.Outputs, out)
			}
		}
		if c.Outputs == nil {
			c.Outputs = []*Output{}
		}
	default:
		allowed["attachments"] = true
		if a, present := m["attachments"]; present {
			c.Attachments = v.object(place+".attachments", a, false)
		}
	}
	for _, k := range sortedKeys(m) {
		if !allowed[k] {
			v.addf(place, "unknown key %q", k)
		}
	}
	return c
}

func (v *validator) output(place string, raw any) *Output {
	m, ok := raw.(map[string]any)
	if !ok {
		v.addf(place, "is %s, want an object", kind(raw))
		return nil
	}
	o := &Output{}
	t, _ := m["output_type"].(string)
	allowed := map[string]bool{"output_type": true}
	switch t {
	case Stream:
		allowed["name"], allowed["text"] = true, true
		o.Name, _ = m["name"].(string)
		switch {
		case m["name"] == nil:
			v.addf(place, `stream output has no "name"`)
		case o.Name != "stdout" && o.Name != "stderr":
			v.addf(place, `stream name %v is not "stdout" or "stderr"`, m["name"])
		}
		o.Text = v.multiline(place+".text", m["text"], true)
	case DisplayData, ExecuteResult:
		allowed["data"], allowed["metadata"] = true, true
		o.Data = v.mimeBundle(place+".data", m["data"])
		o.Metadata = v.object(place+".metadata", m["metadata"], true)
		if t == ExecuteResult {
			allowed["execution_count"] = true
			if ec, present := m["execution_count"]; !present {
				v.addf(place, `execute_result has no "execution_count"`)
			} else {
				o.ExecutionCount, _ = v.integer(place+".execution_count", ec, true)
			}
		}
	case Error:
		allowed["ename"], allowed["evalue"], allowed["traceback"] = true, true, true
		var ok1, ok2 bool
		o.EName, ok1 = m["ename"].(string)
		o.EValue, ok2 = m["evalue"].(string)
		if !ok1 {
			v.addf(place, `error output needs "ename" as a string`)
		}
		if !ok2 {
			v.addf(place, `error output needs "evalue" as a string`)
		}
		tb, ok := m["traceback"].([]any)
		if !ok {
			v.addf(place, `error output needs "traceback" as an array of strings`)
		}
		o.Traceback = []string{}
		for i, l := range tb {
			s, ok := l.(string)
			if !ok {
				v.addf(fmt.Sprintf("%s.traceback[%d]", place, i), "is %s, want a string", kind(l))
			}
			o.Traceback = append(o.Traceback, s)
		}
	case "":
		v.addf(place, `missing "output_type"`)
		return nil
	default:
		v.addf(place, `output_type %q is not "stream", "display_data", "execute_result" or "error"`, t)
		return nil
	}
	o.Type = t
	for _, k := range sortedKeys(m) {
		if !allowed[k] {
			v.addf(place, "unknown key %q in a %s output", k, t)
		}
	}
	return o
}

func (v *validator) mimeBundle(place string, raw any) map[string]any {
	m, ok := raw.(map[string]any)
	if !ok {
		if raw == nil {
			v.addf(place, "missing (want an object of MIME type to data)")
		} else {
			v.addf(place, "is %s, want an object of MIME type to data", kind(raw))
		}
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		val := m[k]
		if !strings.Contains(k, "/") {
			v.addf(place, "key %q is not a MIME type", k)
		}
		if isJSONMime(k) {
			out[k] = normalize(val)
			continue
		}
		out[k] = v.multiline(place+"["+k+"]", val, false)
	}
	return out
}

// multiline decodes a string or an array of strings (joined).
func (v *validator) multiline(place string, raw any, required bool) string {
	switch x := raw.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for i, l := range x {
			s, ok := l.(string)
			if !ok {
				v.addf(fmt.Sprintf("%s[%d]", place, i), "is %s, want a string", kind(l))
				continue
			}
			b.WriteString(s)
		}
		return b.String()
	case nil:
		if required {
			v.addf(place, "missing (want a string or an array of strings)")
		}
		return ""
	default:
		v.addf(place, "is %s, want a string or an array of strings", kind(raw))
		return ""
	}
}

func (v *validator) object(place string, raw any, required bool) map[string]any {
	m, ok := raw.(map[string]any)
	if !ok {
		if raw == nil && !required {
			return nil
		}
		if raw == nil {
			v.addf(place, "missing (want an object)")
		} else {
			v.addf(place, "is %s, want an object", kind(raw))
		}
		return map[string]any{}
	}
	return normalize(m).(map[string]any)
}

// integer decodes a non-negative JSON integer, or null when nullable.
func (v *validator) integer(place string, raw any, nullable bool) (*int, bool) {
	switch x := raw.(type) {
	case nil:
		if nullable {
			return nil, true
		}
		return nil, false
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			v.addf(place, "%s is not an integer", x)
			return nil, false
		}
		i := int(n)
		if nullable && i < 0 {
			v.addf(place, "is negative")
		}
		return &i, true
	default:
		v.addf(place, "is %s, want an integer", kind(raw))
		return nil, false
	}
}

// normalize converts json.Number values to int64 or float64 so that
// metadata round-trips with the types a Go user expects.
func normalize(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			t[k] = normalize(v)
		}
		return t
	case []any:
		for i, v := range t {
			t[i] = normalize(v)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return x
}

func kind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

// isJSONMime reports whether values of this MIME type are JSON data, kept
// as they are, rather than text split into lines (nbformat's rule).
func isJSONMime(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// splitsLines reports whether Jupyter stores values of this MIME type as a
// list of lines: text/*, application/javascript and image/svg+xml.
func splitsLines(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == "application/javascript" || mime == "image/svg+xml"
}

// Marshal encodes nb the way Jupyter writes notebooks: keys sorted, one
// space of indentation, multi-line strings as arrays of lines, non-ASCII
// characters as they are, and a trailing newline.
func Marshal(nb *Notebook) ([]byte, error) {
	if nb == nil {
		return nil, fmt.Errorf("notebook: Marshal of a nil notebook")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb.tree()); err != nil {
		return nil, fmt.Errorf("notebook: %v", err)
	}
	// Encode ends with a newline, which is the trailing newline Jupyter writes.
	return buf.Bytes(), nil
}

// Write writes nb to w in Jupyter's format (see Marshal).
func Write(w io.Writer, nb *Notebook) error {
	data, err := Marshal(nb)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// WriteFile writes nb to the named file (see Marshal).
//
// A symbolic link is followed to its final target, which is written (the
// link stays a link). When that target is a regular file or does not exist,
// the notebook is written to a temporary file in the target's directory and
// renamed into place, so that a failed write never leaves a truncated
// notebook behind; an existing file keeps its mode (permission, setuid,
// setgid and sticky bits) and, where the system allows it (as root, say),
// its owner and group; a new one gets mode 0644. Any other kind of file (a device such as /dev/null, a named pipe) is
// opened and written in place, never replaced. A directory is an error.
func WriteFile(name string, nb *Notebook) error {
	data, err := Marshal(nb)
	if err != nil {
		return err
	}
	target, err := followLinks(name)
	if err != nil {
		return err
	}
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeAtomic(target, data, 0o644, nil)
	case err != nil:
		return err
	case fi.Mode().IsRegular():
		return writeAtomic(target, data, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), fi)
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", name)
	}
	// A device, a named pipe or a socket: write through it.
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxLinks bounds followLinks, as the kernel's own limit (ELOOP) does.
const maxLinks = 40

// followLinks returns the file that name finally refers to after following
// symbolic links, which may not exist yet (a dangling link names the file
// to create). Relative link contents are relative to the link's directory.
func followLinks(name string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return name, nil
		}
		if err != nil {
			return "", err
		}
		dest, err := os.Readlink(name)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(name), dest)
		}
		name = dest
	}
	return "", fmt.Errorf("%s: more than %d levels of symbolic links", name, maxLinks)
}

// writeAtomic writes data to a temporary file beside name with the given
// mode and renames it over name. When old (the file being replaced) is not
// nil, the new file gets its owner and group first, since a change of owner
// clears the setuid and setgid bits.
func writeAtomic(name string, data []byte, mode fs.FileMode, old fs.FileInfo) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if old != nil {
		keepOwner(f, old)
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// splitLines splits s into lines that keep their "\n", as nbformat does.
// The empty string is an empty list.
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func (nb *Notebook) tree() map[string]any {
	cells := make([]any, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		cells = append(cells, c.tree())
	}
	return map[string]any{
		"cells":          cells,
		"metadata":       orEmpty(nb.Metadata),
		"nbformat":       nb.NBFormat,
		"nbformat_minor": nb.NBFormatMinor,
	}
}

func (c *Cell) tree() map[string]any {
	m := map[string]any{
		"cell_type": c.Type,
		"metadata":  orEmpty(c.Metadata),
		"source":    splitLines(c.Source),
	}
	if c.ID != "" {
		m["id"] = c.ID
	}
	if c.Type == Code {
		if c.ExecutionCount != nil {
			m["execution_count"] = *c.ExecutionCount
		} else {
			m["execution_count"] = nil
		}
		outs := make([]any, 0, len(c.Outputs))
		for _, o := range c.Outputs {
			outs = append(outs, o.tree())
		}
		m["outputs"] = outs
	} else if c.Attachments != nil {
		m["attachments"] = c.Attachments
	}
	return m
}

func (o *Output) tree() map[string]any {
	m := map[string]any{"output_type": o.Type}
	switch o.Type {
	case Stream:
		m["name"] = o.Name
		m["text"] = splitLines(o.Text)
	case DisplayData, ExecuteResult:
		data := make(map[string]any, len(o.Data))
		for k, v := range o.Data {
			if s, ok := v.(string); ok && splitsLines(k) {
				data[k] = splitLines(s)
			} else {
				data[k] = v
			}
		}
		m["data"] = data
		m["metadata"] = orEmpty(o.Metadata)
		if o.Type == ExecuteResult {
			if o.ExecutionCount != nil {
				m["execution_count"] = *o.ExecutionCount
			} else {
				m["execution_count"] = nil
			}
		}
	case Error:
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		m["traceback"] = tb
	}
	return m
}

// CodeCells returns the indexes of the code cells, in order.
func (nb *Notebook) CodeCells() []int {
	var idx []int
	for i, c := range nb.Cells {
		if c.Type == Code {
			idx = append(idx, i)
		}
	}
	return idx
}

// ClearOutputs removes the outputs and execution counts of every code cell.
func (nb *Notebook) ClearOutputs() {
	for _, c := range nb.Cells {
		if c.Type == Code {
			c.Outputs = []*Output{}
			c.ExecutionCount = nil
		}
	}
}

// sortedKeys returns the keys of m in order (for stable messages).
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
