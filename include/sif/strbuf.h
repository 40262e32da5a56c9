/*
 * A growable byte buffer, always NUL terminated after its `len` bytes.
 *
 * For building values and output records of bounded size (an attribute, a
 * row, a message).  Not for holding whole files: sif streams those.
 */
#ifndef SIF_STRBUF_H
#define SIF_STRBUF_H

#include <stddef.h>

struct sif_strbuf {
	char *p;        /* NULL until the first append; then NUL terminated */
	size_t len;
	size_t cap;
};

#define SIF_STRBUF_INIT { NULL, 0, 0 }

/* Make room for `more` bytes beyond len (plus the NUL).  -1 when out of memory. */
int sif_strbuf_grow(struct sif_strbuf *b, size_t more);
int sif_strbuf_add(struct sif_strbuf *b, const void *data, size_t n);
int sif_strbuf_addc(struct sif_strbuf *b, char c);
int sif_strbuf_adds(struct sif_strbuf *b, const char *s);
/* Keep the memory, forget the content. */
void sif_strbuf_reset(struct sif_strbuf *b);
void sif_strbuf_free(struct sif_strbuf *b);

#endif
