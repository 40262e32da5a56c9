#!/bin/sh
# The generators against Xen's own tools (make check): every generated v2
# stream of a matrix (PV64, PV32, HVM; versions 2 and 3; page types; batch
# sizes; no pages; libxl) is accepted by verify-stream-v2 and by
# `sif image verify`; v1 streams of the legacy images are accepted by
# convert-legacy-stream, whose output verify-stream-v2 accepts; whole
# images of every kind verify, and the stream inside a structured image
# read back by debugfs is the one that went in.
set -eu
B=$SIF_BUILD
PY=/usr/lib/xen-4.17/lib/python
VERIFY="/usr/lib/xen-4.17/bin/verify-stream-v2"
CONVERT="/usr/lib/xen-4.17/bin/convert-legacy-stream"
[ -x "$VERIFY" ] && [ -x "$CONVERT" ] || {
	echo "xen-utils-4.17 is missing: run make deps" >&2
	exit 1
}
export PYTHONPATH=$PY
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for guest in pv64 pv32 hvm; do
	for version in 2 3; do
		for extra in "pages=0" "pages=700 page_types=1 batch=1024" \
			"pages=301 page_types=1 batch=7 vcpus=5" "pages=64 batch=1"; do
			"$B/tests/gen_v2" "$tmp/s.v2" guest=$guest version=$version $extra seed=$n
			"$VERIFY" -q -i "$tmp/s.v2" || { echo "peer refuses: $guest v$version $extra"; exit 1; }
			"$SIF" image verify "$tmp/s.v2" >/dev/null
			n=$((n + 1))
		done
	done
done
"$B/tests/gen_v2" "$tmp/l.v2" guest=hvm libxl=1 pages=100 emu_bytes=4000 vcpus=2
"$VERIFY" -q -f libxl -i "$tmp/l.v2"
"$SIF" image verify "$tmp/l.v2" >/dev/null
"$B/tests/gen_v2" "$tmp/l.v2" guest=pv64 libxl=1 pages=10
"$VERIFY" -q -f libxl -i "$tmp/l.v2"
echo "v2: $((n + 2)) generated streams accepted by verify-stream-v2 and sif"

# v1 streams as the legacy images carry them, through the peer converter
m=0
for v1 in "guest=pv width=32 guest_width=64 pages=500 vcpus=3" \
	"guest=pv width=64 guest_width=32 pages=200 extv=1 xsave_size=832" \
	"guest=hvm width=32 pages=300 vcpus=2 hvm_params=1 tsc=1" \
	"guest=hvm width=64 pages=1100 batch=1024"; do
	"$B/tests/gen_v1" "$tmp/s.v1" $v1
	case "$v1" in *hvm*) g=hvm ;; *) g=pv ;; esac
	w=$(echo "$v1" | tr ' ' '\n' | sed -n 's/^width=//p')
	"$CONVERT" -i "$tmp/s.v1" -o "$tmp/c.v2" -w "$w" -g "$g" --skip-qemu
	"$VERIFY" -q -i "$tmp/c.v2"
	"$B/tests/gen_image" "$tmp/l.img" kind=legacy v1="$v1"
	"$SIF" image verify "$tmp/l.img" >/dev/null
	m=$((m + 1))
done
echo "v1: $m generated streams converted by convert-legacy-stream; legacy images verify"

# whole images; the structured image's file is the raw image's bytes
SOURCE_DATE_EPOCH=1709210096 "$SIF" image wrap --format raw --libxc "$tmp/s.v2" "$tmp/r.img" >/dev/null
SOURCE_DATE_EPOCH=1709210096 "$SIF" image wrap --format structured --libxc "$tmp/s.v2" "$tmp/st.img" >/dev/null
e2fsck -fn "$tmp/st.img" >/dev/null 2>&1
debugfs -R "dump suspend-image $tmp/dump" "$tmp/st.img" >/dev/null 2>&1
cmp "$tmp/dump" "$tmp/r.img"
for kind in raw structured structured-legacy raw-legacy; do
	"$B/tests/gen_image" "$tmp/k.img" kind=$kind guest=hvm pages=50 qemu_bytes=999 \
		v1="guest=hvm width=64 pages=50 qemu=1"
	"$SIF" image verify "$tmp/k.img" >/dev/null
done
IMGGEN_EXT2TOOL=e2fsprogs "$B/tests/gen_image" "$tmp/e.img" kind=structured guest=pv32 pages=80
"$SIF" image verify "$tmp/e.img" >/dev/null
echo "images: raw, structured (libsif and mke2fs+debugfs), legacy kinds verify"
