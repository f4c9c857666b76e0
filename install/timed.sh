#!/usr/bin/env bash
# install/timed.sh LOG NAME COMMAND...: run COMMAND, then append
# "NAME ok|FAIL SECONDS" to LOG. Exits with COMMAND's status.
# The Makefile's test target uses it to time each suite.
set -uo pipefail
log="$1" name="$2"
shift 2
start=$(date +%s)
printf '\n=== %s: %s\n' "$name" "$*"
"$@"
rc=$?
secs=$(($(date +%s) - start))
if [ "$rc" = 0 ]; then
	printf '%-12s ok   %5d s\n' "$name" "$secs" >>"$log"
	printf '=== %s: ok (%d s)\n' "$name" "$secs"
else
	printf '%-12s FAIL %5d s (exit %d)\n' "$name" "$secs" "$rc" >>"$log"
	printf '=== %s: FAILED with exit %d (%d s)\n' "$name" "$rc" "$secs"
fi
exit "$rc"
