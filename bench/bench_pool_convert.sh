#!/bin/sh
# pool-convert-legacy (issue 12): 100 legacy images of 64 MiB (raw and ext2,
# PV and HVM, in turn: tests/mk_legacy_pool.sh) converted with --jobs 1 and
# --jobs 2, each run from a fresh copy of the pool DB into an empty out-dir,
# against `cat` of the same inputs into files (and cat followed by sync:
# every converted image is fsync'd before its commit, cat's copies are
# not).  Inputs warm in the page cache.  Peak RSS from /usr/bin/time -v:
# the largest of any one process (the parent or a worker: one job each).
# The ~13 GiB of inputs and outputs are deleted at the end.
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
N=${BENCH_CONVERT_IMAGES:-100}
PAGES=${BENCH_CONVERT_PAGES:-16384}        # 64 MiB of guest pages
RUNS=${BENCH_CONVERT_RUNS:-3}
W="$OUT/pool-convert"
export SIF_PLUGIN_DIR="${SIF_PLUGIN_DIR:-$B/lib/sif/plugins}"
trap 'rm -rf "$W"' EXIT
rm -rf "$W"
sh "$bench_top/tests/mk_legacy_pool.sh" "$B" "$W" "$N" "$PAGES"
cp "$W/pool.db" "$W/pool.pristine"
bytes=$(cat "$W"/img/* | wc -c)

cat > "$W/reset.sh" <<SH
rm -rf "$W/out" "$W/copy" && mkdir "$W/out" "$W/copy" && cp "$W/pool.pristine" "$W/pool.db"
SH
cat > "$W/cat.sh" <<SH
for f in "$W"/img/*; do cat "\$f" > "$W/copy/\${f##*/}"; done
SH
cat > "$W/catsync.sh" <<SH
for f in "$W"/img/*; do cat "\$f" > "$W/copy/\${f##*/}"; done; sync -f "$W/copy"
SH
conv() { echo "$SIF --db $W/pool.db pool-convert-legacy --out-dir $W/out --jobs $1 > /dev/null"; }
cat "$W"/img/* > /dev/null
qemu0=$(pgrep -c qemu-system || true)
hyperfine --warmup 1 --runs "$RUNS" --prepare "sh $W/reset.sh" \
	--export-json "$OUT/pool-convert.json" --export-markdown "$OUT/pool-convert.md" \
	-n "cat inputs into files" "sh $W/cat.sh" \
	-n "cat inputs into files; sync" "sh $W/catsync.sh" \
	-n "sif pool-convert-legacy --jobs 1" "$(conv 1)" \
	-n "sif pool-convert-legacy --jobs 2" "$(conv 2)" >/dev/null
set -- $(hf_medians "$OUT/pool-convert.json")
cat_s=$1 catsync_s=$2 j1=$3 j2=$4
sh "$W/reset.sh"
rss1=$(peak_rss_kib $SIF --db "$W/pool.db" pool-convert-legacy --out-dir "$W/out" --jobs 1)
sh "$W/reset.sh"
rss2=$(peak_rss_kib $SIF --db "$W/pool.db" pool-convert-legacy --out-dir "$W/out" --jobs 2)
qemu1=$(pgrep -c qemu-system || true)
left=$("$SIF" --db "$W/pool.db" vdi-list type=suspend suspend-image-format=legacy --minimal)
[ -z "$left" ] || { echo "bench: VDIs left unconverted: $left" >&2; exit 1; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / s / 1048576 }'; }

cat > "$OUT/pool-convert-section.md" <<MD
$N legacy images of $PAGES guest pages (about 64 MiB each; in turn raw PV64 saved by a
32-bit dom0, raw HVM with its qemu record, ext2 PV32, ext2 HVM), $bytes bytes in all, warm
in the page cache; each sif run from a fresh copy of the pool DB into an empty out-dir
(raw images, the default), every image written (writeback started every 8 MiB), fsync'd,
read back whole and committed; with --jobs N, N images are written at once while the next
ones open their input and wait for a slot and up to N more are fsync'd and read back.
Machine: $(machine); vm.dirty_ratio
$(cat /proc/sys/vm/dirty_ratio)%, dirty_background_ratio $(cat /proc/sys/vm/dirty_background_ratio)%; **shared with other engineers while measured**
(QEMU processes of another engineer's real-Xen tests at the start: $qemu0, at the end: $qemu1;
timings are noisy: medians of $RUNS runs after a warm-up).

\`cat\` into files ends when its last byte is in the page cache: what the dirty limits let
it leave unwritten (several GiB here) is never written in its timed run, so its time swings
with the disk's speed and the memory free at that moment. sif's time includes writing every
byte to the disk; \`cat\` followed by \`sync\` is the like-for-like peer.

| command | median | MiB/s | against cat into files | against cat + sync |
|---|---|---|---|---|
| cat inputs into files | ${cat_s} s | $(mbs "$cat_s") | 1.00 | |
| cat inputs into files; sync | ${catsync_s} s | $(mbs "$catsync_s") | | 1.00 |
| sif pool-convert-legacy --jobs 1 | ${j1} s | $(mbs "$j1") | $(ratio "$cat_s" "$j1") | $(ratio "$catsync_s" "$j1") |
| sif pool-convert-legacy --jobs 2 | ${j2} s | $(mbs "$j2") | $(ratio "$cat_s" "$j2") | $(ratio "$catsync_s" "$j2") |

Throughput ratio = cat's time / sif's time (goal >= 0.7 against cat into files).
Peak RSS (/usr/bin/time -v, the largest single process: the parent or one worker, each
worker converting one image): --jobs 1: ${rss1} KiB, --jobs 2: ${rss2} KiB (goal < 8 MiB per job).

Commands (bench/bench_pool_convert.sh): \`tests/mk_legacy_pool.sh BUILD DIR $N $PAGES\`, then
\`sif --db DIR/pool.db pool-convert-legacy --out-dir DIR/out --jobs 1|2\` against
\`for f in DIR/img/*; do cat \$f > DIR/copy/\${f##*/}; done\` [\`; sync -f DIR/copy\`].

$(cat "$OUT/pool-convert.md")
MD
write_section "pool-convert-legacy: 100 legacy images ahead of time (issue 12)" "$OUT/pool-convert-section.md"
cat "$OUT/pool-convert-section.md"
