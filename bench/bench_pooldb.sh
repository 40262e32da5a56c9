#!/bin/sh
# Pool DB (issue 2): `sif db migrate` and `sif vdi-list` on a 100,000-VDI
# pool against the sqlite3 shell doing the same UPDATE / SELECT.
set -eu
B=$1
. "$(dirname "$0")/lib.sh"
SIF="$B/bin/sif"
N=${BENCH_POOL_VDIS:-100000}
pre="$OUT/pool-$N-pre.db" run="$OUT/pool-$N-run.db" mig="$OUT/pool-$N-mig.db"

"$B/tests/gen_pool" --seed 1 --vms $((N / 4)) --vdis "$N" --suspended $((N / 40)) "$pre" >/dev/null
cp "$pre" "$mig"
"$SIF" --db "$mig" db migrate >/dev/null

# The same change as the plugin's migration, recorded the same way.
sql="BEGIN IMMEDIATE;
ALTER TABLE VDI ADD COLUMN suspend_image_format TEXT NOT NULL DEFAULT 'legacy' CHECK (suspend_image_format IN ('legacy', 'structured', 'raw'));
UPDATE VDI SET suspend_image_format = 'legacy';
INSERT INTO sif_migrations VALUES ('suspend_image_format/0001_add_field', 'x', 'x', 'x');
COMMIT;"
printf '%s\n' "$sql" > "$OUT/migrate.sql"

hyperfine -N --warmup 2 --runs 10 --prepare "cp $pre $run" \
	--export-json "$OUT/migrate.json" --export-markdown "$OUT/migrate.md" \
	-n "sif db migrate" "$SIF --db $run db migrate" \
	-n "sqlite3 (same UPDATE)" "sqlite3 $run '.read $OUT/migrate.sql'"
hyperfine -N --warmup 3 --runs 20 --output=null \
	--export-json "$OUT/list.json" --export-markdown "$OUT/list.md" \
	-n "sif vdi-list params=uuid,suspend-image-format" \
	"$SIF --db $mig vdi-list params=uuid,suspend-image-format" \
	-n "sqlite3 SELECT uuid, suspend_image_format" \
	"sqlite3 $mig 'SELECT uuid, suspend_image_format FROM VDI ORDER BY rowid'"

set -- $(hf_medians "$OUT/migrate.json"); m_sif=$1 m_sql=$2
set -- $(hf_medians "$OUT/list.json"); l_sif=$1 l_sql=$2
cp "$pre" "$run"
rss_m=$(peak_rss_kib "$SIF" --db "$run" db migrate)
rss_l=$(peak_rss_kib "$SIF" --db "$mig" vdi-list params=uuid,suspend-image-format)

cat > "$OUT/section.md" <<MD
Machine: $(machine). Pool: $N VDIs ($(du -h "$pre" | cut -f1) SQLite file), made by
\`build/tests/gen_pool --seed 1 --vms $((N / 4)) --vdis $N --suspended $((N / 40))\`.
Goals: migrate under 1 s, list under 0.3 s.

| operation | sif median | sqlite3 shell median | sif / sqlite3 | sif peak RSS |
|---|---|---|---|---|
| migrate (ALTER + UPDATE of every VDI + record) | ${m_sif} s | ${m_sql} s | $(ratio "$m_sif" "$m_sql") | ${rss_m} KiB |
| list uuid + suspend-image-format to /dev/null | ${l_sif} s | ${l_sql} s | $(ratio "$l_sif" "$l_sql") | ${rss_l} KiB |

sif's list prints xe's record layout (about 4x the bytes of sqlite3's \`uuid|value\` lines).
Commands (hyperfine -N, warm-up, fresh copy of the pre-migration DB before each migrate run):

\`\`\`
$SIF --db RUN.db db migrate
sqlite3 RUN.db '.read bench/out/migrate.sql'     # the same ALTER/UPDATE/record in one transaction
$SIF --db MIG.db vdi-list params=uuid,suspend-image-format > /dev/null
sqlite3 MIG.db 'SELECT uuid, suspend_image_format FROM VDI ORDER BY rowid' > /dev/null
\`\`\`

$(cat "$OUT/migrate.md")

$(cat "$OUT/list.md")
MD
write_section "pool DB: migrate and list (issue 2)" "$OUT/section.md"
echo "pool DB: migrate $m_sif s (sqlite3 $m_sql s), list $l_sif s (sqlite3 $l_sql s)"
