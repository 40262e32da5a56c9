/*
 * v1 -> v2 conversion: the v1 reader's handlers writing libxc (and libxl)
 * v2 records in the order convert-legacy-stream writes them.  Memory is
 * constant: page data, vcpu contexts and the HVM context go from input to
 * output as payload copies; only HVM params (at most eleven) and libxl
 * xenstore data (bounded) wait for their record.  The input wrappers and
 * the entry points are in convert_input.c.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/convert.h"
#include "sif/io.h"
#include "convert_internal.h"

bool conv_libxl(const struct conv *c)
{
	return c->opts->format == SIF_CONVERT_LIBXL;
}

static int on_begin(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct conv *c = ctx;
	struct v2_out *o = c->out;

	if (conv_libxl(c)) {
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

	if (!conv_libxl(c))
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
	if (conv_libxl(c) && c->xs_len) {
		uint64_t len = 8 + c->xs_len;

		if (v2_rec_hdr(o, LREC_EMULATOR_XENSTORE_DATA, (uint32_t)len, err) < 0 ||
		    v2_put32(o, 0, err) < 0 || v2_put32(o, 0, err) < 0 ||
		    v2_put(o, c->xs, c->xs_len, err) < 0 || v2_rec_pad(o, len, err) < 0)
			return -1;
	}
	return 0;
}

/* The qemu record: libxl EMULATOR_CONTEXT, or for libxc the raw v1 form. */
int conv_write_qemu(struct conv *c, struct sif_v1_payload *p, struct sif_err *err)
{
	struct v2_out *o = c->out;

	c->qemu_bytes = p->len;
	if (!conv_libxl(c) && c->out->sink->qemu) {
		if (v2_flush(o, err) < 0 ||
		    c->out->sink->qemu(c->out->sink->ctx, p->src, (uint32_t)p->len, err) < 0)
			return -1;
		p->done = p->len;
		return 0;
	}
	if (conv_libxl(c)) {
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
	if (!conv_libxl(c) && c->opts->skip_qemu)
		return 0;
	return conv_write_qemu(c, p, err);
}

const struct sif_v1_ops conv_ops = {
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
