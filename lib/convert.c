/*
 * v1 -> v2 conversion: the v1 reader's handlers writing libxc (and libxl)
 * v2 records in the order convert-legacy-stream writes them, and the input
 * wrappers around the v1 stream.  Memory is constant: page data, vcpu
 * contexts and the HVM context go from input to output as payload copies;
 * only HVM params (at most eleven) and libxl xenstore data (bounded) wait
 * for their record.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/convert.h"
#include "sif/io.h"
#include "convert_internal.h"

/* libxc v2 record types */
enum {
	REC_END = 0, REC_PAGE_DATA = 1, REC_X86_PV_INFO = 2,
	REC_X86_PV_P2M_FRAMES = 3, REC_X86_PV_VCPU_BASIC = 4,
	REC_X86_PV_VCPU_EXTENDED = 5, REC_X86_PV_VCPU_XSAVE = 6,
	REC_SHARED_INFO = 7, REC_TSC_INFO = 8, REC_HVM_CONTEXT = 9,
	REC_HVM_PARAMS = 10, REC_STATIC_DATA_END = 0x10,
};
/* libxl v2 record types */
enum {
	LREC_END = 0, LREC_LIBXC_CONTEXT = 1, LREC_EMULATOR_XENSTORE_DATA = 2,
	LREC_EMULATOR_CONTEXT = 3,
};

#define XS_DATA_LIMIT (2u << 20)
#define LEGACY_IMAGE_SIG "XenSavedDomain\n"
#define LEGACY_QEMU_SIG "QemuDeviceModelRecord\n"
#define V2_IMAGE_SIG "XenSavedDomv2-\n"
static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";

struct conv {
	const struct sif_convert_opts *opts;
	struct v2_out *out;
	struct sif_src *src;
	uint64_t hvm_params[11][2];
	unsigned nparams;
	char *xs;               /* libxl EMULATOR_XENSTORE_DATA pairs */
	size_t xs_len;
	uint64_t qemu_bytes;
	unsigned char tmp[4096];
};

static bool libxl(const struct conv *c)
{
	return c->opts->format == SIF_CONVERT_LIBXL;
}

static int on_begin(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct conv *c = ctx;
	struct v2_out *o = c->out;

	if (libxl(c)) {
		/* "LibxlFmt", version 2, options little-endian | legacy (big-endian fields) */
		if (v2_put(o, "LibxlFmt", 8, err) < 0 || v2_put_be(o, 2, 4, err) < 0 ||
		    v2_put_be(o, 2, 4, err) < 0 ||
		    v2_record(o, LREC_LIBXC_CONTEXT, NULL, 0, err) < 0)
			return -1;
	}
	/* Image header: marker ~0, "XENF", version 3, options 0 (LE), reserved. */
	if (v2_put_be(o, UINT64_MAX, 8, err) < 0 || v2_put(o, "XENF", 4, err) < 0 ||
	    v2_put_be(o, 3, 4, err) < 0 || v2_put_be(o, 0, 2, err) < 0 ||
	    v2_put_be(o, 0, 2, err) < 0 || v2_put_be(o, 0, 4, err) < 0)
		return -1;
	/* Domain header: type, page shift 12, reserved, "xen 0.1" = converted. */
	if (v2_put32(o, in->guest == SIF_V1_PV ? 1 : 2, err) < 0 ||
	    v2_put32(o, 12, err) < 0 || v2_put32(o, 0, err) < 0 ||
	    v2_put32(o, 1, err) < 0)
		return -1;
	return 0;
}

static int on_pv_guest(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct conv *c = ctx;
	unsigned char b[8] = { (unsigned char)in->guest_width, (unsigned char)in->levels };

	return v2_record(c->out, REC_X86_PV_INFO, b, 8, err);
}

static int on_static_end(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	(void)in;
	return v2_record(((struct conv *)ctx)->out, REC_STATIC_DATA_END, NULL, 0, err);
}

static int on_p2m_frames(void *ctx, const struct sif_v1_info *in,
			 struct sif_v1_payload *p, struct sif_err *err)
{
	struct conv *c = ctx;
	struct v2_out *o = c->out;
	uint64_t n = in->p2m_frames, len = 8 + 8 * n;

	if (v2_rec_hdr(o, REC_X86_PV_P2M_FRAMES, (uint32_t)len, err) < 0 ||
	    v2_put32(o, 0, err) < 0 || v2_put32(o, (uint32_t)(in->p2m_size - 1), err) < 0)
		return -1;
	if (in->width == 8)
		return v2_copy(o, p, 8 * n, err);
	/* A 32-bit toolstack's frames, zero-extended to 64 bits. */
	while (n) {
		size_t k = n > sizeof(c->tmp) / 4 ? sizeof(c->tmp) / 4 : (size_t)n;

		if (sif_v1_payload_read(p, c->tmp, k * 4, err) < 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			if (v2_put(o, c->tmp + 4 * i, 4, err) < 0 || v2_put32(o, 0, err) < 0)
				return -1;
		n -= k;
	}
	return 0;
}

static int on_page_batch(void *ctx, const struct sif_v1_info *in,
			 const struct sif_v1_batch *b, struct sif_v1_payload *p,
			 struct sif_err *err)
{
	struct conv *c = ctx;
	struct v2_out *o = c->out;
	uint64_t data = (uint64_t)b->pages * SIF_V1_PAGE_SIZE;

	(void)in;
	if (c->opts->progress)
		c->opts->progress(c->opts->progress_ctx, c->src->pos, c->src->end);
	/* Deliberate difference: no zero-count PAGE_DATA (invalid in v2). */
	if (!b->kept)
		return 0;
	if (v2_rec_hdr(o, REC_PAGE_DATA, (uint32_t)(8 + 8 * (uint64_t)b->kept + data), err) < 0 ||
	    v2_put32(o, b->kept, err) < 0 || v2_put32(o, 0, err) < 0)
		return -1;
	for (uint32_t i = 0; i < b->count; i++) {
		uint64_t x = b->pfn_type[i];

		if (x == SIF_V1_XTAB_ENTRY)
			continue;
		if (v2_put64(o, (x & 0xf0000000ull) << 32 | (x & SIF_V1_PFN_MASK), err) < 0)
			return -1;
	}
	return v2_copy(o, p, data, err);
}

static int on_tsc(void *ctx, const struct sif_v1_info *in,
		  const struct sif_v1_tsc *t, struct sif_err *err)
{
	struct v2_out *o = ((struct conv *)ctx)->out;

	(void)in;
	/* v2 order: mode, khz, nsec, incarnation, reserved. */
	if (v2_rec_hdr(o, REC_TSC_INFO, 24, err) < 0 || v2_put32(o, t->mode, err) < 0 ||
	    v2_put32(o, t->khz, err) < 0 || v2_put64(o, t->nsec, err) < 0 ||
	    v2_put32(o, t->incarnation, err) < 0 || v2_put32(o, 0, err) < 0)
		return -1;
	return 0;
}

static int on_hvm_param(void *ctx, const struct sif_v1_info *in,
			const struct sif_v1_hvm_param *hp, struct sif_err *err)
{
	struct conv *c = ctx;

	(void)in;
	if (c->nparams == 11) /* the reader refuses repeats: cannot happen */
		return sif_errf(err, SIF_EFORMAT, "too many HVM params");
	c->hvm_params[c->nparams][0] = hp->index;
	c->hvm_params[c->nparams][1] = hp->value;
	c->nparams++;
	return 0;
}

static int hvm_params_record(struct v2_out *o, const uint64_t (*pv)[2], unsigned n,
			     struct sif_err *err)
{
	if (v2_rec_hdr(o, REC_HVM_PARAMS, 8 + 16 * n, err) < 0 ||
	    v2_put32(o, n, err) < 0 || v2_put32(o, 0, err) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (v2_put64(o, pv[i][0], err) < 0 || v2_put64(o, pv[i][1], err) < 0)
			return -1;
	return 0;
}

static int on_toolstack(void *ctx, const struct sif_v1_info *in,
			struct sif_v1_payload *p, struct sif_err *err)
{
	struct conv *c = ctx;
	unsigned char *data;
	uint64_t at = p->src->pos;
	int rc;

	if (!libxl(c))
		return 0; /* the peer discards it too */
	data = malloc(p->len);
	if (!data)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	rc = sif_v1_payload_read(p, data, (size_t)p->len, err);
	if (rc == 0)
		rc = libxl_physmap_to_xenstore(data, (size_t)p->len, in->width, &c->xs,
					       &c->xs_len, XS_DATA_LIMIT, p->src->name,
					       at, err);
	free(data);
	return rc;
}

static int on_chunks_end(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct conv *c = ctx;

	(void)in;
	if (!c->nparams)
		return 0;
	return hvm_params_record(c->out, (const uint64_t (*)[2])c->hvm_params, c->nparams, err);
}

static int vcpu_record(struct conv *c, uint32_t type, uint32_t id,
		       struct sif_v1_payload *p, struct sif_err *err)
{
	uint64_t len = 8 + p->len;

	if (v2_rec_hdr(c->out, type, (uint32_t)len, err) < 0 ||
	    v2_put32(c->out, id, err) < 0 || v2_put32(c->out, 0, err) < 0 ||
	    v2_copy(c->out, p, p->len, err) < 0)
		return -1;
	return v2_rec_pad(c->out, len, err);
}

static int on_vcpu_basic(void *ctx, const struct sif_v1_info *in, uint32_t id,
			 struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in;
	return vcpu_record(ctx, REC_X86_PV_VCPU_BASIC, id, p, err);
}

static int on_vcpu_ext(void *ctx, const struct sif_v1_info *in, uint32_t id,
		       struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in;
	return vcpu_record(ctx, REC_X86_PV_VCPU_EXTENDED, id, p, err);
}

static int on_vcpu_xsave(void *ctx, const struct sif_v1_info *in, uint32_t id,
			 uint64_t mask, struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)mask;
	return vcpu_record(ctx, REC_X86_PV_VCPU_XSAVE, id, p, err);
}

/* A record whose body is just a payload (shared info, HVM context). */
static int payload_record(struct conv *c, uint32_t type, struct sif_v1_payload *p,
			  struct sif_err *err)
{
	if (p->len > UINT32_MAX - 8)
		return sif_errf(err, SIF_EFORMAT, "%s: %s of %llu bytes is too large for a v2 record",
				p->src->name, p->what, (unsigned long long)p->len);
	if (v2_rec_hdr(c->out, type, (uint32_t)p->len, err) < 0 ||
	    v2_copy(c->out, p, p->len, err) < 0)
		return -1;
	return v2_rec_pad(c->out, p->len, err);
}

static int on_shared_info(void *ctx, const struct sif_v1_info *in,
			  struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in;
	return payload_record(ctx, REC_SHARED_INFO, p, err);
}

static int on_magic_pfns(void *ctx, const struct sif_v1_info *in,
			 const uint64_t pfns[3], struct sif_err *err)
{
	/* HVM_PARAM_IOREQ_PFN 5, BUFIOREQ_PFN 6, STORE_PFN 1 */
	const uint64_t pv[3][2] = { { 5, pfns[0] }, { 6, pfns[1] }, { 1, pfns[2] } };

	(void)in;
	return hvm_params_record(((struct conv *)ctx)->out, pv, 3, err);
}

static int on_hvm_context(void *ctx, const struct sif_v1_info *in,
			  struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in;
	return payload_record(ctx, REC_HVM_CONTEXT, p, err);
}

static int on_tail_end(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct conv *c = ctx;
	struct v2_out *o = c->out;

	(void)in;
	if (v2_record(o, REC_END, NULL, 0, err) < 0)
		return -1;
	if (libxl(c) && c->xs_len) {
		uint64_t len = 8 + c->xs_len;

		if (v2_rec_hdr(o, LREC_EMULATOR_XENSTORE_DATA, (uint32_t)len, err) < 0 ||
		    v2_put32(o, 0, err) < 0 || v2_put32(o, 0, err) < 0 ||
		    v2_put(o, c->xs, c->xs_len, err) < 0 || v2_rec_pad(o, len, err) < 0)
			return -1;
	}
	return 0;
}

/* The qemu record: libxl EMULATOR_CONTEXT, or for libxc the raw v1 form. */
static int write_qemu(struct conv *c, struct sif_v1_payload *p, struct sif_err *err)
{
	struct v2_out *o = c->out;

	c->qemu_bytes = p->len;
	if (!libxl(c) && c->out->sink->qemu) {
		if (v2_flush(o, err) < 0 ||
		    c->out->sink->qemu(c->out->sink->ctx, p->src, (uint32_t)p->len, err) < 0)
			return -1;
		p->done = p->len;
		return 0;
	}
	if (libxl(c)) {
		uint64_t len = 8 + p->len;

		if (v2_rec_hdr(o, LREC_EMULATOR_CONTEXT, (uint32_t)len, err) < 0 ||
		    v2_put32(o, 0, err) < 0 || v2_put32(o, 0, err) < 0 ||
		    v2_copy(o, p, p->len, err) < 0)
			return -1;
		return v2_rec_pad(o, len, err);
	}
	if (v2_put(o, SIF_V1_QEMU_SIG, SIF_V1_QEMU_SIG_LEN, err) < 0 ||
	    v2_put32(o, (uint32_t)p->len, err) < 0)
		return -1;
	return v2_copy(o, p, p->len, err);
}

static int on_qemu(void *ctx, const struct sif_v1_info *in, struct sif_v1_payload *p,
		   struct sif_err *err)
{
	struct conv *c = ctx;

	(void)in;
	if (!libxl(c) && c->opts->skip_qemu)
		return 0;
	return write_qemu(c, p, err);
}

static const struct sif_v1_ops conv_ops = {
	.begin = on_begin,
	.pv_guest = on_pv_guest,
	.static_end = on_static_end,
	.p2m_frames = on_p2m_frames,
	.page_batch = on_page_batch,
	.tsc_info = on_tsc,
	.hvm_param = on_hvm_param,
	.toolstack = on_toolstack,
	.chunks_end = on_chunks_end,
	.vcpu_basic = on_vcpu_basic,
	.vcpu_extended = on_vcpu_ext,
	.vcpu_xsave = on_vcpu_xsave,
	.shared_info = on_shared_info,
	.hvm_magic_pfns = on_magic_pfns,
	.hvm_context = on_hvm_context,
	.tail_end = on_tail_end,
	.qemu = on_qemu,
};

const char *sif_convert_input_name(enum sif_convert_input in)
{
	switch (in) {
	case SIF_CONVERT_IN_V1: return "v1 stream";
	case SIF_CONVERT_IN_LEGACY_IMAGE: return "legacy image";
	case SIF_CONVERT_IN_XL: return "xl saved domain";
	default: return "auto";
	}
}

/* --- the wrappers around the v1 stream -------------------------------- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int fmt_err(struct sif_src *s, uint64_t at, struct sif_err *err,
		   const char *what)
{
	return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %s", s->name,
			(unsigned long long)at, what);
}

static int detect_input(struct sif_src *s, enum sif_convert_input *kind,
			struct sif_err *err)
{
	const unsigned char *p;

	/* Every valid input is longer than 32 bytes. */
	if (sif_src_peek(s, 15, &p, "input signature", err) < 0)
		return -1;
	if (!memcmp(p, LEGACY_IMAGE_SIG, 15)) {
		*kind = SIF_CONVERT_IN_LEGACY_IMAGE;
		return 0;
	}
	if (!memcmp(p, V2_IMAGE_SIG, 15))
		return fmt_err(s, s->pos, err,
			       "a v2 image (\"XenSavedDomv2-\"), not a legacy one: nothing to convert");
	if (!memcmp(p, xl_magic, 15)) {
		*kind = SIF_CONVERT_IN_XL;
		return 0;
	}
	*kind = SIF_CONVERT_IN_V1;
	return 0;
}

/* xl header: magic, {byteorder, mandatory, optional, optlen}, optdata. */
static int copy_xl_header(struct conv *c, struct sif_err *err)
{
	struct sif_src *s = c->src;
	unsigned char h[48];
	uint64_t at = s->pos;
	uint32_t mflags, optlen;

	if (sif_src_read_exact(s, h, sizeof(h), "xl header", err) < 0)
		return -1;
	if (memcmp(h, xl_magic, 32))
		return fmt_err(s, at, err, "expected the xl header \"Xen saved domain, xl format\"");
	if (le32(h + 32) != 0x01020304)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: xl header byte order 0x%08x: expected 0x01020304",
				s->name, (unsigned long long)at + 32, le32(h + 32));
	mflags = le32(h + 36);
	optlen = le32(h + 44);
	if (optlen > SIF_V1_MAX_TOOLSTACK)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: xl header option data of %u bytes exceeds %u",
				s->name, (unsigned long long)at + 44, optlen, SIF_V1_MAX_TOOLSTACK);
	if (c->opts->format == SIF_CONVERT_LIBXL)
		mflags |= 2; /* XL_MANDATORY_FLAG_STREAMV2 */
	h[36] = (unsigned char)mflags;
	h[37] = (unsigned char)(mflags >> 8);
	h[38] = (unsigned char)(mflags >> 16);
	h[39] = (unsigned char)(mflags >> 24);
	if (v2_put(c->out, h, sizeof(h), err) < 0 || v2_flush(c->out, err) < 0)
		return -1;
	c->out->bytes += optlen;
	return c->out->sink->copy(c->out->sink->ctx, s, optlen, "xl header option data", err);
}

/* A legacy image's HVM qemu record: "QemuDeviceModelRecord\n", BE u32, data. */
static int legacy_qemu(struct conv *c, struct sif_err *err)
{
	struct sif_src *s = c->src;
	struct sif_v1_payload p;
	unsigned char h[26];
	uint64_t at = s->pos;
	uint32_t len;

	if (sif_src_read_exact(s, h, sizeof(h), "legacy qemu record header", err) < 0)
		return -1;
	if (memcmp(h, LEGACY_QEMU_SIG, 22))
		return fmt_err(s, at, err, "expected \"QemuDeviceModelRecord\\n\" after the HVM stream");
	len = be32(h + 22);
	if (len > SIF_V1_MAX_QEMU)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u exceeds the limit of %u bytes",
				s->name, (unsigned long long)at + 22, len, SIF_V1_MAX_QEMU);
	p.src = s;
	p.len = len;
	p.done = 0;
	p.what = "qemu record";
	if (!libxl(c) && c->opts->skip_qemu)
		return sif_src_skip(s, len, p.what, err);
	return write_qemu(c, &p, err);
}

/* Bare stream, --skip-qemu: a DeviceModelRecord0002 after the tail is skipped. */
static int skip_v1_qemu(struct conv *c, struct sif_err *err)
{
	struct sif_src *s = c->src;
	const unsigned char *p;
	unsigned char h[4];
	uint64_t at;
	uint32_t len;

	if (sif_src_remaining(s) < SIF_V1_QEMU_SIG_LEN + 4 && s->end != SIF_SRC_SIZE_UNKNOWN)
		return 0;
	if (sif_src_peek(s, SIF_V1_QEMU_SIG_LEN, &p, "qemu record signature", err) < 0)
		return -1;
	if (memcmp(p, SIF_V1_QEMU_SIG, SIF_V1_QEMU_SIG_LEN))
		return 0;
	if (sif_src_skip(s, SIF_V1_QEMU_SIG_LEN, "qemu record signature", err) < 0)
		return -1;
	at = s->pos;
	if (sif_src_read_exact(s, h, 4, "qemu record length", err) < 0)
		return -1;
	len = le32(h);
	if (len > SIF_V1_MAX_QEMU)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u exceeds the limit of %u bytes",
				s->name, (unsigned long long)at, len, SIF_V1_MAX_QEMU);
	return sif_src_skip(s, len, "qemu record", err);
}

static int check_end(struct conv *c, const char *after, struct sif_err *err)
{
	bool at_end, known;

	if (c->src->flags & SIF_SRC_SHARED)
		return 0;
	if (sif_src_at_end(c->src, &at_end, &known, err) < 0)
		return -1;
	if (known && !at_end) {
		uint64_t left = sif_src_remaining(c->src);

		if (left != SIF_SRC_SIZE_UNKNOWN)
			return sif_errf(err, SIF_EFORMAT,
					"%s: offset %llu: %llu trailing bytes after the end of the %s (expected end of input)",
					c->src->name, (unsigned long long)c->src->pos,
					(unsigned long long)left, after);
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: trailing data after the end of the %s (expected end of input)",
				c->src->name, (unsigned long long)c->src->pos, after);
	}
	return 0;
}

struct fd_sink {
	int fd;
	const char *name;
};

static int fd_write(void *ctx, const void *buf, size_t n, struct sif_err *err)
{
	struct fd_sink *f = ctx;

	return sif_write_exact(f->fd, buf, n, f->name, err);
}

static int fd_copy(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		   struct sif_err *err)
{
	struct fd_sink *f = ctx;

	return sif_src_copy_to_fd(src, f->fd, f->name, n, what, err);
}

int sif_convert(struct sif_src *in, int out_fd, const char *out_name,
		const struct sif_convert_opts *opts,
		struct sif_convert_result *res, struct sif_err *err)
{
	struct fd_sink f = { out_fd, out_name };
	const struct sif_convert_sink sink = {
		.name = out_name, .ctx = &f, .write = fd_write, .copy = fd_copy,
	};

	return sif_convert_to(in, &sink, opts, res, err);
}

int sif_convert_to(struct sif_src *in, const struct sif_convert_sink *out,
		   const struct sif_convert_opts *opts,
		   struct sif_convert_result *res, struct sif_err *err)
{
	struct sif_convert_result dummy;
	struct sif_v1_opts v1o = { .width = opts->width, .guest = opts->guest };
	struct conv *c;
	enum sif_convert_input kind = opts->input;
	uint64_t start = in->pos;
	int rc = -1;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	c = calloc(1, sizeof(*c));
	if (!c || !(c->out = calloc(1, sizeof(*c->out)))) {
		free(c);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	c->opts = opts;
	c->src = in;
	c->out->sink = out;
	c->out->name = out->name;
	if (kind == SIF_CONVERT_IN_AUTO && detect_input(in, &kind, err) < 0)
		goto out;
	res->input = kind;
	if (kind == SIF_CONVERT_IN_LEGACY_IMAGE) {
		unsigned char sig[15];
		uint64_t at = in->pos;

		if (sif_src_read_exact(in, sig, 15, "legacy image signature", err) < 0)
			goto out;
		if (memcmp(sig, LEGACY_IMAGE_SIG, 15)) {
			fmt_err(in, at, err, "expected the legacy image signature \"XenSavedDomain\\n\"");
			goto out;
		}
	} else if (kind == SIF_CONVERT_IN_XL && copy_xl_header(c, err) < 0) {
		goto out;
	}
	/* In a legacy image the qemu record follows in its own framing. */
	v1o.qemu = kind != SIF_CONVERT_IN_LEGACY_IMAGE &&
		   (opts->format == SIF_CONVERT_LIBXL || !opts->skip_qemu);
	if (sif_v1_read(in, &v1o, &conv_ops, c, &res->v1, err) < 0)
		goto out;
	if (res->v1.guest == SIF_V1_HVM && !(in->flags & SIF_SRC_SHARED)) {
		bool at_end = true, known = true;

		if (kind == SIF_CONVERT_IN_LEGACY_IMAGE) {
			if (sif_src_at_end(in, &at_end, &known, err) < 0)
				goto out;
			if (!at_end && legacy_qemu(c, err) < 0)
				goto out;
			if (at_end && libxl(c)) {
				fmt_err(in, in->pos, err,
					"the libxl format needs the HVM qemu record, and the image has none");
				goto out;
			}
		} else if (!v1o.qemu && skip_v1_qemu(c, err) < 0) {
			goto out;
		}
	}
	if (check_end(c, sif_convert_input_name(kind), err) < 0)
		goto out;
	if (libxl(c) && v2_record(c->out, LREC_END, NULL, 0, err) < 0)
		goto out;
	if (v2_flush(c->out, err) < 0)
		goto out;
	rc = 0;
out:
	res->in_bytes = in->pos - start;
	res->out_bytes = c->out->bytes;
	res->records = c->out->records;
	res->qemu_bytes = c->qemu_bytes;
	free(c->xs);
	free(c->out);
	free(c);
	return rc;
}
