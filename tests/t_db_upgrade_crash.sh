#!/bin/sh
# make check's short crash test of `sif db upgrade`: 20 SIGKILLs spread over
# runs on a 20,000-VDI state.db (make crashtest: 200 on 100,000 VDIs).
set -u
: "${SIF_BUILD:?}"
SIF_CRASH_KILLS=${SIF_CRASH_KILLS:-20} SIF_CRASH_VDIS=${SIF_CRASH_VDIS:-20000} \
	exec sh "$(dirname "$0")/crashtest.sh" "$SIF_BUILD"
