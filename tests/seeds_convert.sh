#!/bin/sh
# Seeds of fuzz_convert: valid generated v1 inputs with option bytes (gen_v1seeds).
# Usage: tests/seeds_convert.sh BUILD_DIR OUTDIR
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1/tests/gen_v1seeds" "$tmp"
cp "$tmp/fuzz_convert"/* "$2"/
