// Package widget provides interactive controls for Jupyter notebooks —
// sliders, a dropdown, a checkbox, a text box, a button, an animation
// player, boxes to lay them out and an output area — and Interact, which
// re-runs a function and shows its result whenever a control moves.
//
// Widgets speak the Jupyter widget messaging protocol 2.1 (comm target
// "jupyter.widget", the models of ipywidgets 8: "@jupyter-widgets/controls"
// 2.0.0, "@jupyter-widgets/base" 2.0.0, "@jupyter-widgets/output" 1.0.0),
// the protocol of JupyterLab 4, Notebook 7, VS Code and Colab. In a
// notebook cell run by the gopherprop kernel, the package is preloaded
// (like display): a cell ending in a widget, or display.Show(w), shows it,
// and the functions given to OnChange, OnClick and Interact run in the
// kernel's worker, in order, each time the user moves a control.
//
// In a compiled program, where no front end is connected, widgets hold
// their state (Value, SetValue) and showing one prints its text form.
//
//	lr := widget.NewFloatSlider("learning rate", 0.001, 1, 0.1)
//	lr.OnChange(func(v float64) { fmt.Println("lr is now", v) })
//	widget.Interact(func(lr float64) string { return fmt.Sprint(lr * 2) }, lr)
//
// Every widget is safe for concurrent use.
package widget
