/*
 * A sif_src over a memory buffer, for the fuzz targets (no fd, no syscall
 * per read).  Random access, size known; no kernel copy, so payloads go
 * through the copy fallback.
 */
#ifndef SIF_FUZZ_MEMSRC_H
#define SIF_FUZZ_MEMSRC_H

#include <string.h>

#include "sif/src.h"

struct memsrc {
	const unsigned char *data;
	size_t len;
};

static ssize_t memsrc_read(struct sif_src *s, void *buf, size_t n, uint64_t at)
{
	const struct memsrc *m = s->priv;

	if (at >= m->len)
		return 0;
	if (n > m->len - at)
		n = (size_t)(m->len - at);
	memcpy(buf, m->data + at, n);
	return (ssize_t)n;
}

static const struct sif_src_ops memsrc_ops = {
	.kind = "memory",
	.read = memsrc_read,
};

static inline int memsrc_open(struct sif_src *s, struct memsrc *m,
			      const unsigned char *data, size_t len, bool shared)
{
	m->data = data;
	m->len = len;
	/* A shared stream reading exactly is the other path worth fuzzing. */
	return sif_src_init(s, &memsrc_ops, m, -1, "fuzz", shared ? SIF_SRC_SHARED : 0,
			    !shared, 0, shared ? SIF_SRC_SIZE_UNKNOWN : len, NULL);
}

#endif
