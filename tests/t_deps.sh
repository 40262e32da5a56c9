#!/bin/sh
# scripts/deps.sh (make check): each target asks for its own packages and no
# more.  Run as a user without root, on a PATH where only `id` is found (so
# every tool and library counts as missing), it must fail and print the exact
# apt-get command: demo's without the test and benchmark peers (xen-utils-4.17
# pulls in systemd and udev), check's with its peers but not the benchmarks',
# bench's with hyperfine and the XML and SQLite peers.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir "$tmp/bin"
ln -s "$(command -v id)" "$tmp/bin/id"
cp "$top/scripts/deps.sh" "$tmp/deps.sh"
chmod 644 "$tmp/deps.sh"

# run GOAL: the script as nobody (when we are root), stderr into $tmp/GOAL;
# files (xen-utils' script, /usr/bin/time) are looked for under an empty root
run() {
	set -- "$1" env -i PATH="$tmp/bin" SIF_DEPS_ROOT="$tmp/empty" /bin/sh "$tmp/deps.sh" "$1"
	goal=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@" 2>"$tmp/$goal" && return 1
	else
		"$@" 2>"$tmp/$goal" && return 1
	fi
	return 0
}
has() { grep -q "apt-get install -y --no-install-recommends.* $2\( \|$\)" "$tmp/$1"; }
fail() { echo "FAIL: $*" >&2; cat "$tmp/$goal" >&2; exit 1; }

for goal in demo check bench; do
	run "$goal" || fail "$goal: exit 0 with everything missing"
	grep -q "^run as root:  apt-get update && apt-get install -y --no-install-recommends" \
		"$tmp/$goal" || fail "$goal: no apt-get command"
	for p in gcc make pkg-config libsqlite3-dev libxml2-dev libjson-c-dev libext2fs-dev \
		 libxen-dev zlib1g-dev libcmocka-dev python3; do
		has "$goal" "$p" || fail "$goal: does not ask for $p"
	done
done
for p in e2fsprogs hyperfine xmlstarlet libxml2-utils sqlite3 clang; do
	has demo "$p" && fail "demo asks for $p"
done
has check e2fsprogs || fail "check does not ask for e2fsprogs"
has check xen-utils-4.17 || fail "check does not ask for xen-utils-4.17"
for p in hyperfine xmlstarlet libxml2-utils sqlite3 clang; do
	has check "$p" && fail "check asks for $p"
done
for p in hyperfine time xmlstarlet libxml2-utils sqlite3 xen-utils-4.17; do
	has bench "$p" || fail "bench does not ask for $p"
done
grep -q xen-utils "$tmp/demo" && fail "demo asks for xen-utils-4.17"
echo "deps: demo, check and bench each ask for their own packages"
