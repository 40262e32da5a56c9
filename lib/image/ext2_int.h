/*
 * lib-internal: the ext2 container, shared by the reader (container_ext2.c,
 * src_ext2.c) and the writer (ext2_mkfs.c, image_writer.c).
 *
 * A file inside the filesystem is turned once into a list of runs (file
 * block -> device block, coalesced), so that the image bytes are then read
 * and written with large preads/pwrites or kernel copies on the device fd
 * rather than through libext2fs's per-block file API.  libext2fs is used for
 * everything that interprets or changes the filesystem: opening and checking
 * it, the directory lookup, the block map, allocation, mkfs.
 */
#ifndef SIF_LIB_EXT2_INT_H
#define SIF_LIB_EXT2_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

#include "sif/err.h"

#define SIF_EXT2_FILE "suspend-image"
#define SIF_EXT2_MAGIC_OFFSET 1080   /* 1024 (superblock) + s_magic at 56 */

struct ext2_run {
	uint64_t lblk;          /* first file block */
	uint64_t pblk;          /* its device block, or EXT2_MAP_HOLE */
	uint64_t count;         /* blocks */
};

/* A run of file blocks with no device block: a sparse hole, read as zeros. */
#define EXT2_MAP_HOLE UINT64_MAX

struct ext2_map {
	struct ext2_run *run;
	size_t n, cap;
	uint32_t block_size;
	uint64_t size;          /* file size in bytes */
	size_t cursor;          /* last run found, for sequential access */
	uint64_t holes;         /* hole runs below the size */
	uint64_t hole_bytes;    /* bytes of the file they cover */
};

/*
 * Map the first ceil(size / block size) blocks of inode ino.  A block
 * outside the filesystem is an error naming `name` and the file offset;
 * blocks past the size are ignored.  A block missing in that range (a
 * sparse hole, what `mke2fs -d` makes of a zero block) becomes a hole run
 * when allow_holes, else it is an error too (the writer's freshly
 * allocated file has none).
 */
int ext2_map_build(ext2_filsys fs, ext2_ino_t ino, uint64_t size, bool allow_holes,
		   struct ext2_map *m, const char *name, struct sif_err *err);
/*
 * Find the device byte offset of file offset `off` (< size), EXT2_MAP_HOLE
 * inside a hole, and how many bytes from there are contiguous on the
 * device or in the hole (capped at the file size).
 */
void ext2_map_lookup(struct ext2_map *m, uint64_t off, uint64_t *dev_off,
		     uint64_t *contig);
void ext2_map_free(struct ext2_map *m);

/* "libext2fs: <message>" for an errcode_t. */
const char *ext2_strerror(errcode_t code);

/*
 * A fresh ext2 filesystem on `path` (a file already sized, or a block
 * device) of dev_bytes, holding one regular file SIF_EXT2_FILE of
 * file_bytes with all its blocks allocated (contents undefined until
 * written through the map).  `now` fixes every timestamp and `uuid` the
 * filesystem UUID, for reproducible images.  The fs stays open in *fsp
 * with the file's inode number in *ino; ext2_mkfs_finish() trims the file
 * to its final size and writes the metadata.
 */
struct ext2_mkfs_opts {
	uint64_t dev_bytes;
	uint64_t file_bytes;
	int64_t now;
	unsigned char uuid[16];
};
int ext2_mkfs(const char *path, const struct ext2_mkfs_opts *o, ext2_filsys *fsp,
	      ext2_ino_t *ino, struct sif_err *err);
/*
 * sync: libext2fs makes the metadata durable, the superblock last (a
 * device, which is the image as soon as it is written); false for a temp
 * file that nothing presents before its owner's own fsync.
 */
int ext2_mkfs_finish(ext2_filsys *fsp, ext2_ino_t ino, uint64_t final_bytes, bool sync,
		     struct sif_err *err);

/* The smallest device (bytes, a multiple of 4096) that holds file_bytes. */
uint64_t ext2_mkfs_min_bytes(uint64_t file_bytes);

#endif
