/*
 * The ext2 container: the image stream is the regular file suspend-image
 * in the root directory of an ext2 filesystem on the device.
 *
 * libext2fs opens and checks the filesystem (superblock, group
 * descriptors), looks the file up and walks its block map once
 * (ext2_map.c); then the filesystem is closed again, and the stream is a
 * sif_src whose reads are preads (and kernel copies) on the device at the
 * mapped offsets: large I/O, no per-block library calls, and the
 * filesystem's caches freed before the first byte of the image is read.
 * Sparse holes of the file (zero blocks `mke2fs -d` left unallocated)
 * read as zeros, as the kernel reads them, and a kernel copy writes zeros
 * for them rather than moving any device block.  Offsets in messages are
 * offsets in the file.  Never mounts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container_int.h"
#include "ext2_int.h"

struct ext2_src {
	struct ext2_map map;
};

static ssize_t ext2_src_read(struct sif_src *s, void *buf, size_t n, uint64_t at)
{
	struct ext2_src *e = s->priv;
	uint64_t dev, contig;

	if (at >= e->map.size || n == 0)
		return 0;
	ext2_map_lookup(&e->map, at, &dev, &contig);
	if (n > contig)
		n = (size_t)contig;
	if (dev == EXT2_MAP_HOLE) {
		memset(buf, 0, n);
		return (ssize_t)n;
	}
	return pread(s->fd, buf, n, (off_t)dev);
}

/* A hole has no device block to copy: its zeros are written from memory. */
static ssize_t write_zeros(int out_fd, size_t n)
{
	static const unsigned char zeros[64 * 1024];

	return write(out_fd, zeros, n < sizeof(zeros) ? n : sizeof(zeros));
}

static ssize_t ext2_src_copy(struct sif_src *s, int out_fd, size_t n, uint64_t at)
{
	struct ext2_src *e = s->priv;
	uint64_t dev, contig;

	if (at >= e->map.size || n == 0)
		return 0;
	ext2_map_lookup(&e->map, at, &dev, &contig);
	if (n > contig)
		n = (size_t)contig;
	if (dev == EXT2_MAP_HOLE)
		return write_zeros(out_fd, n);
	return sif_fd_kcopy(s->fd, dev, out_fd, n);
}

static void ext2_src_close(struct sif_src *s)
{
	struct ext2_src *e = s->priv;

	if (e) {
		ext2_map_free(&e->map);
		free(e);
	}
	s->priv = NULL;
}

static const struct sif_src_ops ext2_src_ops = {
	.kind = "ext2",
	.read = ext2_src_read,
	.copy = ext2_src_copy,
	.close = ext2_src_close,
};

static bool ext2_probe(const unsigned char *head, size_t n)
{
	return n >= SIF_EXT2_MAGIC_OFFSET + 2 &&
	       head[SIF_EXT2_MAGIC_OFFSET] == (EXT2_SUPER_MAGIC & 0xff) &&
	       head[SIF_EXT2_MAGIC_OFFSET + 1] == (EXT2_SUPER_MAGIC >> 8);
}

struct names {
	char list[160];
	int n;
};

static int collect_name(struct ext2_dir_entry *d, int offset, int blocksize,
			char *buf, void *priv)
{
	struct names *nm = priv;
	int len = ext2fs_dirent_name_len(d);
	size_t used = strlen(nm->list);

	(void)offset;
	(void)blocksize;
	(void)buf;
	if ((len == 1 && d->name[0] == '.') || (len == 2 && !memcmp(d->name, "..", 2)))
		return 0;
	if (nm->n++ < 6 && used + (size_t)len + 4 < sizeof(nm->list))
		snprintf(nm->list + used, sizeof(nm->list) - used, "%s%.*s",
			 used ? ", " : "", len, d->name);
	return 0;
}

static int not_found(ext2_filsys fs, const char *path, struct sif_err *err)
{
	struct names nm = { "", 0 };

	ext2fs_dir_iterate(fs, EXT2_ROOT_INO, 0, NULL, collect_name, &nm);
	return sif_errf(err, SIF_EFORMAT,
			"%s: the ext2 filesystem has no file " SIF_EXT2_FILE
			" in its root directory (it holds %d entr%s%s%s%s)",
			path, nm.n, nm.n == 1 ? "y" : "ies", nm.n ? ": " : "", nm.list,
			nm.n > 6 ? ", ..." : "");
}

/* Find suspend-image and check it can be read as a plain byte stream. */
static int find_file(ext2_filsys fs, const char *path, ext2_ino_t *ino,
		     struct ext2_inode *inode, struct sif_err *err)
{
	errcode_t ec;

	ec = ext2fs_lookup(fs, EXT2_ROOT_INO, SIF_EXT2_FILE, strlen(SIF_EXT2_FILE), NULL, ino);
	if (ec == EXT2_ET_FILE_NOT_FOUND)
		return not_found(fs, path, err);
	if (ec)
		return sif_errf(err, SIF_EFORMAT, "%s: corrupt ext2 filesystem: looking up "
				SIF_EXT2_FILE ": %s", path, ext2_strerror(ec));
	if (*ino < EXT2_FIRST_INODE(fs->super) || *ino > fs->super->s_inodes_count)
		return sif_errf(err, SIF_EFORMAT,
				"%s: corrupt ext2 filesystem: " SIF_EXT2_FILE " points to inode %u",
				path, *ino);
	if ((ec = ext2fs_read_inode(fs, *ino, inode)))
		return sif_errf(err, SIF_EFORMAT, "%s: corrupt ext2 filesystem: reading inode %u: %s",
				path, *ino, ext2_strerror(ec));
	if (LINUX_S_ISDIR(inode->i_mode))
		return sif_errf(err, SIF_EFORMAT, "%s: " SIF_EXT2_FILE " in the ext2 filesystem is a directory, "
				"not the image file", path);
	if (!LINUX_S_ISREG(inode->i_mode))
		return sif_errf(err, SIF_EFORMAT, "%s: " SIF_EXT2_FILE " in the ext2 filesystem is not a regular "
				"file (mode 0%o)", path, inode->i_mode);
	if (inode->i_flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL | EXT4_ENCRYPT_FL |
			      EXT2_COMPR_FL))
		return sif_errf(err, SIF_EFORMAT,
				"%s: " SIF_EXT2_FILE " uses inode flags 0x%x (extents, inline data, "
				"encryption or compression): an ext2 suspend image has a plain block map",
				path, inode->i_flags);
	return 0;
}

static int ext2_open_fs(struct sif_image *img, ext2_filsys *fs, struct sif_err *err)
{
	uint64_t fs_bytes;
	errcode_t ec;

	ec = ext2fs_open2(img->path, NULL, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, fs);
	if (ec) {
		*fs = NULL;
		return sif_errf(err, SIF_EFORMAT, "%s: corrupt ext2 filesystem: %s", img->path,
				ext2_strerror(ec));
	}
	if ((ec = ext2fs_check_desc(*fs)))
		return sif_errf(err, SIF_EFORMAT, "%s: corrupt ext2 filesystem: %s", img->path,
				ext2_strerror(ec));
	fs_bytes = ext2fs_blocks_count((*fs)->super) * (uint64_t)(*fs)->blocksize;
	if (fs_bytes > img->dev_size)
		return sif_errf(err, SIF_EFORMAT,
				"%s: the ext2 filesystem claims %llu bytes, the device has %llu",
				img->path, (unsigned long long)fs_bytes,
				(unsigned long long)img->dev_size);
	return 0;
}

static int ext2_open(struct sif_image *img, unsigned src_flags, struct sif_err *err)
{
	struct ext2_src *e = NULL;
	struct ext2_inode inode;
	ext2_filsys fs = NULL;
	ext2_ino_t ino;
	char *name = NULL;
	uint64_t size;
	int rc = -1;

	if (ext2_open_fs(img, &fs, err) < 0 || find_file(fs, img->path, &ino, &inode, err) < 0)
		goto out;
	size = EXT2_I_SIZE(&inode);
	e = calloc(1, sizeof(*e));
	if (!e || asprintf(&name, "%s:" SIF_EXT2_FILE, img->path) < 0) {
		name = NULL;
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (ext2_map_build(fs, ino, size, true, &e->map, img->path, err) < 0)
		goto out;
	img->ext2_block_size = fs->blocksize;
	img->ext2_runs = e->map.n - e->map.holes;
	img->ext2_holes = e->map.holes;
	img->ext2_hole_bytes = e->map.hole_bytes;
	img->stream_size = size;
	/* The image fd stays the image's: the source must not close it. */
	if (sif_src_init(&img->src, &ext2_src_ops, e, img->fd, name,
			 src_flags & ~SIF_SRC_CLOSE_FD, true, 0, size, err) < 0)
		goto out;
	e = NULL;
	rc = 0;
out:
	if (e) {
		ext2_map_free(&e->map);
		free(e);
	}
	free(name);
	if (fs)
		ext2fs_close_free(&fs);
	return rc;
}

static void ext2_close(struct sif_image *img)
{
	(void)img;
}

const struct sif_container_ops sif_container_ext2 = {
	.kind = SIF_CONTAINER_EXT2,
	.name = "ext2",
	.probe = ext2_probe,
	.open = ext2_open,
	.close = ext2_close,
};
