#!/bin/sh
# Crash test of `sif pool-convert-legacy` (make check): SIGKILL at instants
# spread over runs converting 4 legacy images (raw and ext2, PV and HVM)
# with 1 and 2 jobs (with 1 too, an image's fsync and read-back overlap
# the next one's conversion), to raw images (the default) and to structured
# ones (ext2), half of them with --remove-originals.  After
# every kill the pool DB must point every suspend VDI at a complete image
# that verifies and agrees with its suspend_image_format (old or new); a
# second run must finish the work, leaving in the out-dir exactly one image
# per VDI and no temp or orphan file, and the originals byte for byte as
# they were (or, with --remove-originals, all gone and forgotten).
# Env: SIF_CRASH_KILLS (default 12).
set -u
B=$SIF_BUILD
kills=${SIF_CRASH_KILLS:-12}
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-convcrash.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=4
W="$T/work"
# the pool's locations name files under $W: each try starts from a copy of it
sh "$(dirname "$0")/mk_legacy_pool.sh" "$B" "$W" $n 300 || exit 1
cp -a "$W" "$T/pristine"
S() { "$SIF" --db "$W/pool.db" "$@"; }
fresh() { rm -rf "$W"; cp -a "$T/pristine" "$W"; mkdir "$W/out"; }
bad=0
fail() { echo "FAIL: $*"; bad=$((bad + 1)); }

# every suspend VDI points at an image that verifies and agrees with its field
consistent() {
	all=$(S vdi-list type=suspend --minimal) || { fail "$1: vdi-list"; return; }
	[ "$(echo "$all" | tr , '\n' | grep -c .)" -eq $n ] || fail "$1: not $n suspend VDIs"
	for u in $(echo "$all" | tr , ' '); do
		loc=$(S vdi-param-get uuid="$u" param-name=location)
		"$SIF" image verify "$loc" >/dev/null 2>"$T/err" ||
			{ fail "$1: VDI $u points at $loc, which does not verify: $(cat "$T/err")"; continue; }
		S vdi-check uuid="$u" --image "$loc" >/dev/null 2>&1 ||
			fail "$1: VDI $u: field and image $loc disagree"
	done
}

# after a complete run to format $3: all converted, nothing else in out/, originals as asked
finished() {
	left=$(S vdi-list type=suspend suspend-image-format=legacy --minimal) || fail "$1: vdi-list"
	[ -z "$left" ] || fail "$1: still legacy: $left"
	[ "$(S vdi-list type=suspend suspend-image-format="$3" --minimal | tr , '\n' | grep -c .)" \
		-eq $n ] || fail "$1: not every VDI is $3"
	[ "$(ls -A "$W/out" | wc -l)" -eq $n ] || fail "$1: out/ holds $(ls -A "$W/out" | tr '\n' ' ')"
	if [ "$2" = remove ]; then
		[ -z "$(ls -A "$W/img")" ] || fail "$1: originals left: $(ls -A "$W/img" | tr '\n' ' ')"
		S vdi-list type=suspend params=other-config | grep -q sif-converted-from &&
			fail "$1: sif-converted-from keys left"
	else
		for f in "$T"/pristine/img/*; do
			cmp -s "$f" "$W/img/${f##*/}" || fail "$1: original ${f##*/} changed or gone"
		done
	fi
	consistent "$1"
}

# one whole run, timed, to spread the kills over
fresh
t0=$(date +%s%N)
S pool-convert-legacy --out-dir "$W/out" --jobs 2 >"$T/out" 2>&1 || { cat "$T/out"; exit 1; }
t1=$(date +%s%N)
run_ns=$((t1 - t0))
finished "uninterrupted run" keep raw
echo "convert crash test: $n images, one run $((run_ns / 1000000)) ms, $kills kills"

k=1 before=0 during=0 after=0
while [ "$k" -le "$kills" ]; do
	fresh
	mode=keep flag= jobs=$((1 + (k / 2) % 2)) to=raw
	[ $((k % 2)) -eq 0 ] && mode=remove flag=--remove-originals
	[ $((k / 4 % 2)) -eq 1 ] && to=structured
	ns=$(( run_ns * 11 / 10 * (2 * k - 1) / (2 * kills) ))
	# not through S(): the kill must reach sif itself
	"$SIF" --db "$W/pool.db" pool-convert-legacy --out-dir "$W/out" --jobs $jobs --to $to \
		$flag >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%09d' $((ns / 1000000000)) $((ns % 1000000000)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	sleep 0.05   # the workers die with their parent
	legacy=$(S vdi-list type=suspend suspend-image-format=legacy --minimal) ||
		fail "kill $k: vdi-list after the kill"
	legacy=$(echo "$legacy" | tr , '\n' | grep -c .)
	if [ "$legacy" -eq $n ]; then before=$((before + 1))
	elif [ "$legacy" -eq 0 ]; then after=$((after + 1))
	else during=$((during + 1)); fi
	consistent "kill $k at $((ns / 1000000)) ms"
	S pool-convert-legacy --out-dir "$W/out" --jobs 2 --to $to $flag >"$T/out" 2>&1 ||
		{ fail "kill $k: the run after it failed"; cat "$T/out"; }
	finished "kill $k at $((ns / 1000000)) ms (--to $to), then a second run" $mode $to
	k=$((k + 1))
done
echo "convert crash test: $kills kills: $before before any commit, $during between commits," \
	"$after after the last; $bad failure(s)"
[ $bad -eq 0 ]
