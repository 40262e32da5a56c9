#!/bin/sh
# Seeds of fuzz_ext2: small ext2 filesystems (1 KiB blocks, made by mke2fs
# and debugfs) holding suspend-image: a raw-framed image, a legacy one, and
# a filesystem without the file; and made by mke2fs -d, which leaves the
# zero blocks of the file as sparse holes (zero pages, a zero qemu record);
# and an xl save file.
# Usage: tests/seeds_ext2.sh BUILD_DIR OUTDIR
set -eu
b=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fs() { # NAME FILE|-
	mke2fs -q -F -t ext2 -b 1024 -m 0 -N 16 "$out/$1" 160k 2>/dev/null
	[ "$2" = - ] || debugfs -w -R "write $2 suspend-image" "$out/$1" >/dev/null 2>&1
}
"$b/tests/gen_image" "$tmp/raw" kind=raw guest=pv32 pages=1 vcpus=1
"$b/tests/gen_v1" "$tmp/leg" wrap=image guest=hvm width=32 pages=1 qemu=1 qemu_len=16
fs structured "$tmp/raw"
fs legacy "$tmp/leg"
fs empty -
sparse() { # NAME FILE
	mkdir "$tmp/d" && cp "$2" "$tmp/d/suspend-image"
	mke2fs -q -F -t ext2 -b 1024 -m 0 -N 16 -d "$tmp/d" "$out/$1" 160k >/dev/null 2>&1
	rm -rf "$tmp/d"
}
"$b/tests/gen_image" "$tmp/rawz" kind=raw guest=hvm pages=4 zero_pages=2 qemu_bytes=3000 qemu_zero=1
"$b/tests/gen_v1" "$tmp/legz" wrap=image guest=hvm width=64 pages=3 zero_pages=2 qemu=1 qemu_len=2048 qemu_zero=1
sparse holes-structured "$tmp/rawz"
sparse holes-legacy "$tmp/legz"
"$b/tests/gen_v2" "$tmp/xl" guest=hvm xl=1 pages=2 xenstore=1 emu_bytes=32
fs xl "$tmp/xl"
