#!/bin/sh
# Seeds of fuzz_v2: small generated libxc and libxl streams, each behind
# the mode byte (bit 0 libxl, bit 1 read every byte, bit 2 exact stream).
# Usage: tests/seeds_v2.sh BUILD_DIR OUTDIR
set -eu
g=$1/tests/gen_v2 out=$2
seed() { # NAME MODE-OCTAL gen_v2 args...
	name=$1 mode=$2; shift 2
	printf "\\$mode" > "$out/$name"
	"$g" - "$@" >> "$out/$name"
}
seed pv64 000 guest=pv64 pages=3 vcpus=1 page_types=1 batch=2
seed pv32v2 002 guest=pv32 pages=2 vcpus=2 version=2
seed hvm 004 guest=hvm pages=3 vcpus=2 page_types=1
seed hvm0 000 guest=hvm pages=0 vcpus=1
seed xl 001 guest=hvm pages=1 libxl=1 emu_bytes=64
seed xlxs 007 guest=hvm pages=1 libxl=1 xenstore=1 emu_bytes=16
