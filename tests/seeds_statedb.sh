#!/bin/sh
# Seeds for fuzz_statedb: small state.db files as xapi writes them (from
# gen_statedb, with every table, hostile values and the new field in all
# its forms) and a few broken ones.  Each seed starts with the two control
# bytes the target reads: block size and whether sets/maps are checked.
set -eu
B=$1 out=$2
gen="$B/tests/gen_statedb"
seed() { # NAME CONTROL-BYTES < data
	{ printf "$2"; cat; } > "$out/$1"
}
if [ -x "$gen" ]; then
	"$gen" --vdis 3 --seed 1 | seed gen3 '\377\001'
	"$gen" --vdis 3 --seed 2 --field mixed | seed gen3-mixed '\007\001'
	"$gen" --vdis 1 --seed 3 --no-hostile | seed gen1 '\001\000'
fi
head='<?xml version="1.0" encoding="UTF-8"?>
<database><manifest><pair key="schema_major_vsn" value="5"/><pair key="schema_minor_vsn" value="909"/><pair key="generation_count" value="42"/></manifest>'
printf '%s' "$head<table name=\"VDI\"><row ref=\"OpaqueRef:b1\" __ctime=\"3\" __mtime=\"4\" _ref=\"OpaqueRef:b1\" name__label=\"&lt;x&gt;%.&amp;%.&quot;q&quot;%.'s'%t%n%r\" other_config=\"(('it\\\\'s'%.'a\\\\\\\\b')%.('%.'%.''))\" tags=\"('t1'%.'t2')\" type=\"user\"/></table><table name=\"VM\"/></database>" | seed handmade '\377\001'
printf '%s' "$head<table name=\"B\"><row ref=\"r5\"/><row ref=\"r3\"/><row ref=\"r5\"/></table></database>" | seed unsorted-dup '\003\000'
printf '%s' "$head<table name=\"VDI\"><row ref=\"r\" a=\"%_old%.x\" b='single \"q\"'  ></row></table></database>" | seed oddities '\002\001'
printf '%s' "$head<table name=\"VDI\"><row ref=\"r\" a=\"50%\"/></table></database>" | seed lone-percent '\377\000'
printf '%s' "<database><manifest/></database>" | seed no-schema '\377\000'
# found by the fuzzer: a row reported before libxml2 sees its tag is broken
printf '%s<table name="VDI"><row ref="r" \001\000 a="1"/></table></database>' "$head" |
	seed unclosed-row '\377\001'
