/*
 * Writing a suspend image (see sif/image.h): the stream's bytes go to a
 * target, a regular file (through sif_atomic_*: nothing is presented
 * until the commit renames it) or a block device (in place).  One sink per
 * container, as an ops table:
 *
 *   raw   the stream is written from offset 0 of the target;
 *   ext2  a fresh ext2 filesystem (ext2_mkfs.c) with the file
 *         suspend-image preallocated for max_bytes; the stream is written
 *         through the file's block runs with large writes or kernel copies
 *         at device offsets; the commit trims the file and writes the
 *         filesystem metadata.
 *
 * On a device nothing may look like a valid image before the commit: the
 * first 4 KiB (old signature, old ext2 superblock) are wiped at open, a raw
 * image's signature is written last, an ext2 superblock only at commit;
 * abort wipes them again.
 *
 * Every image is fsync'd before the commit presents it.  So that the disk
 * works while the converter does and the fsync finds little left to write,
 * writeback of what is written is started every WRITEBACK_BYTES
 * (sync_file_range, a hint that promises nothing: the fsync still decides
 * and reports).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ext2_int.h"
#include "sif/image.h"

#define WIPE_BYTES 4096
#define DEFER_BYTES SIF_FRAME_SIGNATURE_LEN
#define WRITEBACK_BYTES (8u << 20)

struct sink_ops;

struct sif_image_writer {
	const struct sink_ops *ops;
	char *path;
	bool is_dev;
	struct sif_atomic_file af;      /* files */
	int fd;                         /* where bytes go: af.fd or the device */
	uint64_t dev_bytes;             /* device size (0 for a growing raw file) */
	uint64_t cap;                   /* most stream bytes accepted */
	uint64_t pos;                   /* stream bytes written */
	uint64_t kicked;                /* pos when writeback was last started */
	struct sif_image_writer_opts o;
	/* raw on a device: the signature, written at commit */
	unsigned char head[DEFER_BYTES];
	/* ext2 */
	ext2_filsys fs;
	ext2_ino_t ino;
	struct ext2_map map;
};

struct sink_ops {
	const char *name;
	int (*open)(struct sif_image_writer *w, struct sif_err *err);
	/* Device offset of stream offset off, and contiguous bytes from there. */
	void (*map)(struct sif_image_writer *w, uint64_t off, uint64_t *dev, uint64_t *contig);
	int (*commit)(struct sif_image_writer *w, struct sif_err *err);
	void (*abort)(struct sif_image_writer *w);
};

/* --- raw ---------------------------------------------------------------- */

static int raw_sink_open(struct sif_image_writer *w, struct sif_err *err)
{
	(void)err;
	w->cap = w->dev_bytes ? w->dev_bytes : UINT64_MAX;
	return 0;
}

static void raw_sink_map(struct sif_image_writer *w, uint64_t off, uint64_t *dev,
			 uint64_t *contig)
{
	*dev = off;
	*contig = w->cap - off;
}

static int raw_sink_commit(struct sif_image_writer *w, struct sif_err *err)
{
	if (!w->is_dev)
		return 0;
	/* Everything else is durable before the signature makes it an image. */
	if (fsync(w->fd) < 0)
		return sif_errno(err, SIF_EIO, "%s: fsync", w->path);
	if (pwrite(w->fd, w->head, sizeof(w->head), 0) != (ssize_t)sizeof(w->head))
		return sif_errno(err, SIF_EIO, "%s: writing the image signature", w->path);
	return 0;
}

static void raw_sink_abort(struct sif_image_writer *w)
{
	(void)w;
}

static const struct sink_ops raw_sink = {
	.name = "raw",
	.open = raw_sink_open,
	.map = raw_sink_map,
	.commit = raw_sink_commit,
	.abort = raw_sink_abort,
};

/* --- ext2 --------------------------------------------------------------- */

static int ext2_sink_open(struct sif_image_writer *w, struct sif_err *err)
{
	struct ext2_mkfs_opts mo = { .file_bytes = w->o.max_bytes, .now = w->o.now };
	const char *fs_path = w->is_dev ? w->path : w->af.tmp;

	if (!w->o.max_bytes)
		return sif_errf(err, SIF_EUSAGE, "%s: an ext2 image needs its size up front", w->path);
	if (w->is_dev) {
		mo.dev_bytes = w->dev_bytes;
	} else {
		mo.dev_bytes = ext2_mkfs_min_bytes(w->o.max_bytes);
		if (ftruncate(w->fd, (off_t)mo.dev_bytes) < 0)
			return sif_errno(err, SIF_EIO, "%s: sizing to %llu bytes", w->af.tmp,
					 (unsigned long long)mo.dev_bytes);
	}
	if (w->o.fixed_uuid)
		memcpy(mo.uuid, w->o.uuid, sizeof(mo.uuid));
	else if (getrandom(mo.uuid, sizeof(mo.uuid), 0) != (ssize_t)sizeof(mo.uuid))
		return sif_errno(err, SIF_EIO, "getrandom");
	if (!w->o.fixed_uuid) {
		mo.uuid[6] = (unsigned char)((mo.uuid[6] & 0x0f) | 0x40);   /* version 4 */
		mo.uuid[8] = (unsigned char)((mo.uuid[8] & 0x3f) | 0x80);
	}
	if (ext2_mkfs(fs_path, &mo, &w->fs, &w->ino, err) < 0)
		return -1;
	if (ext2_map_build(w->fs, w->ino, w->o.max_bytes, false, &w->map, w->path, err) < 0)
		return -1;
	w->cap = w->o.max_bytes;
	return 0;
}

static void ext2_sink_map(struct sif_image_writer *w, uint64_t off, uint64_t *dev,
			  uint64_t *contig)
{
	ext2_map_lookup(&w->map, off, dev, contig);
}

static int ext2_sink_commit(struct sif_image_writer *w, struct sif_err *err)
{
	/*
	 * On a device, data first, so the metadata never describes blocks
	 * not yet written.  A temp file is nobody's image until the rename,
	 * after one fsync of data and metadata together.
	 */
	if (w->is_dev && fsync(w->fd) < 0)
		return sif_errno(err, SIF_EIO, "%s: fsync", w->path);
	return ext2_mkfs_finish(&w->fs, w->ino, w->pos, w->is_dev, err);
}

static void ext2_sink_abort(struct sif_image_writer *w)
{
	if (w->fs)
		ext2fs_free(w->fs);
	w->fs = NULL;
}

static const struct sink_ops ext2_sink = {
	.name = "ext2",
	.open = ext2_sink_open,
	.map = ext2_sink_map,
	.commit = ext2_sink_commit,
	.abort = ext2_sink_abort,
};

/* --- common --------------------------------------------------------------- */

static int wipe_head(struct sif_image_writer *w, struct sif_err *err)
{
	static const unsigned char zero[WIPE_BYTES];
	size_t n = w->dev_bytes < WIPE_BYTES ? (size_t)w->dev_bytes : WIPE_BYTES;

	if (pwrite(w->fd, zero, n, 0) != (ssize_t)n || fsync(w->fd) < 0)
		return sif_errno(err, SIF_EIO, "%s: wiping the first %zu bytes", w->path, n);
	return 0;
}

static int open_target(struct sif_image_writer *w, struct sif_err *err)
{
	struct stat st;

	if (stat(w->path, &st) == 0 && S_ISBLK(st.st_mode)) {
		w->is_dev = true;
		/* O_EXCL on a block device: refuse one that is mounted or in use. */
		w->fd = open(w->path, O_RDWR | O_EXCL | O_CLOEXEC);
		if (w->fd < 0)
			return sif_errno(err, SIF_EIO, "%s: opening the device", w->path);
		if (ioctl(w->fd, BLKGETSIZE64, &w->dev_bytes) < 0)
			return sif_errno(err, SIF_EIO, "%s: size of block device", w->path);
		return wipe_head(w, err);
	}
	if (sif_atomic_open(&w->af, w->path, w->o.mode ? w->o.mode : 0600, err) < 0)
		return -1;
	w->fd = w->af.fd;
	return 0;
}

int sif_image_writer_open(struct sif_image_writer **wp, const char *path,
			  const struct sif_image_writer_opts *o, struct sif_err *err)
{
	struct sif_image_writer *w;

	*wp = NULL;
	if (o->format != SIF_IMAGE_RAW && o->format != SIF_IMAGE_STRUCTURED &&
	    o->format != SIF_IMAGE_LEGACY)
		return sif_errf(err, SIF_EUSAGE, "%s: unknown image format", path);
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	w->fd = -1;
	w->af.fd = -1;
	w->o = *o;
	if (!w->o.now)
		w->o.now = (int64_t)time(NULL);
	w->ops = o->format == SIF_IMAGE_RAW ? &raw_sink : &ext2_sink;
	if (open_target(w, err) < 0 || w->ops->open(w, err) < 0) {
		sif_image_writer_abort(w);
		return -1;
	}
	*wp = w;
	return 0;
}

static int room(struct sif_image_writer *w, uint64_t n, struct sif_err *err)
{
	if (n > w->cap - w->pos)
		return sif_errf(err, SIF_EREFUSED,
				"%s: the image needs more than the %llu bytes %s", w->path,
				(unsigned long long)w->cap,
				w->ops == &ext2_sink ? "announced for its ext2 file" : "the device has");
	return 0;
}

/*
 * Start writeback of what was written since the last time, without
 * waiting for it.  Its errors are left to the fsync, which sees them too.
 */
static void start_writeback(struct sif_image_writer *w)
{
	if (w->pos - w->kicked < WRITEBACK_BYTES)
		return;
	w->kicked = w->pos;
	(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* Position the target fd at stream offset w->pos; return contiguous bytes. */
static uint64_t seek_to_pos(struct sif_image_writer *w, struct sif_err *err)
{
	uint64_t dev, contig;

	w->ops->map(w, w->pos, &dev, &contig);
	if (lseek(w->fd, (off_t)dev, SEEK_SET) < 0) {
		sif_errno(err, SIF_EIO, "%s: lseek", w->path);
		return 0;
	}
	return contig;
}

int sif_image_writer_write(struct sif_image_writer *w, const void *buf, size_t n,
			   struct sif_err *err)
{
	const unsigned char *p = buf;

	if (room(w, n, err) < 0)
		return -1;
	while (n) {
		uint64_t contig = seek_to_pos(w, err);
		size_t chunk = n < contig ? n : (size_t)contig;
		unsigned char hold[DEFER_BYTES];

		if (!contig)
			return -1;
		if (w->is_dev && w->ops == &raw_sink && w->pos < DEFER_BYTES) {
			/* Keep the signature back until the commit. */
			chunk = chunk < DEFER_BYTES - w->pos ? chunk : (size_t)(DEFER_BYTES - w->pos);
			memcpy(w->head + w->pos, p, chunk);
			memset(hold, 0, sizeof(hold));
			if (sif_write_exact(w->fd, hold, chunk, w->path, err) < 0)
				return -1;
		} else if (sif_write_exact(w->fd, p, chunk, w->path, err) < 0) {
			return -1;
		}
		w->pos += chunk;
		p += chunk;
		n -= chunk;
	}
	start_writeback(w);
	return 0;
}

int sif_image_writer_copy(struct sif_image_writer *w, struct sif_src *src, uint64_t n,
			  const char *what, struct sif_err *err)
{
	if (room(w, n, err) < 0)
		return -1;
	while (n) {
		uint64_t contig, chunk;
		unsigned char small[DEFER_BYTES];

		if (w->is_dev && w->ops == &raw_sink && w->pos < DEFER_BYTES) {
			chunk = n < DEFER_BYTES - w->pos ? n : DEFER_BYTES - w->pos;
			if (sif_src_read_exact(src, small, (size_t)chunk, what, err) < 0 ||
			    sif_image_writer_write(w, small, (size_t)chunk, err) < 0)
				return -1;
			n -= chunk;
			continue;
		}
		contig = seek_to_pos(w, err);
		if (!contig)
			return -1;
		chunk = n < contig ? n : contig;
		if (sif_src_copy_to_fd(src, w->fd, w->path, chunk, what, err) < 0)
			return -1;
		w->pos += chunk;
		n -= chunk;
		start_writeback(w);
	}
	return 0;
}

int sif_image_writer_header(struct sif_image_writer *w, uint64_t type, uint64_t length,
			    struct sif_err *err)
{
	unsigned char h[SIF_FRAME_HEADER_LEN];

	sif_frame_header_encode(h, type, length);
	return sif_image_writer_write(w, h, sizeof(h), err);
}

uint64_t sif_image_writer_size(const struct sif_image_writer *w)
{
	return w->pos;
}

static void writer_free(struct sif_image_writer *w)
{
	ext2_map_free(&w->map);
	if (w->is_dev && w->fd >= 0)
		close(w->fd);
	sif_atomic_abort(&w->af);
	free(w->path);
	free(w);
}

int sif_image_writer_commit(struct sif_image_writer *w, struct sif_err *err)
{
	int rc = -1;

	if (w->ops->commit(w, err) < 0)
		goto out;
	if (w->is_dev) {
		if (fsync(w->fd) < 0) {
			sif_errno(err, SIF_EIO, "%s: fsync", w->path);
			goto out;
		}
	} else if (sif_atomic_commit(&w->af, err) < 0) {
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		sif_image_writer_abort(w);
		return -1;
	}
	writer_free(w);
	return 0;
}

void sif_image_writer_abort(struct sif_image_writer *w)
{
	if (!w)
		return;
	w->ops->abort(w);
	if (w->is_dev && w->fd >= 0)
		wipe_head(w, NULL);
	writer_free(w);
}
