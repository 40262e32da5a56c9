#!/bin/sh
# sif db upgrade end to end: byte identity with what xapi would write,
# idempotence, --dry-run counts, --backup, --output, and every bad input:
# a message naming the file and where, exit 1, the file byte-identical.
# A full and a read-only directory use a small tmpfs in a private mount
# namespace when this machine allows it (else say so: the injected write
# failures of test_statedb cover the same code).
set -u
: "${SIF:?} ${SIF_BUILD:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-upgrade.XXXXXX")
trap 'rm -rf "$T"' EXIT
edit_cmd="db upgrade --target-has-field"
. "$(dirname "$0")/lib_statedb_cli.sh"

"$GEN" --vdis 2000 -o "$T/plain.db" || exit 1
"$GEN" --vdis 2000 --field legacy -o "$T/want.db" || exit 1
"$GEN" --vdis 2000 --field mixed -o "$T/mixed.db" || exit 1
"$GEN" --vdis 2000 --field mixed-legacy -o "$T/mixed-want.db" || exit 1
cp "$T/plain.db" "$T/orig.db"

# dry run: counts, nothing written
run dry-run 0 db upgrade --target-has-field "$T/plain.db" --dry-run &&
	has out "2000 rows to carry VDI.suspend_image_format: 2000 to add, 0 already set" &&
	has out "dry run: nothing written" && cmp -s "$T/plain.db" "$T/orig.db" && ok dry-run

# in place: exactly the generated file with the field
run upgrade 0 db upgrade --target-has-field "$T/plain.db" && has out "2000 added" &&
	cmp "$T/plain.db" "$T/want.db" && ok "upgrade is byte-identical to xapi's layout"

# again: already up to date, inode unchanged
ino=$(stat -c %i "$T/plain.db")
run again 0 db upgrade --target-has-field "$T/plain.db" && has out "already up to date" &&
	[ "$(stat -c %i "$T/plain.db")" = "$ino" ] && cmp -s "$T/plain.db" "$T/want.db" &&
	ok "second run changes nothing"

# mixed values kept; --output leaves the input alone
cp "$T/mixed.db" "$T/mixed.orig"
run output 0 db upgrade --target-has-field "$T/mixed.db" --output "$T/mixed.out" &&
	has out "667 added, 1333 already set" && cmp "$T/mixed.out" "$T/mixed-want.db" &&
	cmp -s "$T/mixed.db" "$T/mixed.orig" && ok "--output, mixed values kept"

# backup
cp "$T/orig.db" "$T/b.db"
run backup 0 db upgrade --target-has-field "$T/b.db" --backup && has out "original kept as $T/b.db.bak" &&
	cmp -s "$T/b.db.bak" "$T/orig.db" && cmp -s "$T/b.db" "$T/want.db" && ok --backup

# the xapi that reads the file must have the field: refused unless the
# admin says so (flag, or a schema file with the column), file untouched
cp "$T/orig.db" "$T/t.db"
run refuse-target 1 db upgrade "$T/t.db" &&
	has err "sif: db upgrade: $T/t.db: xapi schema 5.909 (the file's own, built in: master" &&
	has err "has no column VDI.suspend_image_format" && has err "Nothing was written" &&
	has err "--target-has-field" && cmp -s "$T/t.db" "$T/orig.db" &&
	ok "refused by default: names the column and schema 5.909, file unchanged"
run refuse-dry 1 db upgrade "$T/t.db" --dry-run && has err "has no column VDI.suspend_image_format" &&
	ok "dry run refused the same way"
run refuse-version 1 db upgrade "$T/t.db" --xapi-schema 5.603 &&
	has err "xapi schema 5.603 (given by --xapi-schema: 1.249-lcm" &&
	has err "has no column VDI.suspend_image_format" && cmp -s "$T/t.db" "$T/orig.db" &&
	ok "--xapi-schema 5.603 (XCP-ng 8.2's xapi) refused"
run refuse-unknown 1 db upgrade "$T/t.db" --xapi-schema 5.700 &&
	has err "sif knows no xapi schema 5.700" && cmp -s "$T/t.db" "$T/orig.db" &&
	ok "an unknown schema version is refused"
# a schema file for a xapi that has the field: sif's own with the column added
awk '/^enum / && !e { print "enum suspend_image_format legacy structured raw"; e = 1 }
	/^column VDI tags / && !c {
	print "column VDI suspend_image_format enum(suspend_image_format) =legacy published"; c = 1 }
	{ print }' "$SIF_TOP/schema/xapi/xapi.schema" > "$T/with-field.schema"
run schema-file 0 db upgrade "$T/t.db" --xapi-schema "$T/with-field.schema" &&
	cmp -s "$T/t.db" "$T/want.db" && ok "--xapi-schema FILE with the column: upgraded"

usage_errors "$T/b.db"

check_bad not-xml 'this is not XML' "not valid XML"
check_bad truncated "$(head -c 40000 "$T/orig.db")" "not valid XML"
check_bad truncated-end "$(head -c $(($(stat -c %s "$T/orig.db") - 3)) "$T/orig.db")" "not valid XML"
check_bad lone-percent "$head"'<table name="VDI"><row ref="OpaqueRef:a" name__label="50%"/></table></database>' \
	"line 2, byte" "table VDI, row 0 (ref OpaqueRef:a)" "column name__label: invalid whitespace escape"
check_bad bad-map "$head"'<table name="VDI"><row ref="OpaqueRef:a" other_config="(('"'"'k'"'"'%.v))"/></table></database>' \
	"table VDI, row 0 (ref OpaqueRef:a)" "column other_config (a map)"
check_bad wrong-root '<?xml version="1.0"?><pooldb/>' "root element is <pooldb>, expected <database>"
check_bad no-manifest '<database><table name="VDI"/></database>' "before <manifest>"
check_bad no-schema '<database><manifest><pair key="generation_count" value="1"/></manifest></database>' \
	"missing pair schema_major_vsn"
check_bad schema-6 '<database><manifest><pair key="schema_major_vsn" value="6"/><pair key="schema_minor_vsn" value="1"/><pair key="generation_count" value="1"/></manifest></database>' \
	"schema_major_vsn 6 is not supported"
check_bad dup-ref "$head"'<table name="VDI"><row ref="OpaqueRef:a"/><row ref="OpaqueRef:a"/></table></database>' \
	"table VDI, row 1 (ref OpaqueRef:a): duplicate row ref OpaqueRef:a"
check_bad bad-enum "$head"'<table name="VDI"><row ref="OpaqueRef:a" suspend_image_format="v1" type="user"/></table></database>' \
	"table VDI, row 0 (ref OpaqueRef:a)" 'suspend_image_format="v1" is not a valid value (expected one of: legacy, structured, raw)'

# a bad row deep in a large file: still nothing written
cp "$T/orig.db" "$T/deep.db"
sed -i 's/name__label="disk%.1997"/name__label="disk%1997"/' "$T/deep.db"
cmp -s "$T/deep.db" "$T/orig.db" && bad "deep: sed changed nothing"
cp "$T/deep.db" "$T/deep.orig"
run deep 1 db upgrade --target-has-field "$T/deep.db" && has err "column name__label" &&
	cmp -s "$T/deep.db" "$T/deep.orig" && ok "bad row near the end: file unchanged"

# full and read-only directories on a small tmpfs, in a private mount namespace
mkdir "$T/probe"
if unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$T/probe'" 2>/dev/null; then
	ns="unshare -m"
elif unshare -Urm true 2>/dev/null; then
	ns="unshare -Urm"
else
	ns=""
fi
if [ -n "$ns" ]; then
	"$GEN" --vdis 200 -o "$T/small.db"
	size=$(stat -c %s "$T/small.db")
	$ns sh -c "
		set -u
		m='$T/mnt'; mkdir -p \"\$m\"
		mount -t tmpfs -o size=$((size + size / 2)) tmpfs \"\$m\" || exit 99
		cp '$T/small.db' \"\$m/full.db\" && cp '$T/small.db' '$T/small.orig'
		'$SIF' db upgrade --target-has-field \"\$m/full.db\" >'$T/out' 2>'$T/err'; echo \$? > '$T/rc'
		cmp -s \"\$m/full.db\" '$T/small.orig' && echo same > '$T/same'
		ls -A \"\$m\" > '$T/left'
		mount -o remount,ro \"\$m\"
		'$SIF' db upgrade --target-has-field \"\$m/full.db\" >'$T/out2' 2>'$T/err2'; echo \$? > '$T/rc2'
		cmp -s \"\$m/full.db\" '$T/small.orig' && echo same > '$T/same2'
		umount \"\$m\"
	"
	if [ "$(cat "$T/rc" 2>/dev/null)" = 1 ] && [ -f "$T/same" ] && grep -q "No space left" "$T/err" &&
	   [ "$(cat "$T/left")" = "full.db" ]; then
		ok "full filesystem: exit 1, $(cat "$T/err"), file unchanged, no temp left"
	else
		bad "full filesystem: rc=$(cat "$T/rc" 2>/dev/null) err=$(cat "$T/err" 2>/dev/null) left=$(cat "$T/left" 2>/dev/null)"
	fi
	if [ "$(cat "$T/rc2" 2>/dev/null)" = 1 ] && [ -f "$T/same2" ] && grep -q "Read-only file system" "$T/err2"; then
		ok "read-only filesystem: exit 1, $(cat "$T/err2")"
	else
		bad "read-only filesystem: rc=$(cat "$T/rc2" 2>/dev/null) err=$(cat "$T/err2" 2>/dev/null)"
	fi
else
	echo "note: no mount namespace here; full/read-only directories are covered by"
	echo "      test_statedb's injected write failures only"
	if [ "$(id -u)" -ne 0 ]; then
		mkdir "$T/ro" && cp "$T/orig.db" "$T/ro/x.db" && chmod 555 "$T/ro"
		run read-only-dir 1 db upgrade --target-has-field "$T/ro/x.db" && has err "Permission denied" &&
			cmp -s "$T/ro/x.db" "$T/orig.db" && ok "read-only directory"
		chmod 755 "$T/ro"
	fi
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
