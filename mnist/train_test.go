package mnist_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/internal/testnet"
	"github.com/gopherprop/gopherprop/mnist"
	"gonum.org/v1/gonum/mat"
)

// The network of backprop's samples/backprop-mnist.lhs, exactly as notebook
// 03-mnist writes it: three fully connected layers 784 → 300 → 100 → 10,
// logistic after the first two, softmax after the last, cross-entropy loss.

type layer struct {
	W *mat.Dense    // out × in
	B *mat.VecDense // out
}

type network struct {
	L1, L2, L3 layer
}

// uniformLayer draws every weight and then every bias from U(−0.5, 0.5).
func uniformLayer(rng *rand.Rand, in, out int) layer {
	w, b := testnet.UniformLayer(rng, in, out)
	return layer{W: w, B: b}
}

func newNetwork(rng *rand.Rand, sizes ...int) network {
	return network{
		L1: uniformLayer(rng, sizes[0], sizes[1]),
		L2: uniformLayer(rng, sizes[1], sizes[2]),
		L3: uniformLayer(rng, sizes[2], sizes[3]),
	}
}

// TestNetworkGradient checks the gradient of the tutorial's loss with
// respect to every weight and bias of a small network of the same form
// against central finite differences.
func TestNetworkGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	net := newNetwork(rng, 6, 5, 4, 3)
	x := mat.NewVecDense(6, nil)
	for i := 0; i < 6; i++ {
		x.SetVec(i, rng.Float64())
	}
	target := mat.NewVecDense(3, []float64{0, 1, 0})
	loss := testnet.NetErr(x, target)
	res := ad.CheckGrad(func(xs []*ad.Var) *ad.Var { return loss(xs[0]) }, []any{net}, 1e-6)
	if res.Checked != 6*5+5+5*4+4+4*3+3 {
		t.Errorf("checked %d components, want %d", res.Checked, 6*5+5+5*4+4+4*3+3)
	}
	if res.MaxRelErr > 1e-6 {
		t.Errorf("gradient of the tutorial network: %v", res)
	}
}

// Seed is the seed of notebook 03-mnist and of TestTutorialTraining: the
// same seed gives the same initial network and sample order in both.
const seed = 1

// TestTutorialTraining trains the tutorial's network exactly as notebook
// 03-mnist does — U(−0.5, 0.5) initialisation, plain SGD with learning rate
// 0.02 and one sample per update, on 35,000 shuffled training samples — and
// checks its accuracy on the 10,000 test images.
//
// The threshold: backprop's blog post reports 94.15% after 35,000 samples
// (for its 784-250-10 network). Per-sample SGD at this learning rate is
// noisy: measured over 16 seeds with a hand-written gonum version of this
// network, the accuracy after 35,000 samples ranged from 92.88% to 94.40%
// (median 93.6%; 2 of 16 runs reached 94%), and from 92.0% to 94.15%
// (median 93.3%) for the blog's 784-250-10 network. The blog's figure is
// the upper end of that range, so asserting it would fail for most seeds
// and after any change in rounding. The test asserts 92%, below every run
// measured and far above what a wrong gradient reaches, and logs the
// figure, which the notebook shows too.
func TestTutorialTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 35,000 samples")
	}
	set, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	net := newNetwork(rng, mnist.Pixels, 300, 100, mnist.Classes)
	order := rng.Perm(set.Train.Len())
	predict := func(x *mat.VecDense) *mat.VecDense {
		return ad.Eval(func(n *ad.Var) *ad.Var { return testnet.Run(n, ad.Const(x)) }, net).(*mat.VecDense)
	}
	before := mnist.Accuracy(set.Test, predict)

	const samples, lr = 35000, 0.02
	opt := ad.NewSGD(lr)
	var g network
	start := time.Now()
	for k := 0; k < samples; k++ {
		i := order[k]
		ad.Grad(testnet.NetErr(set.Train.Image(i), set.Train.OneHot(i)), net, &g)
		opt.Step(&net, g)
		if (k+1)%5000 == 0 {
			t.Logf("after %5d samples: validation accuracy %.2f%%", k+1, 100*mnist.Accuracy(set.Test, predict))
		}
	}
	t.Logf("35,000 SGD steps took %v", time.Since(start).Round(time.Millisecond))
	acc := mnist.Accuracy(set.Test, predict)
	t.Logf("validation accuracy: %.2f%% before training, %.2f%% after %d samples", 100*before, 100*acc, samples)
	if before > 0.2 {
		t.Errorf("the untrained network scores %.2f%%; expected about 10%%", 100*before)
	}
	if acc < 0.92 {
		t.Errorf("validation accuracy after %d samples is %.2f%%, want ≥ 92%%", samples, 100*acc)
	}
}

// The mini-batch version of the network, as in the last section of
// notebook 03-mnist: the columns of x are samples.

func runLayerBatch(l, x *ad.Var) *ad.Var {
	return ad.AddBias(ad.MatMul(ad.Field(l, "W"), x), ad.Field(l, "B"))
}

func logitsBatch(n, x *ad.Var) *ad.Var {
	y1 := ad.Logistic(runLayerBatch(ad.Field(n, "L1"), x))
	y2 := ad.Logistic(runLayerBatch(ad.Field(n, "L2"), y1))
	return runLayerBatch(ad.Field(n, "L3"), y2)
}

// TestTutorialAdam trains the tutorial's network as the last section of
// notebook 03-mnist does — the same U(−0.5, 0.5) initialisation (seed 1),
// Adam with learning rate 0.001, mini-batches of 64, the mean of the fused
// softmax cross-entropy, 300,000 samples (five shuffled passes), an
// ad.Session for the steps and the evaluation — and checks that the
// validation accuracy reaches 97% (measured: 97.38%).
func TestTutorialAdam(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on 300,000 samples")
	}
	set, err := mnist.Load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	net := newNetwork(rng, mnist.Pixels, 300, 100, mnist.Classes)
	const batch, samples = 64, 300000
	opt := ad.NewAdam(0.001)
	var g network
	var sess ad.Session
	start := time.Now()
	seen := 0
	for seen < samples {
		perm := rng.Perm(set.Train.Len())
		for k := 0; k+batch <= len(perm) && seen < samples; k += batch {
			x, y := set.Train.Batch(perm[k : k+batch])
			sess.Grad(func(n *ad.Var) *ad.Var {
				loss := ad.SoftmaxCrossEntropy(logitsBatch(n, ad.Const(x)), ad.Const(y))
				return ad.Scale(loss, ad.Scalar(1.0/batch))
			}, net, &g)
			opt.Step(&net, g)
			seen += batch
		}
	}
	testX, _ := set.Test.Batch(set.Test.Range(0, set.Test.Len()))
	out := sess.Eval(func(n *ad.Var) *ad.Var { return logitsBatch(n, ad.Const(testX)) }, net).(*mat.Dense)
	preds := make([]int, set.Test.Len())
	for j := range preds {
		preds[j] = mnist.ArgMax(out.ColView(j))
	}
	acc := mnist.Score(set.Test, preds)
	t.Logf("Adam, batches of %d: validation accuracy %.2f%% after %d samples (%v)", batch, 100*acc, seen, time.Since(start).Round(time.Millisecond))
	if acc < 0.97 {
		t.Errorf("validation accuracy after %d samples of mini-batch Adam is %.2f%%, want ≥ 97%%", seen, 100*acc)
	}
}
