#!/usr/bin/python3
"""Tests of the notebook tooling itself: the source format, the staleness
stamps and the checks (no kernel needed)."""

import os
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "notebooks"))
import nbformat  # noqa: E402
import nbtool  # noqa: E402

SRC = """# Title

Some text.

```go
x := 1
```
More text.
<!-- cell -->
Second part.

```go
fmt.Println(x)
```
"""


class ToolTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.saved = (nbtool.SRC, nbtool.HERE)
        nbtool.SRC = os.path.join(self.tmp, "src")
        nbtool.HERE = self.tmp
        os.makedirs(nbtool.SRC)
        with open(os.path.join(nbtool.SRC, "01-t.md"), "w") as f:
            f.write(SRC)

    def tearDown(self):
        nbtool.SRC, nbtool.HERE = self.saved
        shutil.rmtree(self.tmp)

    def fake_run(self, nb):
        """Pretend the kernel ran nb: one stream output per code cell."""
        n = 0
        for c in nb.cells:
            if c.cell_type == "code":
                n += 1
                c.execution_count = n
                c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {n}\n")]
        nbtool.stamp(nb)

    def test_parse(self):
        cells = nbtool.parse(SRC)
        self.assertEqual([k for k, _ in cells], ["markdown", "code", "markdown", "markdown", "code"])
        self.assertEqual(cells[1][1], "x := 1")
        self.assertEqual(cells[3][1], "Second part.")
        with self.assertRaises(ValueError):
            nbtool.parse("```go\nx := 1\n")

    def test_unexecuted_is_reported(self):
        nb = nbtool.build("01-t")
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        probs = nbtool.problems("01-t")
        self.assertTrue(any("was not executed" in p for p in probs), probs)

    def test_fresh_run_passes_and_edit_makes_it_stale(self):
        nb = nbtool.build("01-t")
        self.fake_run(nb)
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        self.assertEqual(nbtool.problems("01-t"), [])

        # Editing prose keeps the outputs and the notebook fresh.
        with open(os.path.join(nbtool.SRC, "01-t.md"), "w") as f:
            f.write(SRC.replace("More text.", "Other text."))
        self.assertTrue(any("differs from src" in p for p in nbtool.problems("01-t")))
        nb2 = nbtool.build("01-t", nbtool.read("01-t"))
        nbtool.write(nb2, nbtool.ipynb_path("01-t"))
        self.assertEqual(nbtool.problems("01-t"), [])
        self.assertEqual(nb2.cells[4].outputs[0]["text"], "out 2\n")

        # Editing code in the source drops that cell's outputs on rebuild.
        with open(os.path.join(nbtool.SRC, "01-t.md"), "w") as f:
            f.write(SRC.replace("x := 1", "x := 2"))
        nb3 = nbtool.build("01-t", nbtool.read("01-t"))
        self.assertEqual(nb3.cells[1].outputs, [])
        nbtool.write(nb3, nbtool.ipynb_path("01-t"))
        self.assertTrue(any("cell 1 was not executed" in p for p in nbtool.problems("01-t")))

    def test_code_edited_in_ipynb_is_stale(self):
        nb = nbtool.build("01-t")
        self.fake_run(nb)
        nb.cells[4].source = "fmt.Println(x + 1)"
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        probs = nbtool.problems("01-t")
        self.assertTrue(any("changed since it was run" in p for p in probs), probs)

    def test_error_output_and_invalid_json(self):
        nb = nbtool.build("01-t")
        self.fake_run(nb)
        nb.cells[1].outputs.append(nbformat.v4.new_output("error", ename="panic", evalue="boom", traceback=[]))
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        self.assertTrue(any("error output" in p and "boom" in p for p in nbtool.problems("01-t")))
        with open(nbtool.ipynb_path("01-t"), "w") as f:
            f.write('{"cells": [], "nbformat": 4}')
        self.assertTrue(any("not valid nbformat 4" in p for p in nbtool.problems("01-t")))

    def test_svg_without_png(self):
        nb = nbtool.build("01-t")
        self.fake_run(nb)
        svg = "<svg xmlns='http://www.w3.org/2000/svg'/>"
        nb.cells[1].outputs.append(nbformat.v4.new_output(
            "display_data", data={"image/svg+xml": svg, "text/plain": "<ad.Tape with 5 nodes>"}))
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        probs = nbtool.problems("01-t")
        self.assertTrue(any("cell 1" in p and "image/svg+xml but no image/png" in p for p in probs), probs)

        # The same picture with a PNG beside it passes, also as a result.
        png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        nb.cells[1].outputs[-1] = nbformat.v4.new_output(
            "display_data", data={"image/svg+xml": svg, "image/png": png, "text/plain": "<ad.Tape>"})
        nb.cells[4].outputs.append(nbformat.v4.new_output(
            "execute_result", execution_count=2, data={"image/svg+xml": svg, "image/png": png, "text/plain": "<plot>"}))
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        self.assertEqual(nbtool.problems("01-t"), [])

        # An execute_result with SVG alone fails too.
        del nb.cells[4].outputs[-1]["data"]["image/png"]
        nbtool.write(nb, nbtool.ipynb_path("01-t"))
        probs = nbtool.problems("01-t")
        self.assertTrue(any("cell 4" in p and "execute_result" in p for p in probs), probs)


if __name__ == "__main__":
    unittest.main()
