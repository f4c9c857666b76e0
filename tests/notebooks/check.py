#!/usr/bin/python3
"""Fail when a committed notebook is not valid nbformat 4, is out of date
with its source notebooks/src/NAME.md, has code cells that were not run or
whose code changed since they were run (stale outputs), holds an error
output, or holds an SVG picture without a PNG beside it (untrusted
notebooks show no SVG). Usage: /usr/bin/python3 tests/notebooks/check.py [NAME ...]"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "notebooks"))
import nbtool  # noqa: E402


def main():
    names = sys.argv[1:] or nbtool.names()
    bad = 0
    for n in names:
        probs = nbtool.problems(n)
        if probs:
            bad += 1
            print("FAIL " + n + "\n  " + "\n  ".join(probs))
        else:
            print("ok   " + n)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
