#!/bin/sh
# make bench-xen, on the host: the BENCH lines of dom0's serial log
# (tests/xen/dom0/bench.sh) as the "real Xen" section of bench/RESULTS.md.
# Usage: tests/xen/bench_section.sh SERIAL_LOG BUILD_DIR
set -eu
LOG=$1
here=$(cd "$(dirname "$0")" && pwd)
bench_top=$(cd "$here/../.." && pwd)
. "$here/../../bench/lib.sh"
body=$OUT/xen-section.md
tr -d '\r' < "$LOG" | grep -a -E '^BENCH(-SIZE|-RSS)? ' > "$OUT/xen-bench.txt"
[ -s "$OUT/xen-bench.txt" ] || { echo "bench_section: no BENCH lines in $LOG" >&2; exit 1; }
{
	echo "Made by \`make bench-xen\` (tests/xen/run.sh BUILD bench): Debian 12's Xen 4.17 with a"
	echo "Linux dom0 (1 vcpu, 2560 MiB) under QEMU TCG (-smp 2, 4 GiB), on $(machine);"
	echo "the machine was shared with other engineers' builds (load average at the end of the run $(cut -d' ' -f1-3 /proc/loadavg)),"
	echo "so every time is noisy: ratios come from runs made in turns in the same boot."
	echo "Guests: Debian's 6.1 kernel with a busybox initramfs ticking once a second;"
	echo "PV 128 MiB, HVM 256 MiB (qemu-xen device model), 1 vcpu each. hyperfine is not in dom0:"
	echo "tests/xen/dom0/bench.sh times each command with /proc/uptime, $(awk '$1=="BENCH" {print $4}' "$OUT/xen-bench.txt" | sort -n | tail -1) runs of each, in turns,"
	echo "each from the same pool DB copy, the domain destroyed after each."
	echo
	echo '    xl restore -e K.xl                                   # the xl save file of the guest'
	echo '    sif vm-resume uuid=U --image K.raw                   # VDI suspend_image_format=raw'
	echo '    sif vm-resume uuid=U --image K.leg                   # VDI legacy: gen_v1from2 --width 32'
	echo '                                                         #   --legacy-image K.raw K.leg'
	echo
	echo "| guest | xl restore (median) | sif vm-resume raw | raw / xl (goal <= 1.0) | sif vm-resume legacy | legacy / raw (goal <= 1.2) | sif peak RSS raw / legacy |"
	echo "|---|---|---|---|---|---|---|"
	for k in pv hvm; do
		grep -q "^BENCH $k " "$OUT/xen-bench.txt" || continue
		med() { awk -v k=$k -v w=$1 '$1=="BENCH" && $2==k && $3==w {print $5}' "$OUT/xen-bench.txt" |
			sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
		rss() { awk -v k=$k -v w=$1 '$1=="BENCH-RSS" && $2==k && $3==w {printf "%.1f MiB", $4/1024}' "$OUT/xen-bench.txt"; }
		xl=$(med xl) raw=$(med raw) leg=$(med legacy)
		echo "| $k | $xl s | $raw s | $(ratio "$raw" "$xl") | $leg s | $(ratio "$leg" "$raw") | $(rss raw) / $(rss legacy) |"
	done
	echo
	echo "Every run (seconds):"
	echo
	echo '```'
	awk '$1=="BENCH" {printf "%-4s %-7s run %s  %s\n", $2, $3, $4, $5} $1=="BENCH-SIZE" {print "sizes " $0}' "$OUT/xen-bench.txt"
	echo '```'
} > "$body"
write_section "real Xen: sif vm-resume against xl restore (issue 9)" "$body"
cat "$body"
