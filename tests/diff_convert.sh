#!/bin/sh
# Differential run of `sif image convert` against Xen's convert-legacy-stream
# on N generated variations (random options of build/tests/gen_v1, seeded),
# valid ones compared byte for byte, then each variation with a few bytes
# flipped: both must then agree on success or failure (sif may refuse more:
# its extra checks are listed in docs/sif-image-convert.1), and where both
# succeed their outputs must be equal.  Not part of make check (minutes).
# Usage: tests/diff_convert.sh BUILD_DIR [N] [SEED]
set -u
B=$(cd "${1:?usage: tests/diff_convert.sh BUILD_DIR [N] [SEED]}" && pwd)
N=${2:-300}
SEED=${3:-1}
SIF="$B/bin/sif" GEN="$B/tests/gen_v1"
PEER="/usr/lib/xen-4.17/bin/convert-legacy-stream"
export PYTHONPATH=/usr/lib/xen-4.17/lib/python
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
same=0 differ=0 mutated=0 both_fail=0 sif_stricter=0 peer_stricter=0 mut_same=0 mut_differ=0

rnd() { # rnd SEED MOD
	awk -v s="$1" -v m="$2" 'BEGIN { srand(s); print int(rand() * m) }'
}

i=0
while [ $i -lt "$N" ]; do
	s=$((SEED * 100000 + i))
	g=$(rnd $s 2); w1=$(rnd $((s + 1)) 2); gw=$(rnd $((s + 2)) 2)
	guest=$([ "$g" = 0 ] && echo pv || echo hvm)
	width=$([ "$w1" = 0 ] && echo 32 || echo 64)
	gwidth=$([ "$gw" = 0 ] && echo 32 || echo 64)
	pages=$(rnd $((s + 3)) 3000); batch=$((1 + $(rnd $((s + 4)) 1024)))
	vcpus=$((1 + $(rnd $((s + 5)) 70))); off=$(rnd $((s + 6)) 5)
	live=$(rnd $((s + 7)) 3); xt=$(rnd $((s + 8)) 200)
	qemu=$(rnd $((s + 9)) 2); fmt=$([ "$(rnd $((s + 10)) 4)" = 0 ] && echo libxl || echo libxc)
	skip=$(rnd $((s + 11)) 2)
	args="guest=$guest width=$width guest_width=$gwidth pages=$pages batch=$batch vcpus=$vcpus
	      offline_every=$off live_rounds=$live xtab_every=$xt tsc=$(rnd $((s + 12)) 2)
	      extv=$(rnd $((s + 13)) 2) xsave_size=$(( $(rnd $((s + 14)) 2) * 832 ))
	      pt_types=$(rnd $((s + 15)) 2) hvm_params=$(rnd $((s + 16)) 2)
	      verify_mode=$(rnd $((s + 17)) 2) last_checkpoint=$(rnd $((s + 18)) 2)
	      unmapped=$(rnd $((s + 19)) 4) qemu=$qemu qemu_len=$((1 + $(rnd $((s + 20)) 20000)))
	      hvm_ctx_len=$((1 + $(rnd $((s + 21)) 9000))) seed=$s"
	[ "$fmt" = libxl ] && [ "$guest" = hvm ] && args="$args qemu=1"
	# shellcheck disable=SC2086
	"$GEN" "$w/in" $args
	popts="-w $width -g $guest -f $fmt"
	sopts="--format $fmt"
	if [ "$skip" = 1 ] || { [ "$guest" = hvm ] && [ "$qemu" = 0 ]; }; then
		popts="$popts --skip-qemu"; sopts="$sopts --skip-qemu"
	fi
	"$PEER" -i "$w/in" -o "$w/peer" $popts 2>"$w/perr"; prc=$?
	"$SIF" image convert "$w/in" "$w/sif" $sopts 2>"$w/serr"; src=$?
	if [ $prc -eq 0 ] && [ $src -eq 0 ] && cmp -s "$w/peer" "$w/sif"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "!! valid variation $i differs: peer $prc sif $src: $args $popts"
		head -c 300 "$w/serr"
	fi
	# The same with 1..4 random bytes flipped past the first 8.
	size=$(stat -c %s "$w/in")
	nflip=$((1 + $(rnd $((s + 30)) 4)))
	k=0
	while [ $k -lt $nflip ]; do
		# Mostly where the structure is: the head and the tail.
		case $((k % 3)) in
		0) span=$((size - 8 < 8192 ? size - 8 : 8192)); off=$((8 + $(rnd $((s + 31 + k)) $span))) ;;
		1) span=$((size - 8 < 65536 ? size - 8 : 65536)); off=$((size - 1 - $(rnd $((s + 31 + k)) $span))) ;;
		*) off=$((8 + $(rnd $((s + 31 + k)) $((size - 8))))) ;;
		esac
		printf "\\$(printf %o $(( $(rnd $((s + 41 + k)) 256) )))" |
			dd of="$w/in" bs=1 seek=$off conv=notrunc status=none
		k=$((k + 1))
	done
	mutated=$((mutated + 1))
	rm -f "$w/sif" "$w/peer"
	"$PEER" -i "$w/in" -o "$w/peer" $popts 2>/dev/null; prc=$?
	"$SIF" image convert "$w/in" "$w/sif" $sopts 2>"$w/serr"; src=$?
	if [ $src -eq 0 ] && [ ! -s "$w/sif" ]; then
		echo "!! mutated $i: sif exit 0 with no output"
	fi
	if [ $src -ne 0 ] && [ -e "$w/sif" ]; then
		echo "!! mutated $i: sif failed but left $w/sif"; rm -f "$w/sif"
	fi
	if [ $src -gt 1 ]; then
		echo "!! mutated $i: sif exit $src: $(head -c 300 "$w/serr")"
	fi
	if [ $prc -eq 0 ] && [ $src -eq 0 ]; then
		if cmp -s "$w/peer" "$w/sif"; then mut_same=$((mut_same + 1))
		else mut_differ=$((mut_differ + 1)); echo "!! mutated $i: both succeed, outputs differ: $args $popts"; fi
	elif [ $prc -ne 0 ] && [ $src -ne 0 ]; then both_fail=$((both_fail + 1))
	elif [ $src -ne 0 ]; then sif_stricter=$((sif_stricter + 1))
		echo "   mutated $i: sif refuses, peer accepts: $(head -c 200 "$w/serr")"
	else peer_stricter=$((peer_stricter + 1))
		echo "!! mutated $i: peer refuses, sif accepts: $args $popts"
	fi
	rm -f "$w/sif" "$w/peer"
	i=$((i + 1))
done
echo "valid: $same equal, $differ different; mutated: $mut_same both ok and equal," \
	"$mut_differ both ok but different, $both_fail both refuse, $sif_stricter only sif refuses," \
	"$peer_stricter only the peer refuses"
[ $differ -eq 0 ] && [ $mut_differ -eq 0 ] && [ $peer_stricter -eq 0 ]
