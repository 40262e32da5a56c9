#!/bin/sh
# pool-convert-legacy's workers killed while the run goes on (make check).
# A job writes while it holds its slot, an OFD lock the next job waits on
# (cli/convert_workers.c).  Here every worker is stopped at an instant
# when one of them holds that lock, then all are SIGKILLed: the run must
# go on (the kernel frees the lock of a dead holder; a lost slot would hang
# it, which the timeout turns into a failure), list each killed job as
# failed with its VDI, convert every other one, and a second run must
# convert the rest and sweep the killed writers' temp files.
set -u
B=$SIF_BUILD
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-convkill.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -KILL $pid 2>/dev/null; rm -rf "$T"' EXIT
n=8
sh "$(dirname "$0")/mk_legacy_pool.sh" "$B" "$T/p" $n 16384 || exit 1
mkdir "$T/out"
S() { "$SIF" --db "$T/p/pool.db" "$@"; }
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }

# the memfd slot lock of the workers of $pid, if one of them holds it
lock_held() {
	for c in $kids; do
		for fd in /proc/$c/fd/*; do
			case $(readlink "$fd" 2>/dev/null) in
			/memfd:sif-convert-slots*)
				ino=$(stat -L -c %i "$fd" 2>/dev/null) || continue
				# held, not waited for (a waiter's line has "->")
				grep -v -e '->' /proc/locks | grep -q "OFDLCK .* WRITE .*:$ino 0 0\$" &&
					return 0
				return 1 ;;
			esac
		done
	done
	return 1
}

timeout 120 "$SIF" --db "$T/p/pool.db" pool-convert-legacy --out-dir "$T/out" --jobs 1 \
	>"$T/run1" 2>&1 &
pid=$!
sleep 0.2   # timeout's child is sif; its children are the workers
sif=$(ps -o pid= --ppid $pid | tr -d ' ')
killed=0 tries=0
while [ $killed -eq 0 ] && [ $tries -lt 400 ] && kill -0 $pid 2>/dev/null; do
	tries=$((tries + 1))
	kids=$(ps -o pid= --ppid "$sif" 2>/dev/null | tr -d ' ' | tr '\n' ' ')
	[ -n "$kids" ] || { sleep 0.01; continue; }
	kill -STOP $kids 2>/dev/null
	if lock_held; then
		kill -KILL $kids 2>/dev/null
		killed=$(echo $kids | wc -w)
	else
		kill -CONT $kids 2>/dev/null
		sleep 0.01
	fi
done
wait $pid
rc=$?
pid=
[ $killed -gt 0 ] || fail "never caught a worker holding its slot ($tries tries)"
[ $rc -eq 124 ] && fail "the run hung after its workers were killed (a slot lost)"
[ $rc -eq 1 ] || fail "the run exited $rc, not 1: $(cat "$T/run1")"
nk=$(grep -c "^failed: VDI .*: the conversion process was killed by signal 9" "$T/run1")
[ "$nk" -ge 1 ] && [ "$nk" -le "$killed" ] ||
	fail "$nk jobs listed as killed, $killed workers killed: $(cat "$T/run1")"
conv=$(S vdi-list type=suspend suspend-image-format=raw --minimal | tr , '\n' | grep -c .)
[ $((conv + nk)) -eq $n ] || fail "$conv converted + $nk killed is not $n"
S pool-convert-legacy --out-dir "$T/out" --jobs 2 >"$T/run2" 2>&1 ||
	fail "the second run failed: $(cat "$T/run2")"
[ -z "$(S vdi-list type=suspend suspend-image-format=legacy --minimal)" ] ||
	fail "still legacy after the second run"
[ "$(ls -A "$T/out" | wc -l)" -eq $n ] || fail "out-dir holds $(ls -A "$T/out" | tr '\n' ' ')"
echo "workers killed: $killed stopped with one holding its slot, killed; $nk jobs failed," \
	"$conv converted, the rest by a second run; $bad failure(s)"
[ $bad -eq 0 ]
