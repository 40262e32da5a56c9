#!/bin/sh
# Run every cmocka binary and every end-to-end script of a build tree.
# Counts cmocka test cases (from their summaries) and scripts, and ends with
# one line "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR [PATTERN]
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}
pat=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
export SIF_BUILD="$B" SIF_TOP="$top"
export SIF="$B/bin/sif" SIF_PLUGIN_DIR="$B/lib/sif/plugins"
export CMOCKA_MESSAGE_OUTPUT=stdout
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0 fail=0 failed=""
for t in "$B"/tests/test_* "$top"/tests/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	if [ -n "$pat" ]; then case "$name" in *$pat*) ;; *) continue ;; esac; fi
	echo "== $name"
	case "$t" in
	*.sh) (cd "$top" && sh "$t") > "$log" 2>&1 ;;
	*) (cd "$top" && "$t") > "$log" 2>&1 ;;
	esac
	rc=$?
	cat "$log"
	case "$t" in
	*.sh)
		p=$((rc == 0)); f=$((rc != 0)) ;;
	*)
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -1)
		p=${p:-0}; f=${f:-0}
		# a crash or an exit without cmocka's summary is a failure too
		[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1 ;;
	esac
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ]; then
		failed="$failed $name"
		echo "!! $name failed (exit $rc)"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ -z "$failed" ]
