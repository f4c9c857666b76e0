package widget_test

import (
	"fmt"
	"strings"

	"github.com/gopherprop/gopherprop/display"
	"github.com/gopherprop/gopherprop/widget"
)

// Outside a notebook no front end is connected: widgets keep their state
// and showing one prints its text form.
func ExampleNewFloatSlider() {
	lr := widget.NewFloatSlider("learning rate", 0.001, 1, 0.1)
	display.Show(lr)
	// Output: FloatSlider(learning rate = 0.1 in [0.001, 1])
}

func ExampleFloatSlider_OnChange() {
	lr := widget.NewFloatSlider("learning rate", 0, 1, 0.1)
	lr.OnChange(func(v float64) { fmt.Println("learning rate is now", v) })
	lr.SetValue(0.5)
	lr.SetValue(3) // clamped to the maximum
	fmt.Println(lr.Value())
	// Output:
	// learning rate is now 0.5
	// learning rate is now 1
	// 1
}

func ExampleNewIntSlider() {
	steps := widget.NewIntSlider("steps", 1, 200, 50)
	steps.OnChange(func(n int) { fmt.Println("steps:", n) })
	steps.SetValue(80)
	// Output: steps: 80
}

func ExampleNewDropdown() {
	opt := widget.NewDropdown("optimizer", []string{"SGD", "Momentum", "Adam"}, "SGD")
	opt.OnChange(func(s string) { fmt.Println("optimizer:", s) })
	opt.SetValue("Adam")
	// Output: optimizer: Adam
}

func ExampleNewCheckbox() {
	log := widget.NewCheckbox("log scale", false)
	log.SetValue(true)
	fmt.Println(log)
	// Output: Checkbox(log scale = true)
}

func ExampleNewText() {
	name := widget.NewText("name", "gopher")
	fmt.Println(name.Value())
	// Output: gopher
}

// A button driving a training loop: each click runs some steps.
func ExampleNewButton() {
	loss := 1.0
	train := widget.NewButton("train 10 steps")
	train.OnClick(func() {
		for i := 0; i < 10; i++ {
			loss *= 0.9
		}
		fmt.Printf("loss %.3f\n", loss)
	})
	train.Click() // what a click in the front end does
	// Output: loss 0.349
}

func ExampleNewPlay() {
	frame := widget.NewPlay("epoch", 0, 100, 0)
	frame.SetInterval(50)
	frame.OnChange(func(i int) { fmt.Println("frame", i) })
	frame.SetValue(1)
	// Output: frame 1
}

func ExampleHBox() {
	a := widget.NewFloatSlider("a", 0, 1, 0.5)
	b := widget.NewCheckbox("b", true)
	fmt.Println(widget.VBox(widget.HBox(a, b), widget.NewButton("go")))
	// Output: VBox(HBox(FloatSlider(a = 0.5 in [0, 1]), Checkbox(b = true)), Button(go))
}

func ExampleNewOutput() {
	out := widget.NewOutput()
	out.Println("training…")
	out.Capture(func() { panic("diverged") })
	fmt.Print(out)
	// Output:
	// training…
	// Panic: diverged
}

// Interact shows the controls and f's result, and re-runs f on every
// change; the result can be anything display.Show can render (text, HTML,
// a plot, a matrix).
func ExampleInteract() {
	x := widget.NewFloatSlider("x", -2, 2, 1)
	it := widget.Interact(func(x float64) string {
		return fmt.Sprintf("x² = %.2f", x*x)
	}, x)
	x.SetValue(1.5)
	fmt.Println(strings.TrimSpace(it.Output().String()))
	// Output: "x² = 2.25"
}

func ExampleLive() {
	s := widget.NewFloatSlider("s", 0, 1, 0)
	before := len(widget.Live())
	s.Close()
	fmt.Println(before-len(widget.Live()), "models closed (the slider, its layout and its style)")
	// Output: 3 models closed (the slider, its layout and its style)
}

func ExampleReceive() {
	s := widget.NewIntSlider("n", 0, 10, 0)
	s.OnChange(func(n int) { fmt.Println("front end moved n to", n) })
	// What the kernel's worker does with a comm_msg from the front end.
	widget.Receive(display.Message{Type: "comm_msg", CommID: s.ModelID(),
		Data: map[string]any{"method": "update", "state": map[string]any{"value": 7.0}, "buffer_paths": []any{}}})
	// Output: front end moved n to 7
}
