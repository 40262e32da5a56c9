#!/bin/sh
# Run every cmocka binary and every end-to-end script of a build tree and
# print one closing line "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR [PATTERN]
set -u
B=${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}
pat=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
export SIF_BUILD="$B" SIF_TOP="$top"
export SIF="$B/bin/sif" SIF_PLUGIN_DIR="$B/lib/sif/plugins"
export CMOCKA_MESSAGE_OUTPUT=stdout
pass=0 fail=0 failed=""
for t in "$B"/tests/test_* "$top"/tests/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case "$name" in *.o|*.d) continue ;; esac
	if [ -n "$pat" ]; then case "$name" in *$pat*) ;; *) continue ;; esac; fi
	echo "== $name"
	case "$t" in
	*.sh) (cd "$top" && sh "$t") ;;
	*) (cd "$top" && "$t") ;;
	esac
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $name"
		echo "!! $name failed (exit $rc)"
	fi
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
