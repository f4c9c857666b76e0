"""Self-test of run.py's comparison logic with a fake kernel (no Jupyter).

    /usr/bin/python3 tests/corpus/test_run.py

Checks that every committed case parses into cells and expected sections,
and that run_case passes and fails what it should.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402


class FakeKernel:
    """Answers each cell from a table: code -> (stdout, error or None)."""

    def __init__(self, answers):
        self.answers = answers
        self.ran = []

    def run(self, code):
        self.ran.append(code)
        if code == "%reset":
            return "state reset\n", None, "ok"
        out, err = self.answers[code]
        return out, err, ("error" if err else "ok")

    def restart(self):
        pass


def err(name, value, tb=()):
    return {"ename": name, "evalue": value, "traceback": list(tb)}


class RunCaseTest(unittest.TestCase):
    def case(self, cells, stdout, error=""):
        return {"name": "t", "split": "dev", "cells": cells, "stdout": stdout, "error": error}

    def test_pass_and_stdout_joined_across_cells(self):
        k = FakeKernel({"a": ("1\n", None), "b": ("2\n", None)})
        self.assertIsNone(run.run_case(k, self.case(["a", "b"], "1\n2\n")))
        self.assertEqual(k.ran, ["%reset", "a", "b"])

    def test_stdout_difference_names_the_line(self):
        k = FakeKernel({"a": ("1\n3\n", None)})
        diff = run.run_case(k, self.case(["a"], "1\n2\n"))
        self.assertIn("stdout line 2", diff)

    def test_expected_error_in_last_cell(self):
        k = FakeKernel({"a": ("x\n", None), "b": ("", err("RuntimeError", "3:1: runtime error: index out of range [5] with length 3"))})
        self.assertIsNone(run.run_case(k, self.case(["a", "b"], "x\n", "index out of range [5] with length 3")))

    def test_error_text_may_be_in_traceback(self):
        k = FakeKernel({"a": ("", err("CompileError", "2:1: missing return", ["CompileError: missing return"]))})
        self.assertIsNone(run.run_case(k, self.case(["a"], "", "CompileError: missing return")))

    def test_wrong_error_text_fails(self):
        k = FakeKernel({"a": ("", err("RuntimeError", "index out of range"))})
        self.assertIn("want error containing", run.run_case(k, self.case(["a"], "", "with length 3")))

    def test_missing_error_fails(self):
        k = FakeKernel({"a": ("", None)})
        self.assertIn("succeeded", run.run_case(k, self.case(["a"], "", "deadlock")))

    def test_error_in_earlier_cell_fails(self):
        k = FakeKernel({"a": ("", err("CompileError", "boom")), "b": ("", err("CompileError", "boom"))})
        self.assertIn("cell 1 failed", run.run_case(k, self.case(["a", "b"], "", "boom")))


class CasesParseTest(unittest.TestCase):
    def test_every_case_has_cells_split_and_source(self):
        cases = run.load_cases(set())
        self.assertGreaterEqual(len(cases), 100)
        for c in cases:
            self.assertTrue(c["cells"], c["name"])
            self.assertIn(c["split"], ("dev", "heldout"), c["name"])
            self.assertNotEqual(c["category"], "?", c["name"])

    def test_known_failures_name_cases(self):
        names = {c["name"] for c in run.load_cases(set())}
        for n, cause in run.load_known().items():
            self.assertIn(n, names)
            self.assertTrue(cause and not cause.startswith("TODO"), n)


if __name__ == "__main__":
    unittest.main()
