/*
 * Is xapi at work on a directory?  xapi rewrites state.db (temp file and
 * rename) whenever its database changes; a tool that rewrites the file
 * meanwhile races it.  A process counts as xapi when its command name
 * (/proc/PID/comm) or its executable's name (/proc/PID/exe) is "xapi", and
 * it uses the directory when that is its working directory or holds a file
 * it has open.  A xapi process whose files cannot be looked at (another
 * user's, without privilege) counts as using it: sif cannot tell.
 */
#ifndef SIF_XAPI_PROC_H
#define SIF_XAPI_PROC_H

#include <limits.h>
#include <sys/types.h>

#include "sif/err.h"

struct sif_xapi_user {
	pid_t pid;
	char how[PATH_MAX + 64];        /* "working directory", "open file PATH", ... */
};

/* 0: no xapi process uses `dir`; 1: one does (*u filled); -1: error. */
int sif_xapi_using_dir(const char *dir, struct sif_xapi_user *u, struct sif_err *err);

#endif
