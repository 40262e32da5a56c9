#!/bin/sh
# The Debian packages a target needs; install the missing ones when run as
# root, else print the exact command and fail.
#
#   scripts/deps.sh [demo|check|bench|fuzz|all]...     (default: all)
#
#   demo   what sif builds and runs with: the compiler, the -dev libraries,
#          cmocka (the sample-data generators share the test support code)
#          and python3 (the demo script reads JSON with it).  Nothing else:
#          the peers below pull in much more (xen-utils-4.17 brings systemd,
#          udev and a dozen system packages with it).
#   check  demo + the peers the tests run: Xen's convert-legacy-stream and
#          verify-stream-v2 (xen-utils-4.17), e2fsprogs (mke2fs, debugfs,
#          e2fsck).  Also what `make asan` and `make crashtest` need.
#   bench  check + hyperfine, GNU time, and the peers of the benchmarks
#          (xmlstarlet, xmllint, the sqlite3 shell).
#   fuzz   check + clang and its libFuzzer runtime.
set -eu

missing=""
need() { # need PACKAGE TEST...
	pkg=$1; shift
	if ! "$@" >/dev/null 2>&1; then
		case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	fi
}
has_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
has_cmd() { command -v "$1"; }
# SIF_DEPS_ROOT: look for files under another root (tests/t_deps.sh)
has_file() { test -e "${SIF_DEPS_ROOT:-}$1"; }

demo() {
	need pkg-config          has_cmd pkg-config
	need make                has_cmd make
	need gcc                 has_cmd gcc
	need libsqlite3-dev      has_pc sqlite3
	need libxml2-dev         has_pc libxml-2.0
	need libjson-c-dev       has_pc json-c
	need libext2fs-dev       has_pc ext2fs
	need libxen-dev          has_pc xencontrol
	need libxen-dev          has_pc xenguest
	need libxen-dev          has_pc xenstore
	need zlib1g-dev          has_pc zlib
	need libcmocka-dev       has_pc cmocka
	need python3             has_cmd python3
}

check() {
	demo
	need xen-utils-4.17      has_file /usr/lib/xen-4.17/bin/convert-legacy-stream
	need e2fsprogs           has_cmd debugfs
}

bench() {
	check
	need hyperfine           has_cmd hyperfine
	need time                has_file /usr/bin/time
	need xmlstarlet          has_cmd xmlstarlet
	need libxml2-utils       has_cmd xmllint
	need sqlite3             has_cmd sqlite3
}

fuzz() {
	check
	need clang               has_cmd clang
	need libclang-rt-14-dev  has_file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
}

[ $# -gt 0 ] || set -- all
for goal in "$@"; do
	case $goal in
	demo|check|bench|fuzz) $goal ;;
	all) bench; fuzz ;;
	*) echo "usage: scripts/deps.sh [demo|check|bench|fuzz|all]..." >&2; exit 2 ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "sif: missing Debian packages for $*:$missing" >&2
	echo "run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "sif: installing for $*:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
