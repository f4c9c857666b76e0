#!/usr/bin/env bash
# Kernel benchmarks against Debian's ipykernel (python3-ipykernel) in the
# same run; prints ratios. Extra arguments go to bench.py.
#
#   tests/kernel/bench.sh [--starts 20 --roundtrips 1000 --cells 5000]
#   FAKE=1 tests/kernel/bench.sh --burst-code 'printn 10000'
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_kernelspec
"$PY" tests/kernel/bench.py "$@"
