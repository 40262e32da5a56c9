#!/bin/sh
# Run every libFuzzer target of a fuzz build for N seconds each, one after
# the other, each on its corpus build-fuzz/corpus/fuzz_NAME seeded by
# build-fuzz/tests/gen_fuzzseeds.  Crashes land in build-fuzz/crashes/.
# Usage: tests/fuzz.sh FUZZ_BUILD_DIR [SECONDS] [NAME_PATTERN]
set -u
B=${1:?usage: tests/fuzz.sh FUZZ_BUILD_DIR [SECONDS] [PATTERN]}
secs=${2:-60}
pat=${3:-}
corpus="$B/corpus"
mkdir -p "$corpus" "$B/crashes"
if [ -x "$B/tests/gen_fuzzseeds" ]; then
	"$B/tests/gen_fuzzseeds" "$corpus" || exit 1
fi
rc=0
for f in "$B"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	if [ -n "$pat" ]; then case "$name" in *$pat*) ;; *) continue ;; esac; fi
	mkdir -p "$corpus/$name"
	echo "== $name for ${secs}s"
	"$f" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 \
		-artifact_prefix="$B/crashes/$name-" "$corpus/$name" || rc=1
done
exit $rc
