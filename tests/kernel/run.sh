#!/usr/bin/env bash
# Integration tests of the gopherprop kernel through real Jupyter clients:
# jupyter_kernel_test (all 12 tests, no skips allowed), jupyter console,
# nbclient, an interrupt/restart script, the display package's rich
# output through the protocol (display_test.py) and compiled cells
# (compiled_test.py; both real binary only), against
# a kernelspec installed into a temporary JUPYTER_PATH.
#
#   tests/kernel/run.sh          test the real binary (gopherprop + interp)
#   FAKE=1 tests/kernel/run.sh   test the protocol layer with the fake evaluator
#
# Needs Debian packages: python3-jupyter-client python3-jupyter-kernel-test
# jupyter-console python3-nbclient (run with /usr/bin/python3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup_kernelspec

fail=0
run() {
	echo "== $*"
	if ! "$@"; then
		echo "FAILED: $*" >&2
		fail=1
	fi
}
run "$PY" tests/kernel/test_conformance.py
run "$PY" tests/kernel/console_test.py
run "$PY" tests/kernel/nbclient_test.py
run "$PY" tests/kernel/interrupt_test.py
# Rich output and compiled cells need the real interpreter: the fake
# evaluator runs no Go.
if [ "${FAKE:-0}" != 1 ]; then
	run "$PY" tests/kernel/display_test.py -v
	run "$PY" tests/kernel/widget_test.py -v
	run "$PY" tests/kernel/compiled_test.py -v
	run "$PY" tests/kernel/test_gobehave.py -v
fi

if [ "$fail" != 0 ]; then
	echo "kernel integration tests FAILED" >&2
	exit 1
fi
echo "kernel integration tests passed"
