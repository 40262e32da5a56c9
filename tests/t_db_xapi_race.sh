#!/bin/sh
# state.db upgrade and downgrade while xapi is about.
# 1. A process named xapi (a copy of sleep) whose working directory is the
#    state.db's directory, or which holds a file there open, makes an
#    in-place run refuse to start (exit 1, pid and directory named, file
#    untouched); --ignore-xapi, --dry-run and --output elsewhere go ahead; a
#    xapi elsewhere, or another program in the directory, does not count.
# 2. A writer replaces the file as xapi does (temp file, rename) at many
#    points of a run.  Every outcome must be one of: sif's result replaced
#    the exact file it read (and the writer's file came after it), or sif
#    refused saying the file changed and the newer file is intact, or the
#    writer was done before sif opened the file.  Never a lost update.
set -u
: "${SIF:?} ${SIF_BUILD:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-xapi.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$T/bin" "$T/d" "$T/elsewhere"
cp "$(command -v sleep)" "$T/bin/xapi"
cp "$(command -v sleep)" "$T/bin/xapi-monitor"
"$GEN" --vdis 300 -o "$T/plain.db" || exit 1

# fake_xapi DIR [extra redirection]: start one, its pid in $fx
fake_xapi() {
	(cd "$1" && exec "$T/bin/xapi" 300) &
	fx=$!
	pids="$pids $fx"
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# in-place upgrade with a fake xapi running: refused, named, untouched
expect_refused() { # WHAT HOW-TEXT
	cp "$T/plain.db" "$T/d/state.db"
	"$SIF" db upgrade --target-has-field "$T/d/state.db" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "xapi (pid $fx) is using $T/d ($2)" "$T/err" &&
	   grep -q -- "--ignore-xapi" "$T/err" && cmp -s "$T/d/state.db" "$T/plain.db"; then
		ok "$1: refused: $(cat "$T/err")"
	else
		bad "$1: rc=$rc $(cat "$T/err")"
	fi
}

fake_xapi "$T/d"
sleep 0.1
expect_refused "xapi working in the directory" "its working directory"
"$SIF" db upgrade --target-has-field "$T/d/state.db" --dry-run >/dev/null 2>&1 && ok "--dry-run goes ahead" ||
	bad "--dry-run refused"
"$SIF" db upgrade --target-has-field "$T/d/state.db" --output "$T/elsewhere/out.db" >/dev/null 2>&1 &&
	ok "--output elsewhere goes ahead" || bad "--output refused"
"$SIF" db upgrade --target-has-field "$T/d/state.db" --ignore-xapi >/dev/null 2>&1 &&
	cmp -s "$T/d/state.db" "$T/elsewhere/out.db" && ok "--ignore-xapi goes ahead" ||
	bad "--ignore-xapi"
cp "$T/elsewhere/out.db" "$T/d/state.db"
"$SIF" db downgrade "$T/d/state.db" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && grep -q "xapi (pid $fx)" "$T/err" && ok "downgrade refused too" ||
	bad "downgrade: $(cat "$T/err")"
stop "$fx"

# holding a file of the directory open, working elsewhere
cp "$T/plain.db" "$T/d/state.db"
(cd / && exec "$T/bin/xapi" 300 3<"$T/d/state.db") &
fx=$!
pids="$pids $fx"
sleep 0.1
expect_refused "xapi with state.db open" "its open file $T/d/state.db"
stop "$fx"

# a xapi elsewhere, or something not named xapi in the directory: no matter
fake_xapi "$T/elsewhere"
(cd "$T/d" && exec "$T/bin/xapi-monitor" 300) &
other=$!
pids="$pids $other"
sleep 0.1
cp "$T/plain.db" "$T/d/state.db"
"$SIF" db upgrade --target-has-field "$T/d/state.db" >"$T/out" 2>"$T/err" &&
	ok "xapi in another directory, xapi-monitor in this one: upgrade goes ahead" ||
	bad "refused wrongly: $(cat "$T/err")"
stop "$fx"
stop "$other"

# --- a writer replacing the file at many points ------------------------------
"$GEN" --vdis 6000 --seed 1 -o "$T/o.db" || exit 1
"$GEN" --vdis 5 --seed 2 -o "$T/n.db" || exit 1
for f in o n; do
	"$SIF" db upgrade --target-has-field "$T/$f.db" --output "$T/$f-up.db" >/dev/null || exit 1
done
s="$T/d/state.db"

# race CMD FROM NEWER RESULT-OF-FROM RESULT-OF-NEWER
race() {
	cmd=$1 from=$2 newer=$3 r_from=$4 r_newer=$5
	flags=""
	[ "$cmd" = upgrade ] && flags=--target-has-field
	cp "$from" "$s"
	t0=$(date +%s%N)
	"$SIF" db $cmd $flags "$s" >/dev/null 2>&1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	n_first=0 n_refused=0 n_before=0 k=0
	while [ $k -le 12 ]; do
		cp "$from" "$s"
		delay=$(awk -v ms="$ms" -v k=$k 'BEGIN { printf "%.3f", ms * k / 10 / 1000 }')
		(sleep "$delay"; cp "$newer" "$s.xapi-tmp" && mv "$s.xapi-tmp" "$s") &
		w=$!
		"$SIF" db $cmd $flags "$s" >"$T/out" 2>"$T/err"
		rc=$?
		wait $w
		if [ $rc -eq 0 ] && cmp -s "$s" "$newer"; then
			n_first=$((n_first + 1))        # sif replaced what it read, then the writer
		elif [ $rc -eq 1 ] && cmp -s "$s" "$newer" &&
		     grep -q "changed while it was being ${cmd}d (is xapi running?)" "$T/err"; then
			n_refused=$((n_refused + 1))
		elif [ $rc -eq 0 ] && cmp -s "$s" "$r_newer"; then
			n_before=$((n_before + 1))      # the writer was done before sif opened it
		elif cmp -s "$s" "$r_from"; then
			bad "$cmd, writer after ${delay}s: LOST UPDATE (sif's result over the newer file)"
		else
			bad "$cmd, writer after ${delay}s: rc=$rc, unexpected file; $(cat "$T/err")"
		fi
		[ -z "$(find "$T/d" -name '.*sif-tmp*')" ] || bad "$cmd: temp file left"
		k=$((k + 1))
	done
	if [ $n_refused -gt 0 ]; then
		ok "$cmd, one run ${ms} ms, writer at 13 points: $n_refused refused (newer file intact), $n_first after sif's rename, $n_before before sif opened; no lost update"
	else
		bad "$cmd: the writer never landed during a run ($n_first after, $n_before before): nothing tested"
	fi
}
race upgrade "$T/o.db" "$T/n.db" "$T/o-up.db" "$T/n-up.db"
race downgrade "$T/o-up.db" "$T/n-up.db" "$T/o.db" "$T/n.db"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
