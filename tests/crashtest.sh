#!/bin/sh
# Crash test of `sif db upgrade` (or downgrade): SIGKILL at spread-out
# instants of a run on a large state.db; after each kill the file must be
# byte-identical to the original or to the complete result (so it parses),
# never a mix, and the temp file a killed run leaves (or the swapped-out
# original, killed between the swap and its removal) goes with the next run.
# Usage: tests/crashtest.sh BUILD_DIR
# Env: SIF_CRASH_KILLS (default 20), SIF_CRASH_VDIS (default 100000),
#      SIF_CRASH_CMD (upgrade, the default, or downgrade),
#      SIF_PLUGIN_DIR (default BUILD_DIR/lib/sif/plugins).
set -u
B=$(cd "${1:?usage: tests/crashtest.sh BUILD_DIR}" && pwd)
kills=${SIF_CRASH_KILLS:-20}
vdis=${SIF_CRASH_VDIS:-100000}
cmd=${SIF_CRASH_CMD:-upgrade}
# the upgrade is refused unless the reading xapi has the field: here, say so
flags=""
[ "$cmd" = upgrade ] && flags=--target-has-field
SIF="$B/bin/sif"
export SIF_PLUGIN_DIR="${SIF_PLUGIN_DIR:-$B/lib/sif/plugins}"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-crash.XXXXXX")
trap 'rm -rf "$T"' EXIT

plain="" legacy="--field legacy"
[ "$cmd" = downgrade ] && { plain=$legacy; legacy=""; }
"$B/tests/gen_statedb" --vdis "$vdis" $plain -o "$T/orig.db" || exit 1
"$B/tests/gen_statedb" --vdis "$vdis" $legacy -o "$T/want.db" || exit 1
size=$(stat -c %s "$T/orig.db")

# How long a whole run takes here, to spread the kills over it.
cp "$T/orig.db" "$T/state.db"
t0=$(date +%s%N)
"$SIF" db $cmd $flags "$T/state.db" >/dev/null || exit 1
t1=$(date +%s%N)
cmp -s "$T/state.db" "$T/want.db" || { echo "FAIL: $cmd differs from expected"; exit 1; }
run_ns=$((t1 - t0))
echo "crash test ($cmd): $vdis VDIs, $size bytes, one run $((run_ns / 1000000)) ms, $kills kills"

old=0 new=0 badn=0 k=1
while [ $k -le "$kills" ]; do
	cp "$T/orig.db" "$T/state.db"
	# instant k of kills, from 0 to 110% of a run, with a little jitter
	ns=$(( run_ns * 11 / 10 * (2 * k - 1) / (2 * kills) ))
	ns=$(( ns + ($(od -An -N2 -tu2 /dev/urandom) % 1000) * 1000 ))
	"$SIF" db $cmd $flags "$T/state.db" >/dev/null 2>"$T/err" &
	pid=$!
	sleep "$(printf '%d.%09d' $((ns / 1000000000)) $((ns % 1000000000)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if cmp -s "$T/state.db" "$T/orig.db"; then
		old=$((old + 1))
	elif cmp -s "$T/state.db" "$T/want.db"; then
		new=$((new + 1))
	else
		badn=$((badn + 1))
		echo "FAIL: kill $k at $((ns / 1000000)) ms left a file that is neither"
		cp "$T/state.db" "$T/bad.$k.db"
	fi
	k=$((k + 1))
done

# The leftover of the last kill goes with the next run.
cp "$T/orig.db" "$T/state.db"
"$SIF" db $cmd $flags "$T/state.db" >/dev/null 2>&1 &
pid=$!
sleep "$(printf '%d.%09d' $((run_ns / 2000000000)) $((run_ns / 2 % 1000000000)))"
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
stale_before=$(ls -A "$T" | grep -c '^\.state\.db\.sif-tmp\.')
"$SIF" db $cmd $flags "$T/state.db" >/dev/null || { echo "FAIL: run after a kill"; exit 1; }
stale_after=$(ls -A "$T" | grep -c '^\.state\.db\.sif-tmp\.')
cmp -s "$T/state.db" "$T/want.db" || { echo "FAIL: run after a kill differs"; badn=$((badn + 1)); }
[ "$stale_after" -eq 0 ] || { echo "FAIL: $stale_after temp file(s) left"; badn=$((badn + 1)); }

echo "crash test ($cmd): $kills kills: $old left the original, $new the ${cmd}d file," \
	"$badn anything else; temp files of a killed run: $stale_before before the next run," \
	"$stale_after after"
[ $badn -eq 0 ]
