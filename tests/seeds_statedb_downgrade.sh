#!/bin/sh
# Seeds for fuzz_statedb_downgrade: those of fuzz_statedb (same two control
# bytes in front) and files that carry the plugins' columns, upgraded.
set -eu
B=$1 out=$2
sh "$(dirname "$0")/seeds_statedb.sh" "$B" "$out"
gen="$B/tests/gen_statedb"
if [ -x "$gen" ]; then
	{ printf '\000\001'; "$gen" --vdis 3 --seed 4 --field legacy; } > "$out/gen3-legacy"
	{ printf '\001\001'; "$gen" --vdis 2 --seed 5 --field mixed-legacy --no-hostile; } > "$out/gen2-mixed"
fi
