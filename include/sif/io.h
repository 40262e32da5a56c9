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
	/* renameat2(RENAME_EXCHANGE); NULL: the filesystem has none, so a
	 * checked replacement falls back to check-then-rename. */
	int (*exchange)(const char *a, const char *b);
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
	mode_t mode;    /* the target's mode once committed */
	bool keep_owner;        /* the target existed: its owner stays */
	uid_t uid;
	gid_t gid;
};

/*
 * Create a temp file beside `path`, mode 0600 whatever the umask while it
 * is written.  On commit it takes the mode and owner of an existing target,
 * else `mode`.  Stale temp files of dead sif processes for the same target
 * are removed first.
 */
int sif_atomic_open(struct sif_atomic_file *af, const char *path, mode_t mode,
		    struct sif_err *err);
/* The committed file's mode will have no bit that `max` lacks (an output
 * made from a private input stays at most as open as that input). */
void sif_atomic_limit_mode(struct sif_atomic_file *af, mode_t max);
/* fsync, close, rename over the target, fsync the directory. */
int sif_atomic_commit(struct sif_atomic_file *af, struct sif_err *err);
/* Close and remove the temp file; the target is untouched.  Safe to repeat. */
void sif_atomic_abort(struct sif_atomic_file *af);

/* Remove temp files left beside `path` by sif processes that no longer run. */
int sif_atomic_clean_stale(const char *path, struct sif_err *err);

/*
 * Which file a path named, or a program read, and whether it was written
 * since: device, inode, size and times.  A writer that replaces a file
 * (temp + rename, as xapi does) makes another inode; one that writes in
 * place changes the size or mtime.  ctime also moves on link and rename,
 * so it is compared only while the file is ours alone to watch.
 */
struct sif_file_id {
	bool exists;            /* the path named something (always, from an fd) */
	bool regular;
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	unsigned mode;          /* st_mode */
};

/* stat(path): 0 with exists false when there is nothing; -1 on another error. */
int sif_file_id_get(const char *path, struct sif_file_id *id);
int sif_file_id_of_fd(int fd, const char *name, struct sif_file_id *id,
		      struct sif_err *err);
/* Same file (device, inode). */
bool sif_file_id_same_file(const struct sif_file_id *a, const struct sif_file_id *b);
/* Same file, same kind, size and mtime: not replaced, not written. */
bool sif_file_id_same(const struct sif_file_id *a, const struct sif_file_id *b);

/*
 * Commit in place of the exact file that was read: the temp file replaces
 * the target only if the target is still `read`, unwritten.  With
 * RENAME_EXCHANGE the check is the swap itself: what was swapped out is
 * looked at, and if it is not `read` it is swapped back (the newer file
 * stays, the temp file goes).  Without it (some filesystems), the target is
 * checked just before the rename, which leaves a window of microseconds.
 * Fails with SIF_ECHANGED (the newer file left in place) or SIF_EIO.
 */
int sif_atomic_commit_over(struct sif_atomic_file *af, const struct sif_file_id *read,
			   struct sif_err *err);

#endif
