/*
 * pool-convert-legacy's worker processes: each planned VDI's image is
 * written (or, dry run, converted and verified in memory) by a child
 * process of its own, at most N at a time, while the parent keeps the one
 * pool-DB connection and commits each finished conversion itself.  A
 * child reports progress and its outcome through a pipe; it dies with the
 * parent (PR_SET_PDEATHSIG), so a killed run leaves no writer behind.
 * A process per job also bounds each job's memory on its own.  A job's
 * fsync, read-back and commit overlap the next job's conversion, and the
 * next job opens and checks its image while the one before it writes.
 */
#ifndef SIF_CLI_CONVERT_WORKERS_H
#define SIF_CLI_CONVERT_WORKERS_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "convert_common.h"
#include "progress.h"
#include "sif/vdi_convert.h"

struct conv_job {
	struct sif_vdi_conv v;          /* loaded and checked in the plan */
	char *out;                      /* the new image's path */
	struct convert_row row;
	/* while it runs */
	pid_t pid;
	int fd;                         /* the pipe's read end */
	uint64_t pos;                   /* input bytes converted so far */
	struct timespec t0;
	unsigned slot;                  /* the slot it writes in (see convert_workers.c) */
	bool begun;                     /* holds its slot: writing */
	bool written;                   /* every byte written: its slot is free */
	bool have_result;
	/* its outcome */
	int rc;
	struct sif_vdi_conv_result res;
	struct sif_err err;
};

/* Called in the parent as each job ends (rc, res, err filled). */
typedef void (*conv_job_done)(void *ctx, struct conv_job *j);

/*
 * Run every job, at most max_jobs writing at a time (as many more opening
 * their image to write next, and up to as many finishing: fsync,
 * read-back); progress shows jobs done and input bytes.  0, or -1 if the
 * workers could not be started at all.
 */
int conv_workers_run(struct conv_job *jobs, size_t n, unsigned max_jobs, bool dry_run,
		     const struct sif_vdi_conv_opts *o, struct cli_progress *p,
		     conv_job_done done, void *ctx, struct sif_err *err);

#endif
