#!/bin/sh
# Seeds of fuzz_frame: small raw images (framed stream on the device)
# behind the mode byte (bit 0 ext2 end rules, bit 1 read all, bits 2-3 v1 width).
# Usage: tests/seeds_frame.sh BUILD_DIR OUTDIR
set -eu
g=$1/tests/gen_image out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed() { # NAME MODE-OCTAL gen_image args...
	name=$1 mode=$2; shift 2
	"$g" "$tmp/img" "$@"
	printf "\\$mode" > "$out/$name"
	cat "$tmp/img" >> "$out/$name"
}
seed pv 000 kind=raw guest=pv64 pages=2 vcpus=1 qemu_bytes=64 vm_str='{"a": "b"}'
seed hvm 003 kind=raw guest=hvm pages=2 vcpus=2 qemu_bytes=32
seed xl 000 kind=raw guest=hvm pages=1 libxl=1 xenstore=1 emu_bytes=8
seed tail 002 kind=raw guest=pv32 pages=1 raw_tail=64
seed v1 000 kind=raw-legacy v1="guest=pv width=32 guest_width=64 pages=2"
seed v1hvm 014 kind=raw-legacy v1="guest=hvm width=64 pages=2 qemu=1 qemu_len=16"
