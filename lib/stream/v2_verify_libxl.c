/*
 * The libxl migration v2 stream verifier (see sif/v2.h): the "LibxlFmt"
 * header, then libxl records (u32 type, u32 length, body, zero padding to
 * 8) to END.  LIBXC_CONTEXT announces a libxc stream that follows it and
 * is verified in place by v2_verify.c.  One handler per record type.
 *
 * EMULATOR_XENSTORE_DATA is checked as libxl-migration-stream.pandoc says
 * (NUL-terminated key/value strings, an even number of them), streaming,
 * where Python 3's verify-stream-v2 compares bytes with a str and rejects
 * every such record.  A consumer may take the libxc stream and the
 * emulator bodies on the way (sif_v2_opts.libxc, .emulator_data): the
 * checks are the same.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/consume_int.h"
#include "base/endian_int.h"
#include "sif/v2.h"

struct xl {
	struct sif_src *s;
	const struct sif_v2_opts *o;
	struct sif_v2_libxl_summary *sum;
	struct sif_err *err;
	uint64_t rec_off;
	uint32_t type, len;
	const char *name;
};

typedef int (*xl_handler)(struct xl *x);

static int xrec_fail(struct xl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xrec_fail(struct xl *x, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sif_errf(x->err, SIF_EFORMAT, "%s: offset %llu: libxl %s record (length %u): %s",
			x->s->name, (unsigned long long)x->rec_off, x->name, x->len, msg);
}

static int xl_empty(struct xl *x)
{
	if (x->len)
		return xrec_fail(x, "expected length 0");
	return 0;
}

static int xl_libxc_context(struct xl *x)
{
	if (x->len)
		return xrec_fail(x, "expected length 0 (the libxc stream follows the record)");
	if (x->sum->has_libxc)
		return xrec_fail(x, "a second libxc stream in one libxl stream");
	/* The record itself is done; its padding is nil; the stream follows. */
	if (x->o->libxc) {
		x->sum->libxc.offset = x->s->pos;
		if (x->o->libxc(x->o->ctx, x->s, x->err) < 0)
			return -1;
		x->sum->libxc.length = x->s->pos - x->sum->libxc.offset;
	} else if (sif_v2_verify_libxc(x->s, x->o, &x->sum->libxc, x->err) < 0) {
		return -1;
	}
	x->sum->has_libxc = true;
	return 0;
}

/* {u32 emulator id, u32 index}; ids: 0 unknown, 1 qemu-trad, 2 qemu-upstream. */
static int emulator_header(struct xl *x, uint32_t *id)
{
	unsigned char b[8];

	if (x->len < 8)
		return xrec_fail(x, "expected at least 8 bytes (emulator id, index)");
	if (sif_src_read_exact(x->s, b, 8, "emulator header", x->err) < 0)
		return -1;
	*id = get_le32(b);
	if (*id > 2)
		return xrec_fail(x, "emulator id 0x%x, expected 0 (unknown), 1 (qemu-trad) or 2 (qemu-upstream)",
				 *id);
	return 0;
}

/* A piece of an emulator record's body, to the consumer if there is one. */
static int emulator_piece(struct xl *x, uint32_t id, const unsigned char *p, size_t n)
{
	if (!x->o->emulator_data)
		return 0;
	return x->o->emulator_data(x->o->ctx, x->type, id, x->rec_off, x->len, p, n, x->err);
}

static int xl_xenstore_data(struct xl *x)
{
	uint64_t left, nuls = 0;
	unsigned char last = 0;
	uint32_t id;

	if (emulator_header(x, &id) < 0)
		return -1;
	left = x->len - 8;
	while (left) {
		size_t n = left < SIF_SRC_WINDOW ? (size_t)left : SIF_SRC_WINDOW, i;
		const unsigned char *p;

		if (sif_src_peek(x->s, n, &p, "xenstore data", x->err) < 0)
			return -1;
		for (i = 0; i < n; i++)
			nuls += p[i] == 0;
		last = p[n - 1];
		if (emulator_piece(x, id, p, n) < 0 ||
		    sif_src_skip(x->s, n, "xenstore data", x->err) < 0)
			return -1;
		left -= n;
	}
	if (x->len > 8 && last != 0)
		return xrec_fail(x, "key/value data does not end with a NUL");
	if (nuls % 2)
		return xrec_fail(x, "%llu NUL-terminated strings, expected key/value pairs (an even number)",
				 (unsigned long long)nuls);
	x->sum->xenstore_records++;
	x->sum->xenstore_pairs += nuls / 2;
	x->sum->xenstore_emulator_id = id;
	return 0;
}

static int xl_emulator_context(struct xl *x)
{
	uint32_t id;

	if (emulator_header(x, &id) < 0)
		return -1;
	x->sum->emulator_records++;
	x->sum->emulator_bytes += x->len - 8;
	x->sum->emulator_id = id;
	if (!x->o->emulator_data)
		return src_consume(x->s, x->len - 8, x->o->read_all, "emulator context", x->err);
	for (uint64_t left = x->len - 8; left;) {
		size_t n = left < SIF_SRC_WINDOW ? (size_t)left : SIF_SRC_WINDOW;
		const unsigned char *p;

		if (sif_src_peek(x->s, n, &p, "emulator context", x->err) < 0 ||
		    emulator_piece(x, id, p, n) < 0 ||
		    sif_src_skip(x->s, n, "emulator context", x->err) < 0)
			return -1;
		left -= n;
	}
	return 0;
}

static int xl_checkpoint_end(struct xl *x)
{
	x->sum->checkpoint_records++;
	return xl_empty(x);
}

static int xl_checkpoint_state(struct xl *x)
{
	x->sum->checkpoint_records++;
	if (!x->len)
		return xrec_fail(x, "expected a non-empty checkpoint state");
	return src_consume(x->s, x->len, x->o->read_all, "checkpoint state", x->err);
}

static const struct {
	const char *name;
	xl_handler fn;
} xl_types[] = {
	[SIF_V2_LIBXL_END] = { "END", xl_empty },
	[SIF_V2_LIBXL_LIBXC_CONTEXT] = { "LIBXC_CONTEXT", xl_libxc_context },
	[SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA] = { "EMULATOR_XENSTORE_DATA", xl_xenstore_data },
	[SIF_V2_LIBXL_EMULATOR_CONTEXT] = { "EMULATOR_CONTEXT", xl_emulator_context },
	[SIF_V2_LIBXL_CHECKPOINT_END] = { "CHECKPOINT_END", xl_checkpoint_end },
	[SIF_V2_LIBXL_CHECKPOINT_STATE] = { "CHECKPOINT_STATE", xl_checkpoint_state },
};

#define XL_NTYPES (sizeof(xl_types) / sizeof(xl_types[0]))

const char *sif_v2_libxl_rec_name(uint32_t type)
{
	return type < XL_NTYPES ? xl_types[type].name : NULL;
}

static int libxl_header(struct xl *x)
{
	unsigned char b[SIF_V2_LIBXL_HDR_LEN];
	uint64_t at = x->s->pos, ident;
	uint32_t version, options;

	if (sif_src_read_exact(x->s, b, sizeof(b), "libxl header", x->err) < 0)
		return -1;
	ident = get_be64(b);
	version = get_be32(b + 8);
	options = get_be32(b + 12);
	if (ident != SIF_V2_LIBXL_IDENT)
		return sif_errf(x->err, SIF_EFORMAT,
				"%s: offset %llu: libxl header: id 0x%016llx, expected 0x4c6962786c466d74 (\"LibxlFmt\")",
				x->s->name, (unsigned long long)at, (unsigned long long)ident);
	if (version != 2)
		return sif_errf(x->err, SIF_EFORMAT,
				"%s: offset %llu: libxl header: version %u, expected 2",
				x->s->name, (unsigned long long)at, version);
	if (options & 0xfffc)
		return sif_errf(x->err, SIF_EFORMAT,
				"%s: offset %llu: libxl header: reserved option bits 0x%x set",
				x->s->name, (unsigned long long)at, options & 0xfffc);
	if (options & 1)
		return sif_errf(x->err, SIF_EFORMAT,
				"%s: offset %llu: libxl header: big-endian stream, this host is little-endian",
				x->s->name, (unsigned long long)at);
	x->sum->legacy = (options & 2) != 0;
	return 0;
}

static int xl_record(struct xl *x)
{
	unsigned char h[8];
	uint64_t body;

	x->rec_off = x->s->pos;
	if (sif_src_read_exact(x->s, h, 8, "libxl record header", x->err) < 0)
		return -1;
	x->type = get_le32(h);
	x->len = get_le32(h + 4);
	if (x->type >= XL_NTYPES)
		return sif_errf(x->err, SIF_EFORMAT,
				"%s: offset %llu: unknown libxl record type 0x%x (length %u; known types are 0-5)",
				x->s->name, (unsigned long long)x->rec_off, x->type, x->len);
	x->name = xl_types[x->type].name;
	body = x->s->pos;
	if (xl_types[x->type].fn(x) < 0)
		return -1;
	if (x->type != SIF_V2_LIBXL_LIBXC_CONTEXT && x->s->pos != body + x->len)
		return sif_errf(x->err, SIF_EUSAGE, "%s: offset %llu: %s handler consumed %llu of %u bytes",
				x->s->name, (unsigned long long)x->rec_off, x->name,
				(unsigned long long)(x->s->pos - body), x->len);
	if (src_zero_padding(x->s, (8 - x->len % 8) % 8, x->rec_off, x->name, x->err) < 0)
		return -1;
	x->sum->records++;
	if (x->o->on_record)
		x->o->on_record(x->o->ctx, true, x->type, x->len, x->rec_off);
	return 0;
}

int sif_v2_verify_libxl(struct sif_src *src, const struct sif_v2_opts *o,
			struct sif_v2_libxl_summary *sum, struct sif_err *err)
{
	static const struct sif_v2_opts defaults;
	struct xl x = { .s = src, .o = o ? o : &defaults, .sum = sum, .err = err };

	memset(sum, 0, sizeof(*sum));
	sum->offset = src->pos;
	if (libxl_header(&x) < 0)
		return -1;
	do {
		if (xl_record(&x) < 0)
			return -1;
	} while (x.type != SIF_V2_LIBXL_END);
	sum->length = src->pos - sum->offset;
	return 0;
}
