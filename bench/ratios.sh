#!/bin/sh
# Compare the library with hand-written gonum code on BenchmarkMLP (ad/),
# every pair measured in the same run: ad, hybrid, session (ad.Session)
# against manual (one SGD step) and eval, evalhybrid, evalsession against
# evalmanual (the forward pass), at batch 1 and 128. Prints benchstat
# tables (time and allocations per op, and the
# process CPU time per op), whose "vs base" column is the ratio.
#
#   bench/ratios.sh            COUNT=10 runs of each, BENCHTIME1=4000x and
#                              BENCHTIME128=20x iterations per run
#   TAGS=openblas bench/ratios.sh   the same with OpenBLAS (cgo)
#   TAGS=openblas OPENBLAS_NUM_THREADS=1 bench/ratios.sh
#                              OpenBLAS on one thread: issue 14's goal
#                              ratios (make bench runs this too)
#
# Runs in `make bench`, not in CI's tests. benchstat comes from the Go
# module proxy (golang.org/x/perf/cmd/benchstat).
set -eu
cd "$(dirname "$0")/.."
count=${COUNT:-10}
bt1=${BENCHTIME1:-4000x}
bt128=${BENCHTIME128:-20x}
tags=${TAGS:-}
label=$tags${OPENBLAS_NUM_THREADS:+, OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c ${tags:+-tags "$tags"} -o "$out/ad.test" ./ad
# Interleave the modes round by round so that all of them see the same load.
i=0
while [ "$i" -lt "$count" ]; do
	"$out/ad.test" -test.run '^$' -test.bench 'BenchmarkMLP/^batch=1$/' -test.benchtime "$bt1" >> "$out/raw.txt"
	"$out/ad.test" -test.run '^$' -test.bench 'BenchmarkMLP/^batch=128$/' -test.benchtime "$bt128" >> "$out/raw.txt"
	i=$((i + 1))
done
# One file per mode, with the mode taken out of the name, so that benchstat
# compares the modes as configurations.
for mode in manual ad hybrid session evalmanual eval evalhybrid evalsession; do
	grep -E "^BenchmarkMLP/batch=[0-9]+/$mode-" "$out/raw.txt" |
		sed -E "s#^BenchmarkMLP/(batch=[0-9]+)/$mode-#BenchmarkMLP/\\1-#" > "$out/$mode"
	sed -n '1,4p' "$out/raw.txt" | grep -E '^(goos|goarch|pkg|cpu):' | cat - "$out/$mode" > "$out/$mode.txt"
done
bs="go run golang.org/x/perf/cmd/benchstat@latest"
cd "$out"
echo "== training step: ad, hybrid and session against manual${label:+ ($label)}"
$bs manual.txt ad.txt hybrid.txt session.txt
echo
echo "== forward pass: eval, evalhybrid and evalsession against evalmanual${label:+ ($label)}"
$bs evalmanual.txt eval.txt evalhybrid.txt evalsession.txt
