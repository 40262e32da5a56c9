#!/bin/sh
# make install (make check): into a DESTDIR, the drop-in xenopsd runs is
# PREFIX/libexec/sif/convert-legacy-stream, a link to the installed sif that
# answers as convert-legacy-stream and converts; its man page shows the
# xenopsd.conf line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$SIF_BUILD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

make -s -C "$top" install B="$B" DESTDIR="$tmp/root" PREFIX=/usr/local >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log" >&2; fail "make install"; }
drop="$tmp/root/usr/local/libexec/sif/convert-legacy-stream"
[ -L "$drop" ] || fail "no link $drop"
[ "$(readlink "$drop")" = "../../bin/sif" ] || fail "$drop -> $(readlink "$drop")"
"$drop" --help > "$tmp/help" || fail "--help: exit $?"
grep -q "^Usage: convert-legacy-stream \[options\] -i INPUT -o OUTPUT -w WIDTH -g GUEST" \
	"$tmp/help" || fail "--help does not answer as convert-legacy-stream"
"$B/tests/gen_v1" "$tmp/s.v1" guest=pv width=32 guest_width=64 pages=40 vcpus=2 seed=3
"$drop" -i "$tmp/s.v1" -o "$tmp/a" -w 32 -g pv
"$B/bin/sif" image convert --width 32 "$tmp/s.v1" "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "the installed drop-in converts differently"
man1="$tmp/root/usr/local/share/man/man1/convert-legacy-stream.1"
[ -f "$man1" ] || fail "no $man1"
grep -q '^convert\\-legacy\\-stream=/usr/local/libexec/sif/convert\\-legacy\\-stream' "$man1" ||
	fail "the man page does not show the xenopsd.conf line"
echo "install: PREFIX/libexec/sif/convert-legacy-stream links to sif, converts; man page with the xenopsd.conf line"
