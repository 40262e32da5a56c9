#!/bin/sh
# make demo: the main job on the embedded default (SQLite) with sample data.
# A pool database from before the upgrade gets the suspend_image_format
# migration; existing VDIs come out marked legacy; a second run changes
# nothing.
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
SIF="$B/bin/sif"
work="$top/build-demo"
rm -rf "$work"
mkdir -p "$work"
export SIF_DB="$work/pool.db"

if [ -t 1 ]; then bold='\033[1m' off='\033[0m'; else bold= off=; fi
step() { printf "\n${bold}== %s${off}\n" "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "a sample pool from before the upgrade (6 VMs, 3 suspended; 12 VDIs)"
"$B/tests/gen_pool" --seed 42 --vms 6 --vdis 12 --suspended 3 "$SIF_DB" >/dev/null
run "$SIF" plugin-list
run "$SIF" db version

step "upgrade: the plugin's migration marks every existing VDI legacy"
run "$SIF" db migrate
run "$SIF" vdi-list params=uuid,name-label,type,suspend-image-format

step "the field is the system's to set"
uuid=$("$SIF" vdi-list type=suspend --minimal | cut -d, -f1)
run "$SIF" vdi-param-get uuid="$uuid" param-name=suspend-image-format
printf '$ %s\n' "$SIF vdi-param-set uuid=$uuid suspend-image-format=raw"
if "$SIF" vdi-param-set uuid="$uuid" suspend-image-format=raw; then
	echo "demo: a read-only field was set" >&2
	exit 1
fi

step "running the migration again changes nothing"
before=$(cksum < "$SIF_DB")
run "$SIF" db migrate
[ "$before" = "$(cksum < "$SIF_DB")" ] && echo "(database file byte-identical)"
