#!/bin/sh
# sif db downgrade end to end: upgrade then downgrade gives back the
# original bytes, a second run changes nothing ("already down"), --dry-run
# counts, --output, --backup, --force; values other than the default are
# listed (file, table, row, column, value) and refused; bad input is refused
# naming the file and where: exit 1, every file byte-identical, no temp left.
set -u
: "${SIF:?} ${SIF_BUILD:?}"
GEN="$SIF_BUILD/tests/gen_statedb"
T=$(mktemp -d "${TMPDIR:-/tmp}/sif-downgrade.XXXXXX")
trap 'rm -rf "$T"' EXIT
edit_cmd="db downgrade"
. "$(dirname "$0")/lib_statedb_cli.sh"
no_temp() { [ -z "$(find "$T" -name '.*sif-tmp*')" ] || { bad "$1: temp file left"; return 1; }; }

"$GEN" --vdis 2000 -o "$T/plain.db" || exit 1
"$GEN" --vdis 2000 --field mixed -o "$T/mixed.db" || exit 1
cp "$T/plain.db" "$T/s.db"

# upgrade then downgrade: the original bytes
run upgrade 0 db upgrade --target-has-field "$T/s.db" && run dry 0 db downgrade "$T/s.db" --dry-run &&
	has out "2000 values to remove, 0 of them not the default" && has out "dry run: nothing written" &&
	run downgrade 0 db downgrade "$T/s.db" && has out "2000 values removed" &&
	cmp "$T/s.db" "$T/plain.db" && ok "upgrade then downgrade gives back the original bytes"
ino=$(stat -c %i "$T/s.db")
run again 0 db downgrade "$T/s.db" && has out "already down" &&
	[ "$(stat -c %i "$T/s.db")" = "$ino" ] && ok "second run: already down, not rewritten"

# values other than the default: listed, refused, untouched
cp "$T/mixed.db" "$T/m.db"
run refuse 1 db downgrade "$T/m.db" &&
	has err "sif: $T/m.db: table VDI, row 1 (ref OpaqueRef:" &&
	has err 'suspend_image_format="structured" is not the default legacy' &&
	has err 'suspend_image_format="raw" is not the default legacy' &&
	has err "... and 1233 more values that are not the default" &&
	has err "1333 values other than the column's default would be lost" &&
	has err "--force removes them all the same" &&
	cmp -s "$T/m.db" "$T/mixed.db" && no_temp refuse && ok "non-default values listed and refused, file unchanged"
run force 0 db downgrade "$T/m.db" --force --output "$T/forced.db" &&
	cmp "$T/forced.db" "$T/plain.db" && cmp -s "$T/m.db" "$T/mixed.db" &&
	ok "--force --output: the plain file, input untouched"

# backup
cp "$T/mixed.db" "$T/b.db"
run backup 0 db downgrade "$T/b.db" --force --backup && has out "original kept as $T/b.db.bak" &&
	cmp -s "$T/b.db.bak" "$T/mixed.db" && cmp -s "$T/b.db" "$T/plain.db" && ok --backup

usage_errors "$T/b.db"

check_bad not-xml 'this is not XML' "not valid XML"
check_bad truncated "$(head -c 40000 "$T/mixed.db")" "not valid XML"
check_bad bad-enum "$head"'<table name="VDI"><row ref="OpaqueRef:a" suspend_image_format="v1" type="user"/></table></database>' \
	"table VDI, row 0 (ref OpaqueRef:a): suspend_image_format=\"v1\" is not the default legacy"
check_bad bad-map "$head"'<table name="VDI"><row ref="OpaqueRef:a" other_config="(('"'"'k'"'"'%.v))" suspend_image_format="legacy"/></table></database>' \
	"table VDI, row 0 (ref OpaqueRef:a)" "column other_config (a map)"
check_bad dup-ref "$head"'<table name="VDI"><row ref="OpaqueRef:a" suspend_image_format="legacy"/><row ref="OpaqueRef:a"/></table></database>' \
	"table VDI, row 1 (ref OpaqueRef:a): duplicate row ref OpaqueRef:a"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
