# dom0: the check-xen scenarios (or the bench), then the verdict.
. /t/env
. /t/lib.sh
. /t/xs.sh
. /t/scenarios.sh
cp /t/pool.db $SIF_DB
# the binaries as booted: finish() checks they are still so
sha256sum /sif/bin/sif /sif/tests/* /lib/x86_64-linux-gnu/libc.so.6 /bin/busybox \
	/usr/lib/xen-4.17/bin/xl /usr/libexec/xen-qemu-system-i386 > /tmp/binaries.sha256
echo "STARTED mode=$MODE kinds=$KINDS uptime=$(up)"
start_serial_watch
T_ALL=$(up)
case $MODE in
check) check_all ;;
bench) . /t/bench.sh; bench_all ;;
esac
echo "TIME dom0 scenarios: $(el $T_ALL) s"
finish PASS
