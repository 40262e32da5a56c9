/*
 * Replacing the exact file that was read (sif/io.h, sif_atomic_commit_over).
 *
 * A program that rewrites a file another program also rewrites (xapi
 * flushes state.db by temp file and rename, at any time) must not rename
 * its result over a newer file: that would undo the other's write.  With
 * RENAME_EXCHANGE the swap itself is the check: afterwards the temp name
 * holds whatever the target was at that instant, which is either the file
 * that was read (done: it goes) or a newer one, which is swapped back.  A
 * newer file can land on the target again between two swaps; each swap is
 * therefore checked the same way, and what is removed at the end is only
 * our own result or a file that a newer one has superseded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/io.h"
#include "io_int.h"

/* Swaps back before giving up: each one lost needs another writer's
 * rename within the microseconds between two of ours. */
#define MAX_SWAPS 16

/* No RENAME_EXCHANGE here: check, then rename. */
static int check_then_rename(struct sif_atomic_file *af, const struct sif_file_id *read,
			     struct sif_err *err)
{
	struct sif_file_id now;

	if (sif_file_id_get(af->path, &now) < 0)
		return sif_errno(err, SIF_EIO, "%s", af->path);
	if (!now.exists)
		return sif_errf(err, SIF_ECHANGED, "%s: gone since it was read", af->path);
	if (!sif_file_id_same(&now, read))
		return sif_errf(err, SIF_ECHANGED,
				"%s: replaced or written since it was read", af->path);
	if (sif_fs_ops()->rename(af->tmp, af->path) < 0)
		return sif_errno(err, SIF_EIO, "renaming %s to %s", af->tmp, af->path);
	return 0;
}

/*
 * The temp name holds `displaced`, a file newer than the one read; the
 * target holds ours, unless a writer replaced it again.  Put the newest
 * file back on the target and leave on the temp name only what is
 * superseded (ours, or an older version), which the caller removes.
 */
static int swap_back(struct sif_atomic_file *af, const struct sif_file_id *ours,
		     struct sif_file_id displaced, struct sif_err *err)
{
	struct sif_file_id expect = *ours, got;
	int i;

	for (i = 0; i < MAX_SWAPS; i++) {
		if (sif_fs_ops()->exchange(af->tmp, af->path) < 0 ||
		    sif_file_id_get(af->tmp, &got) < 0 || !got.exists) {
			sif_errno(err, SIF_EIO, "%s: swapping the newer file back: it is "
				  "kept as %s", af->path, af->tmp);
			goto keep;
		}
		if (sif_file_id_same_file(&got, &expect))
			return 0;
		/* Replaced again meanwhile: what we just took off the target
		 * is the newest; what we put there is now the old one. */
		expect = displaced;
		displaced = got;
	}
	sif_errf(err, SIF_EIO, "%s: replaced %d times while sif swapped it back; %s "
		 "may be the newest and is kept", af->path, MAX_SWAPS, af->tmp);
keep:
	/* nothing that may be the newest file is removed */
	free(af->tmp);
	af->tmp = NULL;
	return -1;
}

int sif_atomic_commit_over(struct sif_atomic_file *af, const struct sif_file_id *read,
			   struct sif_err *err)
{
	struct sif_file_id ours, out;
	int rc = -1;

	if (af->fd < 0)
		return sif_errf(err, SIF_EUSAGE, "atomic file not open");
	if (sif_file_id_of_fd(af->fd, af->tmp, &ours, err) < 0 || io_atomic_seal(af, err) < 0)
		goto out;
	if (!sif_fs_ops()->exchange) {
		if (check_then_rename(af, read, err) < 0)
			goto out;
	} else if (sif_fs_ops()->exchange(af->tmp, af->path) < 0) {
		if (errno == ENOENT) {
			sif_errf(err, SIF_ECHANGED, "%s: gone since it was read", af->path);
			goto out;
		}
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
			sif_errno(err, SIF_EIO, "renaming %s to %s", af->tmp, af->path);
			goto out;
		}
		if (check_then_rename(af, read, err) < 0)
			goto out;
	} else {
		if (sif_file_id_get(af->tmp, &out) < 0 || !out.exists) {
			sif_errno(err, SIF_EIO, "%s", af->tmp);
			goto out;
		}
		if (!sif_file_id_same(&out, read)) {
			if (swap_back(af, &ours, out, err) == 0)
				sif_errf(err, SIF_ECHANGED, "%s: replaced or written since it was "
					 "read; the newer file is left in place", af->path);
			goto out;
		}
		/* the file read is on the temp name now: it goes */
		if (unlink(af->tmp) < 0 && errno != ENOENT) {
			sif_errno(err, SIF_EIO, "removing the replaced file %s", af->tmp);
			goto out;
		}
	}
	rc = io_commit_done(af, err);
out:
	sif_atomic_abort(af);
	return rc;
}
