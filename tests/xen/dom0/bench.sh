# make bench-xen, in dom0: the same guest restored by xl and by sif, in
# turns, REPS times each; every run's wall time on the console as
#   BENCH <kind> <what> <run> <seconds>
# (hyperfine is not in dom0: the loop is ours; tests/xen/bench_section.sh
# takes the medians and writes bench/RESULTS.md).
#   xl        xl restore -e K.xl                 (libxl, the xl save file)
#   raw       sif vm-resume uuid=U --image K.raw  (VDI raw: plain v2)
#   legacy    sif vm-resume uuid=U --image K.leg  (VDI legacy: 32-bit toolstack's
#                                                  v1 converted on the fly)
# Each run starts from the same pool DB copy and ends with the domain destroyed.
REPS=${BENCH_REPS:-5}

bench_time() { # bench_time KIND WHAT RUN CMD...: run CMD, print its BENCH line
	local k=$1 w=$2 n=$3 t
	shift 3
	t=$(up)
	"$@" > /tmp/last.out 2>&1 || { cat /tmp/last.out; fail "bench: $* exited $?"; }
	echo "BENCH $k $w $n $(el $t)"
}

bench_kind() {
	local k=$1 u n d
	u=$(uuid_of $k)
	step "bench $k: the guest, its xl save file, its raw and legacy images"
	xl_start $k
	wait_ticks $k 3 || fail "the $k guest never ticked"
	infra xl save "$(name_of $k)" /tmp/$k.xl
	infra xl restore -e /tmp/$k.xl
	sif_ok vm-suspend uuid=$u --image /tmp/$k.raw
	VDI=$(suspend_vdi)
	cp $SIF_DB /tmp/db-$k.raw
	legacy_of /tmp/$k.raw 32 /tmp/$k.leg
	sif_ok vdi-check uuid=$VDI --image /tmp/$k.leg --fix
	cp $SIF_DB /tmp/db-$k.leg
	echo "BENCH-SIZE $k xl $(stat -c %s /tmp/$k.xl) raw $(stat -c %s /tmp/$k.raw) legacy $(stat -c %s /tmp/$k.leg)"
	ok
	step "bench $k: $REPS runs each, in turns"
	n=1
	while [ $n -le $REPS ]; do
		bench_time $k xl $n xl restore -e /tmp/$k.xl
		infra xl destroy "$(name_of $k)"
		cp /tmp/db-$k.raw $SIF_DB
		bench_time $k raw $n $SIF vm-resume uuid=$u --image /tmp/$k.raw
		infra xl destroy "$(name_of $k)"
		cp /tmp/db-$k.leg $SIF_DB
		bench_time $k legacy $n $SIF vm-resume uuid=$u --image /tmp/$k.leg
		grep -q "converted from v1" /tmp/last.out || fail "bench: the legacy resume did not convert"
		infra xl destroy "$(name_of $k)"
		n=$((n + 1))
	done
	# peak resident set of sif vm-resume (busybox time -v)
	cp /tmp/db-$k.raw $SIF_DB
	time -v $SIF vm-resume uuid=$u --image /tmp/$k.raw > /tmp/last.out 2>&1 ||
		{ cat /tmp/last.out; fail "bench: vm-resume under time -v"; }
	echo "BENCH-RSS $k raw $(awk -F': ' '/Maximum resident set size/{print $2}' /tmp/last.out)"
	infra xl destroy "$(name_of $k)"
	cp /tmp/db-$k.leg $SIF_DB
	time -v $SIF vm-resume uuid=$u --image /tmp/$k.leg > /tmp/last.out 2>&1 ||
		{ cat /tmp/last.out; fail "bench: vm-resume under time -v"; }
	echo "BENCH-RSS $k legacy $(awk -F': ' '/Maximum resident set size/{print $2}' /tmp/last.out)"
	infra xl destroy "$(name_of $k)"
	rm -f /tmp/$k.xl /tmp/$k.raw /tmp/$k.leg
	ok
}

bench_all() {
	local k
	for k in $KINDS; do bench_kind $k; done     # one guest at a time: less noise
}
