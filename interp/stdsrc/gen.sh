#!/usr/bin/env bash
# Regenerates cmp.go.txt, iter.go.txt, slices.go.txt and maps.go.txt: the
# standard packages of the installed Go as source the interpreter compiles
# at start-up (yaegi v0.16.1 ships only Go 1.22's slices, maps and cmp,
# without sorting, iterators or iter). gen/main.go says what it changes.
set -euo pipefail
cd "$(dirname "$0")"
go run ./gen -o .
