#!/bin/sh
# sif plugin remove / db migrate --down end to end: a pool DB with the
# suspend_image_format plugin applied and a state.db imported; removal
# refused while a VDI is marked raw (listed, DB byte-identical), then forced;
# the DB then opens with no plugin (vdi-list, db version, db export, which
# writes the file `db downgrade` makes); refusals exit 1 and change nothing.
set -u
: "${SIF:?} ${SIF_BUILD:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-plugin-remove.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
export SIF_DB="$T/pool.db"
# refused NAME ARGS... (expected text in $want): exit 1, DB unchanged
refused() {
	name=$1; shift
	cp "$SIF_DB" "$T/before.db"
	"$SIF" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" "$T/err" && cmp -s "$SIF_DB" "$T/before.db"; then
		ok "$name refused, DB unchanged: $(tail -1 "$T/err")"
	else
		bad "$name: rc=$rc $(cat "$T/err")"
	fi
}

"$GEN" --vdis 300 --field mixed -o "$T/mixed.db" || exit 1
"$GEN" --vdis 300 -o "$T/plain.db" || exit 1
"$SIF" db init >/dev/null && "$SIF" db import "$T/mixed.db" >/dev/null || exit 1

want="200 values of plugin 'suspend_image_format' fields other than the field's default would be lost"
refused "raw and structured VDIs" plugin remove suspend_image_format
grep -q "suspend_image_format='raw' is not the default 'legacy'" "$T/err" &&
	grep -q -- "--force removes the plugin all the same" "$T/err" && ok "each listed" ||
	bad "listing: $(cat "$T/err")"
want="core migrations are forward-only"
refused core plugin remove core
want="no plugin 'nope' is loaded"
refused unknown db migrate --down nope
"$SIF" db migrate --force >/dev/null 2>&1; [ $? -eq 2 ] && ok "--force without --down: usage error" ||
	bad "--force alone accepted"

"$SIF" db migrate --down suspend_image_format --force --dry-run >"$T/out" 2>/dev/null &&
	grep -q "would revert suspend_image_format/0001_add_field" "$T/out" &&
	ok "dry run: $(tail -1 "$T/out")" || bad "dry run: $(cat "$T/out")"
"$SIF" plugin remove suspend_image_format --force >"$T/out" 2>"$T/err" &&
	grep -q "reverted suspend_image_format/0001_add_field" "$T/out" &&
	ok "removed: $(tail -1 "$T/out")" || bad "remove: $(cat "$T/err")"

# the DB now opens without the plugin
"$SIF" --no-plugins db version >"$T/out" 2>"$T/err" && grep -q "schema up to date" "$T/out" &&
	ok "db version without the plugin: up to date" || bad "db version: $(cat "$T/err")"
n=$("$SIF" --no-plugins vdi-list --minimal | tr ',' '\n' | grep -c .)
[ "$n" -eq 300 ] && ok "vdi-list without the plugin: 300 VDIs" || bad "vdi-list: $n"
"$SIF" --no-plugins db export "$T/back.db" >/dev/null 2>"$T/err" && cmp -s "$T/back.db" "$T/plain.db" &&
	ok "export without the plugin: the downgraded file" || bad "export: $(cat "$T/err")"
# with the plugin still installed, db migrate applies it again
"$SIF" db migrate >"$T/out" && grep -q "applied suspend_image_format/0001_add_field" "$T/out" &&
	ok "db migrate applies it again" || bad "re-migrate: $(cat "$T/out")"

# a plugin built for ABI 1 loads, shows as not removable, and is not removed
mkdir -m 700 "$T/plugins"
cp "$SIF_BUILD/tests/plugins/abi1_note.so" "$SIF_PLUGIN_DIR/suspend_image_format.so" "$T/plugins/"
"$SIF" --plugin-dir "$T/plugins" plugin-list >"$T/out" 2>"$T/err" &&
	grep -q "abi1_note/0002_add_note1 (no down step: not removable)" "$T/out" &&
	"$SIF" --plugin-dir "$T/plugins" plugin-list --json | grep -q '"removable": false' &&
	ok "plugin-list: the ABI 1 plugin loads and is not removable" ||
	bad "plugin-list: $(cat "$T/out" "$T/err")"
"$SIF" --plugin-dir "$T/plugins" db migrate >/dev/null || bad "migrate with the ABI 1 plugin"
want="migration abi1_note/0002_add_note1 has no down step"
refused "ABI 1 plugin" --plugin-dir "$T/plugins" plugin remove abi1_note

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
