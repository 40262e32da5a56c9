#!/bin/sh
# Seeds of fuzz_restore: a first byte (platformdata value, PV/HVM, 0x20: an
# image by path) and a whole incoming stream: legacy PV and HVM, framed v2 PV
# and HVM, framed with a Libxc_legacy record; xl save files as images (PV,
# HVM with xenstore data and device model state, an old xl file with a v1
# stream).  Usage: tests/seeds_restore.sh BUILD_DIR OUTDIR
set -eu
B=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seed() { # NAME BYTE KIND ARGS...: the image's stream with a leading byte
	name=$1 byte=$2; shift 2
	"$B/tests/gen_image" "$tmp/img" "$@"
	printf "\\$(printf %o "$byte")" > "$out/$name"
	if debugfs -R "dump suspend-image $tmp/s" "$tmp/img" >/dev/null 2>&1 && [ -s "$tmp/s" ]; then
		cat "$tmp/s" >> "$out/$name"
	else
		cat "$tmp/img" >> "$out/$name"
	fi
	rm -f "$tmp/s"
}
seed legacy-pv 128 kind=legacy v1="guest=pv width=32 guest_width=64 pages=40 vcpus=2"
seed legacy-hvm 192 kind=legacy qemu_bytes=300 v1="guest=hvm width=32 pages=40 hvm_params=1"
seed framed-pv 129 kind=raw guest=pv64 pages=40 vcpus=2
seed framed-hvm 194 kind=raw guest=hvm pages=40 qemu_bytes=200
seed framed-v1 129 kind=raw-legacy v1="guest=pv width=64 pages=40"
xl() { # NAME BYTE gen_v2|gen_v1 ARGS...: an xl save file read as an image
	name=$1 byte=$2 gen=$3; shift 3
	printf "\\$(printf %o "$byte")" > "$out/$name"
	"$B/tests/$gen" - "$@" >> "$out/$name"
}
xl xl-pv 162 gen_v2 guest=pv64 xl=1 xen417=1 pages=8 vcpus=2
xl xl-hvm 227 gen_v2 guest=hvm xl=1 xen417=1 pages=8 xenstore=1 emu_bytes=64
xl xl-old 225 gen_v1 wrap=xl guest=hvm width=64 pages=4 qemu=1 qemu_len=32
