"""Widgets (package widget) over the Jupyter widget protocol 2.1, checked
through the real gopherprop kernel with jupyter_client.

    /usr/bin/python3 tests/kernel/widget_test.py [-v] [unittest args]

The test plays the front end: it reads comm_open/comm_msg/comm_close on
iopub and sends comm_msg/comm_close on shell as a widget manager does
(ipywidgets 8's messages: update, echo_update, request_state, custom
click). Covered: opening a FloatSlider (state, protocol version, view
MIME), comm_info_request filtered by target, updates both ways with
OnChange callbacks (cell-declared types and closures), request_state,
Interact re-running on a change and replacing its result, a panic in a
callback shown in the cell's error format, interrupting a slow callback,
closing from either side and a restart leaving no widgets.
"""

import os
import time
import unittest

from kerneltest import KERNEL_NAME, TIMEOUT, KernelTestCase

VIEW = "application/vnd.jupyter.widget-view+json"


class WidgetsThroughKernel(KernelTestCase):
    # ---- helpers ----

    def run_cell(self, code):
        msgs = []
        reply = self.kc.execute_interactive(code, timeout=TIMEOUT, output_hook=msgs.append)
        return reply["content"], msgs

    def run_ok(self, code):
        content, msgs = self.run_cell(code)
        self.assertEqual(content["status"], "ok", "cell %r failed: %r" % (code, content))
        return msgs

    def collect(self, parent_id):
        """iopub messages with parent parent_id up to its status idle."""
        msgs = []
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != parent_id:
                continue
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                return msgs
            msgs.append(m)
        self.fail("no idle for %s" % parent_id)

    def send(self, msg_type, content):
        """Sends a shell message as a front end does and returns its iopub output."""
        msg = self.kc.session.msg(msg_type, content)
        self.kc.shell_channel.send(msg)
        return self.collect(msg["header"]["msg_id"])

    def update(self, comm_id, state):
        return self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}})

    def click(self, comm_id):
        return self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}})

    @staticmethod
    def of_type(msgs, t):
        return [m for m in msgs if m["msg_type"] == t]

    def opened(self, msgs, model_name):
        """The comm_open messages of msgs whose model is model_name."""
        return [m for m in self.of_type(msgs, "comm_open")
                if m["content"]["data"]["state"].get("_model_name") == model_name]

    def comm_info(self, target=None):
        content = {} if target is None else {"target_name": target}
        msg = self.kc.session.msg("comm_info_request", content)
        self.kc.shell_channel.send(msg)
        while True:
            r = self.kc.get_shell_msg(timeout=TIMEOUT)
            if r["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return r["content"]["comms"]

    def value_of(self, expr):
        msgs = self.run_ok(expr)
        res = self.of_type(msgs, "execute_result")
        self.assertEqual(len(res), 1, msgs)
        return res[0]["content"]["data"]["text/plain"]

    def text(self, msgs):
        return "".join(m["content"]["text"] for m in self.of_type(msgs, "stream"))

    # ---- tests ----

    def test_01_slider_open_view_and_comm_info(self):
        msgs = self.run_ok('s1 := widget.NewFloatSlider("learning rate", 0, 1, 0.5)\ns1')
        op = self.opened(msgs, "FloatSliderModel")
        self.assertEqual(len(op), 1, [m["content"] for m in self.of_type(msgs, "comm_open")])
        c = op[0]["content"]
        self.assertEqual(c["target_name"], "jupyter.widget")
        self.assertEqual(op[0]["metadata"], {"version": "2.1.0"})
        st = c["data"]["state"]
        self.assertEqual(st["_model_module"], "@jupyter-widgets/controls")
        self.assertEqual(st["_model_module_version"], "2.0.0")
        self.assertEqual(st["_view_name"], "FloatSliderView")
        self.assertEqual((st["description"], st["min"], st["max"], st["value"]), ("learning rate", 0, 1, 0.5))
        self.assertEqual(c["data"]["buffer_paths"], [])
        # layout and style are models opened before the slider
        ids = [m["content"]["comm_id"] for m in self.of_type(msgs, "comm_open")]
        self.assertIn(st["layout"].replace("IPY_MODEL_", ""), ids)
        self.assertIn(st["style"].replace("IPY_MODEL_", ""), ids)
        res = self.of_type(msgs, "execute_result")
        self.assertEqual(len(res), 1)
        data = res[0]["content"]["data"]
        self.assertEqual(data[VIEW]["model_id"], c["comm_id"])
        self.assertEqual(data[VIEW]["version_major"], 2)
        self.assertIn("learning rate", data["text/plain"])
        self.__class__.s1 = c["comm_id"]
        comms = self.comm_info("jupyter.widget")
        self.assertIn(c["comm_id"], comms)
        self.assertEqual(comms[c["comm_id"]], {"target_name": "jupyter.widget"})
        self.assertEqual(self.comm_info("some.other.target"), {})
        self.assertIn(c["comm_id"], self.comm_info())

    def test_02_update_both_ways(self):
        sid = self.s1
        msgs = self.run_ok("s1.SetValue(0.25)")
        ups = [m for m in self.of_type(msgs, "comm_msg") if m["content"]["comm_id"] == sid]
        self.assertEqual(len(ups), 1)
        self.assertEqual(ups[0]["content"]["data"]["method"], "update")
        self.assertEqual(ups[0]["content"]["data"]["state"], {"value": 0.25})
        # Clamped into [min, max].
        msgs = self.run_ok("s1.SetValue(7)\ns1.Value()")
        self.assertEqual(self.of_type(msgs, "execute_result")[0]["content"]["data"]["text/plain"], "1")
        # A callback using a cell-declared type and a closure.
        self.run_ok('type seen struct{ vals []float64 }\nlog1 := &seen{}\ns1.OnChange(func(v float64) { log1.vals = append(log1.vals, v); fmt.Println("now", v) })')
        out = self.update(sid, {"value": 0.75})
        self.assertEqual(self.text(out), "now 0.75\n")
        echo = [m for m in self.of_type(out, "comm_msg") if m["content"]["data"]["method"] == "echo_update"]
        self.assertEqual(len(echo), 1, out)
        self.assertEqual(echo[0]["content"]["data"]["state"], {"value": 0.75})
        out = self.update(sid, {"value": 0.5})
        self.assertEqual(self.text(out), "now 0.5\n")
        self.assertEqual(self.value_of("s1.Value()"), "0.5")
        self.assertEqual(self.value_of("log1.vals"), "[0.75 0.5]")
        # request_state answers with the whole state.
        out = self.send("comm_msg", {"comm_id": sid, "data": {"method": "request_state"}})
        full = [m for m in self.of_type(out, "comm_msg") if m["content"]["data"]["method"] == "update"]
        self.assertEqual(len(full), 1)
        self.assertEqual(full[0]["content"]["data"]["state"]["value"], 0.5)
        self.assertEqual(full[0]["content"]["data"]["state"]["_model_name"], "FloatSliderModel")

    def test_03_interact(self):
        msgs = self.run_ok('a3 := widget.NewFloatSlider("a", 0, 10, 2)\n'
                           'it3 := widget.Interact(func(a float64) string { fmt.Println("doubling", a); return fmt.Sprintf("double is %v", 2*a) }, a3)\nit3')
        outs = self.opened(msgs, "OutputModel")
        self.assertEqual(len(outs), 1)
        oid = outs[0]["content"]["comm_id"]
        # The result of the first run reaches the output before the view.
        ups = [m for m in self.of_type(msgs, "comm_msg") if m["content"]["comm_id"] == oid]
        self.assertTrue(ups)
        o = ups[-1]["content"]["data"]["state"]["outputs"]
        self.assertEqual(o[1]["output_type"], "display_data")
        self.assertEqual(o[1]["data"]["text/plain"], '"double is 4"')
        box = self.opened(msgs, "VBoxModel")[0]["content"]
        res = self.of_type(msgs, "execute_result")[0]["content"]["data"]
        self.assertEqual(res[VIEW]["model_id"], box["comm_id"])
        self.assertIn("IPY_MODEL_" + oid, box["data"]["state"]["children"])
        aid = self.opened(msgs, "FloatSliderModel")[0]["content"]["comm_id"]
        out = self.update(aid, {"value": 3})
        ups = [m for m in self.of_type(out, "comm_msg") if m["content"]["comm_id"] == oid]
        self.assertEqual(len(ups), 1, out)
        o = ups[0]["content"]["data"]["state"]["outputs"]
        self.assertEqual(len(o), 2, o)
        # What f prints is shown above its result, not on the cell's stdout.
        self.assertEqual(o[0], {"output_type": "stream", "name": "stdout", "text": "doubling 3\n"})
        self.assertEqual(o[1]["data"]["text/plain"], '"double is 6"')
        self.assertEqual(self.text(out), "")
        self.assertEqual(self.value_of("it3.Runs()"), "2")

    def test_04_interact_plot_and_panic(self):
        msgs = self.run_ok('n4 := widget.NewIntSlider("n", 1, 10, 3)\n'
                           'it4 := widget.Interact(func(n int) *plot.Plot {\n'
                           '  if n > 8 { panic(fmt.Sprintf("too many: %d", n)) }\n'
                           '  return display.LinePlot([]float64{0, float64(n)})\n}, n4)\nit4')
        oid = self.opened(msgs, "OutputModel")[0]["content"]["comm_id"]
        nid = self.opened(msgs, "IntSliderModel")[0]["content"]["comm_id"]
        res = self.of_type(msgs, "execute_result")[0]["content"]["data"]
        self.assertIn("image/png", res, "static renderers get the plot")
        out = self.update(nid, {"value": 9})
        o = [m for m in self.of_type(out, "comm_msg") if m["content"]["comm_id"] == oid][-1]["content"]["data"]["state"]["outputs"]
        self.assertEqual(o[0]["output_type"], "error", o)
        self.assertEqual(o[0]["ename"], "Panic")
        self.assertIn("too many: 9", o[0]["evalue"])
        out = self.update(nid, {"value": 4})
        o = [m for m in self.of_type(out, "comm_msg") if m["content"]["comm_id"] == oid][-1]["content"]["data"]["state"]["outputs"]
        self.assertEqual(o[0]["output_type"], "display_data")
        self.assertIn("image/png", o[0]["data"])

    def test_05_callback_panic_and_bad_input(self):
        msgs = self.run_ok('b5 := widget.NewButton("boom")\nb5.OnClick(func() { var m map[string]int; m["x"] = 1 })\nb5')
        bid = self.opened(msgs, "ButtonModel")[0]["content"]["comm_id"]
        out = self.click(bid)
        err = self.of_type(out, "error")
        self.assertEqual(len(err), 1, out)
        self.assertEqual(err[0]["content"]["ename"], "RuntimeError")
        self.assertIn("nil map", err[0]["content"]["evalue"])
        tb = err[0]["content"]["traceback"]
        self.assertIn("(in a widget callback)", tb[-1])
        self.assertTrue(any('m["x"] = 1' in l for l in tb), tb)  # the callback's line, quoted
        content, msgs = self.run_cell('widget.Interact(func(a, b float64) float64 { return a }, widget.NewFloatSlider("x", 0, 1, 0))')
        self.assertEqual(content["status"], "error")
        self.assertIn("f takes 2 argument(s) but 1 control(s) were given", content["evalue"])
        self.assertEqual(self.value_of("1 + 1"), "2")

    def test_06_button_drives_state_and_interrupt(self):
        msgs = self.run_ok('type counter struct{ n int }\nc6 := &counter{}\nb6 := widget.NewButton("step")\n'
                           'slow6 := false\nb6.OnClick(func() { c6.n++; for slow6 { } })\nb6')
        bid = self.opened(msgs, "ButtonModel")[0]["content"]["comm_id"]
        self.click(bid)
        self.click(bid)
        self.assertEqual(self.value_of("c6.n"), "2")
        self.run_ok("slow6 = true")
        msg = self.kc.session.msg("comm_msg", {"comm_id": bid, "data": {"method": "custom", "content": {"event": "click"}}})
        self.kc.shell_channel.send(msg)
        time.sleep(1)
        t0 = time.time()
        self.km.interrupt_kernel()
        out = self.collect(msg["header"]["msg_id"])
        self.assertLess(time.time() - t0, 10)
        err = self.of_type(out, "error")
        self.assertEqual(len(err), 1, out)
        self.assertEqual(err[0]["content"]["ename"], "Interrupted")
        # State is kept.
        self.assertEqual(self.value_of("c6.n"), "3")

    def test_07_close_both_ways_and_restart(self):
        msgs = self.run_ok('s7 := widget.NewCheckbox("on", true)\ns7')
        sid = self.opened(msgs, "CheckboxModel")[0]["content"]["comm_id"]
        self.assertIn(sid, self.comm_info("jupyter.widget"))
        msgs = self.run_ok("s7.Close()")
        closed = [m["content"]["comm_id"] for m in self.of_type(msgs, "comm_close")]
        self.assertIn(sid, closed)
        self.assertNotIn(sid, self.comm_info("jupyter.widget"))
        msgs = self.run_ok('t7 := widget.NewText("name", "go")\nt7')
        tid = self.opened(msgs, "TextModel")[0]["content"]["comm_id"]
        self.send("comm_close", {"comm_id": tid, "data": {}})
        self.assertNotIn(tid, self.comm_info("jupyter.widget"))
        self.assertTrue(self.comm_info("jupyter.widget"))
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.assertEqual(self.comm_info(), {})
        content, _ = self.run_cell("s1.Value()")
        self.assertEqual(content["status"], "error")


class GopherpropRunSavesWidgetState(unittest.TestCase):
    """`gopherprop run` stores the widgets' state in the notebook metadata."""

    def test_run_writes_widget_state(self):
        import json
        import subprocess
        import tempfile
        from jupyter_client.kernelspec import KernelSpecManager
        exe = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv[0]
        cells = ['lr := widget.NewFloatSlider("lr", 0, 1, 0.5)\nlr',
                 'lr.SetValue(0.25)\nwidget.Interact(func(x float64) string { return fmt.Sprint("x=", x) }, lr)']
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "id": "c%d" % i, "metadata": {}, "source": src, "outputs": [], "execution_count": None}
            for i, src in enumerate(cells)]}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "w.ipynb")
            with open(path, "w") as f:
                json.dump(nb, f)
            subprocess.run([exe, "run", "-q", path], check=True, timeout=120)
            with open(path) as f:
                out = json.load(f)
        st = out["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
        self.assertEqual((st["version_major"], st["version_minor"]), (2, 0))
        names = sorted(m["model_name"] for m in st["state"].values())
        self.assertIn("FloatSliderModel", names)
        self.assertIn("OutputModel", names)
        slider = [m for m in st["state"].values() if m["model_name"] == "FloatSliderModel"][0]
        self.assertEqual(slider["state"]["value"], 0.25)
        output = [m for m in st["state"].values() if m["model_name"] == "OutputModel"][0]
        self.assertEqual(output["state"]["outputs"][0]["data"]["text/plain"], '"x=0.25"')
        view = out["cells"][0]["outputs"][0]["data"][VIEW]
        self.assertIn(view["model_id"], st["state"])


if __name__ == "__main__":
    unittest.main()
