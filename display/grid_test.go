package display

import (
	"image/color"
	"strings"
	"testing"
)

func digit(fill func(r, c int) float64) []float64 {
	v := make([]float64, 784)
	for r := 0; r < 28; r++ {
		for c := 0; c < 28; c++ {
			v[r*28+c] = fill(r, c)
		}
	}
	return v
}

func TestDigitGrid(t *testing.T) {
	// Image 0: one bright pixel at (row 3, col 5); image 1: all 0.5;
	// image 2: 0…1 data with a single 1 at (0,0).
	imgs := [][]float64{
		digit(func(r, c int) float64 {
			if r == 3 && c == 5 {
				return 1
			}
			return 0
		}),
		digit(func(r, c int) float64 { return 0.5 }),
		digit(func(r, c int) float64 {
			if r == 0 && c == 0 {
				return 1
			}
			return 0
		}),
	}
	g := ImageGrid(imgs, GridOptions{Cols: 2, Scale: 2, Padding: 4, Captions: []string{"7", "", "x"}, Marked: []bool{false, true}})
	// 2 columns of 56 px, 2 rows of 56 px + 15 px captions, 4 px padding.
	if b := g.Bounds(); b.Dx() != 2*(56+4)+4 || b.Dy() != 2*(56+15+4)+4 {
		t.Fatalf("grid size %v", b)
	}
	// Nearest-neighbour scaling: the 2×2 block of pixel (3,5) is black,
	// its neighbours white.
	for _, p := range [][2]int{{4 + 10, 4 + 6}, {4 + 11, 4 + 7}} {
		if c := g.RGBAAt(p[0], p[1]); c != (color.RGBA{A: 255}) {
			t.Errorf("pixel %v = %v, want black", p, c)
		}
	}
	if c := g.RGBAAt(4+12, 4+6); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("pixel next to the ink = %v, want white", c)
	}
	// Image 1 is mid-grey, image 2 black at its corner.
	if c := g.RGBAAt(4+60+20, 4+20); c.R != 127 && c.R != 128 {
		t.Errorf("grey pixel = %v", c)
	}
	x2, y2 := 4, 4+56+15+4
	if c := g.RGBAAt(x2, y2); c != (color.RGBA{A: 255}) {
		t.Errorf("255-valued pixel = %v, want black", c)
	}
	// The caption "7" puts ink under image 0; no caption under image 1.
	ink := func(x0, y0, w, h int) (dark, red int) {
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				c := g.RGBAAt(x, y)
				if c.R < 128 && c.G < 128 {
					dark++
				}
				if c.R > 150 && c.G < 80 {
					red++
				}
			}
		}
		return
	}
	if d, _ := ink(4, 4+56, 56, 15); d == 0 {
		t.Errorf("no caption ink under image 0")
	}
	if d, _ := ink(4+60, 4+56+2, 56, 13); d != 0 {
		t.Errorf("caption ink under image 1 which has none")
	}
	// Image 1 is marked: red frame.
	if _, r := ink(4+60-2, 4-2, 60, 2); r < 50 {
		t.Errorf("no red frame around the marked image (%d red pixels)", r)
	}
	// Data in 0…255 maps 255 to black, 127.5 to grey.
	g255 := DigitGrid([][]float64{digit(func(r, c int) float64 { return 255 * float64(c%2) / float64(1+r%2) })}, nil)
	if c := g255.RGBAAt(4+3, 4); c != (color.RGBA{A: 255}) {
		t.Errorf("255 pixel = %v, want black", c)
	}
	if c := g255.RGBAAt(4+3, 4+3); c.R != 127 && c.R != 128 {
		t.Errorf("127.5 pixel = %v, want grey", c)
	}
	// DigitGrid infers 28×28.
	if b := DigitGrid(imgs, nil).Bounds(); b.Dx() != 3*(84+4)+4 || b.Dy() != 84+8 {
		t.Errorf("DigitGrid size %v", b)
	}
}

func TestImageGridErrors(t *testing.T) {
	for _, tt := range []struct {
		imgs [][]float64
		o    GridOptions
		want string
	}{
		{[][]float64{make([]float64, 10)}, GridOptions{}, "not a square"},
		{[][]float64{make([]float64, 10)}, GridOptions{Width: 3}, "not a multiple of the width 3"},
		{[][]float64{make([]float64, 4), make([]float64, 9)}, GridOptions{}, "image 1 has length 9"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tt.want) {
					t.Errorf("panic %v, want %q", r, tt.want)
				}
			}()
			ImageGrid(tt.imgs, tt.o)
		}()
	}
	if b := ImageGrid(nil, GridOptions{}).Bounds(); b.Dx() != 1 {
		t.Errorf("empty grid %v", b)
	}
}

// BenchmarkDigitGrid draws 25 captioned 28×28 digits; the baseline is
// allocating and clearing an image of the same size.
func BenchmarkDigitGrid(b *testing.B) {
	var imgs [][]float64
	var caps []string
	for k := 0; k < 25; k++ {
		imgs = append(imgs, digit(func(r, c int) float64 { return float64((r*c+k)%7) / 6 }))
		caps = append(caps, "3→8")
	}
	b.Run("Grid25", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = DigitGrid(imgs, caps)
		}
	})
	b.Run("Grid25+PNG", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d, _ := Bundle(DigitGrid(imgs, caps))
			_ = d
		}
	})
}
