#!/bin/sh
# Seeds for fuzz_sexpr: sets and maps as xapi writes and reads them.
set -eu
out=$2
printf "()" > "$out/empty"
printf "('a' 'b')" > "$out/set"
printf "(('k' 'v') ('k2' 'v 2'))" > "$out/map"
printf "(('it\\\\'s' 'back\\\\\\\\slash') (sym \"dq\\\\\"x\"))" > "$out/escapes"
printf "( ; comment\n ('a' 'b')\t)" > "$out/comment"
