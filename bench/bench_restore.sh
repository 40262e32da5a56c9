#!/bin/sh
# Restore (issue 6): a dry-run resume of a 1 GiB legacy image stored in
# ext2, end to end (pool DB, decision, open the ext2 container, convert the
# v1 stream, verify the v2 output), against what a toolstack does today:
# dump suspend-image out of the ext2 image with debugfs, strip the
# signature, convert-legacy-stream into a pipe, verify-stream-v2 on it
# (through bench/verify_pipe.py: the script itself cannot read a pipe).
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
PY="env PYTHONPATH=/usr/lib/xen-4.17/lib/python"
PAGES=${BENCH_RESTORE_PAGES:-262144}       # 1 GiB of guest pages
RUNS=${BENCH_RESTORE_RUNS:-5}
img="$OUT/restore-legacy-pv64.img" db="$OUT/restore-pool.db" tmp="$OUT/restore-tmp"

[ -s "$img" ] || "$B/tests/gen_image" "$img" kind=legacy \
	v1="guest=pv width=32 guest_width=64 pages=$PAGES vcpus=4 tsc=1"
rm -f "$db"
"$B/tests/gen_pool" --vms 4 --vdis 8 --suspended 1 "$db" >/dev/null
"$SIF" --db "$db" db migrate >/dev/null
vm=$("$SIF" --db "$db" vm-list power-state=Suspended --minimal)
mkdir -p "$tmp"

cat > "$OUT/peer-restore.sh" <<SH
#!/bin/sh
# today's path: a temporary copy out of ext2, then the Python converter and verifier
set -e
debugfs -R "dump suspend-image $tmp/suspend-image" "$img" 2>/dev/null
tail -c +16 "$tmp/suspend-image" |
	$PY /usr/lib/xen-4.17/bin/convert-legacy-stream -i 0 -o 1 -w 32 -g pv --skip-qemu |
	$PY python3 $bench_top/bench/verify_pipe.py libxc
rm -f "$tmp/suspend-image"
SH
cat "$img" > /dev/null
hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/restore.json" \
	--export-markdown "$OUT/restore.md" \
	-n "sif vm-resume --dry-run" "$SIF --db $db vm-resume uuid=$vm --image $img --dry-run > /dev/null" \
	-n "debugfs dump + convert-legacy-stream | verify-stream-v2" "sh $OUT/peer-restore.sh" \
	-n "cat IMAGE > /dev/null" "cat $img > /dev/null" >/dev/null
set -- $(hf_medians "$OUT/restore.json"); t_sif=$1 t_peer=$2 t_cat=$3
rss_sif=$(peak_rss_kib "$SIF" --db "$db" vm-resume uuid="$vm" --image "$img" --dry-run)
rss_peer=$(peak_rss_kib sh "$OUT/peer-restore.sh")
size=$(stat -c %s "$img")

cat > "$OUT/section.md" <<MD
Machine: $(machine). Image: a legacy suspend image in ext2 (\`gen_image kind=legacy
v1="guest=pv width=32 guest_width=64 pages=$PAGES vcpus=4 tsc=1"\`: a 64-bit PV guest
saved by a 32-bit toolstack), $size bytes; warm page cache; hyperfine medians of $RUNS runs.
Goal: at least 2x faster end to end than today's path, in a fraction of the memory, with no
mount and no temporary copy.

| path | median | vs sif | peak RSS |
|---|---|---|---|
| \`sif vm-resume --dry-run\` (DB, decision, ext2 read in place, convert, verify v2) | ${t_sif} s | 1.00 | ${rss_sif} KiB |
| debugfs dump to a temp file + convert-legacy-stream \\| verify-stream-v2 | ${t_peer} s | $(ratio "$t_peer" "$t_sif") | ${rss_peer} KiB (largest process) |
| \`cat IMAGE > /dev/null\` (floor: reading the image) | ${t_cat} s | $(ratio "$t_cat" "$t_sif") | |

sif is $(ratio "$t_peer" "$t_sif")x faster than today's path and uses $(ratio "$rss_sif" "$rss_peer")x its peak memory.
Commands:

\`\`\`
sif --db POOL vm-resume uuid=VM --image IMAGE --dry-run
sh bench/out/peer-restore.sh     # debugfs -R 'dump suspend-image TMP' IMAGE; tail -c +16 TMP |
                                 # convert-legacy-stream -i 0 -o 1 -w 32 -g pv --skip-qemu |
                                 # python3 bench/verify_pipe.py (verify-stream-v2, buffered stdin)
cat IMAGE > /dev/null
\`\`\`

$(cat "$OUT/restore.md")
MD
write_section "restore: dry-run resume of a legacy image (issue 6)" "$OUT/section.md"
echo "restore: sif $t_sif s, today's path $t_peer s, cat $t_cat s"
