/* What io.c lends replace_checked.c (lib-internal). */
#ifndef SIF_IO_INT_H
#define SIF_IO_INT_H

#include "sif/io.h"

/* Split path into directory (malloc'd, "." if none) and base name. */
int io_split_path(const char *path, char **dir, const char **base);
int io_fsync_dir(const char *dir, struct sif_err *err);
/* Give the temp file the target's owner and mode, fsync and close it. */
int io_atomic_seal(struct sif_atomic_file *af, struct sif_err *err);
/* The temp file is in place (or gone): forget it, fsync the directory. */
int io_commit_done(struct sif_atomic_file *af, struct sif_err *err);

#endif
