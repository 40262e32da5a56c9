/*
 * libFuzzer target for the Xenops record S-expression.  Beyond "no
 * crash": whatever parses prints (as sexplib would) to text that parses
 * back to the same record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sif/xenops.h"

static int same(const struct sif_bytes *a, const struct sif_bytes *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_xenops_record a, b;
	struct sif_err err;
	size_t len, i;
	char *s;

	if (sif_xenops_parse(data, size, &a, &err) < 0)
		return 0;
	s = sif_xenops_format(&a, &len, &err);
	if (!s) {
		/* only a record too large to print back may fail */
		if (err.code != SIF_EUSAGE)
			abort();
		sif_xenops_free(&a);
		return 0;
	}
	if (sif_xenops_parse(s, len, &b, &err) < 0)
		abort();
	if (!same(&a.time, &b.time) || a.word_size != b.word_size ||
	    a.has_vm_str != b.has_vm_str || (a.has_vm_str && !same(&a.vm_str, &b.vm_str)) ||
	    a.has_xs_subtree != b.has_xs_subtree || a.n_xs != b.n_xs)
		abort();
	for (i = 0; i < a.n_xs; i++)
		if (!same(&a.xs[i].key, &b.xs[i].key) || !same(&a.xs[i].val, &b.xs[i].val))
			abort();
	sif_xenops_free(&a);
	sif_xenops_free(&b);
	free(s);
	return 0;
}
