/*
 * Exact reads and writes, and atomic replacement of a file.
 *
 * Every write of a file that sif presents as complete (an upgraded state.db,
 * a converted image, a suspend image) goes through sif_atomic_*: a temp file
 * in the same directory, fsync, rename over the target, fsync of the
 * directory.  After a crash at any instant the target is the old file or the
 * new one.  The low-level calls go through a replaceable ops table so tests
 * can inject a failing write, fsync or rename.
 */
#ifndef SIF_IO_H
#define SIF_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sif/err.h"

struct sif_fs_ops {
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*fsync)(int fd);
	int (*rename)(const char *from, const char *to);
};

/* Replace the ops (NULL restores the real ones).  For tests. */
void sif_fs_set_ops(const struct sif_fs_ops *ops);
const struct sif_fs_ops *sif_fs_ops(void);
/* True while a test's ops are in place: kernel-side copies, which would
 * bypass them, are then not used (see sif/src.h). */
bool sif_fs_ops_replaced(void);

/*
 * Read up to n bytes, retrying short reads and EINTR.  Returns the number of
 * bytes read (less than n only at end of file), or -1 with errno set.
 */
ssize_t sif_read_full(int fd, void *buf, size_t n);

/* Write all n bytes or fail with an error naming `what`. */
int sif_write_exact(int fd, const void *buf, size_t n, const char *what,
		    struct sif_err *err);

/*
 * A close-on-exec pipe for a whole stream between two threads (a domain's
 * save or restore), grown to 1 MiB when the system allows: each buffer's
 * worth costs the two sides a wake-up, and in a Xen dom0 a wake-up across
 * vcpus goes through the hypervisor.  Returns 0, or -1 with errno set.
 */
int sif_stream_pipe(int fds[2]);

struct sif_atomic_file {
	int fd;         /* write here; -1 when not open */
	char *path;     /* the target */
	char *tmp;      /* the temp file beside it */
};

/*
 * Create a temp file beside `path` (mode taken from an existing target, else
 * `mode`).  Stale temp files of dead sif processes for the same target are
 * removed first.
 */
int sif_atomic_open(struct sif_atomic_file *af, const char *path, mode_t mode,
		    struct sif_err *err);
/* fsync, close, rename over the target, fsync the directory. */
int sif_atomic_commit(struct sif_atomic_file *af, struct sif_err *err);
/* Close and remove the temp file; the target is untouched.  Safe to repeat. */
void sif_atomic_abort(struct sif_atomic_file *af);

/* Remove temp files left beside `path` by sif processes that no longer run. */
int sif_atomic_clean_stale(const char *path, struct sif_err *err);

#endif
