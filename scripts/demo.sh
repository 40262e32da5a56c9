#!/bin/sh
# make demo: the whole job on the embedded default (SQLite) with sample data.
#  1. a pool from before the upgrade, with four suspended VMs whose images
#     are legacy PV32, legacy PV64, legacy HVM (ext2 + libxc v1) and one
#     structured image (ext2 + v2 records, written by a later toolstack);
#  2. the upgrade marks every existing VDI legacy, in the SQLite pool DB and
#     in a xapi state.db (db check first: the state.db upgrade is refused
#     unless the xapi that reads it has the field: --target-has-field; db
#     downgrade is the way back); the formats are listed;
#  3. each VM is resumed as a dry run: decision, platformdata, legacy flag,
#     the image converted and verified, without Xen; the structured image
#     disagrees with the mark and `vdi-check --fix` re-derives it;
#  4. a running VM is suspended to a raw image through the fake Xen backend
#     (simulated: there is no hypervisor here), then resumed the same way;
#  5. the pool's legacy images are converted ahead of time (pool-convert-legacy)
#     into raw images (the default: the records on the file, no ext2), the
#     layout today's xenopsd resumes without conversion.
set -eu
B=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
work="$top/build-demo"
rm -rf "$work"
mkdir -p "$work/fake-xen"
export SIF_DB="$work/pool.db"
SIF="$B/bin/sif"

if [ -t 1 ]; then bold='\033[1m' off='\033[0m'; else bold= off=; fi
step() { printf "\n${bold}== %s${off}\n" "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
short() { echo "$1" | cut -c1-8; }

step "1. a pool from before the upgrade, with four suspended VMs"
"$B/tests/gen_image" "$work/pv32.img" kind=legacy \
	v1="guest=pv width=32 guest_width=32 pages=2048 vcpus=2"
"$B/tests/gen_image" "$work/pv64.img" kind=legacy \
	v1="guest=pv width=32 guest_width=64 pages=4096 vcpus=4"
"$B/tests/gen_image" "$work/hvm.img" kind=legacy qemu_bytes=65536 \
	v1="guest=hvm width=32 pages=4096 vcpus=2 hvm_params=1"
"$B/tests/gen_image" "$work/structured.img" kind=structured guest=pv64 pages=2048 vcpus=2
"$B/tests/gen_pool" --seed 42 --vms 8 --vdis 18 --suspended 4 \
	--suspend-image "$work/pv32.img" --suspend-image "$work/pv64.img" \
	--suspend-image "$work/hvm.img" --suspend-image "$work/structured.img" \
	"$SIF_DB" > "$work/suspended"
for img in pv32 pv64 hvm structured; do
	printf '%-16s ' "$img.img"
	"$SIF" image inspect "$work/$img.img" --json |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], "in", d["container"])'
done
run "$SIF" db version

step "2. upgrade: every existing VDI is marked legacy (a second run changes nothing)"
run "$SIF" db migrate
before=$(cksum < "$SIF_DB")
run "$SIF" db migrate
[ "$before" = "$(cksum < "$SIF_DB")" ] && echo "(database file byte-identical)"
run "$SIF" vdi-list type=suspend params=uuid,name-label,suspend-image-format,location

step "2b. the same upgrade on xapi's state.db (XML): only the new attributes change"
"$B/tests/gen_statedb" --vdis 40 --seed 7 -o "$work/state.db"
cp "$work/state.db" "$work/state.db.orig"
run "$SIF" db check "$work/state.db" | tail -1
echo "(xapi refuses a state.db with a column its datamodel lacks, and no released xapi has"
echo " suspend_image_format: so db upgrade refuses unless told the reading xapi has it)"
run "$SIF" db upgrade "$work/state.db" || true
cmp -s "$work/state.db" "$work/state.db.orig" && echo "(refused: file byte-identical)"
echo "(this demo's xapi is one with the field: say so)"
run "$SIF" db upgrade --target-has-field "$work/state.db"
run "$SIF" db upgrade --target-has-field "$work/state.db"
run "$SIF" db check --with-plugins "$work/state.db" | tail -1
grep -o 'storage_lock="[a-z]*" suspend_image_format="legacy" tags' "$work/state.db" | head -1
echo "($(($(stat -c %s "$work/state.db") - $(stat -c %s "$work/state.db.orig"))) bytes added:" \
	"$(grep -o ' suspend_image_format="legacy"' "$work/state.db" | wc -l) times ' suspend_image_format=\"legacy\"')"
echo "(and the way back, for a xapi without the field: db downgrade gives back the bytes)"
cp "$work/state.db" "$work/state.db.upgraded"
run "$SIF" db downgrade --output "$work/state.db.down" "$work/state.db"
cmp "$work/state.db.down" "$work/state.db.orig" && echo "(identical to the file before the upgrade)"

step "3. resume each suspended VM as a dry run (no Xen: convert and verify only)"
n=0
for vm in $(cat "$work/suspended"); do
	n=$((n + 1))
	printf '\n%s VM %s (%s)\n' '--' "$(short "$vm")" \
		"$(sed -n "${n}p" <<EOF2
legacy PV32 image
legacy PV64 image
legacy HVM image
structured image
EOF2
)"
	if ! run "$SIF" vm-resume uuid="$vm" --dry-run; then
		vdi_uuid=$("$SIF" vdi-list --json params=uuid,location |
			python3 -c "import json,sys; print([v['uuid'] for v in json.load(sys.stdin) if v['location'].endswith('structured.img')][0])")
		echo "(the upgrade marked this VDI legacy; its image says otherwise: re-derive the mark)"
		run "$SIF" vdi-check uuid="$vdi_uuid" --image "$work/structured.img" --fix
		run "$SIF" vm-resume uuid="$vm" --dry-run
	fi
done

step "4. suspend a running VM to a raw image (simulated: fake Xen backend), then resume it"
vm=$("$SIF" vm-list power-state=Running domain-type=pv --minimal | cut -d, -f1)
# what the fake hypervisor hands over as the domain's libxc stream
"$B/tests/gen_v2" "$work/fake-xen/save.libxc" guest=pv64 pages=1024 vcpus=2
run "$SIF" vm-suspend uuid="$vm" --image "$work/suspend-raw.img" --fake-xen "$work/fake-xen"
run "$SIF" image inspect "$work/suspend-raw.img"
run "$SIF" vm-resume uuid="$vm" --fake-xen "$work/fake-xen"
cmp "$work/fake-xen/save.libxc" "$work/fake-xen/restore-1.libxc" &&
	echo "(the fake libxenguest received exactly the stream the domain saved)"
run "$SIF" vdi-list type=suspend params=uuid,suspend-image-format,location
run "$SIF" vm-list params=name-label,power-state

step "5. convert the pool's legacy images ahead of time: any current host resumes them as they are"
mkdir -p "$work/converted"
run "$SIF" pool-convert-legacy --out-dir "$work/converted" --dry-run
run "$SIF" pool-convert-legacy --out-dir "$work/converted"
run "$SIF" vdi-list type=suspend params=uuid,suspend-image-format,location
run "$SIF" pool-convert-legacy --out-dir "$work/converted"
vm=$(head -1 "$work/suspended")
run "$SIF" vm-resume uuid="$vm" --dry-run
