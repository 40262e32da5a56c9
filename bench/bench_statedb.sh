#!/bin/sh
# state.db (issue 3): `sif db upgrade` of a 100,000-VDI xapi state.db against
# xmlstarlet inserting the same attribute and against xmllint's streaming
# parse (a parse-only floor); peak RSS at 100,000 and 1,000,000 VDIs; import
# into and export from the pool DB.
# Env: BENCH_STATEDB_VDIS (100000), BENCH_STATEDB_BIG_VDIS (1000000; 0 skips),
#      BENCH_STATEDB_RUNS (5).
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
GEN="$B/tests/gen_statedb"
N=${BENCH_STATEDB_VDIS:-100000}
BIG=${BENCH_STATEDB_BIG_VDIS:-1000000}
RUNS=${BENCH_STATEDB_RUNS:-5}
export SIF_PLUGIN_DIR="$B/lib/sif/plugins"
plain="$OUT/statedb-$N.db" want="$OUT/statedb-$N-legacy.db" run="$OUT/statedb-run.db"
xs="$OUT/statedb-xmlstarlet.xml" pool="$OUT/statedb-pool.db" back="$OUT/statedb-back.db"

"$GEN" --vdis "$N" --seed 1 -o "$plain"
"$GEN" --vdis "$N" --seed 1 --field legacy -o "$want"
size=$(du -h "$plain" | cut -f1)

# The same edit, three ways.  sif rewrites the file in place (temp file,
# fsync, rename); xmlstarlet writes the edited document to stdout.
xpath='/database/table[@name="VDI"]/row[not(@suspend_image_format)]'
hyperfine --warmup 1 --runs "$RUNS" --prepare "cp $plain $run && sync" \
	--export-json "$OUT/statedb-upgrade.json" --export-markdown "$OUT/statedb-upgrade.md" \
	-n "sif db upgrade" "$SIF db upgrade --target-has-field $run > /dev/null" \
	-n "xmlstarlet ed -i" "xmlstarlet ed -i '$xpath' -t attr -n suspend_image_format -v legacy $plain > $xs" \
	-n "xmllint --stream --noout" "xmllint --stream --noout $plain"
set -- $(hf_medians "$OUT/statedb-upgrade.json"); t_sif=$1 t_xs=$2 t_xl=$3

# Same output semantics: every VDI row carries the attribute; sif's bytes
# are exactly those of the file generated with the field.
cp "$plain" "$run"
"$SIF" db upgrade --target-has-field "$run" >/dev/null
cmp -s "$run" "$want" && same="byte-identical to the file generated with the field" ||
	same="DIFFERENT from the file generated with the field"
n_sif=$(grep -o 'suspend_image_format="legacy"' "$run" | wc -l)
n_xs=$(grep -o 'suspend_image_format="legacy"' "$xs" | wc -l)

# Peak RSS.
cp "$plain" "$run"
rss_sif=$(peak_rss_kib "$SIF" db upgrade --target-has-field "$run")
rss_xl=$(peak_rss_kib xmllint --stream --noout "$plain")
rss_xs=$(peak_rss_kib sh -c "xmlstarlet ed -i '$xpath' -t attr -n suspend_image_format -v legacy $plain > $xs")
if [ "$BIG" -gt 0 ]; then
	big="$OUT/statedb-$BIG.db"
	"$GEN" --vdis "$BIG" --seed 1 -o "$big"
	big_size=$(du -h "$big" | cut -f1)
	t0=$(date +%s%N)
	rss_big=$(peak_rss_kib "$SIF" db upgrade --target-has-field "$big")
	t_big=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')
	rss_big_xl=$(peak_rss_kib xmllint --stream --noout "$big")
	rm -f "$big"
	bigrow="| peak RSS, $BIG VDIs ($big_size) | ${rss_big} KiB (one run: ${t_big} s) | not run (a DOM of the whole file) | ${rss_big_xl} KiB |"
else
	bigrow="| peak RSS, 1,000,000 VDIs | skipped (BENCH_STATEDB_BIG_VDIS=0) | | |"
fi

# Import into and export from the pool DB.
hyperfine --warmup 1 --runs "$RUNS" --prepare "rm -f $pool && $SIF --db $pool db init > /dev/null" \
	--export-json "$OUT/statedb-import.json" --export-markdown "$OUT/statedb-import.md" \
	-n "sif db import" "$SIF --db $pool db import $plain > /dev/null"
hyperfine --warmup 1 --runs "$RUNS" \
	--export-json "$OUT/statedb-export.json" --export-markdown "$OUT/statedb-export.md" \
	-n "sif db export" "$SIF --db $pool db export $back > /dev/null"
set -- $(hf_medians "$OUT/statedb-import.json"); t_imp=$1
set -- $(hf_medians "$OUT/statedb-export.json"); t_exp=$1
cmp -s "$back" "$plain" && rt="byte-identical" || rt="DIFFERENT"
rm -f "$pool"
"$SIF" --db "$pool" db init >/dev/null
rss_imp=$(peak_rss_kib "$SIF" --db "$pool" db import "$plain")
rss_exp=$(peak_rss_kib "$SIF" --db "$pool" db export "$back")
pool_size=$(du -h "$pool" | cut -f1)

cat > "$OUT/statedb-section.md" <<MD
Machine: $(machine). File: $N VDIs, $size, every table of xapi's schema
(\`build/tests/gen_statedb --vdis $N --seed 1\`). Goals: upgrade at least 5x faster than
xmlstarlet, within 1.5x of xmllint's streaming parse, peak RSS under 32 MiB and flat
from 100,000 to 1,000,000 VDIs.

| | sif db upgrade | xmlstarlet ed -i | xmllint --stream --noout |
|---|---|---|---|
| median | ${t_sif} s | ${t_xs} s | ${t_xl} s |
| sif / peer | | $(ratio "$t_sif" "$t_xs") (xmlstarlet $(ratio "$t_xs" "$t_sif")x slower) | $(ratio "$t_sif" "$t_xl") |
| peak RSS, $N VDIs ($size) | ${rss_sif} KiB | ${rss_xs} KiB | ${rss_xl} KiB |
$bigrow

sif's output: $n_sif attributes added, $same; xmlstarlet's output: $n_xs attributes
(appended after each row's last attribute, the document re-serialised).  sif's time includes
writing the file beside the original, fsync and the atomic rename; xmlstarlet writes to a
file without fsync; xmllint only parses.

| pool DB | median | peak RSS |
|---|---|---|
| sif db import ($N VDIs into a new pool DB, $pool_size) | ${t_imp} s | ${rss_imp} KiB |
| sif db export (back to a state.db, $rt to the imported file) | ${t_exp} s | ${rss_exp} KiB |

Commands (hyperfine, warm-up 1, $RUNS runs, a fresh copy of the file before each upgrade):

\`\`\`
sif db upgrade --target-has-field RUN.db
xmlstarlet ed -i '$xpath' -t attr -n suspend_image_format -v legacy IN.db > OUT.xml
xmllint --stream --noout IN.db
sif --db POOL.db db import IN.db        # after sif db init
sif --db POOL.db db export BACK.db
\`\`\`

$(cat "$OUT/statedb-upgrade.md")

$(cat "$OUT/statedb-import.md")

$(cat "$OUT/statedb-export.md")
MD
write_section "state.db upgrade" "$OUT/statedb-section.md"
rm -f "$run" "$xs" "$pool" "$back"
echo "state.db: upgrade $t_sif s, xmlstarlet $t_xs s, xmllint --stream $t_xl s; RSS $rss_sif KiB"
