package mnist

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// ArgMax returns the index of the largest element of v (the first one on
// ties): the predicted digit when v holds the network's 10 outputs. It
// panics if v is empty.
func ArgMax(v mat.Vector) int {
	n := v.Len()
	if n == 0 {
		panic("mnist.ArgMax: empty vector")
	}
	best, bi := v.AtVec(0), 0
	for i := 1; i < n; i++ {
		if x := v.AtVec(i); x > best {
			best, bi = x, i
		}
	}
	return bi
}

// Predict runs predict on every image of d and returns the predicted digit
// (the ArgMax of predict's output) of each sample. predict receives a vector
// of 784 pixels that it must not keep (it is reused for the next image) and
// returns a vector of length 10. Predict panics if the output has another
// length.
func Predict(d *Data, predict func(image *mat.VecDense) *mat.VecDense) []int {
	out := make([]int, d.Len())
	x := mat.NewVecDense(Pixels, nil)
	for i := range out {
		d.ImageInto(x, i)
		y := predict(x)
		if y == nil || y.Len() != Classes {
			n := 0
			if y != nil {
				n = y.Len()
			}
			panic(fmt.Sprintf("mnist.Predict: predict returned a vector of length %d for image %d, want %d", n, i, Classes))
		}
		out[i] = ArgMax(y)
	}
	return out
}

// Accuracy returns the fraction (0–1) of the samples of d whose label is
// the ArgMax of predict's output (see Predict).
func Accuracy(d *Data, predict func(image *mat.VecDense) *mat.VecDense) float64 {
	if d.Len() == 0 {
		return 0
	}
	return Score(d, Predict(d, predict))
}

// Score returns the fraction (0–1) of predictions that equal the labels of
// d. It panics if the lengths differ.
func Score(d *Data, predictions []int) float64 {
	if len(predictions) != d.Len() {
		panic(fmt.Sprintf("mnist.Score: %d predictions for %d samples", len(predictions), d.Len()))
	}
	if d.Len() == 0 {
		return 0
	}
	right := 0
	for i, p := range predictions {
		if p == int(d.labels[i]) {
			right++
		}
	}
	return float64(right) / float64(d.Len())
}

// Confusion returns the 10×10 confusion matrix of predictions against the
// labels of d: element (t, p) counts the samples of digit t predicted as p.
// It panics if the lengths differ or a prediction is not in 0–9.
func Confusion(d *Data, predictions []int) *mat.Dense {
	if len(predictions) != d.Len() {
		panic(fmt.Sprintf("mnist.Confusion: %d predictions for %d samples", len(predictions), d.Len()))
	}
	c := mat.NewDense(Classes, Classes, nil)
	for i, p := range predictions {
		if p < 0 || p >= Classes {
			panic(fmt.Sprintf("mnist.Confusion: prediction %d is %d, not a digit 0–9", i, p))
		}
		t := int(d.labels[i])
		c.Set(t, p, c.At(t, p)+1)
	}
	return c
}

// Wrong returns the indices of the samples whose prediction differs from
// their label, in order. It panics if the lengths differ.
func Wrong(d *Data, predictions []int) []int {
	if len(predictions) != d.Len() {
		panic(fmt.Sprintf("mnist.Wrong: %d predictions for %d samples", len(predictions), d.Len()))
	}
	var out []int
	for i, p := range predictions {
		if p != int(d.labels[i]) {
			out = append(out, i)
		}
	}
	return out
}
