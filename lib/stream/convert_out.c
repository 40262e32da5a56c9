/*
 * The converter's output side: v2 records (u32 type, u32 length, body,
 * zero padding to 8 bytes) gathered in a small buffer, and payloads that
 * go from the input to the output without passing through it.
 */
#include <string.h>

#include "convert_internal.h"

int v2_flush(struct v2_out *o, struct sif_err *err)
{
	if (!o->len)
		return 0;
	if (o->sink->write(o->sink->ctx, o->buf, o->len, err) < 0)
		return -1;
	o->len = 0;
	return 0;
}

int v2_put(struct v2_out *o, const void *p, size_t n, struct sif_err *err)
{
	const unsigned char *s = p;

	o->bytes += n;
	while (n) {
		size_t room = V2_OUTBUF - o->len, k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == V2_OUTBUF && v2_flush(o, err) < 0)
			return -1;
	}
	return 0;
}

int v2_put32(struct v2_out *o, uint32_t v, struct sif_err *err)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	return v2_put(o, b, 4, err);
}

int v2_put64(struct v2_out *o, uint64_t v, struct sif_err *err)
{
	if (v2_put32(o, (uint32_t)v, err) < 0)
		return -1;
	return v2_put32(o, (uint32_t)(v >> 32), err);
}

int v2_put_be(struct v2_out *o, uint64_t v, unsigned bytes, struct sif_err *err)
{
	unsigned char b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	return v2_put(o, b, bytes, err);
}

int v2_rec_hdr(struct v2_out *o, uint32_t type, uint32_t len, struct sif_err *err)
{
	o->records++;
	if (v2_put32(o, type, err) < 0)
		return -1;
	return v2_put32(o, len, err);
}

int v2_rec_pad(struct v2_out *o, uint64_t len, struct sif_err *err)
{
	static const unsigned char zero[8];
	size_t pad = (size_t)((8 - (len & 7)) & 7);

	return v2_put(o, zero, pad, err);
}

int v2_record(struct v2_out *o, uint32_t type, const void *body, uint32_t len,
	      struct sif_err *err)
{
	if (v2_rec_hdr(o, type, len, err) < 0 || v2_put(o, body, len, err) < 0)
		return -1;
	return v2_rec_pad(o, len, err);
}

int v2_copy(struct v2_out *o, struct sif_v1_payload *p, uint64_t n,
	    struct sif_err *err)
{
	/* Small payloads (vcpu contexts) are cheaper through the buffer. */
	if (n <= 16384 && V2_OUTBUF - o->len >= n) {
		if (sif_v1_payload_read(p, o->buf + o->len, (size_t)n, err) < 0)
			return -1;
		o->len += (size_t)n;
		o->bytes += n;
		return 0;
	}
	if (n > p->len - p->done)
		return sif_errf(err, SIF_EUSAGE, "%s: %llu bytes asked of %s, only %llu left",
				p->src->name, (unsigned long long)n, p->what,
				(unsigned long long)(p->len - p->done));
	if (v2_flush(o, err) < 0)
		return -1;
	if (o->sink->copy(o->sink->ctx, p->src, n, p->what, err) < 0)
		return -1;
	p->done += n;
	o->bytes += n;
	return 0;
}
