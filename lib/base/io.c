/*
 * read_exact/write_exact helpers and the atomic file writer.
 *
 * Temp files are named ".<target>.sif-tmp.<pid>.<n>" so that a later run
 * can tell a leftover of a killed process (pid gone) from the live work of a
 * concurrent one and remove only the former.  They are 0600 while written
 * (they may hold a state.db's secrets or a guest's memory), and take the
 * target's mode and owner only when complete.  The checked replacement of
 * a file that was read is in replace_checked.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/io.h"
#include "io_int.h"

static ssize_t real_write(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n);
}

static int real_exchange(const char *a, const char *b)
{
	return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static const struct sif_fs_ops real_ops = {
	.write = real_write,
	.fsync = fsync,
	.rename = rename,
	.exchange = real_exchange,
};

static const struct sif_fs_ops *cur_ops = &real_ops;

void sif_fs_set_ops(const struct sif_fs_ops *ops)
{
	cur_ops = ops ? ops : &real_ops;
}

const struct sif_fs_ops *sif_fs_ops(void)
{
	return cur_ops;
}

bool sif_fs_ops_replaced(void)
{
	return cur_ops != &real_ops;
}

#define STREAM_PIPE_SIZE (1 << 20)   /* /proc/sys/fs/pipe-max-size by default */

int sif_stream_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	/* best effort: a smaller pipe only costs more wake-ups */
	fcntl(fds[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE);
	return 0;
}

ssize_t sif_read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int sif_write_exact(int fd, const void *buf, size_t n, const char *what,
		    struct sif_err *err)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = cur_ops->write(fd, (const char *)buf + done, n - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sif_errno(err, SIF_EIO, "writing %s", what);
		}
		if (w == 0) {
			errno = ENOSPC;
			return sif_errno(err, SIF_EIO, "writing %s", what);
		}
		done += (size_t)w;
	}
	return 0;
}

/* Split path into directory (malloc'd, "." if none) and base name. */
int io_split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*dir = strdup(".");
		*base = path;
	} else if (slash == path) {
		*dir = strdup("/");
		*base = slash + 1;
	} else {
		*dir = strndup(path, (size_t)(slash - path));
		*base = slash + 1;
	}
	return *dir ? 0 : -1;
}

int io_fsync_dir(const char *dir, struct sif_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0)
		return sif_errno(err, SIF_EIO, "opening directory %s", dir);
	if (cur_ops->fsync(fd) < 0) {
		sif_errno(err, SIF_EIO, "fsync of directory %s", dir);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int sif_atomic_clean_stale(const char *path, struct sif_err *err)
{
	char *dir = NULL, prefix[NAME_MAX + 1];
	const char *base;
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	if (io_split_path(path, &dir, &base) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	snprintf(prefix, sizeof(prefix), ".%s.sif-tmp.", base);
	d = opendir(dir);
	if (!d) {
		sif_errno(err, SIF_EIO, "opening directory %s", dir);
		goto out;
	}
	while ((de = readdir(d))) {
		char *end, full[PATH_MAX];
		long pid;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		pid = strtol(de->d_name + strlen(prefix), &end, 10);
		if (end == de->d_name + strlen(prefix) || *end != '.' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue; /* its writer still runs */
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (unlink(full) < 0 && errno != ENOENT) {
			sif_errno(err, SIF_EIO, "removing stale temp file %s", full);
			goto out;
		}
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	free(dir);
	return rc;
}

int sif_atomic_open(struct sif_atomic_file *af, const char *path, mode_t mode,
		    struct sif_err *err)
{
	static unsigned seq;
	char *dir = NULL;
	const char *base;
	struct stat st;
	int rc = -1;

	af->fd = -1;
	af->path = af->tmp = NULL;
	af->mode = mode & 07777;
	af->keep_owner = false;
	if (io_split_path(path, &dir, &base) < 0 || !(af->path = strdup(path))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (!*base) {
		sif_errf(err, SIF_EUSAGE, "%s: not a file name", path);
		goto out;
	}
	if (sif_atomic_clean_stale(path, err) < 0)
		goto out;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			sif_errf(err, SIF_EREFUSED,
				 "%s: exists and is not a regular file", path);
			goto out;
		}
		af->mode = st.st_mode & 07777;
		af->keep_owner = true;
		af->uid = st.st_uid;
		af->gid = st.st_gid;
	}
	if (asprintf(&af->tmp, "%s/.%s.sif-tmp.%ld.%u", dir, base,
		     (long)getpid(), seq++) < 0) {
		af->tmp = NULL;
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (af->fd < 0) {
		sif_errno(err, SIF_EIO, "creating temp file %s", af->tmp);
		goto out;
	}
	/* open() applied the umask, which may leave more than 0600 (umask 0)
	 * or less (umask 0277): private and writable, exactly. */
	if (fchmod(af->fd, 0600) < 0) {
		sif_errno(err, SIF_EIO, "setting mode of %s", af->tmp);
		goto out;
	}
	rc = 0;
out:
	free(dir);
	if (rc < 0)
		sif_atomic_abort(af);
	return rc;
}

void sif_atomic_limit_mode(struct sif_atomic_file *af, mode_t max)
{
	af->mode &= max & 07777;
}

/* The target's owner (when it existed) and mode, then fsync and close. */
int io_atomic_seal(struct sif_atomic_file *af, struct sif_err *err)
{
	struct stat st;

	if (af->fd < 0)
		return sif_errf(err, SIF_EUSAGE, "atomic file not open");
	if (af->keep_owner && fstat(af->fd, &st) == 0 &&
	    (st.st_uid != af->uid || st.st_gid != af->gid) &&
	    fchown(af->fd, af->uid, af->gid) < 0)
		return sif_errno(err, SIF_EIO, "%s: cannot keep its owner %u:%u",
				 af->path, (unsigned)af->uid, (unsigned)af->gid);
	/* after fchown, which clears set-id bits */
	if (fchmod(af->fd, af->mode) < 0)
		return sif_errno(err, SIF_EIO, "setting mode of %s", af->tmp);
	if (cur_ops->fsync(af->fd) < 0)
		return sif_errno(err, SIF_EIO, "fsync of %s", af->tmp);
	if (close(af->fd) < 0) {
		af->fd = -1;
		return sif_errno(err, SIF_EIO, "closing %s", af->tmp);
	}
	af->fd = -1;
	return 0;
}

/* A rename is only durable once its directory is. */
int io_commit_done(struct sif_atomic_file *af, struct sif_err *err)
{
	char *dir = NULL;
	const char *base;
	int rc = -1;

	free(af->tmp);
	af->tmp = NULL;
	if (io_split_path(af->path, &dir, &base) < 0)
		sif_errf(err, SIF_ENOMEM, "out of memory");
	else
		rc = io_fsync_dir(dir, err);
	free(dir);
	return rc;
}

int sif_atomic_commit(struct sif_atomic_file *af, struct sif_err *err)
{
	int rc = -1;

	if (io_atomic_seal(af, err) < 0)
		goto out;
	if (cur_ops->rename(af->tmp, af->path) < 0) {
		sif_errno(err, SIF_EIO, "renaming %s to %s", af->tmp, af->path);
		goto out;
	}
	rc = io_commit_done(af, err);
out:
	sif_atomic_abort(af);
	return rc;
}

void sif_atomic_abort(struct sif_atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	af->fd = -1;
	if (af->tmp)
		unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->tmp = af->path = NULL;
}
