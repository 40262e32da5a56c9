#!/bin/bash
# make check-xen (and make bench-xen): sif's real backend on a real Xen.
#
# Boots Debian 12's Xen 4.17 hypervisor with a Debian Linux dom0 inside QEMU
# (TCG: no KVM needed), with this build of sif in dom0's initramfs, and runs
# tests/xen/scenarios.sh there: real PV and HVM guests suspended, resumed,
# converted from legacy images and received as migrations through
# restore/xen_real.c.  Exits 0 only when dom0 reports every step passed;
# otherwise prints the failing step and the serial log around it.
#
#   tests/xen/run.sh BUILD_DIR [check|bench]
#
# What it needs it takes itself: qemu-system-x86 and cpio with apt-get (as
# root; otherwise it prints the command); Xen's hypervisor and tools,
# Debian's kernel, busybox-static and qemu-system-xen as .debs with
# `apt-get download`, unpacked with `dpkg-deb -x` into the work dir: nothing
# of Xen is installed on the host.  Downloads, the unpacked files and the
# logs stay in the work dir, so a second run starts at the boot.
#
# Environment (all optional):
#   SIF_XEN_WORK=BUILD_DIR/xen   work dir (debs, unpacked files, initramfs, logs)
#   SIF_XEN_QEMU_MEM=4096 SIF_XEN_DOM0_MEM=2560M SIF_XEN_SMP=2
#   SIF_XEN_TIMEOUT=900          seconds for one boot, from QEMU start to power-off
#   SIF_XEN_KINDS="pv hvm"       guest kinds to run (bench: the same)
#   SIF_XEN_KEEP=1               keep the dom0 tree (WORK/dom0root) after packing
set -euo pipefail

B=${1:?usage: tests/xen/run.sh BUILD_DIR [check|bench]}
MODE=${2:-check}
case $MODE in check|bench) ;; *) echo "tests/xen/run.sh: mode check or bench, not '$MODE'" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
B=$(cd "$B" && pwd)
WORK=${SIF_XEN_WORK:-$B/xen}
QEMU_MEM=${SIF_XEN_QEMU_MEM:-4096}
DOM0_MEM=${SIF_XEN_DOM0_MEM:-2560M}
SMP=${SIF_XEN_SMP:-2}
DOM0_VCPUS=${SIF_XEN_DOM0_VCPUS:-1}
TIMEOUT=${SIF_XEN_TIMEOUT:-900}
KINDS=${SIF_XEN_KINDS:-pv hvm}
QEMU_CPU=${SIF_XEN_CPU:-max}
XEN_EXTRA=${SIF_XEN_XEN_EXTRA:-}
T0=$(date +%s.%N)
ts() { printf '[%6.1fs] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{print a-b}')" "$*"; }
die() { echo "check-xen: $*" >&2; exit 1; }

for b in bin/sif lib/sif/plugins/suspend_image_format.so tests/gen_pool; do
	[ -e "$B/$b" ] || die "$B/$b missing: build first (make tests)"
done
mkdir -p "$WORK"
cd "$WORK"

# ------------------------------------------------------------ packages
. "$HERE/packages.sh"
host_packages
fetch_debs
unpack_debs
KVER=$(ls x/lib/modules)
ts "packages ready (kernel $KVER)"

# ------------------------------------------------------------ initramfs
. "$HERE/initramfs.sh"
build_guest_initrd
build_dom0_initrd "$MODE"
ts "dom0 initramfs: $(du -h boot/dom0-initrd.cpio | cut -f1)"

# ------------------------------------------------------------ boot
# Xen: PV dom0 under TCG needs smap=false (see tests/xen/README.md)
XEN_CMD="smap=false $XEN_EXTRA console=com1 com1=115200,8n1 dom0_mem=$DOM0_MEM,max:$DOM0_MEM \
dom0_max_vcpus=$DOM0_VCPUS bootscrub=false loglvl=all guest_loglvl=all"
DOM0_CMD="console=hvc0 earlyprintk=xen rdinit=/init loglevel=4"

# boot ATTEMPT: 0 when dom0 reached the end of its script; 3 when the
# infrastructure failed before any scenario started (worth another boot)
boot() {
	local log=$WORK/serial-$MODE.log qpid deadline seen=0 n
	rm -rf share && mkdir -p share
	: > "$log"
	ts "booting Xen under QEMU (TCG, ${QEMU_MEM} MiB, $SMP vCPUs), serial log $log"
	qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu "$QEMU_CPU" -m "$QEMU_MEM" -smp "$SMP" \
		-nographic -no-reboot -serial "file:$log" -monitor none \
		-kernel boot/xen -append "$XEN_CMD" \
		-initrd "boot/vmlinuz $DOM0_CMD,boot/dom0-initrd.cpio" \
		-virtfs local,path="$WORK/share",mount_tag=host,security_model=none,id=host \
		-net none </dev/null >"$WORK/qemu.out" 2>&1 &
	qpid=$!
	deadline=$(( $(date +%s) + TIMEOUT ))
	# progress: the dom0 script's "== " and "ok " lines as they come
	while kill -0 $qpid 2>/dev/null; do
		n=$(grep -a -c '' "$log" || true)
		if [ "$n" -gt "$seen" ]; then
			sed -n "$((seen + 1)),${n}p" "$log" | tr -d '\r' |
				grep -a -E '^(== |ok |FAIL |RESULT |TIME |DOM0-READY|CHECK-XEN-END)' |
				while IFS= read -r l; do ts "dom0: $l"; done || true
			seen=$n
		fi
		grep -a -q 'CHECK-XEN-END' "$log" && { sleep 2; break; }
		if grep -a -q -E 'Panic on CPU|Kernel panic' "$log"; then ts "panic"; sleep 2; break; fi
		[ "$(date +%s)" -lt "$deadline" ] || { ts "timeout after ${TIMEOUT}s"; break; }
		sleep 1
	done
	kill $qpid 2>/dev/null && wait $qpid 2>/dev/null || true
	wait $qpid 2>/dev/null || true
	grep -a -q 'CHECK-XEN-END' "$log" && return 0
	grep -a -q '^STARTED ' "$log" && return 1
	return 3
}

rc=0
for attempt in 1 2; do
	boot && { rc=0; break; } || rc=$?
	[ $rc = 3 ] || break
	ts "the boot failed before any scenario ran (attempt $attempt): $(grep -a -E 'Panic|panic|DOM0-INIT|RESULT' \
		"$WORK/serial-$MODE.log" | tail -3 | tr -d '\r' | tr '\n' ' ')"
done
LOG=$WORK/serial-$MODE.log
ts "QEMU ended"

# ------------------------------------------------------------ verdict
[ -d share/out ] && cp -r share/out/. "$WORK/out/" 2>/dev/null || true
if [ $rc = 0 ] && grep -a -q '^CHECK-XEN-END PASS' "$LOG"; then
	grep -a -E '^(RESULT|TIME) ' "$LOG" | tr -d '\r'
	if [ "$MODE" = bench ]; then
		sh "$HERE/bench_section.sh" "$LOG" "$B"
	fi
	ts "check-xen: all steps passed"
	exit 0
fi
echo "check-xen: FAILED" >&2
fail=$(grep -a -n -E '^FAIL ' "$LOG" | head -1 | cut -d: -f1 || true)
if [ -n "$fail" ]; then
	echo "check-xen: failing step: $(sed -n "${fail}p" "$LOG" | tr -d '\r')" >&2
	echo "---- serial log lines $((fail > 60 ? fail - 60 : 1))-$((fail + 60)) ($LOG)" >&2
	sed -n "$((fail > 60 ? fail - 60 : 1)),$((fail + 60))p" "$LOG" | tr -d '\r' >&2
else
	echo "check-xen: dom0 did not finish (no verdict); last serial lines ($LOG):" >&2
	tail -80 "$LOG" | tr -d '\r' >&2
fi
exit 1
