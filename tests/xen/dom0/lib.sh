# Sourced by tests/xen/dom0/main.sh in dom0: steps, assertions, the guests'
# consoles.  A failed sif step or assertion ends the run at once (fail);
# only infrastructure (xl, a busybox helper that TCG makes segfault now and
# then) is retried (infra).

SIF=/sif/bin/sif
export SIF_DB=/tmp/pool.db
OUT=/tmp/out                    # copied to the host (tests/xen/run.sh: WORK/out)
CONS=/var/log/xen/console
mkdir -p $OUT

up() { cut -d' ' -f1 /proc/uptime; }
# el T0: seconds since T0 (an uptime), two decimals
el() { awk -v a="$(up)" -v b="$1" 'BEGIN{printf "%.2f", a-b}'; }

STEP=
step() { STEP=$*; echo "== $*"; }
ok() { echo "ok $STEP${*:+: $*}"; }

# what a support engineer needs to see when a step fails
diag() {
	echo "--- xl list"; xl list 2>&1
	echo "--- xenstore (guest domains)"
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		[ "$d" = 0 ] || xenstore-ls -fp /local/domain/$d 2>&1 | head -60
	done
	echo "--- xl dmesg (tail)"; xl dmesg 2>&1 | tail -25
	for f in $CONS/guest-sif-pv.log $CONS/serial-sif-hvm.log /var/log/xen/qemu-dm-*.log /tmp/*.out; do
		[ -s "$f" ] && { echo "--- $f (tail)"; tail -c 1500 "$f"; echo; }
	done
}

finish() { # finish PASS|FAIL
	# processes TCG made crash (see tests/xen/README.md), for the record
	echo "RESULT crashes of dom0 processes: $(dmesg | grep -c -E 'traps:|segfault at') ($(dmesg | grep -E 'traps:|segfault at' | sed 's/.*traps: //; s/.*\] //' | cut -c1-60 | tr '\n' ';'))"
	changed=$(sha256sum -c /tmp/binaries.sha256 2>&1 | grep -v ': OK$' | tr '\n' ' ')
	echo "RESULT binaries unchanged since boot: ${changed:-yes}"
	cp -r /var/log/xen $OUT/xenlog 2>/dev/null
	xl dmesg > $OUT/xl-dmesg.txt 2>&1
	dmesg > $OUT/dom0-dmesg.txt 2>&1
	if grep -q ' /mnt/host 9p ' /proc/mounts; then
		cp -r $OUT /mnt/host/ 2>/dev/null
		umount /mnt/host
	fi
	echo "CHECK-XEN-END $1 uptime=$(up)"
	sync
	reboot -f
	exit 0
}

fail() {
	exec > /dev/console 2>&1         # also from inside $(...)
	echo "FAIL [$STEP] $*"
	diag
	finish FAIL
}

# run CMD...: echo it, run it with its output in /tmp/last.out, keep rc in RC
run() {
	echo "# $*"
	"$@" > /tmp/last.out 2>&1
	RC=$?
	cat /tmp/last.out
	[ $RC = 0 ] || echo "# rc=$RC"
	return $RC
}

# a sif step: must succeed, once
sif_ok() { run $SIF "$@" || fail "sif $* exited $RC: $(grep -a '^sif:' /tmp/last.out | head -2 | tr '\n' ' ')"; }
# a sif step that must fail with exit 1 (a refusal, not a crash or a usage error)
sif_fails() {
	run $SIF "$@" && fail "sif $* succeeded; it should have failed"
	[ $RC = 1 ] || fail "sif $* exited $RC, expected 1"
}

# sure CMD...: CMD's output and status, CMD run again while it dies of a
# signal (a busybox helper under TCG): never a crash taken for an answer
sure() {
	local i out rc
	for i in 1 2 3 4; do
		out=$("$@"); rc=$?
		[ $rc -lt 128 ] && { [ -n "$out" ] && printf '%s\n' "$out"; return $rc; }
		echo "# ($1 died of signal $((rc - 128)), again)" >&2
	done
	fail "infrastructure: $* died of a signal 4 times"
}

# infra CMD...: infrastructure, retried (3 tries)
infra() {
	local i
	for i in 1 2 3; do
		run "$@" && return 0
		echo "# infrastructure step failed (try $i): $*"
		sleep 1
	done
	fail "infrastructure: $* failed 3 times"
}

# expect A OP B WHAT: an assertion on two values
expect() {
	case $2 in
	=) [ "$1" = "$3" ] ;;
	!=) [ "$1" != "$3" ] ;;
	-ge|-le|-gt|-lt|-eq) [ "$1" "$2" "$3" ] 2>/dev/null ;;
	esac || fail "$4: expected '$1' $2 '$3'"
}

# --- the pool DB, through sif ----------------------------------------------
vm_state() { $SIF vm-param-get uuid=$1 param-name=power-state 2>&1; }
vm_vdi() { $SIF vm-param-get uuid=$1 param-name=suspend-VDI 2>&1; }
# the uuid of the VDI a ref names
vdi_uuid_of_ref() { $SIF vdi-list params=uuid _ref=$1 --minimal 2>/dev/null; }
vdi_format() { $SIF vdi-param-get uuid=$1 param-name=suspend-image-format 2>&1; }
expect_vm_state() { expect "$(vm_state $1)" = "$2" "VM $1 power-state (sif vm-param-get)"; }

# --- domains ------------------------------------------------------------------
# domid of a domain by name ("" when none)
domid_of() { sure xl domid "$1" 2>/dev/null; return 0; }

# the domains xl sees, but dom0: "name:id" ...
guest_domains() { sure xl list 2>/dev/null | awk 'NR>2{printf "%s:%s ", $1, $2}'; }
# has_domain DOMID: whether a domain of that id exists
has_domain() { sure xl domname "$1" > /dev/null 2>&1; }
# xs_absent PATH: xenstore has no such node
xs_absent() { sure xenstore-read "$1" > /dev/null 2>&1; [ $? = 1 ]; }

# --- consoles -------------------------------------------------------------------
# PV: xenconsoled logs hvc0 to guest-NAME.log.  HVM: the serial port is a
# pty of the domain's qemu, named in /local/domain/N/serial/0/tty; a
# watcher (start_serial_watch) copies every new such pty into
# serial-NAME.log from the moment it appears in xenstore, before the domain
# is unpaused, so that no tick is lost.
CLOG_pv=$CONS/guest-sif-pv.log
CLOG_hvm=$CONS/serial-sif-hvm.log
console_log() { eval echo \$CLOG_$1; }

start_serial_watch() {
	(
		xenstore-watch /local/domain 2>/dev/null | while read -r p _; do
			case $p in
			/local/domain/*/serial/0/tty)
				# read again if TCG made xenstore-read crash (once seen:
				# "Aborted", the domain's pty never read, 0 ticks)
				for i in 1 2 3 4; do
					tty=$(xenstore-read "$p" 2>/dev/null); rc=$?
					[ $rc -lt 128 ] && break
					echo "xenstore-read $p died of signal $((rc - 128)), again" >> /tmp/serial-watch.log
				done
				[ $rc = 0 ] && [ -n "$tty" ] || continue
				d=${p#/local/domain/}; d=${d%%/*}
				case " $seen " in *" $d:$tty "*) continue ;; esac
				seen="$seen $d:$tty"
				# the reader first: output before it is lost
				cat "$tty" >> $CLOG_hvm 2>/dev/null &
				echo "$d $!" >> /tmp/serial-readers
				stty -F "$tty" raw -echo 2>/dev/null &
				echo "serial of domain $d: $tty" >> /tmp/serial-watch.log
				;;
			esac
		done
	) &
}

# serial_settle: the serial reader of every domain that is gone has put
# its last bytes into the log (it ends when the pty closes; after 10 s it
# is stopped), so that a late tick of a destroyed domain is not taken for
# one of the next domain's (met once: "gaps in the ticks (19 .. 18)")
serial_settle() {
	local d p i
	[ -s /tmp/serial-readers ] || return 0
	while read -r d p; do
		[ -d /proc/$p ] || continue
		has_domain $d && continue
		i=0
		while [ -d /proc/$p ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		if [ -d /proc/$p ]; then
			echo "# serial reader $p of domain $d, which is gone, still open after 10 s: stopped"
			kill $p 2>/dev/null
		fi
	done < /tmp/serial-readers
}

# tick_mark KIND: tick_state KIND 0 once the console log is complete
tick_mark() {
	[ $1 = hvm ] && serial_settle
	tick_state $1 0
}

# tick_state KIND OFF: of the complete tick lines after byte OFF of the
# console log: T_N ticks, T_FIRST, T_LAST, T_GAPS (a tick not last+1), and
# T_SIZE the log's size.  One process a call: dom0 under TCG pays ~0.1 s
# for each process it starts.
tick_state() {
	local st f
	eval "f=\$CLOG_$1"
	[ -f "$f" ] || { T_N=0 T_FIRST=0 T_LAST=0 T_GAPS=0 T_SIZE=0; return 0; }
	st=$(sure awk -v off=$2 '
	{
		pos += length($0) + 1
		if (pos > off && match($0, /GUEST-TICK [0-9]+ ok/)) {
			t = substr($0, RSTART + 11, RLENGTH - 14) + 0
			if (n && t != last + 1) gaps++
			if (!n) first = t
			last = t; n++
		}
	}
	END { printf "%d %d %d %d %d\n", n, first, last, gaps, pos }' "$f")
	set -- $st
	[ $# = 5 ] || fail "infrastructure: awk read the console log $f as '$st'"
	T_N=$1 T_FIRST=$2 T_LAST=$3 T_GAPS=$4 T_SIZE=$5
}

# until UPTIME_LIMIT: whether dom0's uptime is still below $1
before() { sure awk -v l=$1 '{exit !($1 < l)}' /proc/uptime; }

# wait_ticks KIND N: until the guest (freshly booted) ticked N, 15 min at
# most (an HVM guest boots in ~50 s under TCG on an idle 2-core host, in
# minutes on a busy one); T_LAST is the last tick
wait_ticks() {
	local limit=$(awk '{printf "%d", $1 + 900}' /proc/uptime)
	while before $limit; do
		tick_state $1 0
		[ "$T_N" -gt 0 ] && [ "$T_LAST" -ge "$2" ] && return 0
		sleep 1
	done
	return 1
}

# expect_runs_on KIND SAVED OFF: after the restore, the console (from byte
# OFF) goes on counting from SAVED+1, consecutively, for 3 ticks at least.
# An HVM guest's serial port is a new pty of its new device model: what the
# guest prints before the test's reader opens it is lost (as after xl
# restore), so there the first tick seen may come a few later, never before.
expect_runs_on() {
	local kind=$1 saved=$2 off=$3 limit=$(awk '{printf "%d", $1 + 180}' /proc/uptime)
	while before $limit; do
		tick_state $kind $off
		[ "$T_N" -ge 3 ] && break
		sleep 0.5
	done
	[ "$T_N" -ge 3 ] || fail "the restored $kind guest printed $T_N ticks in 3 min (saved at tick $saved; console: $(console_log $kind))"
	if [ $kind = hvm ] && [ "$T_FIRST" -gt "$((saved + 1))" ] && [ "$T_FIRST" -le "$((saved + 8))" ]; then
		echo "# console: ticks $((saved + 1))..$((T_FIRST - 1)) came before the pty had a reader"
	else
		expect "$T_FIRST" = "$((saved + 1))" "first tick after the restore (saved at $saved)"
	fi
	expect "$T_GAPS" = 0 "gaps in the ticks after the restore ($T_FIRST .. $T_LAST)"
	echo "# console: saved at tick $saved, goes on $T_FIRST .. $T_LAST"
}
