// Package display produces rich output for Jupyter notebooks: HTML,
// Markdown, LaTeX, images, plots, tables of matrices, drawings of automatic
// differentiation tapes and live views of a training loop.
//
// The same code works in a notebook cell run by the gopherprop kernel and in
// a compiled Go program. In the kernel, messages go to the front end through
// the Publisher installed with SetPublisher; in a plain program, where no
// publisher is installed, every display prints its text/plain form to
// standard output.
//
// Every display carries a "text/plain" fallback, so notebooks stay readable
// in terminals, in nbconvert output and in front ends that cannot render the
// richer form.
//
// The main pieces:
//
//   - HTML, Markdown, Latex, SVG, PNG, JPEG, JSON, Image, Plot, PlotSVG,
//     Text and Show publish one display each and return a *Handle whose
//     Update replaces it in place; Clear clears the cell's output.
//   - Bundle computes the MIME bundle of any value (matrices as tables,
//     plots and images as PNG, ad values with their shape, user types with
//     the methods of the format table (see Formats), errors, Go-quoted
//     strings); the kernel uses it for a cell's final expression.
//   - Every picture the package emits carries a PNG, also beside an SVG
//     (PlotSVG, Tape, NewLiveLoss): Jupyter shows no SVG in a notebook it
//     does not trust (opened from disk and not yet run).
//   - LinePlot, LossPlot, Heatmap, Histogram, BarChart and ConfusionMatrix
//     return *plot.Plot values to show or to adjust; DigitGrid and
//     ImageGrid draw images from vectors; Tape, TapeSVG and TapePNG draw
//     the computation graph recorded by ad.Record (one drawing through
//     gonum/plot's vg, rendered as SVG and as PNG).
//   - NewProgress and NewLiveLoss are live views of a training loop,
//     updated in place at most 5 times a second.
//   - Input and Password ask the user for a line of text.
//
// The exported API is deliberately non-generic so that notebook cells,
// which run in the yaegi interpreter, can call all of it; see MapTypes for
// methods of types declared in cells.
package display

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/plot"
)

// Rich is a value with a ready-made MIME bundle. Show, Bundle and
// Handle.Update publish it as it is (adding a "text/plain" fallback when it
// is missing). Build one with Raw, or fill the maps yourself.
type Rich struct {
	Data     map[string]any // MIME type → content
	Metadata map[string]any // MIME type → metadata; may be nil
}

// Raw returns a Rich value holding content under one MIME type, for
// example Raw("text/html", "<b>bold</b>"). Binary image types
// ("image/png", "image/jpeg", "image/gif") accept a []byte, which is
// base64-encoded as Jupyter requires; other content is published as given.
// A "text/plain" fallback is added: the text itself for Markdown and
// LaTeX, the text of HTML without tags, otherwise the MIME type in angle
// brackets.
func Raw(mime string, content any) Rich {
	if b, ok := content.([]byte); ok && isBinaryMIME(mime) {
		content = base64.StdEncoding.EncodeToString(b)
	}
	d := map[string]any{mime: content}
	if mime != "text/plain" {
		d["text/plain"] = "<" + mime + ">"
		if s, ok := content.(string); ok && isTextMIME(mime) {
			d["text/plain"] = s
		} else if ok && mime == "text/html" {
			d["text/plain"] = stripTags(s)
		}
	}
	return Rich{Data: d}
}

func isBinaryMIME(m string) bool {
	return m == "image/png" || m == "image/jpeg" || m == "image/gif"
}

func isTextMIME(m string) bool {
	return m == "text/markdown" || m == "text/latex"
}

// Handle refers to one published display. Update replaces its content in
// place in the notebook (update_display_data with the same display_id).
// A Handle is safe for concurrent use.
type Handle struct {
	id string
}

var displayCounter atomic.Uint64
var displayPrefix = strconv.FormatInt(int64(os.Getpid()), 36)

func newHandle() *Handle {
	n := displayCounter.Add(1)
	return &Handle{id: "gp-" + displayPrefix + "-" + strconv.FormatUint(n, 10)}
}

// ID returns the display_id of the display.
func (h *Handle) ID() string { return h.id }

// String returns a short description of the handle.
func (h *Handle) String() string { return "display " + h.id }

// Update replaces the content of the display with the best representation
// of v (see Bundle). Updating a nil Handle does nothing.
func (h *Handle) Update(v any) {
	if h == nil {
		return
	}
	data, md := Bundle(v)
	if data == nil {
		return
	}
	publish(Message{Type: "update_display_data", Data: data, Metadata: md, DisplayID: h.id})
}

// Show publishes the best representation of v (see Bundle) as display_data
// and returns a Handle for updating it in place.
//
// A cell ending in Show(v) does not display v a second time: Bundle of a
// *Handle is empty. Show of a *Handle publishes nothing and returns it.
func Show(v any) *Handle {
	if h, ok := v.(*Handle); ok && h != nil {
		return h
	}
	data, md := Bundle(v)
	if data == nil {
		data = map[string]any{"text/plain": ""}
	}
	return showBundle(data, md)
}

func showBundle(data, md map[string]any) *Handle {
	h := newHandle()
	publish(Message{Type: "display_data", Data: data, Metadata: md, DisplayID: h.id})
	return h
}

// Clear clears the output of the current cell (clear_output). With wait
// set, the front end clears only when the next output arrives, which avoids
// flicker in animations. Without a publisher, Clear does nothing.
func Clear(wait bool) {
	if p := currentPublisher(); p != nil {
		p.Publish(Message{Type: "clear_output", Wait: wait})
	}
}

// HTML displays s as HTML. The text/plain fallback is s with tags removed.
func HTML(s string) *Handle {
	return showBundle(map[string]any{"text/html": s, "text/plain": stripTags(s)}, nil)
}

// Markdown displays s as Markdown; the text/plain fallback is s itself.
func Markdown(s string) *Handle {
	return showBundle(map[string]any{"text/markdown": s, "text/plain": s}, nil)
}

// Latex displays s as LaTeX, for example `$\nabla f(x) = 2x$`; the
// text/plain fallback is s itself.
func Latex(s string) *Handle {
	return showBundle(map[string]any{"text/latex": s, "text/plain": s}, nil)
}

// SVG displays s, an SVG document, as image/svg+xml. Jupyter does not show
// SVG in a notebook it does not trust (opened from disk and not yet run);
// pictures meant to survive that should carry a PNG too (see Raw, Plot,
// PlotSVG and Tape, which do).
func SVG(s string) *Handle {
	return showBundle(map[string]any{"image/svg+xml": s, "text/plain": "<SVG image>"}, nil)
}

// PNG displays b, the bytes of a PNG file. The text/plain fallback gives
// the image size read from the file; b is published as given even if it
// is not a valid PNG file.
func PNG(b []byte) *Handle {
	data, md := pngBundle(b, "PNG image")
	return showBundle(data, md)
}

// JPEG displays b, the bytes of a JPEG file.
func JPEG(b []byte) *Handle {
	return showBundle(map[string]any{
		"image/jpeg": base64.StdEncoding.EncodeToString(b),
		"text/plain": "<JPEG image, " + strconv.Itoa(len(b)) + " bytes>",
	}, nil)
}

// JSON displays v as application/json (an interactive tree in JupyterLab).
// v is marshalled with encoding/json; if that fails, the error is shown
// instead. The text/plain fallback is the indented JSON text.
func JSON(v any) *Handle {
	b, err := json.Marshal(v)
	if err != nil {
		return Show(fmt.Errorf("display.JSON: %w", err))
	}
	var generic any
	_ = json.Unmarshal(b, &generic) // round trip so the kernel sees plain maps and slices
	ind, _ := json.MarshalIndent(generic, "", "  ")
	return showBundle(map[string]any{"application/json": generic, "text/plain": string(ind)}, nil)
}

// Image displays img as a PNG image at its own size.
func Image(img image.Image) *Handle {
	data, md := imageBundle(img)
	return showBundle(data, md)
}

// Plot displays p as a PNG image of DefaultWidth × DefaultHeight. Use
// PlotSize for another size and PlotSVG for a vector image.
func Plot(p *plot.Plot) *Handle {
	data, md := plotBundle(p, DefaultWidth, DefaultHeight, false)
	return showBundle(data, md)
}

// PlotSize displays p as a PNG image of the given size in inches
// (at 96 dots per inch).
func PlotSize(p *plot.Plot, widthInch, heightInch float64) *Handle {
	data, md := plotBundle(p, inch(widthInch), inch(heightInch), false)
	return showBundle(data, md)
}

// PlotSVG displays p as an SVG image of DefaultWidth × DefaultHeight, with
// a PNG of it in the same bundle for notebooks that do not trust SVG (a
// notebook opened from disk and not yet run). Fonts are referenced by name,
// not embedded.
func PlotSVG(p *plot.Plot) *Handle {
	data, md := plotBundle(p, DefaultWidth, DefaultHeight, true)
	return showBundle(data, md)
}

// Text displays s as plain text.
func Text(s string) *Handle {
	return showBundle(map[string]any{"text/plain": s}, nil)
}

// Default (publisher-less) output state: stdoutMu serialises it; pending
// is true while a terminal line ends in an update that a later update may
// overwrite.
var (
	stdoutMu   sync.Mutex
	pending    bool
	isTerminal = func() bool {
		fi, err := os.Stdout.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
)

// publish delivers m to the installed publisher, or prints its text/plain
// form to standard output when there is none. On a terminal, a one-line
// update (a progress bar) overwrites the line of the previous update.
func publish(m Message) {
	if m.Data != nil && !m.IsComm() {
		if _, ok := m.Data["text/plain"]; !ok {
			m.Data["text/plain"] = ""
		}
	}
	if p := currentPublisher(); p != nil {
		p.Publish(m)
		return
	}
	if m.Type == "clear_output" {
		return
	}
	s, _ := m.Data["text/plain"].(string)
	s = strings.TrimSuffix(s, "\n")
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	oneLine := !strings.Contains(s, "\n")
	switch {
	case m.Type == "update_display_data" && oneLine && isTerminal():
		os.Stdout.WriteString("\r" + s + "\x1b[K")
		pending = true
		return
	case pending:
		os.Stdout.WriteString("\n")
	}
	pending = false
	os.Stdout.WriteString(s + "\n")
}
