#!/bin/sh
# make bench: run every bench/bench_*.sh against a build tree; each writes
# its own section of bench/RESULTS.md.
set -eu
B=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b")"
	sh "$b" "$B"
done
