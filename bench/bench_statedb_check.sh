#!/bin/sh
# state.db check (issue 11): `sif db check` of a 100,000- and a 1,000,000-VDI
# state.db against xmllint's streaming parse (a parse-only floor) and
# against `sif db upgrade` of the same file; peak RSS of each.
# Env: BENCH_STATEDB_VDIS (100000), BENCH_STATEDB_BIG_VDIS (1000000; 0 skips),
#      BENCH_STATEDB_RUNS (5), BENCH_STATEDB_BIG_RUNS (3).
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
GEN="$B/tests/gen_statedb"
N=${BENCH_STATEDB_VDIS:-100000}
BIG=${BENCH_STATEDB_BIG_VDIS:-1000000}
RUNS=${BENCH_STATEDB_RUNS:-5}
BIG_RUNS=${BENCH_STATEDB_BIG_RUNS:-3}
export SIF_PLUGIN_DIR="$B/lib/sif/plugins"
in="$OUT/check-$N.db" up="$OUT/check-up.db" rep="$OUT/check-report.txt"

# one size: hyperfine of the three, then peak RSS; prints the table rows
measure() { # VDIS FILE RUNS WARMUP
	n=$1 f=$2 runs=$3 warm=$4
	hyperfine --warmup "$warm" --runs "$runs" \
		--export-json "$OUT/check-$n.json" --export-markdown "$OUT/check-$n.md" \
		-n "sif db check" "$SIF db check $f > $rep" \
		-n "xmllint --stream --noout" "xmllint --stream --noout $f" \
		-n "sif db upgrade" "$SIF db upgrade --target-has-field --output $up $f > /dev/null" >&2
	set -- $(hf_medians "$OUT/check-$n.json")
	t_chk=$1 t_xl=$2 t_up=$3
	rss_chk=$(peak_rss_kib "$SIF" db check "$f")
	rss_xl=$(peak_rss_kib xmllint --stream --noout "$f")
	rss_up=$(peak_rss_kib "$SIF" db upgrade --target-has-field --output "$up" "$f")
	rm -f "$up"
	size=$(du -h "$f" | cut -f1)
	echo "| $n VDIs ($size) | ${t_chk} s | ${t_xl} s | ${t_up} s | $(ratio "$t_chk" "$t_xl") | $(ratio "$t_chk" "$t_up") | ${rss_chk} KiB | ${rss_xl} KiB | ${rss_up} KiB |"
}

"$GEN" --vdis "$N" --seed 1 -o "$in"
row_small=$(measure "$N" "$in" "$RUNS" 1)
"$SIF" db check "$in" > "$rep" && verdict=$(tail -1 "$rep") || verdict="FAILED: $(tail -1 "$rep")"
rm -f "$in"
if [ "$BIG" -gt 0 ]; then
	big="$OUT/check-$BIG.db"
	"$GEN" --vdis "$BIG" --seed 1 -o "$big"
	row_big=$(measure "$BIG" "$big" "$BIG_RUNS" 0)
	rm -f "$big"
else
	row_big="| $BIG VDIs | skipped (BENCH_STATEDB_BIG_VDIS=0) | | | | | | | |"
fi
rm -f "$rep"

cat > "$OUT/check-section.md" <<MD
Machine: $(machine); shared with other engineers' builds and tests while this
ran, so absolute times are noisy: compare the ratios, measured in the same run.
Files: \`build/tests/gen_statedb --vdis N --seed 1\` (every table of xapi's schema 5.909).
Goals: \`db check\` within 1.5x of \`xmllint --stream --noout\`, peak RSS under 32 MiB
at 1,000,000 VDIs. What \`db check\` does: a raw pass collecting a 64-bit hash of the ref of
every row of the tables Ref columns point at (8 bytes a row), then the libxml2 pass that
checks every column and value of every row against the schema (\`sif db upgrade\` is one
libxml2 pass that also writes the file). On the 100,000-VDI file: "$verdict".

| file | sif db check | xmllint --stream --noout | sif db upgrade | check / xmllint | check / upgrade | RSS check | RSS xmllint | RSS upgrade |
|---|---|---|---|---|---|---|---|---|
$row_small
$row_big

Medians of hyperfine (warm-up 1 and $RUNS runs at $N VDIs; no warm-up and $BIG_RUNS runs
at $BIG VDIs); peak RSS from \`/usr/bin/time -v\`, one run each. Commands:

\`\`\`
sif db check IN.db > REPORT.txt
xmllint --stream --noout IN.db
sif db upgrade --target-has-field --output OUT.db IN.db
\`\`\`

$(cat "$OUT/check-$N.md")

$( [ "$BIG" -gt 0 ] && cat "$OUT/check-$BIG.md")
MD
write_section "state.db check" "$OUT/check-section.md"
echo "state.db check: $row_small"
[ "$BIG" -gt 0 ] && echo "state.db check: $row_big"
exit 0
