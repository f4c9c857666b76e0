#!/usr/bin/env bash
# The real-world corpus through the real kernel: builds gopherprop, installs
# its kernelspec into a private JUPYTER_PATH (tests/kernel/lib.sh) and runs
# tests/corpus/run.py, which prints PASS/FAIL per case and the pass counts
# per split. Arguments go to run.py (--update-known, case names).
#
#   tests/corpus/run.sh                   every case
#   tests/corpus/run.sh NAME...           some cases
#   tests/corpus/run.sh --update-known    rewrite known-failures.txt
set -euo pipefail
. "$(dirname "$0")/../kernel/lib.sh"
setup_kernelspec
"$PY" tests/corpus/run.py "$@"
