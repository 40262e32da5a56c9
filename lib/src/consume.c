/*
 * Consuming unstructured bytes and checking record padding (see
 * consume_int.h).  Reading goes through the source's window (peek, then
 * skip), so each byte is copied once, as `cat` copies it.
 */
#include "consume_int.h"

int src_consume(struct sif_src *s, uint64_t n, bool read_all, const char *what,
		struct sif_err *err)
{
	if (!read_all)
		return sif_src_skip(s, n, what, err);
	while (n) {
		size_t chunk = n < SIF_SRC_WINDOW ? (size_t)n : SIF_SRC_WINDOW;
		const unsigned char *p;

		if (sif_src_peek(s, chunk, &p, what, err) < 0 ||
		    sif_src_skip(s, chunk, what, err) < 0)
			return -1;
		n -= chunk;
	}
	return 0;
}

int src_zero_padding(struct sif_src *s, unsigned n, uint64_t rec_off,
		     const char *what, struct sif_err *err)
{
	unsigned char pad[8];
	uint64_t at = s->pos;
	unsigned i;

	if (!n)
		return 0;
	if (sif_src_read_exact(s, pad, n, "record padding", err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (pad[i])
			return sif_errf(err, SIF_EFORMAT,
					"%s: offset %llu: %s record at offset %llu: padding byte %u is 0x%02x, expected 0",
					s->name, (unsigned long long)(at + i), what,
					(unsigned long long)rec_off, i, pad[i]);
	return 0;
}
