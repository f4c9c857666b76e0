#!/bin/sh
# CI check of the tutorial notebooks (notebooks/*.ipynb):
#   1. the notebook tooling's own tests;
#   2. every committed notebook is valid nbformat 4, matches its source in
#      notebooks/src/, was executed, and its outputs are not stale (its code
#      did not change since it was run), with no error output;
#   3. every notebook runs top to bottom with the gopherprop kernel through
#      nbclient, with no error output, in CI mode: GOPHERPROP_MNIST_SAMPLES
#      (see notebooks/nbtool.py) makes the MNIST training short.
# Usage: tests/notebooks/run.sh [--static] [NAME ...]   (--static skips step 3)
# Needs Go, and Debian's /usr/bin/python3 with python3-nbformat and
# python3-nbclient (apt-get install -y python3-nbformat python3-nbclient).
set -eu
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
static=0
if [ "${1:-}" = "--static" ]; then
	static=1
	shift
fi
echo "== notebook tooling tests"
$PY tests/notebooks/test_nbtool.py
echo "== committed notebooks: validity and staleness"
$PY tests/notebooks/check.py "$@"
if [ $static = 1 ]; then
	exit 0
fi
echo "== running the notebooks with the kernel (CI mode)"
$PY notebooks/build.py --execute --ci --timeout 900 "$@"
