#!/bin/sh
# Converter (issues 5 and 10), measured where users put the output: into a
# pipe read by another process and into a file.  No /dev/null rows: a
# kernel copy from a file into /dev/null (sendfile) does not read the pages,
# so such a row measures nothing.
#
#  1. `sif image convert` on 1 GiB PV64 and HVM v1 streams against `cat | cat`,
#     `cp` and Xen's convert-legacy-stream (the peer); peak RSS into a pipe.
#  2. convert-legacy-stream, the drop-in, against the script the way xenopsd
#     runs them (tests/tool_xenopsd: the legacy image on an fd after its
#     signature, the output a pipe into a reader, then the qemu record read
#     from the same fd) on 1 GiB PV64 (width 32) and HVM images, against
#     `cat IMAGE | cat`; peak RSS; start-up to exit on a 1 MiB image.
# The generated inputs (several GiB) live in a temporary directory under
# bench/out and are deleted at the end.
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
DROPIN="$B/libexec/sif/convert-legacy-stream"
TOOL="$B/tests/tool_xenopsd"
GEN="$B/tests/gen_v1"
PEER_BIN=/usr/lib/xen-4.17/bin/convert-legacy-stream
PEER="env PYTHONPATH=/usr/lib/xen-4.17/lib/python $PEER_BIN"
export PYTHONPATH=/usr/lib/xen-4.17/lib/python
RUNS=${BENCH_CONVERT_RUNS:-7}
GIB=${BENCH_CONVERT_PAGES:-262144}   # pages in 1 GiB
IN=$(mktemp -d "$OUT/convert-inputs.XXXXXX")
trap 'rm -rf "$IN"' EXIT

gen() { # NAME ARGS...
	f="$IN/$1"; shift
	"$GEN" "$f" "$@"
}

# peak_rss_pipe CMD...: peak RSS (KiB) of CMD writing into a pipe read by cat
peak_rss_pipe() {
	/usr/bin/time -v -o "$OUT/.time" "$@" | cat > /dev/null
	awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/.time"
}

gbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.2f", b / t / 1e9 }'; }

# BENCH_CONVERT_PARTS: "convert", "xenopsd" or both (default)
PARTS=${BENCH_CONVERT_PARTS:-convert xenopsd}
case " $PARTS " in *" convert "*) ;; *) skip_convert=1 ;; esac

# --- 1. sif image convert ----------------------------------------------------

if [ -z "${skip_convert:-}" ]; then
gen pv64-1g.v1 guest=pv width=32 guest_width=64 pages=$GIB vcpus=4 tsc=1 seed=1
gen hvm-1g.v1 guest=hvm width=64 pages=$GIB vcpus=4 hvm_params=1 tsc=1 qemu=1 seed=2
gen pv64-256m.v1 guest=pv width=32 guest_width=64 pages=$((GIB / 4)) vcpus=4 seed=3
gen pv64-4g.v1 guest=pv width=32 guest_width=64 pages=$((GIB * 4)) vcpus=4 seed=4

bench_one() { # KIND PEEROPTS
	k=$1 popts=$2 in="$IN/$1-1g.v1" o="$IN/$1.out"
	size=$(stat -c %s "$in")
	hyperfine --warmup 2 --runs "$RUNS" --export-json "$OUT/$k-pipe.json" \
		-n "sif | cat > /dev/null" "$SIF image convert $in - | cat > /dev/null" \
		-n "cat IN | cat > /dev/null" "cat $in | cat > /dev/null" \
		-n "peer | cat > /dev/null" "$PEER -i $in -o 1 $popts | cat > /dev/null" >/dev/null
	hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/$k-file.json" \
		--prepare "rm -f $o" \
		-n "sif > FILE" "$SIF image convert $in - > $o" \
		-n "cp IN FILE" "cp $in $o" \
		-n "peer -o FILE" "$PEER -i $in -o $o $popts" >/dev/null
	hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/$k-sync.json" \
		--prepare "rm -f $o" \
		-n "sif FILE (atomic: fsync + rename)" "$SIF image convert $in $o" \
		-n "cp IN FILE; sync FILE" "cp $in $o && sync $o" \
		-n "peer -o FILE; sync FILE" "$PEER -i $in -o $o $popts && sync $o" >/dev/null
	rm -f "$o"
	set -- $(hf_medians "$OUT/$k-pipe.json"); p_sif=$1 p_cat=$2 p_peer=$3
	set -- $(hf_medians "$OUT/$k-file.json"); f_sif=$1 f_cp=$2 f_peer=$3
	set -- $(hf_medians "$OUT/$k-sync.json"); s_sif=$1 s_cp=$2 s_peer=$3
	cat <<ROWS
| $k into a pipe | $p_sif s ($(gbs "$size" "$p_sif") GB/s) | cat \| cat $p_cat s | $p_peer s | $(ratio "$p_cat" "$p_sif") | $(ratio "$p_peer" "$p_sif") |
| $k to a file (stdout redirect) | $f_sif s ($(gbs "$size" "$f_sif") GB/s) | cp $f_cp s | $f_peer s | $(ratio "$f_cp" "$f_sif") | $(ratio "$f_peer" "$f_sif") |
| $k to a file, durable | $s_sif s ($(gbs "$size" "$s_sif") GB/s) | cp; sync FILE $s_cp s | $s_peer s + sync | $(ratio "$s_cp" "$s_sif") | $(ratio "$s_peer" "$s_sif") |
ROWS
}

pv_rows=$(bench_one pv64 "-w 32 -g pv")
hvm_rows=$(bench_one hvm "-w 64 -g hvm")

rss_rows=""
for f in pv64-256m pv64-1g pv64-4g; do
	sz=$(du -h "$IN/$f.v1" | cut -f1)
	r_sif=$(peak_rss_pipe "$SIF" image convert "$IN/$f.v1" -)
	r_peer=$(peak_rss_pipe $PEER -i "$IN/$f.v1" -o 1 -w 32 -g pv)
	rss_rows="$rss_rows| $f ($sz) | $r_sif KiB | $r_peer KiB |
"
done
r_hvm=$(peak_rss_pipe "$SIF" image convert "$IN/hvm-1g.v1" -)
r_hvm_peer=$(peak_rss_pipe $PEER -i "$IN/hvm-1g.v1" -o 1 -w 64 -g hvm)

cat > "$OUT/section.md" <<MD
Machine: $(machine); shared with other engineers' builds and tests while this
ran (load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)), so read the ratios, measured in the
same run, not the absolute times. Warm page cache, hyperfine medians of $RUNS runs after
warm-up. Inputs from \`build/tests/gen_v1\` (generated for the run into a temporary directory
and deleted after it): pv64 = 64-bit PV guest saved by a 32-bit toolstack (the XenServer 6.x
case), 1 GiB of pages, $(stat -c %s "$IN/pv64-1g.v1") bytes; hvm = 64-bit HVM with every HVM
param chunk and a qemu record, $(stat -c %s "$IN/hvm-1g.v1") bytes.
Measured where the output goes in use: into a pipe read by another process, and into a file.
No /dev/null rows: a kernel copy from a file into /dev/null does not read the pages.
Goals: pipe >= 0.8x \`cat IN | cat\`, file >= \`cp\`, RSS < 4 MiB and flat.

| case | sif median | reference median | peer median | reference / sif | peer / sif |
|---|---|---|---|---|---|
$pv_rows
$hvm_rows

Peak RSS (\`/usr/bin/time -v\`, converting into a pipe read by \`cat\`):

| input | sif | peer |
|---|---|---|
$rss_rows| hvm-1g | $r_hvm KiB | $r_hvm_peer KiB |

Commands (IN = pv64-1g.v1 or hvm-1g.v1, PEEROPTS = -w 32 -g pv or -w 64 -g hvm):

\`\`\`
sif image convert IN - | cat > /dev/null  cat IN | cat > /dev/null convert-legacy-stream -i IN -o 1 PEEROPTS | cat > /dev/null
sif image convert IN - > FILE             cp IN FILE              convert-legacy-stream -i IN -o FILE PEEROPTS
sif image convert IN FILE                 cp IN FILE && sync FILE convert-legacy-stream -i IN -o FILE PEEROPTS && sync FILE
\`\`\`

"durable": sif writes a named output through a temp file, fsync and rename (a crash leaves
the old file or the whole new one), so it is compared with \`cp\` followed by \`sync FILE\`.
Into a pipe, page data does not pass through sif's memory: from a file or block device it
moves with sendfile, from a pipe with splice; only headers, pfn lists and small records go
through a 64 KiB buffer.  File to file, copy_file_range is used only when both offsets sit
at the same place within a page (ext4 copies misaligned ranges at about 60% of read/write's
speed), so those go through a 128 KiB buffer.
MD
write_section "converter" "$OUT/section.md"
cat "$OUT/section.md"
fi
case " $PARTS " in *" xenopsd "*) ;; *) exit 0 ;; esac
# legacy images as xenopsd has them: XenSavedDomain + v1 (+ QemuDeviceModelRecord)
gen pv64-1g.img guest=pv width=32 guest_width=64 pages=$GIB vcpus=4 tsc=1 wrap=image seed=6
gen hvm-1g.img guest=hvm width=32 pages=$GIB vcpus=4 hvm_params=1 tsc=1 qemu=1 \
	qemu_len=262144 wrap=image seed=7
gen hvm-1m.img guest=hvm width=32 pages=200 vcpus=2 hvm_params=1 tsc=1 qemu=1 qemu_len=65536 \
	wrap=image seed=5

# --- 2. the drop-in as xenopsd runs it ------------------------------------------

play() { # FD-KIND GUEST IMAGE CONVERTER: tool_xenopsd's command line
	echo "$TOOL --fd $1 --guest $2 $3 -- $4 --in {in} --out {out} --width 32 --skip-qemu --guest-type $2 --syslog --verbose"
}

xen_one() { # KIND GUEST
	k=$1 g=$2 img="$IN/$1-1g.img"
	size=$(stat -c %s "$img")
	# both must restore what xenopsd needs (HVM: the qemu record after the stream)
	$(play file "$g" "$img" "$DROPIN") > "$OUT/$k-dropin.txt"
	$(play file "$g" "$img" "$PEER_BIN") > "$OUT/$k-script.txt" 2>/dev/null
	hyperfine --warmup 2 --runs "$RUNS" --export-json "$OUT/$k-xenopsd.json" \
		-n "drop-in (fd in, pipe out)" "$(play file "$g" "$img" "$DROPIN")" \
		-n "script (fd in, pipe out)" "$(play file "$g" "$img" "$PEER_BIN") 2>/dev/null" \
		-n "cat IMAGE | cat > /dev/null" "cat $img | cat > /dev/null" >/dev/null
	set -- $(hf_medians "$OUT/$k-xenopsd.json"); x_drop=$1 x_script=$2 x_cat=$3
	rss=$($TOOL --fd file --guest "$g" "$img" -- /usr/bin/time -v -o "$OUT/.time" "$DROPIN" \
		--in {in} --out {out} --width 32 --skip-qemu --guest-type "$g" --syslog --verbose \
		>/dev/null && awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/.time")
	rss_script=$($TOOL --fd file --guest "$g" "$img" -- /usr/bin/time -v -o "$OUT/.time" \
		"$PEER_BIN" --in {in} --out {out} --width 32 --skip-qemu --guest-type "$g" --syslog \
		--verbose >/dev/null 2>&1 && awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/.time")
	cat <<ROW
| $k ($size bytes) | $x_drop s ($(gbs "$size" "$x_drop") GB/s) | $x_script s | $x_cat s | $(ratio "$x_script" "$x_drop") | $(ratio "$x_drop" "$x_cat") | $rss KiB | $rss_script KiB | $(sed 's/.* qemu=//' "$OUT/$k-dropin.txt") / $(sed 's/.* qemu=//' "$OUT/$k-script.txt") |
ROW
}

xpv=$(xen_one pv64 pv)
xhvm=$(xen_one hvm hvm)

small="$IN/hvm-1m.img"
hyperfine -N --warmup 5 --runs 50 --export-json "$OUT/xenopsd-small.json" \
	-n "drop-in, 1 MiB image" "$(play file hvm "$small" "$DROPIN")" \
	-n "script, 1 MiB image" "$(play file hvm "$small" "$PEER_BIN")" \
	-n "tool_xenopsd alone (/bin/true as converter)" "$TOOL --fd file --guest pv $small -- /bin/true" \
	>/dev/null
set -- $(hf_medians "$OUT/xenopsd-small.json"); sm_drop=$1 sm_script=$2 sm_tool=$3
set -- $(hf_cpu "$OUT/xenopsd-small.json"); cpu_drop=$1 cpu_script=$2 cpu_tool=$3
net() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }

cat > "$OUT/xenopsd.md" <<MD
Machine: $(machine); shared with other engineers while this ran (load average at the
start: $(cut -d' ' -f1-3 /proc/loadavg)): read the ratios. Warm page cache, hyperfine medians of $RUNS runs.
Each converter runs as xenopsd runs it, under \`build/tests/tool_xenopsd\`: the legacy image
(\`XenSavedDomain\` + v1 stream, + \`QemuDeviceModelRecord\` for HVM; from \`gen_v1 wrap=image\`,
toolstack width 32, 1 GiB of guest pages; generated for the run and deleted after it) is
opened, its 15-byte signature read, and the converter gets that fd and the write end of a
pipe that a reader thread drains; after it exits the qemu record is read from the same fd.
Goals: >= 2x the script, at most 1.1x \`cat IMAGE | cat\`, peak RSS < 4 MiB.

| image | drop-in | script | cat \| cat | script / drop-in | drop-in / cat \| cat | drop-in peak RSS | script peak RSS | qemu record after it (drop-in / script) |
|---|---|---|---|---|---|---|---|---|
$xpv
$xhvm

The script's HVM restore fails: its buffered reads take the start of the qemu record, so
xenopsd's read of it finds other bytes (last column).

Start-up to exit on a 1 MiB HVM image (hyperfine -N, 50 runs): drop-in $sm_drop s, script
$sm_script s: $(ratio "$sm_script" "$sm_drop")x. Both include tool_xenopsd's own work (opening
the image, a pipe, a thread, a fork and exec, reading the qemu record: $sm_tool s with
/bin/true as the converter); without it: drop-in $(net "$sm_drop" "$sm_tool") s, script $(net "$sm_script" "$sm_tool") s,
$(ratio "$(net "$sm_script" "$sm_tool")" "$(net "$sm_drop" "$sm_tool")")x. Goal: >= 20x.
CPU time (user + system, mean per run, from the same runs; less sensitive to waiting for a
core on a busy machine): drop-in $cpu_drop s, script $cpu_script s, tool_xenopsd alone $cpu_tool s;
without the tool: drop-in $(net "$cpu_drop" "$cpu_tool") s, script $(net "$cpu_script" "$cpu_tool") s,
$(ratio "$(net "$cpu_script" "$cpu_tool")" "$(net "$cpu_drop" "$cpu_tool")")x.

sif (and so the drop-in) links its libraries statically but libc, so the loader maps libc
alone at each start; libxml2 and the Xen libraries are loaded only by the commands that use
them.

Commands (IMAGE = pv64-1g.img or hvm-1g.img, GUEST = pv or hvm):

\`\`\`
tool_xenopsd --fd file --guest GUEST IMAGE -- libexec/sif/convert-legacy-stream \\
    --in {in} --out {out} --width 32 --skip-qemu --guest-type GUEST --syslog --verbose
tool_xenopsd --fd file --guest GUEST IMAGE -- /usr/lib/xen-4.17/bin/convert-legacy-stream \\
    --in {in} --out {out} --width 32 --skip-qemu --guest-type GUEST --syslog --verbose
cat IMAGE | cat > /dev/null
# peak RSS: the converter run as  /usr/bin/time -v -o F CONVERTER ...  under tool_xenopsd
\`\`\`
MD
write_section "convert-legacy-stream as xenopsd runs it (issue 10)" "$OUT/xenopsd.md"
cat "$OUT/xenopsd.md"
