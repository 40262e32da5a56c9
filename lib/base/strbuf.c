/*
 * struct sif_strbuf: append-only growable buffer (see sif/strbuf.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sif/strbuf.h"

int sif_strbuf_grow(struct sif_strbuf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int sif_strbuf_add(struct sif_strbuf *b, const void *data, size_t n)
{
	if (sif_strbuf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int sif_strbuf_addc(struct sif_strbuf *b, char c)
{
	return sif_strbuf_add(b, &c, 1);
}

int sif_strbuf_adds(struct sif_strbuf *b, const char *s)
{
	return sif_strbuf_add(b, s, strlen(s));
}

void sif_strbuf_reset(struct sif_strbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void sif_strbuf_free(struct sif_strbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
