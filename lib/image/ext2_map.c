/*
 * File block -> device block runs of one inode (see ext2_int.h).
 *
 * libext2fs walks the block map (direct, indirect, double and triple
 * indirect blocks) with ext2fs_block_iterate3; we coalesce consecutive
 * device blocks into runs and check what the walk cannot promise on a
 * corrupt or hostile filesystem: every file block below the size at most
 * once and in order, every device block inside the filesystem.  File
 * blocks the walk skips are sparse holes: `mke2fs -d` leaves every zero
 * block of a file unallocated, and the kernel reads those as zeros, so
 * the reader gets hole runs (the writer, whose file is fully allocated,
 * refuses them).  Not for writing: allocation is libext2fs's job
 * (ext2_mkfs.c).
 */
#include <stdlib.h>
#include <string.h>

#include <et/com_err.h>

#include "ext2_int.h"

struct walk {
	struct ext2_map *m;
	uint64_t nblocks;       /* file blocks below the size */
	uint64_t next;          /* next expected file block */
	uint64_t first_data, fs_blocks;
	bool allow_holes;
	const char *name;
	struct sif_err *err;
	int failed;
};

const char *ext2_strerror(errcode_t code)
{
	return error_message(code);
}

static int add_run(struct walk *w, uint64_t lblk, uint64_t pblk, uint64_t count)
{
	struct ext2_map *m = w->m;
	struct ext2_run *r = m->n ? &m->run[m->n - 1] : NULL;

	if (r && r->lblk + r->count == lblk &&
	    (pblk == EXT2_MAP_HOLE ? r->pblk == EXT2_MAP_HOLE :
	     r->pblk != EXT2_MAP_HOLE && r->pblk + r->count == pblk)) {
		r->count += count;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		r = realloc(m->run, cap * sizeof(*r));
		if (!r)
			return sif_errf(w->err, SIF_ENOMEM, "out of memory");
		m->run = r;
		m->cap = cap;
	}
	m->run[m->n++] = (struct ext2_run){ .lblk = lblk, .pblk = pblk, .count = count };
	return 0;
}

/* File blocks [w->next, upto) have no device block. */
static int add_hole(struct walk *w, uint64_t upto)
{
	uint64_t bs = w->m->block_size, end = upto * bs;

	if (!w->allow_holes) {
		sif_errf(w->err, SIF_EFORMAT,
			 "%s: sparse hole at file offset %llu (%llu bytes not allocated) in a file "
			 "that must be fully allocated", w->name, (unsigned long long)(w->next * bs),
			 (unsigned long long)((upto - w->next) * bs));
		return -1;
	}
	if (add_run(w, w->next, EXT2_MAP_HOLE, upto - w->next) < 0)
		return -1;
	if (end > w->m->size)
		end = w->m->size;
	w->m->holes++;
	w->m->hole_bytes += end - w->next * bs;
	w->next = upto;
	return 0;
}

static int walk_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct walk *w = priv;
	uint64_t bs = fs->blocksize;

	(void)ref_blk;
	(void)ref_offset;
	if (blockcnt < 0 || (uint64_t)blockcnt >= w->nblocks)
		return 0;
	if ((uint64_t)blockcnt < w->next) {
		sif_errf(w->err, SIF_EFORMAT,
			 "%s: corrupt block map: file block %llu listed twice or out of order",
			 w->name, (unsigned long long)blockcnt);
		goto fail;
	}
	if (*blocknr < w->first_data || *blocknr >= w->fs_blocks) {
		sif_errf(w->err, SIF_EFORMAT,
			 "%s: corrupt block map: file offset %llu maps to block %llu, outside the filesystem (blocks %llu..%llu)",
			 w->name, (unsigned long long)(w->next * bs),
			 (unsigned long long)*blocknr, (unsigned long long)w->first_data,
			 (unsigned long long)(w->fs_blocks - 1));
		goto fail;
	}
	if ((uint64_t)blockcnt > w->next && add_hole(w, (uint64_t)blockcnt) < 0)
		goto fail;
	if (add_run(w, (uint64_t)blockcnt, *blocknr, 1) < 0)
		goto fail;
	w->next++;
	return 0;
fail:
	w->failed = 1;
	return BLOCK_ABORT;
}

int ext2_map_build(ext2_filsys fs, ext2_ino_t ino, uint64_t size, bool allow_holes,
		   struct ext2_map *m, const char *name, struct sif_err *err)
{
	struct walk w = { .m = m, .allow_holes = allow_holes, .name = name, .err = err };
	errcode_t ec;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	m->block_size = fs->blocksize;
	m->size = size;
	w.nblocks = size / fs->blocksize + (size % fs->blocksize != 0);
	w.first_data = fs->super->s_first_data_block;
	w.fs_blocks = ext2fs_blocks_count(fs->super);
	ec = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_DATA_ONLY | BLOCK_FLAG_READ_ONLY,
				   NULL, walk_block, &w);
	if (w.failed)
		goto out;
	if (ec) {
		sif_errf(err, SIF_EFORMAT, "%s: corrupt block map of %s: %s", name,
			 SIF_EXT2_FILE, ext2_strerror(ec));
		goto out;
	}
	if (w.next < w.nblocks && add_hole(&w, w.nblocks) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		ext2_map_free(m);
	return rc;
}

void ext2_map_lookup(struct ext2_map *m, uint64_t off, uint64_t *dev_off,
		     uint64_t *contig)
{
	uint64_t lblk = off / m->block_size;
	size_t lo = 0, hi = m->n, i = m->cursor;
	const struct ext2_run *r;
	uint64_t run_end;

	/* Readers go forward: try the current and the next run first. */
	if (!(i < m->n && lblk >= m->run[i].lblk && lblk < m->run[i].lblk + m->run[i].count)) {
		if (i + 1 < m->n && lblk >= m->run[i + 1].lblk &&
		    lblk < m->run[i + 1].lblk + m->run[i + 1].count) {
			i++;
		} else {
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;

				if (m->run[mid].lblk <= lblk)
					lo = mid;
				else
					hi = mid;
			}
			i = lo;
		}
	}
	m->cursor = i;
	r = &m->run[i];
	*dev_off = r->pblk == EXT2_MAP_HOLE ? EXT2_MAP_HOLE :
		   (r->pblk + (lblk - r->lblk)) * m->block_size + off % m->block_size;
	run_end = (r->lblk + r->count) * m->block_size;
	if (run_end > m->size)
		run_end = m->size;
	*contig = run_end - off;
}

void ext2_map_free(struct ext2_map *m)
{
	free(m->run);
	m->run = NULL;
	m->n = m->cap = 0;
}
