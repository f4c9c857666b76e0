#!/bin/sh
# check.sh: fail when the committed yaegi symbol tables in interp/symbols
# (and the typed callers generated from the same packages, callers_gen.go)
# differ from what `go generate ./interp/symbols` produces now (the compiled
# API of gonum, gonum/plot, ad, display or mnist changed without a
# regeneration). Run from anywhere inside the module; used by CI.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# Regenerate into a copy of the package directory inside the module so
# that the module's go.mod resolves the extracted packages.
gen="$here/.check-$$"
trap 'rm -rf "$tmp" "$gen"' EXIT INT TERM
mkdir "$gen"
cp "$here"/*.go "$gen"/
rm -f "$gen"/github_com-*.go "$gen"/gonum_org-*.go "$gen"/callers_gen.go
(cd "$gen" && go generate ./) >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "check.sh: go generate failed" >&2; exit 1; }
status=0
names=$(for f in "$here"/github_com-*.go "$here"/gonum_org-*.go "$here"/callers_gen.go "$gen"/github_com-*.go "$gen"/gonum_org-*.go "$gen"/callers_gen.go; do
	[ -e "$f" ] && basename "$f"
done | sort -u)
for b in $names; do
	if [ ! -e "$here/$b" ]; then
		echo "check.sh: $b is generated but not committed" >&2; status=1; continue
	fi
	if [ ! -e "$gen/$b" ]; then
		echo "check.sh: $b is committed but no longer generated" >&2; status=1; continue
	fi
	if ! diff -u "$here/$b" "$gen/$b" >"$tmp/diff"; then
		echo "check.sh: $b has drifted from its source; run: go generate ./interp/symbols" >&2
		head -40 "$tmp/diff" >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "check.sh: interp/symbols is up to date"
exit $status
