#!/bin/sh
# Seeds of fuzz_legacy: small legacy image streams ("XenSavedDomain\n" + v1
# [+ qemu record]) behind the mode byte (bit 0 ext2 end rules, bit 1 read
# all, bits 2-3 v1 width).
# Usage: tests/seeds_legacy.sh BUILD_DIR OUTDIR
set -eu
g=$1/tests/gen_v1 out=$2
seed() { # NAME MODE-OCTAL gen_v1 args...
	name=$1 mode=$2; shift 2
	printf "\\$mode" > "$out/$name"
	"$g" - wrap=image "$@" >> "$out/$name"
}
seed pv32 000 guest=pv width=32 guest_width=64 pages=3 vcpus=2 batch=2
seed pv64 016 guest=pv width=64 guest_width=32 pages=2 extv=1 xsave_size=64
seed hvm 001 guest=hvm width=32 pages=2 qemu=1 qemu_len=32 hvm_params=1
seed hvm64 003 guest=hvm width=64 pages=1 qemu=1 qemu_len=8 tsc=1
