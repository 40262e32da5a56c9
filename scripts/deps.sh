#!/bin/sh
# Check what sif needs to build, test and benchmark; install the missing
# Debian packages when run as root, else print the exact command and fail.
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
has_file() { test -e "$1"; }

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
# peers and tools for tests, fuzzing and benchmarks
need xen-utils-4.17      has_file /usr/lib/xen-4.17/bin/convert-legacy-stream
need python3             has_cmd python3
need xmlstarlet          has_cmd xmlstarlet
need libxml2-utils       has_cmd xmllint
need sqlite3             has_cmd sqlite3
need e2fsprogs           has_cmd debugfs
need hyperfine           has_cmd hyperfine
need time                has_file /usr/bin/time
need clang               has_cmd clang
need libclang-rt-14-dev  has_file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a

if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "sif: missing Debian packages:$missing" >&2
	echo "run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "sif: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
