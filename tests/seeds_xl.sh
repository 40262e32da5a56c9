#!/bin/sh
# Seeds of fuzz_xl: small xl save files behind the mode byte (bit 0 ext2 end
# rules, bit 1 read all, bits 2-3 v1 width): PV and HVM with a libxl v2
# stream (HVM with xenstore data and device model state), old xl files
# with a v1 stream.  Usage: tests/seeds_xl.sh BUILD_DIR OUTDIR
set -eu
B=$1 out=$2
seed() { # NAME MODE-OCTAL GENERATOR ARGS...
	name=$1 mode=$2 gen=$3; shift 3
	printf "\\$mode" > "$out/$name"
	"$B/tests/$gen" - "$@" >> "$out/$name"
}
seed pv 000 gen_v2 guest=pv64 xl=1 xen417=1 pages=2 vcpus=2
seed pv32 002 gen_v2 guest=pv32 xl=1 pages=1
seed hvm 000 gen_v2 guest=hvm xl=1 xen417=1 pages=2 xenstore=1 emu_bytes=48
seed old-pv 004 gen_v1 wrap=xl guest=pv width=32 guest_width=64 pages=2
seed old-hvm 014 gen_v1 wrap=xl guest=hvm width=64 pages=2 qemu=1 qemu_len=16
