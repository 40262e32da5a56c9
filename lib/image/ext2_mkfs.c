/*
 * A fresh ext2 filesystem holding one preallocated file, made with
 * libext2fs the way mke2fs makes a plain ext2 (rev 1, 4 KiB blocks,
 * filetype, sparse_super, large_file; root, lost+found, reserved and
 * bad-block inodes), so that e2fsck finds nothing to fix and the kernel,
 * debugfs and the reader of this project all read it.
 *
 * The file's blocks are allocated here (free ranges from libext2fs's
 * allocator, entered in the block map by ext2fs_bmap2, which places the
 * indirect blocks) but not written: the writer fills them through the run
 * map with large writes (ext2fs_fallocate and BMAP_ALLOC would first zero
 * every block, writing the image twice).
 * Inode count and reserved blocks are kept minimal: the filesystem exists
 * to hold one file.  Not for reading images: see container_ext2.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ext2_int.h"

#define MKFS_BLOCK_SIZE 4096u
#define MKFS_LOG_BLOCK 2        /* 1024 << 2 */
#define MKFS_BLOCKS_PER_GROUP 32768u

uint64_t ext2_mkfs_min_bytes(uint64_t file_bytes)
{
	uint64_t data = (file_bytes + MKFS_BLOCK_SIZE - 1) / MKFS_BLOCK_SIZE;
	/* indirect, double and triple indirect blocks of a 4 KiB-block ext2 */
	uint64_t ind = data / 1024 + data / (1024 * 1024) + 3;
	uint64_t total = data + ind + 64, groups, gdt;

	groups = total / (MKFS_BLOCKS_PER_GROUP - 64) + 1;
	gdt = groups * 32 / MKFS_BLOCK_SIZE + 1;
	/* per group: superblock backup, descriptors, two bitmaps, inode table;
	 * plus room so libext2fs keeps the last group (it drops a tail
	 * shorter than its overhead + 50 blocks). */
	total += groups * (4 + gdt) + 64 + gdt;
	return total * MKFS_BLOCK_SIZE;
}

static int fail_ec(struct sif_err *err, const char *path, const char *what, errcode_t ec)
{
	return sif_errf(err, ec == EXT2_ET_TOOSMALL || ec == EXT2_ET_BLOCK_ALLOC_FAIL ?
			SIF_EREFUSED : SIF_EIO, "%s: %s: %s", path, what, ext2_strerror(ec));
}

static errcode_t zero_inode_tables(ext2_filsys fs)
{
	dgrp_t g;
	errcode_t ec;

	for (g = 0; g < fs->group_desc_count; g++) {
		ec = ext2fs_zero_blocks2(fs, ext2fs_inode_table_loc(fs, g),
					 (int)fs->inode_blocks_per_group, NULL, NULL);
		if (ec)
			return ec;
	}
	return 0;
}

/* What mke2fs does after the tables: root, lost+found, reserved inodes. */
static int make_skeleton(ext2_filsys fs, const char *path, struct sif_err *err)
{
	ext2_ino_t i;
	errcode_t ec;

	if ((ec = zero_inode_tables(fs)))
		return fail_ec(err, path, "writing inode tables", ec);
	if ((ec = ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, 0)))
		return fail_ec(err, path, "creating the root directory", ec);
	fs->umask = 077;
	if ((ec = ext2fs_mkdir(fs, EXT2_ROOT_INO, 0, "lost+found")))
		return fail_ec(err, path, "creating lost+found", ec);
	for (i = EXT2_ROOT_INO + 1; i < EXT2_FIRST_INODE(fs->super); i++)
		ext2fs_inode_alloc_stats2(fs, i, +1, 0);
	ext2fs_mark_ib_dirty(fs);
	ext2fs_mark_inode_bitmap2(fs->inode_map, EXT2_BAD_INO);
	ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
	if ((ec = ext2fs_update_bb_inode(fs, NULL)))
		return fail_ec(err, path, "writing the bad-block inode", ec);
	return 0;
}

/*
 * Data blocks are taken in free ranges (ext2fs_new_range) and entered in
 * the block map with BMAP_SET, which allocates the indirect blocks as it
 * needs them: libext2fs's BMAP_ALLOC would also zero every data block
 * through its cache (and could write those zeros over the image later).
 */
static int allocate_blocks(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode,
			   uint64_t nblocks, const char *path, struct sif_err *err)
{
	blk64_t goal = ext2fs_find_inode_goal(fs, ino, inode, 0), start, len, i;
	uint64_t lblk = 0;
	char *buf = NULL;
	errcode_t ec;
	int rc = -1;

	if ((ec = ext2fs_get_array(2, fs->blocksize, &buf))) {
		fail_ec(err, path, "allocating memory", ec);
		goto out;
	}
	while (lblk < nblocks) {
		if ((ec = ext2fs_new_range(fs, 0, goal, nblocks - lblk, NULL, &start, &len))) {
			fail_ec(err, path, "allocating the blocks of " SIF_EXT2_FILE, ec);
			goto out;
		}
		if (len > nblocks - lblk)
			len = nblocks - lblk;
		ext2fs_block_alloc_stats_range(fs, start, len, +1);
		for (i = 0; i < len; i++, lblk++) {
			blk64_t pblk = start + i;

			ec = ext2fs_bmap2(fs, ino, inode, buf, BMAP_SET | BMAP_ALLOC, lblk, NULL,
					  &pblk);
			if (ec) {
				fail_ec(err, path, "mapping the blocks of " SIF_EXT2_FILE, ec);
				goto out;
			}
		}
		if ((ec = ext2fs_iblk_add_blocks(fs, inode, len))) {
			fail_ec(err, path, "counting the blocks of " SIF_EXT2_FILE, ec);
			goto out;
		}
		goal = start + len;
	}
	rc = 0;
out:
	ext2fs_free_mem(&buf);
	return rc;
}

static int make_file(ext2_filsys fs, const char *path, uint64_t bytes, int64_t now,
		     ext2_ino_t *ino, struct sif_err *err)
{
	struct ext2_inode inode;
	uint64_t nblocks = (bytes + fs->blocksize - 1) / fs->blocksize;
	errcode_t ec;

	if ((ec = ext2fs_new_inode(fs, EXT2_ROOT_INO, LINUX_S_IFREG | 0600, NULL, ino)))
		return fail_ec(err, path, "allocating the inode of " SIF_EXT2_FILE, ec);
	if ((ec = ext2fs_link(fs, EXT2_ROOT_INO, SIF_EXT2_FILE, *ino, EXT2_FT_REG_FILE)))
		return fail_ec(err, path, "linking " SIF_EXT2_FILE, ec);
	ext2fs_inode_alloc_stats2(fs, *ino, +1, 0);
	memset(&inode, 0, sizeof(inode));
	inode.i_mode = LINUX_S_IFREG | 0600;
	inode.i_links_count = 1;
	inode.i_atime = inode.i_ctime = inode.i_mtime = (__u32)now;
	if ((ec = ext2fs_write_new_inode(fs, *ino, &inode)))
		return fail_ec(err, path, "writing the inode of " SIF_EXT2_FILE, ec);
	if (allocate_blocks(fs, *ino, &inode, nblocks, path, err) < 0)
		return -1;
	if ((ec = ext2fs_inode_size_set(fs, &inode, bytes)))
		return fail_ec(err, path, "setting the size of " SIF_EXT2_FILE, ec);
	if ((ec = ext2fs_write_inode(fs, *ino, &inode)))
		return fail_ec(err, path, "writing the inode of " SIF_EXT2_FILE, ec);
	/*
	 * Metadata out of libext2fs's cache before the image data goes in;
	 * switching the cache off and on writes it without the fsync of
	 * io_channel_flush (the image's own fsync comes before its commit).
	 */
	if ((ec = io_channel_set_options(fs->io, "cache=off")) ||
	    (ec = io_channel_set_options(fs->io, "cache=on")))
		return fail_ec(err, path, "writing the block map", ec);
	return 0;
}

int ext2_mkfs(const char *path, const struct ext2_mkfs_opts *o, ext2_filsys *fsp,
	      ext2_ino_t *ino, struct sif_err *err)
{
	struct ext2_super_block param;
	ext2_filsys fs = NULL;
	errcode_t ec;
	int rc = -1;

	*fsp = NULL;
	memset(&param, 0, sizeof(param));
	ext2fs_blocks_count_set(&param, o->dev_bytes / MKFS_BLOCK_SIZE);
	param.s_log_block_size = MKFS_LOG_BLOCK;
	param.s_rev_level = EXT2_DYNAMIC_REV;
	param.s_inodes_count = 16;
	ext2fs_set_feature_filetype(&param);
	ext2fs_set_feature_sparse_super(&param);
	ext2fs_set_feature_large_file(&param);
	ec = ext2fs_initialize(path, EXT2_FLAG_64BITS, &param, unix_io_manager, &fs);
	if (ec) {
		fail_ec(err, path, "creating an ext2 filesystem", ec);
		goto out;
	}
	fs->now = (time_t)o->now;
	fs->super->s_mkfs_time = fs->super->s_lastcheck = (__u32)o->now;
	memcpy(fs->super->s_uuid, o->uuid, sizeof(fs->super->s_uuid));
	strncpy((char *)fs->super->s_volume_name, "sif-suspend", sizeof(fs->super->s_volume_name));
	if ((ec = ext2fs_allocate_tables(fs))) {
		fail_ec(err, path, "allocating the filesystem tables", ec);
		goto out;
	}
	if (make_skeleton(fs, path, err) < 0)
		goto out;
	if (ext2fs_free_blocks_count(fs->super) * fs->blocksize < o->file_bytes) {
		sif_errf(err, SIF_EREFUSED,
			 "%s: an ext2 filesystem of %llu bytes has room for %llu bytes, the image needs %llu",
			 path, (unsigned long long)o->dev_bytes,
			 (unsigned long long)(ext2fs_free_blocks_count(fs->super) * fs->blocksize),
			 (unsigned long long)o->file_bytes);
		goto out;
	}
	if (make_file(fs, path, o->file_bytes, o->now, ino, err) < 0)
		goto out;
	*fsp = fs;
	fs = NULL;
	rc = 0;
out:
	if (fs)
		ext2fs_free(fs);
	return rc;
}

int ext2_mkfs_finish(ext2_filsys *fsp, ext2_ino_t ino, uint64_t final_bytes, bool sync,
		     struct sif_err *err)
{
	ext2_filsys fs = *fsp;
	struct ext2_inode inode;
	char path[256];
	uint64_t keep = (final_bytes + fs->blocksize - 1) / fs->blocksize;
	errcode_t ec;
	int rc = -1;

	/* fs (and its device_name) is gone once closed: keep a copy. */
	snprintf(path, sizeof(path), "%s", fs->device_name);
	if ((ec = ext2fs_read_inode(fs, ino, &inode))) {
		fail_ec(err, path, "reading the inode of " SIF_EXT2_FILE, ec);
		goto out;
	}
	if (EXT2_I_SIZE(&inode) > final_bytes) {
		/* The caller reserved more than the image took: give it back. */
		if ((ec = ext2fs_punch(fs, ino, &inode, NULL, keep, ~0ULL))) {
			fail_ec(err, path, "trimming " SIF_EXT2_FILE, ec);
			goto out;
		}
	}
	if ((ec = ext2fs_inode_size_set(fs, &inode, final_bytes)) ||
	    (ec = ext2fs_write_inode(fs, ino, &inode))) {
		fail_ec(err, path, "writing the inode of " SIF_EXT2_FILE, ec);
		goto out;
	}
	/*
	 * Without the sync libext2fs writes its cache at close and drops
	 * the errors: with the cache off, every write reports its own.
	 */
	if (!sync && (ec = io_channel_set_options(fs->io, "cache=off"))) {
		fail_ec(err, path, "writing the filesystem metadata", ec);
		goto out;
	}
	/* as ext2fs_close_free: fs is freed on success, not on failure */
	ec = ext2fs_close2(fs, sync ? 0 : EXT2_FLAG_FLUSH_NO_SYNC);
	if (ec)
		ext2fs_free(fs);
	*fsp = fs = NULL;
	if (ec) {
		fail_ec(err, path, "writing the filesystem metadata", ec);
		goto out;
	}
	rc = 0;
out:
	if (fs) {
		ext2fs_free(fs);
		*fsp = NULL;
	}
	return rc;
}
