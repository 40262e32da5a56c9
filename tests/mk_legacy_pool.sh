#!/bin/sh
# A pool DB whose suspended VMs all have legacy suspend images, for the
# conversion tests and the benchmark: COUNT images of about PAGES pages
# each, mixed as a pool of old hosts has them: in turn a raw PV image (a
# 64-bit guest saved by a 32-bit dom0), a raw HVM image with its qemu
# record, an ext2 PV image (32-bit guest) and an ext2 HVM image.
# Usage: tests/mk_legacy_pool.sh BUILD_DIR DIR COUNT PAGES
# Makes DIR/pool.db (migrated, plugin from $SIF_PLUGIN_DIR) and DIR/img/*.
set -eu
B=$1 D=$2 n=$3 pages=$4
mkdir -p "$D/img"
D=$(cd "$D" && pwd)
set --
i=0
while [ $i -lt "$n" ]; do
	f="$D/img/legacy-$i.img"
	case $((i % 4)) in
	0) "$B/tests/gen_v1" "$f" guest=pv width=32 guest_width=64 pages="$pages" vcpus=2 \
		wrap=image seed=$i ;;
	1) "$B/tests/gen_v1" "$f" guest=hvm pages="$pages" wrap=image qemu=1 seed=$i ;;
	2) "$B/tests/gen_image" "$f" kind=legacy \
		v1="guest=pv width=32 guest_width=32 pages=$pages seed=$i" ;;
	3) "$B/tests/gen_image" "$f" kind=legacy v1="guest=hvm pages=$pages qemu=1 seed=$i" ;;
	esac
	set -- "$@" --suspend-image "$f"
	i=$((i + 1))
done
"$B/tests/gen_pool" --vms "$n" --vdis $((2 * n)) --suspended "$n" "$@" "$D/pool.db" >/dev/null
"$B/bin/sif" --db "$D/pool.db" db migrate >/dev/null
