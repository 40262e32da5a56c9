#!/bin/sh
# make check's short crash test of `sif db downgrade`: 20 SIGKILLs spread
# over runs on a 10,000-VDI state.db (tests/crashtest.sh).
set -u
: "${SIF_BUILD:?}"
SIF_CRASH_CMD=downgrade SIF_CRASH_KILLS=${SIF_CRASH_KILLS:-20} \
	SIF_CRASH_VDIS=${SIF_CRASH_VDIS:-10000} \
	exec sh "$(dirname "$0")/crashtest.sh" "$SIF_BUILD"
