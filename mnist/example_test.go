package mnist_test

import (
	"fmt"
	"log"

	"github.com/gopherprop/gopherprop/mnist"
	"gonum.org/v1/gonum/mat"
)

func ExampleLoad() {
	set, err := mnist.Load()
	if err != nil {
		log.Fatal(err) // the error says how to get the files
	}
	x := set.Train.Image(0)
	fmt.Println(set.Train.Len(), set.Test.Len(), x.Len(), set.Train.Label(0))
	fmt.Println(mat.Formatted(set.Train.OneHot(0).T()))
	// Output:
	// 60000 10000 784 5
	// [0  0  0  0  0  1  0  0  0  0]
}

func ExampleData_Batch() {
	set, err := mnist.Load()
	if err != nil {
		log.Fatal(err)
	}
	images, targets := set.Test.Batch(set.Test.Range(0, 32))
	r, c := images.Dims()
	tr, tc := targets.Dims()
	fmt.Printf("images %d×%d, targets %d×%d\n", r, c, tr, tc)
	// Output: images 784×32, targets 10×32
}

func ExampleAccuracy() {
	set, err := mnist.Load()
	if err != nil {
		log.Fatal(err)
	}
	// A "network" that always answers 1 is right on the 1s of the test set.
	always1 := func(*mat.VecDense) *mat.VecDense { return mnist.OneHot(1) }
	fmt.Printf("%.2f%%\n", 100*mnist.Accuracy(set.Test, always1))
	// Output: 11.35%
}
