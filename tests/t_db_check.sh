#!/bin/sh
# sif db check end to end: a generated file and an upgraded one pass (with
# --with-plugins for the latter); each kind of defect, made in a copy of a
# generated file, is flagged with its table, column and first row, exit 1
# for what xapi refuses or what is unsound, exit 0 for what it only drops or
# fills in; --xapi-schema by version and by file; --json; the file is never
# written.
set -u
: "${SIF:?} ${SIF_BUILD:?} ${SIF_TOP:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-check.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check NAME EXPECTED-EXIT FILE ARGS...: output in $T/out, $T/err; file unchanged
check() {
	name=$1 want=$2 f=$3; shift 3
	cp "$f" "$T/before"
	"$SIF" db check "$f" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	cmp -s "$f" "$T/before" || { bad "$name: db check changed the file"; return 1; }
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want"; cat "$T/out" "$T/err"
		return 1
	fi
	return 0
}
has() { grep -qF -- "$2" "$T/$1" || { bad "missing '$2' in $1: $(head -c 3000 "$T/$1")"; return 1; }; }
hasnt() { ! grep -qF -- "$2" "$T/$1" || { bad "unexpected '$2' in $1"; return 1; }; }

"$GEN" --vdis 300 --seed 5 -o "$T/gen.db" || exit 1
first_vdi=$(grep -o '<table name="VDI"><row ref="[^"]*"' "$T/gen.db" | sed 's/.*ref="//; s/"$//')

# sound files pass
check generated 0 "$T/gen.db" && has out "checked against xapi schema 5.909 (master" &&
	has out "xapi 5.909 loads this file" && hasnt out "error:" &&
	has out "note: removed-column: VBD.metrics (row 0" &&
	has out "note: missing-table: event: not in the file: xapi 5.909 adds it, empty" &&
	ok "a generated file loads (removed columns and missing tables are notes)"
cp "$T/gen.db" "$T/up.db"
"$SIF" db upgrade --target-has-field "$T/up.db" >/dev/null || bad "upgrade"
check upgraded 1 "$T/up.db" &&
	has out "error: unknown-column: VDI.suspend_image_format (row 0, ref $first_vdi; 300 rows): xapi 5.909 has no column VDI.suspend_image_format: it refuses to load the file" &&
	ok "upgraded file: xapi 5.909 refuses it, column and first row named"
check upgraded-plugins 0 "$T/up.db" --with-plugins && has out "xapi 5.909 loads this file" &&
	ok "--with-plugins: a xapi with the field loads it"
check upgraded-8.2 1 "$T/up.db" --xapi-schema 5.603 --with-plugins &&
	has out "checked against xapi schema 5.603 (1.249-lcm" &&
	has out "error: unknown-table: Caller" && has out "error: unknown-column: Certificate.name" &&
	ok "--xapi-schema 5.603 (XCP-ng 8.2's xapi): newer tables and columns refused"

# mutate NAME SED-EXPR: a copy of the generated file with the first match changed
mutate() {
	sed "$2" "$T/gen.db" > "$T/$1.db"
	cmp -s "$T/$1.db" "$T/gen.db" && bad "$1: the edit changed nothing"
}
mutate unknown-col "s/ allow_caching=\"false\"/ allow_caching=\"false\" zz_new=\"1\"/"
check unknown-col 1 "$T/unknown-col.db" &&
	has out "error: unknown-column: VDI.zz_new (row 0, ref $first_vdi): xapi 5.909 has no column VDI.zz_new" &&
	ok "unknown column: refused, first row named"
mutate missing-default "s/ allow_caching=\"false\"//"
check missing-default 0 "$T/missing-default.db" &&
	has out "note: missing-column: VDI.allow_caching: 1 of 300 rows lack it: xapi 5.909 fills in its default \"false\"" &&
	ok "missing column with a default: a note"
mutate missing-nodefault "s/ managed=\"true\" metadata_latest=/ metadata_latest=/"
check missing-nodefault 1 "$T/missing-nodefault.db" &&
	has out "error: missing-column: VDI.managed: 1 of 300 rows lack it and it has no default" &&
	ok "missing column without a default: refused"
mutate bad-enum "s/ type=\"suspend\"/ type=\"Suspend\"/"
check bad-enum 1 "$T/bad-enum.db" &&
	has out "error: bad-enum: VDI.type (row 0, ref $first_vdi): \"Suspend\" is not a value of enum vdi_type" &&
	ok "enum value outside the type"
mutate bad-set-enum "s/allowed_operations=\"('clone'/allowed_operations=\"('klone'/"
check bad-set-enum 1 "$T/bad-set-enum.db" &&
	has out "error: bad-enum: VDI.allowed_operations" && has out "set(enum(vdi_operations))" &&
	ok "enum value outside the type, in a set"
mutate dangling "s/ SR=\"OpaqueRef:[^\"]*\" VBDs=/ SR=\"OpaqueRef:00000000-0000-4000-8000-000000000000\" VBDs=/"
check dangling 1 "$T/dangling.db" &&
	has out "error: dangling-ref: VDI.SR (row 0, ref $first_vdi): OpaqueRef:00000000-0000-4000-8000-000000000000 is no row of table SR" &&
	ok "Ref pointing at no row"
mutate null-ref "s/ SR=\"OpaqueRef:[^\"]*\" VBDs=/ SR=\"OpaqueRef:NULL\" VBDs=/"
check null-ref 0 "$T/null-ref.db" && ok "OpaqueRef:NULL is not dangling"
mutate bad-map "s/ tags=\"('production')\"/ tags=\"('production\"/"
check bad-map 1 "$T/bad-map.db" && has out "error: bad-set-or-map: SR.tags (row 0" &&
	has out "not a set:" && ok "a set that does not parse"
mutate bad-bool "s/ read_only=\"false\"/ read_only=\"no\"/"
check bad-bool 1 "$T/bad-bool.db" && has out "error: bad-value: VDI.read_only (row 0" &&
	has out "\"no\" is not a bool" && ok "a bool that is not one"
mutate unknown-table 's|</database>|<table name="zz_table"><row ref="OpaqueRef:z"/></table></database>|'
check unknown-table 1 "$T/unknown-table.db" &&
	has out "error: unknown-table: zz_table (row 0, ref OpaqueRef:z): table zz_table is not in xapi 5.909's schema and has rows" &&
	ok "unknown table with rows: refused"
mutate empty-table 's|</database>|<table name="zz_table"/></database>|'
check empty-table 0 "$T/empty-table.db" && has out "note: unknown-table: zz_table" &&
	ok "unknown empty table: a note"
mutate manifest-key 's|</manifest>|<pair key="zz" value="1"/></manifest>|'
check manifest-key 0 "$T/manifest-key.db" &&
	has out "note: manifest-key: zz: manifest pair zz=\"1\": xapi drops it on load" &&
	ok "unknown manifest pair: a note"
mutate unknown-version 's|value="909"|value="700"|'
check unknown-version 1 "$T/unknown-version.db" &&
	has out "error: schema-version: the manifest says xapi schema 5.700, for which sif has no schema" &&
	ok "a schema version sif does not know: refused"
check version-override 0 "$T/unknown-version.db" --xapi-schema 5.909 &&
	has out "checked against xapi schema 5.909" && has out "the file says 5.700" &&
	ok "--xapi-schema VERSION overrides the manifest"

# the raw ref pass decodes values as the parser does: a ref spelled with
# entities and character references everywhere it appears is no dangling ref
sr=$(grep -o '<table name="SR"><row ref="[^"]*"' "$T/gen.db" | sed 's/.*ref="//; s/"$//')
sed "s/$sr/$sr\&amp;\&#x41;\&#66;/g" "$T/gen.db" > "$T/entity.db"
check entity-refs 0 "$T/entity.db" && hasnt out "dangling" &&
	ok "refs with entities and character references match across both passes"
sed "s/$sr\"/$sr-x\"/; s/ SR=\"$sr\"/ SR=\"$sr-x\"/" "$T/gen.db" > "$T/moved.db"
check moved-ref 1 "$T/moved.db" && has out "error: dangling-ref: " && ok "a renamed row leaves its referrers dangling"
# a comment or processing instruction the parser skips: the raw pass skips it too
sed 's|<table name="SR">|<table name="SR"><!-- <row ref="OpaqueRef:hidden"/> --><?pi <row ref="x"/> ?>|' \
	"$T/gen.db" > "$T/comment.db"
check comment 0 "$T/comment.db" && hasnt out "error:" && ok "rows inside a comment or PI are no rows"

# what stops the reader: one finding naming file, place and reason
head='<?xml version="1.0" encoding="UTF-8"?>
<database><manifest><pair key="schema_major_vsn" value="5"/><pair key="schema_minor_vsn" value="909"/><pair key="generation_count" value="9"/></manifest>'
printf '%s' "$head"'<table name="VDI"><row ref="OpaqueRef:a"/><row ref="OpaqueRef:a"/></table></database>' > "$T/dup.db"
check dup-ref 1 "$T/dup.db" &&
	has out "error: file: $T/dup.db: line 2, byte" &&
	has out "table VDI, row 1 (ref OpaqueRef:a): duplicate row ref OpaqueRef:a" &&
	ok "duplicate ref: file, table, row named"
printf '%s' '<?xml version="1.0"?><database><manifest><pair key="generation_count" value="1"/></manifest></database>' > "$T/noschema.db"
check bad-manifest 1 "$T/noschema.db" && has out "manifest: missing pair schema_major_vsn" &&
	ok "bad manifest"
printf 'not xml' > "$T/notxml.db"
check not-xml 1 "$T/notxml.db" && has out "not valid XML" && ok "not XML"

# a schema file of one version; a broken one
awk '/^version 5.909 / || !/^version /' "$SIF_TOP/schema/xapi/xapi.schema" > "$T/one.schema"
check schema-file 0 "$T/gen.db" --xapi-schema "$T/one.schema" &&
	has out "checked against xapi schema 5.909" && ok "--xapi-schema FILE"
printf 'version 5.1 x\ntable A persist\ncolumn A b nosuchtype - published\n' > "$T/broken.schema"
check schema-broken 1 "$T/gen.db" --xapi-schema "$T/broken.schema" &&
	has err "$T/broken.schema: line 3: unknown type 'nosuchtype'" && ok "a broken schema file is refused with its line"

# --json
check json 1 "$T/dangling.db" --json &&
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["kind"] == "dangling-ref"][0]
assert d["schema"] == "5.909" and d["loads"] is False and d["errors"] == 1, d
assert (f["table"], f["column"], f["row"], f["ref"], f["severity"]) == ("VDI", "SR", 0, sys.argv[2], "error"), f' \
	"$T/out" "$first_vdi" && ok "--json: findings with table, column, row, ref"

# usage and missing files
check usage-none 2 "$T/gen.db" --xapi-schema "" && ok "empty --xapi-schema is a usage error"
"$SIF" db check >/dev/null 2>&1; [ $? -eq 2 ] && ok "no file: usage error" || bad "no file"
"$SIF" db check "$T/nope.db" >/dev/null 2>"$T/err"; [ $? -eq 1 ] && has err "$T/nope.db" &&
	ok "missing file named"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
