/*
 * The sub-range sif_src: the next LEN bytes of a parent source, for a
 * record whose length its header gives (a qemu record, a framed record).
 * It consumes from the parent exactly what its reader asks for, keeps the
 * parent's name and absolute offsets, and turns reading past LEN into a
 * truncation of the record rather than a read of the next one.
 */
#include <errno.h>
#include <stdlib.h>

#include "sif/src.h"
#include "src_internal.h"

static ssize_t sub_read(struct sif_src *s, void *buf, size_t n, uint64_t at)
{
	(void)at;
	return sif_src__take(s->priv, buf, n);
}

static ssize_t sub_copy(struct sif_src *s, int out_fd, size_t n, uint64_t at)
{
	(void)at;
	return sif_src__give(s->priv, out_fd, n);
}

static int sub_sync(struct sif_src *s, uint64_t at)
{
	(void)at;
	sif_src__sync(s->priv);
	return 0;
}

static const struct sif_src_ops sub_ops = {
	.kind = "sub",
	.read = sub_read,
	.copy = sub_copy,
	.sync = sub_sync,
};

int sif_src_open_sub(struct sif_src *sub, struct sif_src *parent,
		     uint64_t len, struct sif_err *err)
{
	uint64_t end = parent->pos + len;

	if (end < parent->pos)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: length %llu overflows",
				parent->name, (unsigned long long)parent->pos,
				(unsigned long long)len);
	/* Shared, so that the sub never reads ahead of what it consumes. */
	return sif_src_init(sub, &sub_ops, parent, -1, parent->name,
			    (parent->flags & ~SIF_SRC_CLOSE_FD) | SIF_SRC_SHARED,
			    false, parent->pos, end, err);
}
