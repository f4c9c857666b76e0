#!/usr/bin/env bash
# Notebook 3's per-sample training step written in cells, run in the real
# gopherprop kernel (built as install/setup.sh builds it: with -tags
# openblas when OpenBLAS is installed), beside the compiled step
# (BenchmarkMLP/batch=1/ad, same build) and PyTorch's same step in
# ipykernel, and notebook 4's step in cells beside its compiled twin
# (BenchmarkCellStep/net4/compiled); prints medians over interleaved runs
# and the ratios.
#
#   bench/notebook.sh            (make bench runs it)
#   ROUNDS=7 STEPS=2000 bench/notebook.sh
#
# Needs Debian's jupyter_client and ipykernel (/usr/bin/python3); PyTorch
# (python3-torch) is optional: without it its row reads n/a.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tags=()
if [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || ls /usr/lib/*/libopenblas.so >/dev/null 2>&1; then
	tags=(-tags openblas)
fi
echo "== building gopherprop ${tags[*]:-(pure Go)} and the ad and interp benchmarks into $TMP" >&2
go build -trimpath "${tags[@]}" -o "$TMP/gopherprop" .
go test "${tags[@]}" -c -o "$TMP/ad.test" ./ad
go test "${tags[@]}" -c -o "$TMP/interp.test" ./interp
export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_PATH="$TMP/data:/usr/share/jupyter"
export JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
export GOPHERPROP_KERNEL_NAME=gopherprop PYDEVD_DISABLE_FILE_VALIDATION=1
"$TMP/gopherprop" install --user >/dev/null
/usr/bin/python3 bench/notebook_step.py --adtest "$TMP/ad.test" --interptest "$TMP/interp.test" \
	--rounds "${ROUNDS:-5}" --steps "${STEPS:-1000}" --blas "${tags[*]:-pure Go}"
