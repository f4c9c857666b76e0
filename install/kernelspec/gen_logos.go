//go:build ignore

// gen_logos draws the gopherprop kernelspec logos: logo-32x32.png,
// logo-64x64.png and logo-svg.svg. Run from the repository root:
//
//	go run install/kernelspec/gen_logos.go
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

var (
	goBlue = color.RGBA{0x00, 0xad, 0xd8, 0xff}
	white  = color.RGBA{0xff, 0xff, 0xff, 0xff}
	ink    = color.RGBA{0x1a, 0x2b, 0x3c, 0xff}
)

// shape reports the colour at unit coordinates (x, y in [0,1]), or false
// for transparent. The design: a Go-blue disc with two gopher eyes and a
// white nabla (the gradient operator) below them.
func shape(x, y float64) (color.RGBA, bool) {
	dx, dy := x-0.5, y-0.5
	if dx*dx+dy*dy > 0.25 {
		return color.RGBA{}, false
	}
	for _, ex := range []float64{0.34, 0.66} {
		ddx, ddy := x-ex, y-0.36
		d := math.Hypot(ddx, ddy)
		if d < 0.065 {
			return ink, true
		}
		if d < 0.13 {
			return white, true
		}
	}
	// Nabla: downward triangle with vertices (0.3,0.56) (0.7,0.56) (0.5,0.86).
	if y >= 0.56 && y <= 0.86 {
		half := 0.2 * (0.86 - y) / 0.30
		if math.Abs(x-0.5) <= half {
			inner := 0.2*(0.86-y)/0.30 - 0.07
			if y > 0.61 && math.Abs(x-0.5) < inner && y < 0.79 {
				return goBlue, true
			}
			return white, true
		}
	}
	return goBlue, true
}

func drawPNG(size int, path string) error {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // supersampling for smooth edges
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					if c, ok := shape(x, y); ok {
						r += float64(c.R)
						g += float64(c.G)
						b += float64(c.B)
						a += 255
					}
				}
			}
			n := float64(ss * ss)
			if a == 0 {
				continue
			}
			// image.RGBA is alpha-premultiplied: transparent samples add 0.
			img.SetRGBA(px, py, color.RGBA{uint8(r / n), uint8(g / n), uint8(b / n), uint8(a / n)})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, img)
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>gopherprop</title>
  <circle cx="32" cy="32" r="32" fill="#00add8"/>
  <circle cx="21.76" cy="23.04" r="8.32" fill="#ffffff"/>
  <circle cx="42.24" cy="23.04" r="8.32" fill="#ffffff"/>
  <circle cx="21.76" cy="23.04" r="4.16" fill="#1a2b3c"/>
  <circle cx="42.24" cy="23.04" r="4.16" fill="#1a2b3c"/>
  <path d="M19.2 35.84 H44.8 L32 55.04 Z M24.5 39 L32 50.4 L39.5 39 Z" fill="#ffffff" fill-rule="evenodd"/>
</svg>
`

func main() {
	dir := filepath.Join("install", "kernelspec")
	for _, s := range []int{32, 64} {
		if err := drawPNG(s, filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", s, s))); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "logo-svg.svg"), []byte(svg), 0o644); err != nil {
		log.Fatal(err)
	}
}
