/*
 * Which file a path names or a descriptor holds, and whether it changed
 * (sif/io.h, struct sif_file_id): the check behind replacing only the file
 * that was read (replace_checked.c) and behind a conversion's commit
 * finding the images it started from (restore/vdi_convert.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "sif/io.h"

static void id_of_stat(const struct stat *st, struct sif_file_id *id)
{
	memset(id, 0, sizeof(*id));
	id->exists = true;
	id->regular = S_ISREG(st->st_mode);
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	id->mode = (unsigned)st->st_mode;
}

int sif_file_id_get(const char *path, struct sif_file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	id_of_stat(&st, id);
	return 0;
}

int sif_file_id_of_fd(int fd, const char *name, struct sif_file_id *id,
		      struct sif_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sif_errno(err, SIF_EIO, "%s", name);
	id_of_stat(&st, id);
	return 0;
}

bool sif_file_id_same_file(const struct sif_file_id *a, const struct sif_file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino;
}

bool sif_file_id_same(const struct sif_file_id *a, const struct sif_file_id *b)
{
	return sif_file_id_same_file(a, b) && a->regular == b->regular &&
	       a->size == b->size && a->mtime_ns == b->mtime_ns;
}
