"""Rich output of the display package, checked through the kernel's protocol.

    /usr/bin/python3 tests/kernel/display_test.py [-v] [unittest args, e.g. a test name]

Runs cells in the real gopherprop kernel (kernelspec installed by
tests/kernel/lib.sh; its name is $GOPHERPROP_KERNEL_NAME, default
"gopherprop"; the command line is unittest's) through
jupyter_client and checks the iopub and stdin messages they produce: the
"In the kernel" items of issue 6 (display_data with text/html, clear_output,
a final-expression plot as an image/png execute_result, update_display_data
with the display_id of the display it replaces) plus matrices as HTML
tables, a rate-limited progress bar, cell-declared types with an HTML
method, and display.Input over the stdin channel.

One kernel serves the whole class, so the cells share state the way
notebook cells do; each test uses its own variable names.
"""

import base64
import struct
import unittest

from kerneltest import TIMEOUT, KernelTestCase

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """Width and height from the IHDR chunk of a PNG file."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file: %r" % data[:16])
    return struct.unpack(">II", data[16:24])


class DisplayThroughKernel(KernelTestCase):
    def run_cell(self, code, allow_stdin=False, stdin_hook=None):
        """Executes code; returns (reply content, iopub messages of the cell).

        The iopub list holds every message whose parent is this request,
        from status busy to status idle. Fails the test unless the reply
        answers this request.
        """
        msgs = []
        kw = {}
        if stdin_hook is not None:
            kw["stdin_hook"] = stdin_hook
        reply = self.kc.execute_interactive(
            code, timeout=TIMEOUT, allow_stdin=allow_stdin, output_hook=msgs.append, **kw)
        self.assertEqual(reply["msg_type"], "execute_reply")
        types = [m["msg_type"] for m in msgs]
        self.assertEqual(types[:1], ["status"], "cell %r: %r" % (code, types))
        self.assertEqual(msgs[-1]["content"], {"execution_state": "idle"}, "cell %r: %r" % (code, types))
        return reply["content"], msgs

    def run_ok(self, code, **kw):
        content, msgs = self.run_cell(code, **kw)
        self.assertEqual(content["status"], "ok", "cell %r failed: %r" % (code, content))
        return msgs

    @staticmethod
    def of_type(msgs, msg_type):
        return [m for m in msgs if m["msg_type"] == msg_type]

    def only(self, msgs, msg_type):
        """The one message of msg_type among msgs."""
        found = self.of_type(msgs, msg_type)
        self.assertEqual(len(found), 1, "want one %s, got %r" % (
            msg_type, [(m["msg_type"], m["content"]) for m in msgs]))
        return found[0]["content"]

    # 1. display.HTML publishes display_data with text/html and text/plain.
    def test_html_display_data(self):
        msgs = self.run_ok('display.HTML("<b>x</b>")')
        c = self.only(msgs, "display_data")
        self.assertEqual(c["data"].get("text/html"), "<b>x</b>")
        self.assertEqual(c["data"].get("text/plain"), "x")
        self.assertTrue(c["transient"].get("display_id"), "display_data without display_id: %r" % c)
        # The *Handle that display.HTML returns is the final expression,
        # but it was already displayed: no execute_result repeats it.
        self.assertEqual(self.of_type(msgs, "execute_result"), [])

    # 2. display.Clear(wait) publishes clear_output with that wait flag.
    def test_clear_output(self):
        for wait in ("false", "true"):
            msgs = self.run_ok('display.Clear(%s)' % wait)
            self.assertEqual(self.only(msgs, "clear_output"), {"wait": wait == "true"})

    def assert_png_result(self, msgs, width, height):
        r = self.only(msgs, "execute_result")
        self.assertIn("image/png", r["data"])
        self.assertIn("text/plain", r["data"])
        png = base64.b64decode(r["data"]["image/png"], validate=True)
        self.assertEqual(png[:8], PNG_SIGNATURE)
        self.assertEqual(png_size(png), (width, height))
        # A blank 576×384 PNG compresses to well under 1 kB; a plot with axes,
        # ticks and a line does not.
        self.assertGreater(len(png), 2000)

    # 3. A gonum plot as the final expression: execute_result with image/png.
    def test_plot_final_expression(self):
        msgs = self.run_ok(
            'pl := plot.New()\n'
            'pl.Title.Text = "line"\n'
            'ln, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}, {X: 2, Y: 1}})\n'
            'if err != nil { panic(err) }\n'
            'pl.Add(ln)\n'
            'pl')
        # 6 × 4 inches at 96 dpi (display.DefaultWidth/DefaultHeight, display.DPI).
        self.assert_png_result(msgs, 576, 384)
        self.assertEqual(self.of_type(msgs, "display_data"), [])

    def test_lineplot_final_expression(self):
        msgs = self.run_ok('display.LinePlot([]float64{3, 1, 2}, []float64{0, 1, 4})')
        self.assert_png_result(msgs, 576, 384)

    # 4. h := display.Show(v); h.Update(v2) in the next cell.
    def test_handle_update(self):
        c1 = self.only(self.run_ok('hd := display.Show("a")'), "display_data")
        display_id = c1["transient"].get("display_id")
        self.assertTrue(display_id, "display_data without display_id: %r" % c1)
        self.assertEqual(c1["data"]["text/plain"], '"a"')

        msgs = self.run_ok('hd.Update("b")')
        self.assertEqual(self.of_type(msgs, "display_data"), [])
        c2 = self.only(msgs, "update_display_data")
        self.assertEqual(c2["transient"].get("display_id"), display_id)
        self.assertEqual(c2["data"]["text/plain"], '"b"')

        # A second display gets a different id.
        c3 = self.only(self.run_ok('display.Show(1)'), "display_data")
        self.assertNotEqual(c3["transient"].get("display_id"), display_id)

    # 5. A *mat.Dense final expression: an HTML table with the shape.
    def test_dense_matrix_table(self):
        msgs = self.run_ok('mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6.5})')
        r = self.only(msgs, "execute_result")
        html = r["data"].get("text/html", "")
        self.assertIn("<table", html)
        self.assertIn("2×3", html)
        self.assertIn("6.5", html)
        self.assertIn("2×3", r["data"]["text/plain"])

    # 6. A progress bar in a loop: display_data, then rate-limited updates
    # of the same display.
    def test_progress_rate_limited(self):
        steps = 100
        msgs = self.run_ok(
            'import "time"\n'
            'pb := display.NewProgress(%d, "train")\n'
            'for i := 0; i < %d; i++ {\n'
            '\ttime.Sleep(10 * time.Millisecond)\n'
            '\tpb.Add(1)\n'
            '}\n'
            'pb.Done()' % (steps, steps))
        shown = [m for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
        self.assertGreaterEqual(len(shown), 3, [m["msg_type"] for m in shown])
        self.assertEqual(shown[0]["msg_type"], "display_data")
        self.assertTrue(all(m["msg_type"] == "update_display_data" for m in shown[1:]),
                        [m["msg_type"] for m in shown])
        ids = {m["content"]["transient"].get("display_id") for m in shown}
        self.assertEqual(len(ids), 1, ids)
        self.assertTrue(ids.pop())
        for m in shown:
            self.assertIn("<progress", m["content"]["data"].get("text/html", ""))
        first, last = shown[0]["content"]["data"], shown[-1]["content"]["data"]
        self.assertIn("0/%d" % steps, first["text/plain"])
        self.assertIn("%d/%d" % (steps, steps), last["text/plain"])
        self.assertIn("100%", last["text/plain"])

        # The loop sleeps ≥ 1 s in total, so an unthrottled bar would send
        # 100 updates and a bar limited to 5 a second sends about 5, plus
        # the final one from Done. The bound is taken from the kernel's own
        # clock (the cell's busy and idle timestamps), so a slow machine
        # does not make the test flaky.
        updates = len(shown) - 1
        elapsed = (msgs[-1]["header"]["date"] - msgs[0]["header"]["date"]).total_seconds()
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLessEqual(updates, int(elapsed / 0.2) + 2,
                             "%d updates in %.2f s: not rate-limited to 5/s" % (updates, elapsed))
        self.assertLess(updates, steps // 4)

    # 7. A type declared in a cell with an HTML() string method, as the
    # final expression, is shown through that method.
    CARD_DECL = (
        'type dtCard struct{ N int }\n'
        'func (c dtCard) HTML() string { return fmt.Sprintf("<i>card %d</i>", c.N) }\n')

    def card_result(self, final):
        """The execute_result data of the cell CARD_DECL + final."""
        msgs = self.run_ok(self.CARD_DECL + final)
        data = self.only(msgs, "execute_result")["data"]
        self.assertIn("text/plain", data)
        return data

    def test_cell_type_declared(self):
        # What test_cell_type_html_method relies on, so that its expected
        # failure cannot hide another one: the cell compiles, the method
        # works when called, and the value is shown.
        self.assertEqual(self.card_result('dtCard{N: 3}.HTML()')["text/plain"], '"<i>card 3</i>"')
        self.card_result('dtCard{N: 3}')

    # A cell-declared type keeps its HTML() method at the final expression
    # (interp registers display.MapTypes and renders the value in the cell).
    def test_cell_type_html_method(self):
        data = self.card_result('dtCard{N: 3}')
        self.assertEqual(data.get("text/html"), "<i>card 3</i>", data)

    # 8. display.Input over the stdin channel.
    def test_input_with_stdin(self):
        requests = []

        def answer(msg):
            requests.append(msg)
            self.kc.input("Ada Lovelace")

        content, msgs = self.run_cell(
            'nm, err := display.Input("name? ")\n'
            'if err != nil { panic(err) }\n'
            'fmt.Printf("hello, %s (%d bytes)\\n", nm, len(nm))',
            allow_stdin=True, stdin_hook=answer)
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(len(requests), 1, requests)
        req = requests[0]
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["content"], {"prompt": "name? ", "password": False})
        self.assertEqual(req["parent_header"].get("msg_id"), msgs[0]["parent_header"]["msg_id"])
        out = "".join(m["content"]["text"] for m in self.of_type(msgs, "stream")
                      if m["content"]["name"] == "stdout")
        # No trailing newline in the value the cell sees.
        self.assertEqual(out, "hello, Ada Lovelace (12 bytes)\n")

    def test_password_with_stdin(self):
        requests = []

        def answer(msg):
            requests.append(msg)
            self.kc.input("s3cret")

        msgs = self.run_ok(
            'pw, err := display.Password("password: ")\n'
            'if err != nil { panic(err) }\n'
            'len(pw)',
            allow_stdin=True, stdin_hook=answer)
        self.assertEqual([r["content"] for r in requests], [{"prompt": "password: ", "password": True}])
        self.assertEqual(self.only(msgs, "execute_result")["data"]["text/plain"], "6")
        # The answer itself is not echoed anywhere on iopub.
        self.assertNotIn("s3cret", repr([m["content"] for m in msgs]))

    def test_input_without_stdin(self):
        requests = []
        content, msgs = self.run_cell(
            'import "errors"\n'
            'nm2, err2 := display.Input("name? ")\n'
            'fmt.Printf("%q|%v|%v\\n", nm2, errors.Is(err2, display.ErrNoInput), err2)',
            allow_stdin=False, stdin_hook=requests.append)
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(requests, [])
        out = "".join(m["content"]["text"] for m in self.of_type(msgs, "stream")
                      if m["content"]["name"] == "stdout")
        value, is_no_input, text = out.rstrip("\n").split("|", 2)
        self.assertEqual(value, '""')
        self.assertEqual(is_no_input, "true", out)
        # The message says what went wrong: the front end did not allow stdin.
        self.assertIn("stdin", text)

        # Unhandled, the error fails the cell with an error reply naming it;
        # the kernel stays usable.
        content, msgs = self.run_cell(
            'if _, err := display.Input("name? "); err != nil { panic(err) }',
            allow_stdin=False, stdin_hook=requests.append)
        self.assertEqual(content["status"], "error", content)
        self.assertIn("no input available", content["evalue"])
        self.assertEqual(requests, [])
        self.assertEqual(self.only(self.run_ok('1 + 1'), "execute_result")["data"]["text/plain"], "2")


if __name__ == "__main__":
    unittest.main()
