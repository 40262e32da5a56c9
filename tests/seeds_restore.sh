#!/bin/sh
# Seeds of fuzz_restore: a first byte (platformdata value, PV/HVM) and a
# whole incoming stream: legacy PV and HVM, framed v2 PV and HVM, framed with
# a Libxc_legacy record.  Usage: tests/seeds_restore.sh BUILD_DIR OUTDIR
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
