package display

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"
	"testing"
)

// decodePNG decodes the base64 image/png entry of a bundle.
func decodePNG(t *testing.T, data map[string]any) image.Image {
	t.Helper()
	s, ok := data["image/png"].(string)
	if !ok {
		t.Fatalf("bundle has no image/png string: keys %v", keys(data))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("image/png is not base64: %v", err)
	}
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil || format != "png" {
		t.Fatalf("image/png does not decode as PNG: format %q, %v", format, err)
	}
	return img
}

// checkXML fails unless s parses as XML with root element root.
func checkXML(t *testing.T, s, root string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	first := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%.300s", err, s)
		}
		if se, ok := tok.(xml.StartElement); ok && first == "" {
			first = se.Name.Local
		}
	}
	if first != root {
		t.Fatalf("root element is %q, want %q", first, root)
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestHelpersPublishDisplayData(t *testing.T) {
	jpg := func() []byte {
		var buf bytes.Buffer
		img := image.NewRGBA(image.Rect(0, 0, 4, 3))
		if err := jpeg.Encode(&buf, img, nil); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	pngBytes, err := RenderPNG(LinePlot([]float64{1, 2, 3}), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		show  func() *Handle
		mime  string
		text  string // expected text/plain ("" to skip)
		check func(t *testing.T, data map[string]any)
	}{
		{"HTML", func() *Handle { return HTML("<b>x</b> &amp; y") }, "text/html", "x & y", func(t *testing.T, d map[string]any) {
			if d["text/html"] != "<b>x</b> &amp; y" {
				t.Errorf("text/html = %v", d["text/html"])
			}
		}},
		{"Markdown", func() *Handle { return Markdown("# Title") }, "text/markdown", "# Title", nil},
		{"Latex", func() *Handle { return Latex(`$x^2$`) }, "text/latex", `$x^2$`, nil},
		{"SVG", func() *Handle {
			return SVG(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>`)
		}, "image/svg+xml", "<SVG image>", func(t *testing.T, d map[string]any) { checkXML(t, d["image/svg+xml"].(string), "svg") }},
		{"PNG", func() *Handle { return PNG(pngBytes) }, "image/png", "<PNG image 288×192>", func(t *testing.T, d map[string]any) {
			if b := decodePNG(t, d).Bounds(); b.Dx() != 288 || b.Dy() != 192 {
				t.Errorf("size %v, want 288×192", b)
			}
		}},
		{"JPEG", func() *Handle { return JPEG(jpg) }, "image/jpeg", "", func(t *testing.T, d map[string]any) {
			b, _ := base64.StdEncoding.DecodeString(d["image/jpeg"].(string))
			if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("image/jpeg does not decode: %v", err)
			}
		}},
		{"JSON", func() *Handle { return JSON(map[string]any{"a": []int{1, 2}}) }, "application/json", "", func(t *testing.T, d map[string]any) {
			m, ok := d["application/json"].(map[string]any)
			if !ok || len(m["a"].([]any)) != 2 {
				t.Errorf("application/json = %#v", d["application/json"])
			}
			if !strings.Contains(d["text/plain"].(string), `"a": [`) {
				t.Errorf("text/plain = %q", d["text/plain"])
			}
		}},
		{"Image", func() *Handle {
			img := image.NewRGBA(image.Rect(0, 0, 5, 7))
			img.Set(2, 3, color.RGBA{R: 255, A: 255})
			return Image(img)
		}, "image/png", "<image 5×7>", func(t *testing.T, d map[string]any) {
			img := decodePNG(t, d)
			if r, g, _, _ := img.At(2, 3).RGBA(); r != 0xffff || g != 0 {
				t.Errorf("pixel (2,3) = %v, want red", img.At(2, 3))
			}
		}},
		{"Plot", func() *Handle { return Plot(LinePlot([]float64{3, 1, 2})) }, "image/png", "", func(t *testing.T, d map[string]any) {
			if b := decodePNG(t, d).Bounds(); b.Dx() != 576 || b.Dy() != 384 {
				t.Errorf("plot size %v, want 576×384", b)
			}
		}},
		{"PlotSize", func() *Handle { return PlotSize(LinePlot([]float64{3, 1, 2}), 4, 3) }, "image/png", "", func(t *testing.T, d map[string]any) {
			if b := decodePNG(t, d).Bounds(); b.Dx() != 384 || b.Dy() != 288 {
				t.Errorf("plot size %v, want 384×288", b)
			}
		}},
		{"PlotSVG", func() *Handle { return PlotSVG(LinePlot([]float64{3, 1, 2})) }, "image/svg+xml", "<plot>", func(t *testing.T, d map[string]any) {
			checkXML(t, d["image/svg+xml"].(string), "svg")
		}},
		{"Text", func() *Handle { return Text("hello") }, "text/plain", "hello", nil},
		{"Show", func() *Handle { return Show("hi") }, "text/plain", `"hi"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withFake(t)
			h := tt.show()
			ms := f.messages()
			if len(ms) != 1 {
				t.Fatalf("%d messages, want 1", len(ms))
			}
			m := ms[0]
			if m.Type != "display_data" {
				t.Errorf("type %q, want display_data", m.Type)
			}
			if m.DisplayID == "" || m.DisplayID != h.ID() {
				t.Errorf("display_id %q, handle %q", m.DisplayID, h.ID())
			}
			if _, ok := m.Data[tt.mime]; !ok {
				t.Errorf("no %s in bundle %v", tt.mime, keys(m.Data))
			}
			txt, ok := m.Data["text/plain"].(string)
			if !ok {
				t.Errorf("no text/plain fallback")
			}
			if tt.text != "" && txt != tt.text {
				t.Errorf("text/plain = %q, want %q", txt, tt.text)
			}
			if tt.check != nil {
				tt.check(t, m.Data)
			}
		})
	}
}

func TestHandleUpdateAndClear(t *testing.T) {
	f := withFake(t)
	h := Show(1)
	h2 := HTML("<i>other</i>")
	h.Update(Raw("text/html", "<b>2</b>"))
	Clear(true)
	Clear(false)
	ms := f.messages()
	if len(ms) != 5 {
		t.Fatalf("%d messages, want 5", len(ms))
	}
	if h.ID() == h2.ID() {
		t.Errorf("two displays share display_id %q", h.ID())
	}
	u := ms[2]
	if u.Type != "update_display_data" || u.DisplayID != ms[0].DisplayID {
		t.Errorf("update = %+v, want update_display_data with display_id %q", u, ms[0].DisplayID)
	}
	if u.Data["text/html"] != "<b>2</b>" || u.Data["text/plain"] == nil {
		t.Errorf("update bundle = %v", u.Data)
	}
	if ms[3].Type != "clear_output" || !ms[3].Wait || ms[4].Type != "clear_output" || ms[4].Wait {
		t.Errorf("clear messages = %+v, %+v", ms[3], ms[4])
	}
	// Updating with a handle, showing a handle, or updating a nil handle
	// sends nothing.
	h.Update(h2)
	if Show(h2) != h2 {
		t.Errorf("Show(handle) is not the handle")
	}
	var hn *Handle
	hn.Update(3)
	if n := len(f.messages()); n != 5 {
		t.Errorf("%d messages after no-op updates, want 5", n)
	}
}

func TestRaw(t *testing.T) {
	r := Raw("image/png", []byte{1, 2, 3})
	if r.Data["image/png"] != base64.StdEncoding.EncodeToString([]byte{1, 2, 3}) {
		t.Errorf("image/png not base64: %v", r.Data["image/png"])
	}
	if r.Data["text/plain"] != "<image/png>" {
		t.Errorf("text/plain = %v", r.Data["text/plain"])
	}
	if m := Raw("text/markdown", "*x*"); m.Data["text/plain"] != "*x*" {
		t.Errorf("markdown fallback = %v", m.Data["text/plain"])
	}
}

// captureStdout returns what f writes to os.Stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	os.Stdout = old
	return <-done
}

func TestNoPublisherPrintsText(t *testing.T) {
	old := SetPublisher(nil)
	defer SetPublisher(old)
	out := captureStdout(t, func() {
		HTML("<p>a &lt; b</p>")
		Show([]int{1, 2})
		Clear(false)
		Markdown("**m**\n")
	})
	want := "a < b\n[1 2]\n**m**\n"
	if out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

func TestNoPublisherTerminalUpdates(t *testing.T) {
	old := SetPublisher(nil)
	defer SetPublisher(old)
	oldTerm := isTerminal
	defer func() { isTerminal = oldTerm }()
	for _, term := range []bool{true, false} {
		isTerminal = func() bool { return term }
		out := captureStdout(t, func() {
			h := Text("step 1")
			h.Update(Raw("text/plain", "step 2"))
			h.Update(Raw("text/plain", "step 3"))
			Text("done")
		})
		want := "step 1\nstep 2\nstep 3\ndone\n"
		if term {
			want = "step 1\n\rstep 2\x1b[K\rstep 3\x1b[K\ndone\n"
		}
		if out != want {
			t.Errorf("terminal %v: stdout = %q, want %q", term, out, want)
		}
	}
}
