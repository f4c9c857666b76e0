package ad_test

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/gopherprop/gopherprop/ad"
	"github.com/gopherprop/gopherprop/internal/testnet"
)

// Notebook 5's three ways to get the gradient of notebook 3's network, as
// compiled code: built-in ops (automatic), coarse custom ops with
// hand-written VJPs made with Op1/Op2/Op3 (hybrid, written as the notebook's
// %%compile cell writes them), and the whole backward pass by hand (manual).

type nb5Layer struct {
	W *mat.Dense
	B *mat.VecDense
}

type nb5Net struct{ L1, L2, L3 nb5Layer }

// nb5Outer is the gradient g·xᵀ of a layer's weights: lazily written
// (ad.OuterGrad) or built as a fresh matrix.
type nb5Outer func(g, x *mat.VecDense) any

func nb5Lazy(g, x *mat.VecDense) any { return ad.OuterGrad(1, g, x) }

func nb5Fresh(g, x *mat.VecDense) any {
	dW := mat.NewDense(g.Len(), x.Len(), nil)
	dW.Outer(1, g, x)
	return dW
}

func nb5Affine(outer nb5Outer) func(w, b, x *ad.Var) *ad.Var {
	return ad.Op3("layer", func(w, b, x any) (any, func(g any) (any, any, any)) {
		W, B, X := w.(*mat.Dense), b.(*mat.VecDense), x.(*mat.VecDense)
		y := mat.NewVecDense(B.Len(), nil)
		y.MulVec(W, X)
		y.AddVec(y, B)
		return y, func(g any) (any, any, any) {
			G := g.(*mat.VecDense)
			dX := mat.NewVecDense(X.Len(), nil)
			dX.MulVec(W.T(), G)
			return outer(G, X), G, dX
		}
	})
}

func nb5InputLayer(outer nb5Outer, x *mat.VecDense) func(w, b *ad.Var) *ad.Var {
	return ad.Op2("inputLayer", func(w, b any) (any, func(g any) (any, any)) {
		W, B := w.(*mat.Dense), b.(*mat.VecDense)
		y := mat.NewVecDense(B.Len(), nil)
		y.MulVec(W, x)
		y.AddVec(y, B)
		return y, func(g any) (any, any) {
			G := g.(*mat.VecDense)
			return outer(G, x), G
		}
	})
}

var nb5Logistic = ad.Op1("logistic", func(z any) (any, func(g any) any) {
	s := ad.Logistic(ad.Const(z)).Vec()
	return s, func(g any) any {
		d := mat.NewVecDense(s.Len(), nil)
		d.MulElemVec(s, s)
		d.SubVec(s, d)
		d.MulElemVec(d, g.(*mat.VecDense))
		return d
	}
})

func nb5SoftmaxCE(t *mat.VecDense) func(z *ad.Var) *ad.Var {
	return ad.Op1("softmaxCE", func(z any) (any, func(g any) any) {
		p := ad.Softmax(ad.Const(z)).Vec()
		loss := ad.CrossEntropy(ad.Const(p), ad.Const(t)).Float()
		return loss, func(g any) any {
			d := mat.NewVecDense(p.Len(), nil)
			d.SubVec(p, t)
			d.ScaleVec(g.(float64), d)
			return d
		}
	})
}

func nb5LossHybrid(outer nb5Outer, x, t *mat.VecDense) func(n *ad.Var) *ad.Var {
	affine := nb5Affine(outer)
	layer := func(l, x *ad.Var) *ad.Var { return affine(ad.Field(l, "W"), ad.Field(l, "B"), x) }
	return func(n *ad.Var) *ad.Var {
		l1 := ad.Field(n, "L1")
		y1 := nb5Logistic(nb5InputLayer(outer, x)(ad.Field(l1, "W"), ad.Field(l1, "B")))
		y2 := nb5Logistic(layer(ad.Field(n, "L2"), y1))
		return nb5SoftmaxCE(t)(layer(ad.Field(n, "L3"), y2))
	}
}

// nb5GradManual is notebook 5's manual gradient (its %%compile manual
// cell): the backward pass derived by hand, writing into g.
func nb5GradManual(n nb5Net, x, t *mat.VecDense, g *nb5Net) float64 {
	if g.L1.W == nil {
		*g = nb5Net{nb5Layer{mat.NewDense(300, 784, nil), mat.NewVecDense(300, nil)},
			nb5Layer{mat.NewDense(100, 300, nil), mat.NewVecDense(100, nil)},
			nb5Layer{mat.NewDense(10, 100, nil), mat.NewVecDense(10, nil)}}
	}
	return nb5Manual([3]*mat.Dense{n.L1.W, n.L2.W, n.L3.W}, [3]*mat.VecDense{n.L1.B, n.L2.B, n.L3.B}, x, t,
		[3]*mat.Dense{g.L1.W, g.L2.W, g.L3.W}, [3]*mat.VecDense{g.L1.B, g.L2.B, g.L3.B})
}

func nb5Manual(w [3]*mat.Dense, b [3]*mat.VecDense, x, t *mat.VecDense, gw [3]*mat.Dense, gb [3]*mat.VecDense) float64 {
	layer := func(w *mat.Dense, b, x *mat.VecDense) *mat.VecDense {
		z := mat.NewVecDense(b.Len(), nil)
		z.MulVec(w, x)
		z.AddVec(z, b)
		return z
	}
	sigma := func(z *mat.VecDense) *mat.VecDense { return ad.Logistic(ad.Const(z)).Vec() }
	y1 := sigma(layer(w[0], b[0], x))
	y2 := sigma(layer(w[1], b[1], y1))
	p := ad.Softmax(ad.Const(layer(w[2], b[2], y2))).Vec()
	loss := ad.CrossEntropy(ad.Const(p), ad.Const(t)).Float()

	back := func(w *mat.Dense, d, y *mat.VecDense) *mat.VecDense {
		dn := mat.NewVecDense(y.Len(), nil)
		dn.MulVec(w.T(), d)
		for i := range y.Len() {
			yi := y.AtVec(i)
			dn.SetVec(i, dn.AtVec(i)*yi*(1-yi))
		}
		return dn
	}
	d3 := mat.NewVecDense(t.Len(), nil)
	d3.SubVec(p, t)
	d2 := back(w[2], d3, y2)
	d1 := back(w[1], d2, y1)
	outer := func(dst *mat.Dense, d, x *mat.VecDense) {
		xs := x.RawVector().Data
		for i := range d.Len() {
			floats.ScaleTo(dst.RawRowView(i), d.AtVec(i), xs)
		}
	}
	outer(gw[2], d3, y2)
	gb[2].CopyVec(d3)
	outer(gw[1], d2, y1)
	gb[1].CopyVec(d2)
	outer(gw[0], d1, x)
	gb[0].CopyVec(d1)
	return loss
}

func nb5Data() (nb5Net, []*mat.VecDense, []*mat.VecDense) {
	rng := rand.New(rand.NewPCG(5, 5))
	layer := func(in, out int) nb5Layer {
		w, b := testnet.UniformLayer(rng, in, out)
		return nb5Layer{w, b}
	}
	var xs, ts []*mat.VecDense
	for i := 0; i < 16; i++ {
		x := make([]float64, 784)
		for j := range x {
			x[j] = rng.Float64()
		}
		t := mat.NewVecDense(10, nil)
		t.SetVec(i%10, 1)
		xs, ts = append(xs, mat.NewVecDense(784, x)), append(ts, t)
	}
	return nb5Net{layer(784, 300), layer(300, 100), layer(100, 10)}, xs, ts
}

// BenchmarkCustomOps times one SGD step of notebook 5's three modes.
func BenchmarkCustomOps(b *testing.B) {
	sgd := ad.NewSGD(0.02)
	modes := []struct {
		name string
		step func(net *nb5Net, g *nb5Net, x, t *mat.VecDense)
	}{
		{"manual", func(net, g *nb5Net, x, t *mat.VecDense) { nb5GradManual(*net, x, t, g) }},
		{"automatic", func(net, g *nb5Net, x, t *mat.VecDense) { ad.Grad(testnet.NetErr(x, t), *net, g) }},
		{"hybrid", func(net, g *nb5Net, x, t *mat.VecDense) { ad.Grad(nb5LossHybrid(nb5Lazy, x, t), *net, g) }},
		{"hybridfresh", func(net, g *nb5Net, x, t *mat.VecDense) { ad.Grad(nb5LossHybrid(nb5Fresh, x, t), *net, g) }},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			net, xs, ts := nb5Data()
			var g nb5Net
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m.step(&net, &g, xs[i%16], ts[i%16])
				sgd.Step(&net, g)
			}
		})
	}
}
