#!/bin/sh
# state.db (issue 3): `sif db upgrade` of a 100,000-VDI xapi state.db against
# xmlstarlet inserting the same attribute and against xmllint's streaming
# parse (a parse-only floor); peak RSS at 100,000 and 1,000,000 VDIs; import
# into and export from the pool DB.  Issue 11: `sif db downgrade` against the
# upgrade and xmllint in one hyperfine run, RSS, and upgrade then downgrade
# giving back the original bytes at 100,000 and 1,000,000 VDIs.
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
	big_sum=$(sha256sum < "$big")
	t0=$(date +%s%N)
	rss_big=$(peak_rss_kib "$SIF" db upgrade --target-has-field "$big")
	t_big=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')
	rss_big_xl=$(peak_rss_kib xmllint --stream --noout "$big")
	# and back: the downgrade of the upgraded file is the original
	t0=$(date +%s%N)
	rss_big_down=$(peak_rss_kib "$SIF" db downgrade "$big")
	t_big_down=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')
	[ "$(sha256sum < "$big")" = "$big_sum" ] && big_rt="byte-identical" || big_rt="DIFFERENT"
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

# Downgrade: the inverse edit, measured with the upgrade and xmllint in one run.
hyperfine --warmup 1 --runs "$RUNS" \
	--prepare "cp $plain $run && sync" --prepare "cp $want $run && sync" --prepare "true" \
	--export-json "$OUT/statedb-downgrade.json" --export-markdown "$OUT/statedb-downgrade.md" \
	-n "sif db upgrade" "$SIF db upgrade --target-has-field $run > /dev/null" \
	-n "sif db downgrade" "$SIF db downgrade $run > /dev/null" \
	-n "xmllint --stream --noout" "xmllint --stream --noout $want"
set -- $(hf_medians "$OUT/statedb-downgrade.json"); d_up=$1 d_down=$2 d_xl=$3
cp "$want" "$run"
rss_down=$(peak_rss_kib "$SIF" db downgrade "$run")
cmp -s "$run" "$plain" && rt100="byte-identical" || rt100="DIFFERENT"
rss_xl_want=$(peak_rss_kib xmllint --stream --noout "$want")
if [ "$BIG" -gt 0 ]; then
	bigdown="| $BIG VDIs ($big_size) | ${rss_big_down} KiB (one run: ${t_big_down} s; upgrade ${t_big} s) | ${rss_big} KiB | ${rss_big_xl} KiB | $big_rt |"
else
	bigdown="| 1,000,000 VDIs | skipped (BENCH_STATEDB_BIG_VDIS=0) | | | |"
fi
cat > "$OUT/statedb-downgrade-section.md" <<MD
Machine: $(machine), shared with other engineers' builds and tests while this ran: medians
and ratios of one hyperfine run, not absolute figures. File: $N VDIs, $size
(\`build/tests/gen_statedb --vdis $N --seed 1\`, then with \`--field legacy\` for the downgrade's
input). Goals: the downgrade at the upgrade's speed, near xmllint's streaming parse, RSS flat
from 100,000 to 1,000,000 VDIs, upgrade then downgrade giving back the original bytes.

| | sif db downgrade | sif db upgrade | xmllint --stream --noout |
|---|---|---|---|
| median, $N VDIs | ${d_down} s | ${d_up} s | ${d_xl} s |
| downgrade / other | | $(ratio "$d_down" "$d_up") | $(ratio "$d_down" "$d_xl") |

| peak RSS | sif db downgrade | sif db upgrade | xmllint --stream --noout | upgrade then downgrade |
|---|---|---|---|---|
| $N VDIs ($size) | ${rss_down} KiB | ${rss_sif} KiB | ${rss_xl_want} KiB | $rt100 |
$bigdown

Each sif run reads the file, writes the result beside it, fsyncs and swaps it in with
RENAME_EXCHANGE (after a /proc scan for a running xapi); xmllint only parses. The
1,000,000-VDI figures are single runs (\`/usr/bin/time -v\`), the file checked with sha256sum
before the upgrade and after the downgrade.

Commands (hyperfine, warm-up 1, $RUNS runs, a fresh copy of the input before each sif run):

\`\`\`
sif db upgrade --target-has-field RUN.db # RUN.db: a copy of IN.db
sif db downgrade RUN.db                 # RUN.db: a copy of IN-legacy.db
xmllint --stream --noout IN-legacy.db
\`\`\`

$(cat "$OUT/statedb-downgrade.md")
MD
write_section "state.db downgrade" "$OUT/statedb-downgrade-section.md"
rm -f "$run" "$xs" "$pool" "$back"
echo "state.db: upgrade $t_sif s, xmlstarlet $t_xs s, xmllint --stream $t_xl s; RSS $rss_sif KiB"
echo "state.db: downgrade $d_down s, upgrade $d_up s, xmllint --stream $d_xl s; RSS $rss_down KiB; $rt100"
