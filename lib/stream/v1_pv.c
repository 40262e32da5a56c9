/*
 * The PV parts of a v1 stream: the extended-info blocks and p2m frame list
 * before the chunks, and the tail after them (unmapped pfns, per-vcpu
 * contexts, shared info).  The guest's width comes from the "vcpu" block's
 * size; the tail's vcpus are the online ones of the vcpu_info chunk.
 */
#include <stdio.h>

#include "v1_internal.h"

static int ext_block(struct v1_reader *r, const unsigned char id[4],
		     uint32_t size, uint64_t at)
{
	struct sif_v1_info *in = r->in;

	if (!memcmp(id, "vcpu", 4)) {
		if (in->vcpu_ctx_size)
			return v1_fail(r, at, "second \"vcpu\" extended-info block");
		if (size == SIF_V1_VCPU64_SIZE) {
			in->guest_width = 8;
			in->levels = 4;
		} else if (size == SIF_V1_VCPU32_SIZE) {
			in->guest_width = 4;
			in->levels = 3;
		} else {
			return v1_fail(r, at, "\"vcpu\" extended-info block of %u bytes: expected 0x%x (64-bit guest) or 0x%x (32-bit guest)",
				       size, SIF_V1_VCPU64_SIZE, SIF_V1_VCPU32_SIZE);
		}
		in->vcpu_ctx_size = size;
		if (V1_CALL0(r, pv_guest) < 0)
			return -1;
		return sif_src_skip(r->src, size, "\"vcpu\" extended-info context", r->err);
	}
	if (!memcmp(id, "extv", 4)) {
		in->ext_vcpu = true;
		return sif_src_skip(r->src, size, "\"extv\" extended-info block", r->err);
	}
	if (!memcmp(id, "xcnt", 4)) {
		uint32_t len;

		if (size < 4)
			return v1_fail(r, at, "\"xcnt\" extended-info block of %u bytes: expected at least 4", size);
		if (v1_read_u32(r, &len, "\"xcnt\" xsave size") < 0)
			return -1;
		if (len && len < 16)
			return v1_fail(r, at + 8, "\"xcnt\" xsave size %u: expected 0 or at least 16", len);
		in->xsave_len = len;
		return sif_src_skip(r->src, size - 4, "\"xcnt\" extended-info block", r->err);
	}
	char shown[17];
	int n = 0;

	for (int i = 0; i < 4; i++)
		n += snprintf(shown + n, sizeof(shown) - (size_t)n,
			      id[i] >= 0x20 && id[i] < 0x7f ? "%c" : "\\x%02x", id[i]);
	return v1_fail(r, at, "unknown extended-info block \"%s\" (expected \"vcpu\", \"extv\" or \"xcnt\")",
		       shown);
}

static int ext_info(struct v1_reader *r)
{
	uint64_t at = r->src->pos, marker, want;
	uint32_t total, so_far = 0;

	if (v1_read_ulong(r, &marker, "extended-info marker") < 0)
		return -1;
	want = r->in->width == 8 ? UINT64_MAX : 0xffffffffu;
	if (marker != want)
		return v1_fail(r, at, "extended-info marker 0x%llx: expected 0x%llx",
			       (unsigned long long)marker, (unsigned long long)want);
	at = r->src->pos;
	if (v1_read_u32(r, &total, "extended-info length") < 0)
		return -1;
	r->in->ext_total = total;
	if (V1_CALL0(r, ext_info) < 0)
		return -1;
	while (so_far < total) {
		unsigned char hdr[8];
		uint64_t bat = r->src->pos;
		uint32_t size;

		if (total - so_far < 8)
			return v1_fail(r, bat, "extended info: %u bytes left of %u, too few for a block header",
				       total - so_far, total);
		if (sif_src_read_exact(r->src, hdr, 8, "extended-info block header", r->err) < 0)
			return -1;
		size = v1_le32(hdr + 4);
		if (size > total - so_far - 8)
			return v1_fail(r, bat, "extended-info block of %u bytes overruns the %u announced at offset %llu",
				       size, total, (unsigned long long)at);
		if (ext_block(r, hdr, size, bat) < 0 ||
		    V1_CALL(r, ext_block, (const char *)hdr, size) < 0)
			return -1;
		so_far += 8 + size;
	}
	if (!r->in->vcpu_ctx_size)
		return v1_fail(r, at, "extended info has no \"vcpu\" block: the guest's width is unknown");
	return 0;
}

static int pv_static(struct v1_reader *r)
{
	struct sif_v1_payload p;
	struct sif_v1_info *in = r->in;
	uint64_t fpp;

	if (ext_info(r) < 0 || V1_CALL0(r, static_end) < 0)
		return -1;
	fpp = SIF_V1_PAGE_SIZE / in->guest_width;
	in->p2m_frames = (in->p2m_size - 1) / fpp + 1;
	v1_payload_init(r, &p, in->p2m_frames * in->width, "p2m frame list");
	return v1_payload_finish(r, &p, V1_CALL(r, p2m_frames, &p));
}

static int vcpu(struct v1_reader *r, uint32_t id)
{
	struct sif_v1_info *in = r->in;
	struct sif_v1_payload p;

	v1_payload_init(r, &p, in->vcpu_ctx_size, "vcpu context");
	if (v1_payload_finish(r, &p, V1_CALL(r, vcpu_basic, id, &p)) < 0)
		return -1;
	if (in->ext_vcpu) {
		v1_payload_init(r, &p, SIF_V1_VCPU_EXT_SIZE, "extended vcpu context");
		if (v1_payload_finish(r, &p, V1_CALL(r, vcpu_extended, id, &p)) < 0)
			return -1;
	}
	if (in->xsave_len) {
		uint64_t mask, size, at;

		if (v1_read_u64(r, &mask, "xsave feature mask") < 0)
			return -1;
		at = r->src->pos;
		if (v1_read_u64(r, &size, "xsave size") < 0)
			return -1;
		if (size != in->xsave_len - 16)
			return v1_fail(r, at, "vcpu %u xsave size %llu: expected %u (\"xcnt\" %u - 16)",
				       id, (unsigned long long)size, in->xsave_len - 16,
				       in->xsave_len);
		v1_payload_init(r, &p, size, "xsave area");
		if (v1_payload_finish(r, &p, V1_CALL(r, vcpu_xsave, id, mask, &p)) < 0)
			return -1;
	}
	return 0;
}

static int pv_tail(struct v1_reader *r)
{
	struct sif_v1_info *in = r->in;
	struct sif_v1_payload p;
	uint64_t at = r->src->pos;
	uint32_t n;

	if (!in->have_vcpu_info || !in->online_vcpus)
		return v1_fail(r, at, "PV stream without %s before the tail",
			       in->have_vcpu_info ? "an online vcpu" : "a vcpu_info chunk");
	if (v1_read_u32(r, &n, "unmapped pfn count") < 0)
		return -1;
	if (n > in->p2m_size)
		return v1_fail(r, at, "%u unmapped pfns exceed p2m_size 0x%llx", n,
			       (unsigned long long)in->p2m_size);
	in->unmapped_pfns = n;
	if (sif_src_skip(r->src, (uint64_t)n * in->width, "unmapped pfn list", r->err) < 0 ||
	    V1_CALL0(r, pv_unmapped) < 0)
		return -1;
	for (uint32_t id = 0; id <= (uint32_t)in->max_vcpu_id; id++)
		if ((in->vcpu_online[id / 64] >> (id % 64) & 1) && vcpu(r, id) < 0)
			return -1;
	v1_payload_init(r, &p, SIF_V1_PAGE_SIZE, "shared info page");
	return v1_payload_finish(r, &p, V1_CALL(r, shared_info, &p));
}

const struct v1_guest_ops v1_pv_ops = {
	.static_part = pv_static,
	.tail = pv_tail,
	.hvm_params_allowed = false,
};
