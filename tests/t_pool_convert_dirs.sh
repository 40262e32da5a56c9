#!/bin/sh
# pool-convert-legacy and vdi-convert into an out-dir that is too small or
# read-only (make check; a tmpfs in a private mount namespace, so it needs
# `unshare -m`, which root has).  Too small: the plan is refused with the
# bytes free and needed, nothing is written.  Read-only: every VDI fails
# with its uuid and the reason, the rest of the run goes on, exit 1.
# Either way the pool DB and the originals are as they were.
set -u
B=$SIF_BUILD
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-convdirs.XXXXXX")
trap 'rm -rf "$T"' EXIT
unshare -m true 2>/dev/null || {
	echo "FAIL: this test needs 'unshare -m' (root) for its small and read-only tmpfs"
	exit 1
}
sh "$(dirname "$0")/mk_legacy_pool.sh" "$B" "$T/p" 4 200 || exit 1
mkdir "$T/mnt"
cp "$T/p/pool.db" "$T/pool.before"
export T SIF
unshare -m sh -eu <<'EOS'
S() { "$SIF" --db "$T/p/pool.db" "$@"; }
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }
mount -t tmpfs -o size=256k tmpfs "$T/mnt"
# too small
if S pool-convert-legacy --out-dir "$T/mnt" >"$T/out" 2>"$T/err"; then fail "a full out-dir was accepted"; fi
grep -q "has .* bytes) free, the 4 new images need up to .* bytes): nothing converted" "$T/err" ||
	fail "no numbers in: $(cat "$T/err")"
[ -z "$(ls -A "$T/mnt")" ] || fail "files written into the full out-dir"
u=$(S vdi-list type=suspend --minimal | cut -d, -f1)
if S vdi-convert uuid="$u" --out "$T/mnt/one.img" >"$T/out" 2>"$T/err"; then fail "vdi-convert into a full dir"; fi
grep -q "VDI $u" "$T/err" || fail "vdi-convert does not name the VDI: $(cat "$T/err")"
[ -z "$(ls -A "$T/mnt")" ] || fail "vdi-convert left $(ls -A "$T/mnt")"
umount "$T/mnt"
# read-only
mount -t tmpfs -o size=64m tmpfs "$T/mnt"
mount -o remount,ro "$T/mnt"
if S pool-convert-legacy --out-dir "$T/mnt" --jobs 2 >"$T/out" 2>"$T/err"; then fail "a read-only out-dir was accepted"; fi
grep -q "0 converted, 4 failed" "$T/out" || fail "summary: $(cat "$T/out")"
for u in $(S vdi-list type=suspend --minimal | tr , ' '); do
	grep -q "^failed: VDI $u: .*Read-only file system" "$T/out" || fail "VDI $u not listed with its reason"
done
[ -z "$(ls -A "$T/mnt")" ] || fail "files in the read-only out-dir"
umount "$T/mnt"
[ "$(S vdi-list type=suspend suspend-image-format=legacy --minimal | tr , '\n' | grep -c .)" -eq 4 ] ||
	fail "a VDI changed"
echo "out-dir tests: $bad failure(s)"
[ $bad -eq 0 ]
EOS
rc=$?
cmp -s "$T/p/pool.db" "$T/pool.before" || { echo "FAIL: the pool DB changed"; rc=1; }
for f in "$T"/p/img/*; do [ -s "$f" ] || { echo "FAIL: $f gone"; rc=1; }; done
exit $rc
