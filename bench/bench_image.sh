#!/bin/sh
# Image formats (issue 4): `sif image verify` on 1 GiB raw, structured and
# legacy (ext2) images against `cat IMAGE > /dev/null`, and on the bare
# 1 GiB v2 stream against Xen's verify-stream-v2 (the peer); warm cache;
# peak RSS.  Goals: >= 0.8x cat's throughput, >= the peer's, < 4 MiB RSS.
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
PEER="env PYTHONPATH=/usr/lib/xen-4.17/lib/python /usr/lib/xen-4.17/bin/verify-stream-v2"
RUNS=${BENCH_IMAGE_RUNS:-10}
GIB=262144        # pages in 1 GiB
export SOURCE_DATE_EPOCH=1709210096

gen() { # FILE CMD...: make once
	f=$1; shift
	[ -s "$f" ] || "$@" >/dev/null
}
v2="$OUT/img-pv64-1g.v2" raw="$OUT/img-raw-1g.img" st="$OUT/img-structured-1g.img"
leg="$OUT/img-legacy-1g.img"
gen "$v2" "$B/tests/gen_v2" "$v2" guest=pv64 pages=$GIB vcpus=4 page_types=1 seed=1
gen "$raw" "$SIF" image wrap --format raw --libxc "$v2" "$raw"
gen "$st" "$SIF" image wrap --format structured --libxc "$v2" "$st"
gen "$leg" "$B/tests/gen_image" "$leg" kind=legacy \
	v1="guest=pv width=32 guest_width=64 pages=$GIB vcpus=4 tsc=1 seed=2"
"$SIF" image verify "$raw" >/dev/null && "$SIF" image verify "$st" >/dev/null &&
	"$SIF" image verify "$leg" >/dev/null

pair() { # NAME IMAGE: sif verify vs cat
	hyperfine -N --warmup 2 --runs "$RUNS" --output=null \
		--export-json "$OUT/img-$1.json" --export-markdown "$OUT/img-$1.md" \
		-n "sif image verify $1" "$SIF image verify $2" \
		-n "cat $1 > /dev/null" "cat $2" >/dev/null
}
pair raw "$raw"
pair structured "$st"
pair legacy "$leg"
hyperfine -N --warmup 2 --runs "$RUNS" --output=null \
	--export-json "$OUT/img-v2.json" --export-markdown "$OUT/img-v2.md" \
	-n "sif image verify STREAM" "$SIF image verify $v2" \
	-n "verify-stream-v2 -i STREAM" "$PEER -i $v2" \
	-n "cat STREAM > /dev/null" "cat $v2" >/dev/null
hyperfine -N --warmup 2 --runs "$RUNS" --output=null \
	--export-json "$OUT/img-inspect.json" \
	-n "sif image inspect raw" "$SIF image inspect $raw" >/dev/null

gbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.2f", b / t / 1e9 }'; }
row() { # NAME IMAGE
	set -- "$1" "$2" $(hf_medians "$OUT/img-$1.json")
	size=$(stat -c %s "$2")
	rss=$(peak_rss_kib "$SIF" image verify "$2")
	echo "| $1 ($(du -h "$2" | cut -f1)) | $3 s ($(gbs "$size" "$3") GB/s) | $4 s ($(gbs "$size" "$4") GB/s) | $(ratio "$4" "$3") | $rss KiB |"
}
rows="$(row raw "$raw")
$(row structured "$st")
$(row legacy "$leg")"
set -- $(hf_medians "$OUT/img-v2.json"); v_sif=$1 v_peer=$2 v_cat=$3
set -- $(hf_medians "$OUT/img-inspect.json"); i_raw=$1
v2size=$(stat -c %s "$v2")
r_sif=$(peak_rss_kib "$SIF" image verify "$v2")
r_peer=$(peak_rss_kib $PEER -i "$v2")
r_base=$(peak_rss_kib "$SIF" --version)

cat > "$OUT/img-section.md" <<MD
Machine: $(machine). Warm page cache, hyperfine -N, $RUNS runs after 2 warm-ups, medians.
Images of 1 GiB of guest memory: a PV64 libxc v2 stream (\`gen_v2 guest=pv64 pages=$GIB vcpus=4
page_types=1\`, $(du -h "$v2" | cut -f1)) wrapped raw and structured by \`sif image wrap\`, and a
legacy image (\`gen_image kind=legacy\`, XenSavedDomain + a 32-bit-toolstack v1 stream of a
64-bit PV guest, in ext2). verify reads every byte (page data included) and checks the whole
image to its last byte. Goals: >= 0.8x cat's throughput, >= the peer's, peak RSS < 4 MiB.

| image | sif image verify | cat IMAGE > /dev/null | sif / cat throughput | sif peak RSS |
|---|---|---|---|---|
$rows

| bare v2 stream ($(du -h "$v2" | cut -f1)) | median | throughput | peak RSS |
|---|---|---|---|---|
| sif image verify STREAM | $v_sif s | $(gbs "$v2size" "$v_sif") GB/s | $r_sif KiB |
| verify-stream-v2 -i STREAM (peer) | $v_peer s | $(gbs "$v2size" "$v_peer") GB/s | $r_peer KiB |
| cat STREAM > /dev/null | $v_cat s | $(gbs "$v2size" "$v_cat") GB/s | |

sif / peer throughput on the same stream: $(ratio "$v_peer" "$v_sif")x; sif / cat: $(ratio "$v_cat" "$v_sif")x.
Of sif's peak RSS, $r_base KiB is the binary with its 21 shared libraries (\`sif --version\`);
the walk itself adds one 128 KiB read window and, for ext2, the file's run map.
\`sif image inspect\` on the raw image (structure only, page data skipped by seeking): $i_raw s.

Commands:
\`\`\`
$SIF image verify IMAGE            # and: cat IMAGE > /dev/null
$SIF image verify STREAM           # and: verify-stream-v2 -i STREAM; cat STREAM > /dev/null
\`\`\`

$(cat "$OUT/img-raw.md")

$(cat "$OUT/img-legacy.md")

$(cat "$OUT/img-v2.md")
MD
write_section "image verify" "$OUT/img-section.md"
echo "image verify: raw $(sed -n 1p "$OUT/img-section.md" >/dev/null; hf_medians "$OUT/img-raw.json" | head -1) s, peer on v2 $v_peer s vs sif $v_sif s"
