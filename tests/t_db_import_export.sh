#!/bin/sh
# sif db import / db export end to end: a generated state.db (every table,
# hostile values, the new field mixed) goes into a pool DB and comes back
# byte-identical; vdi-list shows the imported VDIs; refusals exit 1.
set -u
: "${SIF:?} ${SIF_BUILD:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-impexp.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SIF_DB="$T/pool.db"

"$GEN" --vdis 3000 --field mixed -o "$T/state.db" || exit 1
"$SIF" db init >/dev/null || exit 1

"$SIF" db import "$T/state.db" > "$T/out" 2>&1 || { bad "import: $(cat "$T/out")"; }
grep -q "imported .* rows of 65 tables" "$T/out" && ok "import: $(cat "$T/out")"
"$SIF" db export "$T/back.db" > "$T/out" 2>&1 || bad "export: $(cat "$T/out")"
cmp "$T/state.db" "$T/back.db" && ok "export is byte-identical to the imported file"

n=$("$SIF" vdi-list --minimal | tr ',' '\n' | grep -c .)
[ "$n" -eq 3000 ] && ok "vdi-list shows the 3000 imported VDIs" || bad "vdi-list: $n VDIs"
n=$("$SIF" vdi-list type=suspend suspend-image-format=raw --minimal | tr ',' '\n' | grep -c .)
[ "$n" -gt 0 ] && ok "vdi-list filters on the imported field ($n raw suspend VDIs)" ||
	bad "no raw suspend VDI listed"

"$SIF" db import "$T/state.db" > "$T/out" 2>&1
[ $? -eq 1 ] && grep -q "already holds an imported state.db" "$T/out" &&
	ok "second import refused: $(cat "$T/out")" || bad "second import: $(cat "$T/out")"
"$SIF" db import --replace "$T/state.db" >/dev/null 2>&1 && ok "--replace" || bad "--replace"

printf 'not xml' > "$T/bad.db"
"$SIF" db import --replace "$T/bad.db" > "$T/out" 2>&1
[ $? -eq 1 ] && grep -q "$T/bad.db" "$T/out" && ok "bad file refused, named" ||
	bad "bad file: $(cat "$T/out")"
n=$("$SIF" vdi-list --minimal | tr ',' '\n' | grep -c .)
[ "$n" -eq 3000 ] && ok "failed import left the DB as it was" || bad "DB changed: $n VDIs"

SIF_DB="$T/none.db" "$SIF" db import "$T/state.db" > "$T/out" 2>&1
[ $? -eq 1 ] && grep -q "no pool database at $T/none.db" "$T/out" && ok "no DB: refused" ||
	bad "no DB: $(cat "$T/out")"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
