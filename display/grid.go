package display

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// GridOptions controls ImageGrid. The zero value chooses sensible
// defaults for each field.
type GridOptions struct {
	Width   int // pixels per image row; 0: √len(images[0]), which must be a square
	Cols    int // images per grid row; 0: min(len(images), 10)
	Scale   int // nearest-neighbour magnification; 0: 3
	Padding int // gap between images in output pixels; 0: 4
	// Captions are written under the images (e.g. "7" or "7→1"); nil for
	// none. Missing captions are blank.
	Captions []string
	// Marked images (same indexes as images) get a red frame and red
	// caption, e.g. the misclassified ones; nil for none.
	Marked []bool
}

// DigitGrid returns a grid of square greyscale images given as flat
// vectors in row-major order, such as 28×28 MNIST digits of length 784,
// with optional captions (e.g. the label or the prediction of each).
// It is ImageGrid with default options.
func DigitGrid(images [][]float64, captions []string) *image.RGBA {
	return ImageGrid(images, GridOptions{Captions: captions})
}

// ImageGrid draws greyscale images given as flat row-major vectors into
// one image, dark ink on white. Pixel values are mapped linearly from
// min(0, smallest value) (white) to the largest value (black), or to 1 if
// the largest value is below 1, so data in [0, 1] and in [0, 255] both look
// right. NaN pixels are drawn red. It panics, naming the problem, if the
// images differ in length or their length is not a multiple of the width.
func ImageGrid(images [][]float64, o GridOptions) *image.RGBA {
	n := len(images)
	if n == 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	size := len(images[0])
	w := o.Width
	if w <= 0 {
		w = int(math.Round(math.Sqrt(float64(size))))
		if w*w != size {
			panic(fmt.Sprintf("display.ImageGrid: image length %d is not a square; set GridOptions.Width", size))
		}
	}
	if size == 0 || size%w != 0 {
		panic(fmt.Sprintf("display.ImageGrid: image length %d is not a multiple of the width %d", size, w))
	}
	h := size / w
	lo, hi := 0.0, 1.0
	for k, im := range images {
		if len(im) != size {
			panic(fmt.Sprintf("display.ImageGrid: image %d has length %d, image 0 has %d", k, len(im), size))
		}
		for _, v := range im {
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
	}
	cols := o.Cols
	if cols <= 0 {
		cols = min(n, 10)
	}
	scale := o.Scale
	if scale <= 0 {
		scale = 3
	}
	pad := o.Padding
	if pad <= 0 {
		pad = 4
	}
	face := basicfont.Face7x13
	capH := 0
	if o.Captions != nil {
		capH = 15
	}
	rows := (n + cols - 1) / cols
	cellW, cellH := w*scale, h*scale
	W := cols*(cellW+pad) + pad
	H := rows*(cellH+capH+pad) + pad
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	// Grey levels for each source pixel, then replicated scale×scale.
	span := hi - lo
	line := make([]byte, 4*cellW)
	red := color.RGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff}
	for k, im := range images {
		x0 := pad + (k%cols)*(cellW+pad)
		y0 := pad + (k/cols)*(cellH+capH+pad)
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				v := im[r*w+c]
				var g, gg, gb byte
				if math.IsNaN(v) {
					g, gg, gb = red.R, red.G, red.B
				} else {
					t := (v - lo) / span
					if t > 1 {
						t = 1
					}
					g = 255 - byte(math.Round(255*t))
					gg, gb = g, g
				}
				for s := 0; s < scale; s++ {
					p := 4 * (c*scale + s)
					line[p], line[p+1], line[p+2], line[p+3] = g, gg, gb, 0xff
				}
			}
			for s := 0; s < scale; s++ {
				off := img.PixOffset(x0, y0+r*scale+s)
				copy(img.Pix[off:off+4*cellW], line)
			}
		}
		marked := k < len(o.Marked) && o.Marked[k]
		if marked {
			frame(img, x0-2, y0-2, x0+cellW+1, y0+cellH+1, red)
		}
		if k < len(o.Captions) && o.Captions[k] != "" {
			col := color.RGBA{A: 0xff}
			if marked {
				col = red
			}
			d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: face}
			cp := asciiCaption(o.Captions[k])
			tw := d.MeasureString(cp).Ceil()
			d.Dot = fixed.P(x0+(cellW-tw)/2, y0+cellH+12)
			d.DrawString(cp)
		}
	}
	return img
}

// asciiCaption replaces the characters the built-in bitmap font lacks:
// arrows become "->" and other non-ASCII characters "?".
func asciiCaption(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, strings.NewReplacer("→", "->", "⇒", "=>", "≠", "!=", "✓", "ok", "✗", "x").Replace(s))
}

// frame draws a 2-pixel rectangle outline with corners (x0, y0), (x1, y1).
func frame(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	for t := 0; t < 2; t++ {
		for x := x0; x <= x1; x++ {
			img.SetRGBA(x, y0+t, c)
			img.SetRGBA(x, y1-t, c)
		}
		for y := y0; y <= y1; y++ {
			img.SetRGBA(x0+t, y, c)
			img.SetRGBA(x1-t, y, c)
		}
	}
}
