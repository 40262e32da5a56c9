#!/bin/sh
# Seeds of fuzz_dropin: generated v1 streams as the drop-in's fd carries them
# (after a legacy image's signature too), for a pipe and a file (gen_v1seeds).
# Usage: tests/seeds_dropin.sh BUILD_DIR OUTDIR
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1/tests/gen_v1seeds" "$tmp"
cp "$tmp/fuzz_dropin"/* "$2"/
