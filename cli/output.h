/*
 * Where a converter command writes: a path or "-" (stdout).  A pipe,
 * character or block device is written in place; a regular file through
 * a temp file beside it, renamed over it only when the output is complete
 * (no partial file is ever left under its name).
 */
#ifndef SIF_CLI_OUTPUT_H
#define SIF_CLI_OUTPUT_H

#include <stdbool.h>

#include "sif/err.h"
#include "sif/io.h"

struct cli_output {
	int fd;
	bool atomic;
	struct sif_atomic_file af;
	const char *name;
};

int cli_output_open(const char *path, struct cli_output *out, struct sif_err *err);
/*
 * If fd is a pipe, ask for a 1 MiB buffer (the default pipe-max-size):
 * with 64 KiB the writer and its reader take turns every 16 pages.  Best
 * effort: a pipe left as it was only costs time.
 */
void cli_output_widen_pipe(int fd);
/* ok: commit (rename into place, close); else drop the temp file. */
int cli_output_close(struct cli_output *out, bool ok, struct sif_err *err);

#endif
