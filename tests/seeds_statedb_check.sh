#!/bin/sh
# Seeds for fuzz_statedb_check: the state.db seeds (tests/seeds_statedb.sh,
# same two control bytes), and a generated file with defects of each kind.
set -eu
B=$1 out=$2
sh "$(dirname "$0")/seeds_statedb.sh" "$B" "$out"
gen="$B/tests/gen_statedb"
if [ -x "$gen" ]; then
	"$gen" --vdis 4 --seed 9 --no-hostile > "$out/.plain"
	sed 's/ type="suspend"/ type="Suspend"/; s/ allow_caching="false"/ zz="1"/;
	     s/ SR="OpaqueRef:[^"]*" VBDs=/ SR="OpaqueRef:x" VBDs=/; s/ tags="()"/ tags="(x"/' \
		"$out/.plain" | { printf '\000\000'; cat; } > "$out/defects"
	{ printf '\003\000'; "$gen" --vdis 2 --seed 4 --field mixed; } > "$out/with-field"
	{ printf '\002\000'; cat "$out/.plain"; } > "$out/old-schema"
	rm -f "$out/.plain"
fi
# found by the fuzzer: an empty value before any other kept one (no buffer yet)
printf '\003\000<?xml version="1.0" encoding="UTF-8"?>\n<database><manifest><pair key="schema_major_vsn" value="5"/><pair key="schema_minor_vsn" value="909"/><pair key="generation_count" value="1"/></manifest><table name=""><row ref=""/></table></database>' \
	> "$out/empty-values"
