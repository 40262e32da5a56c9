/*
 * The HVM parts of a v1 stream: nothing static before the chunks, and the
 * tail after them: the three "magic" pfns (ioreq, buffered ioreq, xenstore)
 * and the HVM context blob Xen saved (passed through unparsed).
 */
#include "v1_internal.h"

static int hvm_static(struct v1_reader *r)
{
	return V1_CALL0(r, static_end);
}

static int hvm_tail(struct v1_reader *r)
{
	unsigned char b[24];
	uint64_t pfns[3];
	struct sif_v1_payload p;
	uint32_t len;

	if (sif_src_read_exact(r->src, b, sizeof(b), "HVM magic pfns", r->err) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		pfns[i] = v1_le64(b + 8 * i);
	if (V1_CALL(r, hvm_magic_pfns, pfns) < 0)
		return -1;
	if (v1_read_u32(r, &len, "HVM context length") < 0)
		return -1;
	r->in->hvm_context_len = len;
	v1_payload_init(r, &p, len, "HVM context");
	return v1_payload_finish(r, &p, V1_CALL(r, hvm_context, &p));
}

const struct v1_guest_ops v1_hvm_ops = {
	.static_part = hvm_static,
	.tail = hvm_tail,
	.hvm_params_allowed = true,
};
