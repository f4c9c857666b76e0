#!/bin/sh
# Race ad against PyTorch on one SGD step of the 784-300-100-10 MNIST MLP
# (float64, batch 1 and 128) and print a table of times and ratios, the
# goal ratios of issue 14 (ad/manual, PyTorch/ad, with and without an
# ad.Session, eval/evalmanual), and the machine's DGEMM rate and the share
# of it the batch-128 step reaches.
#
# Runs in `make bench` (not in CI's tests). Needs Go, cgo with Debian's
# libopenblas-dev for the OpenBLAS rows, and python3-torch for PyTorch
# (apt-get install -y libopenblas-dev python3-torch); a missing piece shows
# as n/a. The configurations (pure-Go BLAS, OpenBLAS on one thread,
# OpenBLAS on all cores, PyTorch) run round by round, COUNT rounds
# (default 3), so that all of them see the same load; the table takes the
# median of the rounds. BENCHTIME sets the time per Go benchmark (default
# 1s) and per PyTorch measurement.
set -u
cd "$(dirname "$0")/.." || exit 1
# BENCH_OUT keeps the raw outputs in that directory (table.py can reread them).
if [ -n "${BENCH_OUT:-}" ]; then
	out=$BENCH_OUT
	mkdir -p "$out"
	rm -f "$out/gonum.txt" "$out/openblas1.txt" "$out/openblas.txt" "$out/torch.txt"
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi
out=$(cd "$out" && pwd)
benchtime=${BENCHTIME:-1s}
count=${COUNT:-3}
secs=$(echo "$benchtime" | sed -n 's/^\([0-9.]*\)s$/\1/p')
[ -n "$secs" ] || secs=2
pattern='BenchmarkMLP/^batch=(1|128)$/^(ad|manual|session)$|BenchmarkDGEMM'
# One thread: the goal ratios, so the forward passes too.
pattern1='BenchmarkMLP/^batch=(1|128)$/^(ad|manual|session|eval|evalmanual|evalsession)$|BenchmarkDGEMM'

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores; $(go version | cut -d' ' -f3-4); $(date -u +%Y-%m-%d)" > "$out/machine.txt"
echo "Command: make bench (bench/pytorch.sh, BENCHTIME=$benchtime COUNT=$count; median of $count interleaved rounds); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"

go test -c -o "$out/ad.gonum" ./ad || exit 1
go test -c -tags openblas -o "$out/ad.openblas" ./ad 2>/dev/null || rm -f "$out/ad.openblas"
bench() { # binary pattern: one run of each benchmark, from the package directory
	[ -x "$1" ] || return 0
	(cd ad && "$1" -test.run '^$' -test.bench "$2" -test.benchtime "$benchtime")
}
i=1
while [ "$i" -le "$count" ]; do
	echo "== round $i of $count: ad, pure-Go BLAS" >&2
	bench "$out/ad.gonum" "$pattern" | tee -a "$out/gonum.txt" >&2
	echo "== round $i of $count: ad, OpenBLAS, 1 thread" >&2
	OPENBLAS_NUM_THREADS=1 bench "$out/ad.openblas" "$pattern1" | tee -a "$out/openblas1.txt" >&2
	echo "== round $i of $count: ad, OpenBLAS, all cores" >&2
	bench "$out/ad.openblas" "$pattern" | tee -a "$out/openblas.txt" >&2
	echo "== round $i of $count: PyTorch" >&2
	/usr/bin/python3 bench/mlp_torch.py "$secs" 1 2>/dev/null | tee -a "$out/torch.txt" >&2
	i=$((i + 1))
done
torchv=$(head -1 "$out/torch.txt")
[ -n "$torchv" ] && echo "PyTorch: $torchv" >> "$out/machine.txt"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
echo >&2
/usr/bin/python3 bench/table.py "$out"
