#!/bin/sh
# Race ad against PyTorch on one SGD step of the 784-300-100-10 MNIST MLP
# (float64, batch 1 and 128) and print a table of times and ratios, with the
# machine's DGEMM rate and the share of it the batch-128 step reaches.
#
# Runs in `make bench` (not in CI's tests). Needs Go, cgo with Debian's
# libopenblas-dev for the OpenBLAS rows, and python3-torch for PyTorch
# (apt-get install -y libopenblas-dev python3-torch); a missing piece shows
# as n/a. BENCHTIME sets the time per Go benchmark (default 1s), COUNT the
# number of runs of each (default 3; the fastest counts, which damps the
# noise of other work on the machine).
set -u
cd "$(dirname "$0")/.." || exit 1
# BENCH_OUT keeps the raw outputs in that directory (table.py can reread them).
if [ -n "${BENCH_OUT:-}" ]; then
	out=$BENCH_OUT
	mkdir -p "$out"
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi
benchtime=${BENCHTIME:-1s}
count=${COUNT:-3}
secs=$(echo "$benchtime" | sed -n 's/^\([0-9.]*\)s$/\1/p')
[ -n "$secs" ] || secs=2
pattern='BenchmarkMLP/^batch=(1|128)$/^(ad|manual)$|BenchmarkDGEMM'

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores; $(go version | cut -d' ' -f3-4); $(date -u +%Y-%m-%d)" > "$out/machine.txt"
echo "Command: make bench (bench/pytorch.sh, BENCHTIME=$benchtime COUNT=$count; fastest of $count runs); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"

echo "== ad, pure-Go BLAS" >&2
go test -run '^$' -bench "$pattern" -benchtime "$benchtime" -count "$count" ./ad/ | tee "$out/gonum.txt" >&2
echo "== ad, OpenBLAS, 1 thread" >&2
OPENBLAS_NUM_THREADS=1 go test -tags openblas -run '^$' -bench "$pattern" -benchtime "$benchtime" -count "$count" ./ad/ | tee "$out/openblas1.txt" >&2
echo "== ad, OpenBLAS, all cores" >&2
go test -tags openblas -run '^$' -bench "$pattern" -benchtime "$benchtime" -count "$count" ./ad/ | tee "$out/openblas.txt" >&2
echo "== PyTorch" >&2
/usr/bin/python3 bench/mlp_torch.py "$secs" "$count" 2>/dev/null | tee "$out/torch.txt" >&2
torchv=$(head -1 "$out/torch.txt")
[ -n "$torchv" ] && echo "PyTorch: $torchv" >> "$out/machine.txt"
echo >&2
/usr/bin/python3 bench/table.py "$out"
