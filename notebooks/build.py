#!/usr/bin/python3
"""Build the tutorial notebooks from notebooks/src/*.md, and run them.

    /usr/bin/python3 notebooks/build.py [NAME ...]
        write NAME.ipynb from src/NAME.md, keeping the outputs of code
        cells whose code is unchanged (all notebooks without NAME).

    /usr/bin/python3 notebooks/build.py --execute [--kernel BIN] [--ci] [NAME ...]
        also run each notebook top to bottom with the gopherprop kernel
        (built from this tree unless --kernel names a binary) and save it
        with its outputs. The committed notebooks are full runs, made
        this way WITHOUT --ci; --ci sets GOPHERPROP_MNIST_SAMPLES (fewer
        training samples) for a quick check and does not save.

A notebook whose run fails is not saved; the error is printed and the exit
status is 1. See nbtool.py for the source format.
"""

import argparse
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import time

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
import nbtool  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="notebooks to build (default: all)")
    ap.add_argument("--execute", action="store_true", help="run the notebooks and save their outputs")
    ap.add_argument("--kernel", help="gopherprop binary to run (default: go build this tree)")
    ap.add_argument("--ci", action="store_true", help="with --execute: use the CI switch and do not save")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = ap.parse_args()
    names = args.names or nbtool.names()
    known = set(nbtool.names())
    for n in names:
        if n not in known:
            ap.error(f"no notebooks/src/{n}.md (have: {', '.join(sorted(known))})")
    tmp = nbtool.tempdir() if args.execute else None
    status = 0
    try:
        jp = nbtool.build_kernel(tmp, args.kernel) if args.execute else None
        for n in names:
            nb = nbtool.build(n, nbtool.read(n))
            if args.execute:
                t0 = time.time()
                try:
                    nbtool.execute(nb, jp, env=nbtool.CI_ENV if args.ci else None, timeout=args.timeout)
                except Exception as e:  # CellExecutionError, timeouts, kernel death
                    print(f"{n}: FAILED after {time.time() - t0:.1f}s:\n{e}", file=sys.stderr)
                    status = 1
                    continue
                errs = nbtool.errors(nb)
                if errs:
                    print(f"{n}: error outputs:\n  " + "\n  ".join(errs), file=sys.stderr)
                    status = 1
                    continue
                print(f"{n}: ran in {time.time() - t0:.1f}s", file=sys.stderr)
                if args.ci:
                    continue
            nbtool.write(nb, nbtool.ipynb_path(n))
            print(f"wrote {nbtool.ipynb_path(n)}", file=sys.stderr)
    finally:
        if tmp:
            nbtool.rmtree(tmp)
    return status


if __name__ == "__main__":
    sys.exit(main())
