# Shared by tests/t_db_upgrade.sh and tests/t_db_downgrade.sh (sourced, not
# run by itself).  Needs SIF, T (a scratch directory) and edit_cmd ("db
# upgrade" or "db downgrade"); sets fails.
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run NAME EXPECTED-EXIT ARGS...: output in $T/out, $T/err
run() {
	name=$1 want=$2; shift 2
	"$SIF" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want"; cat "$T/err"
		return 1
	fi
	return 0
}
has() { grep -qF -- "$2" "$T/$1" || { bad "missing '$2' in $1: $(cat "$T/$1")"; return 1; }; }

# usage_errors FILE: the option clashes both commands refuse
usage_errors() {
	run usage-missing 2 $edit_cmd
	run usage-both 2 $edit_cmd "$1" --backup --output "$T/x.db" && has err "--backup"
	run usage-dry 2 $edit_cmd "$1" --dry-run --output "$T/x.db"
	run missing-file 1 $edit_cmd "$T/nope.db" && has err "$T/nope.db"
	run no-plugins 1 --no-plugins $edit_cmd "$1" && has err "no loaded plugin adds a field"
}

# bad inputs: exit 1, file and place named, file unchanged, no temp left
head='<?xml version="1.0" encoding="UTF-8"?>
<database><manifest><pair key="schema_major_vsn" value="5"/><pair key="schema_minor_vsn" value="909"/><pair key="generation_count" value="9"/></manifest>'
check_bad() { # NAME CONTENT EXPECTED-TEXT...
	name=$1 content=$2; shift 2
	f="$T/$name.db"
	printf '%s' "$content" > "$f"
	cp "$f" "$f.orig"
	run "$name" 1 $edit_cmd "$f" || return
	has err "sif: $f: " || return
	for want in "$@"; do has err "$want" || return; done
	cmp -s "$f" "$f.orig" || { bad "$name: file changed"; return; }
	[ -z "$(find "$T" -name ".$name.db.sif-tmp*")" ] || { bad "$name: temp left"; return; }
	ok "refuses $name"
}
