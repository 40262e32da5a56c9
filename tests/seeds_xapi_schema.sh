#!/bin/sh
# Seeds of fuzz_xapi_schema: the shipped schema file (43 versions, with
# @ranges) asked for 5.909 and 5.602, its first lines, and small files of
# one version and of ranges, behind the byte that picks the version asked
# for (0 any, 1 5.909, 2 5.602).  Usage: tests/seeds_xapi_schema.sh BUILD_DIR OUTDIR
set -eu
out=$2
schema="$(cd "$(dirname "$0")/.." && pwd)/schema/xapi/xapi.schema"
seed() { # NAME MODE-OCTAL: the file's text from stdin
	{ printf "\\$2"; cat; } > "$out/$1"
}
seed all-909 001 < "$schema"
seed all-602 002 < "$schema"
head -c 4000 "$schema" | seed head 001
printf 'version 5.2 mine\ntable T persist\ncolumn T y map(string,set(ref(T))) =((%s)) published nopersist\n' \
	"'k'%.'v'" | seed one 001
printf 'version 5.1 old\nversion 5.2 new\nenum e a b\nenum e a b c @5.2\ntable T persist\ncolumn T _ref string - published\ncolumn T gone int =0 removed @5.1\ncolumn T x enum(e) =a published\n' |
	seed ranged 000
