# dom0: the check-xen scenarios (or the bench), then the verdict.
. /t/env
. /t/lib.sh
. /t/xs.sh
. /t/scenarios.sh
cp /t/pool.db $SIF_DB
echo "STARTED mode=$MODE kinds=$KINDS uptime=$(up)"
start_serial_watch
T_ALL=$(up)
case $MODE in
check) check_all ;;
bench) . /t/bench.sh; bench_all ;;
esac
echo "TIME dom0 scenarios: $(el $T_ALL) s"
finish PASS
