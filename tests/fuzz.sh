#!/bin/sh
# make fuzz: run every libFuzzer target of FUZZ_BUILD for SECONDS each.
# Corpus: FUZZ_BUILD/corpus/<target>/, seeded once by tests/seeds_<target>.sh
# (called as: sh tests/seeds_<target>.sh BUILD_DIR OUTDIR) when that exists.
# Crashes land in FUZZ_BUILD/crashes/<target>/ and fail the run.
# Usage: tests/fuzz.sh FUZZ_BUILD SECONDS BUILD_DIR [TARGET]
set -u
FB=$(cd "${1:?}" && pwd)
secs=${2:-60}
B=$(cd "${3:-build}" && pwd)
only=${4:-}
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
for f in "$FB"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	[ -n "$only" ] && [ "$only" != "$name" ] && continue
	corpus="$FB/corpus/$name" crashes="$FB/crashes/$name"
	mkdir -p "$corpus" "$crashes"
	seeds="$top/tests/seeds_${name#fuzz_}.sh"
	if [ -f "$seeds" ] && [ -z "$(ls -A "$corpus")" ]; then
		sh "$seeds" "$B" "$corpus"
	fi
	echo "== $name: $secs s, corpus $(ls "$corpus" | wc -l) files"
	if ! (cd "$crashes" && "$f" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" 2>&1 | tail -12); then
		status=1
	fi
	if [ -n "$(ls -A "$crashes")" ]; then
		echo "!! $name: findings in $crashes"
		status=1
	fi
done
exit $status
