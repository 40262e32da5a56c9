/*
 * The v1 stream's chunk loop: one handler per chunk id (page batches for
 * positive ids), each checking its chunk before passing it on.  Stricter
 * than xc_domain_restore and convert-legacy-stream where a check costs
 * nothing: pfn types the format does not have, pfns beyond p2m_size,
 * duplicate pfns in a batch, vcpu ids beyond the announced maximum,
 * repeated vcpu_info or HVM param chunks, HVM chunks in a PV stream.
 */
#include <stdlib.h>

#include "v1_internal.h"

struct chunk_def {
	const char *name;
	int (*fn)(struct v1_reader *r, int32_t id, uint64_t at);
	uint64_t hvm_param;     /* HVM_PARAM_* index for the u32 pad + u64 chunks */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Validate the batch's pfn_type entries; fill b. */
static int check_batch(struct v1_reader *r, struct sif_v1_batch *b, uint64_t at)
{
	uint64_t p2m = r->in->p2m_size, ent_at = at + 4;
	uint32_t nsorted = 0;

	for (uint32_t i = 0; i < b->count; i++, ent_at += r->in->width) {
		uint64_t x = r->pfn_type[i];
		unsigned type = (unsigned)(x >> SIF_V1_TYPE_SHIFT) & 0xf;
		uint32_t pfn = (uint32_t)(x & SIF_V1_PFN_MASK);

		if (x >> 32)
			return v1_fail(r, ent_at, "pfn_type[%u] 0x%llx: bits above 31 set",
				       i, (unsigned long long)x);
		if (x == SIF_V1_XTAB_ENTRY)
			continue; /* a page xc_domain_save could not map */
		if (type >= 5 && type <= 8)
			return v1_fail(r, ent_at, "pfn_type[%u] 0x%llx: page type 0x%x is not a v1 type (0-4, 9-0xf)",
				       i, (unsigned long long)x, type);
		if (pfn >= p2m)
			return v1_fail(r, ent_at, "pfn_type[%u] 0x%llx: pfn 0x%x beyond p2m_size 0x%llx",
				       i, (unsigned long long)x, pfn, (unsigned long long)p2m);
		r->pfn_sorted[nsorted++] = pfn;
		b->kept++;
		if (type < SIF_V1_TYPE_BROKEN)
			b->pages++;
	}
	/* xc_domain_save sends pfns in ascending order: sort only otherwise. */
	for (uint32_t i = 1; i < nsorted; i++)
		if (r->pfn_sorted[i] <= r->pfn_sorted[i - 1]) {
			qsort(r->pfn_sorted, nsorted, sizeof(uint32_t), cmp_u32);
			break;
		}
	for (uint32_t i = 1; i < nsorted; i++)
		if (r->pfn_sorted[i] == r->pfn_sorted[i - 1])
			return v1_fail(r, at, "page batch of %u: pfn 0x%x appears twice",
				       b->count, r->pfn_sorted[i]);
	return 0;
}

static int page_batch(struct v1_reader *r, int32_t id, uint64_t at)
{
	struct sif_v1_batch b = { .count = (uint32_t)id, .offset = at };
	struct sif_v1_payload p;
	size_t w = r->in->width;

	if ((uint32_t)id > SIF_V1_MAX_BATCH)
		return v1_fail(r, at, "page batch count %d exceeds the v1 limit of %u",
			       id, SIF_V1_MAX_BATCH);
	if (sif_src_read_exact(r->src, r->raw, b.count * w, "pfn_type array", r->err) < 0)
		return -1;
	for (uint32_t i = 0; i < b.count; i++)
		r->pfn_type[i] = w == 8 ? v1_le64(r->raw + 8 * i) : v1_le32(r->raw + 4 * i);
	b.pfn_type = r->pfn_type;
	if (check_batch(r, &b, at) < 0)
		return -1;
	r->in->batches++;
	r->in->batch_entries += b.count;
	r->in->pages += b.pages;
	v1_payload_init(r, &p, (uint64_t)b.pages * SIF_V1_PAGE_SIZE, "page data");
	return v1_payload_finish(r, &p, V1_CALL(r, page_batch, &b, &p));
}

static int marker(struct v1_reader *r, int32_t id, uint64_t at)
{
	(void)at;
	if (id == SIF_V1_CHUNK_VERIFY_MODE)
		r->in->verify_mode = true;
	else
		r->in->last_checkpoint = true;
	return V1_CALL(r, marker, id);
}

static int vcpu_info(struct v1_reader *r, int32_t id, uint64_t at)
{
	struct sif_v1_info *in = r->in;
	uint32_t max_id, words;
	unsigned char buf[sizeof(in->vcpu_online)];

	(void)id;
	if (in->have_vcpu_info)
		return v1_fail(r, at, "second vcpu_info chunk");
	if (v1_read_u32(r, &max_id, "vcpu_info max_vcpu_id") < 0)
		return -1;
	if ((int32_t)max_id < 0 || max_id > SIF_V1_MAX_VCPU_ID)
		return v1_fail(r, at + 4, "vcpu_info max_vcpu_id %d out of range 0..%d",
			       (int32_t)max_id, SIF_V1_MAX_VCPU_ID);
	words = max_id / 64 + 1;
	if (sif_src_read_exact(r->src, buf, words * 8, "vcpu_info online bitmap", r->err) < 0)
		return -1;
	in->max_vcpu_id = (int32_t)max_id;
	for (uint32_t i = 0; i < words; i++) {
		uint64_t v = v1_le64(buf + 8 * i);

		for (unsigned bit = 0; bit < 64; bit++) {
			if (!(v >> bit & 1))
				continue;
			if (i * 64 + bit > max_id)
				return v1_fail(r, at + 8 + 8 * i,
					       "vcpu_info: vcpu %u online but max_vcpu_id is %u",
					       i * 64 + bit, max_id);
			in->online_vcpus++;
		}
		in->vcpu_online[i] = v;
	}
	in->have_vcpu_info = true;
	return V1_CALL0(r, vcpu_info);
}

static int tsc_info(struct v1_reader *r, int32_t id, uint64_t at)
{
	unsigned char b[20];
	struct sif_v1_tsc t;

	(void)id; (void)at;
	if (sif_src_read_exact(r->src, b, sizeof(b), "tsc_info", r->err) < 0)
		return -1;
	t.mode = v1_le32(b);
	t.nsec = v1_le64(b + 4);
	t.khz = v1_le32(b + 12);
	t.incarnation = v1_le32(b + 16);
	r->in->tsc_chunks++;
	return V1_CALL(r, tsc_info, &t);
}

static int hvm_param(struct v1_reader *r, int32_t id, uint64_t at);

static int toolstack(struct v1_reader *r, int32_t id, uint64_t at)
{
	struct sif_v1_payload p;
	uint32_t len;

	(void)id;
	if (v1_read_u32(r, &len, "toolstack chunk length") < 0)
		return -1;
	if (len > SIF_V1_MAX_TOOLSTACK)
		return v1_fail(r, at + 4, "toolstack chunk length %u exceeds the limit of %u bytes",
			       len, SIF_V1_MAX_TOOLSTACK);
	r->in->toolstack_bytes += len;
	if (!len)
		return 0;
	v1_payload_init(r, &p, len, "toolstack data");
	return v1_payload_finish(r, &p, V1_CALL(r, toolstack, &p));
}

/* Valid v1, but no v2 record carries it: refused, not malformed. */
static int unsupported(struct v1_reader *r, int32_t id, uint64_t at)
{
	v1_fail(r, at, "chunk %d (%s) is not supported (tmem and compressed streams cannot be converted)",
		id, sif_v1_chunk_name(id));
	if (r->err)
		r->err->code = SIF_EREFUSED;
	return -1;
}

/* Indexed by -id. */
static const struct chunk_def chunks[] = {
	[1] = { "enable_verify_mode", marker, 0 },
	[2] = { "vcpu_info", vcpu_info, 0 },
	[3] = { "hvm_ident_pt", hvm_param, 12 },
	[4] = { "hvm_vm86_tss", hvm_param, 15 },
	[5] = { "tmem", unsupported, 0 },
	[6] = { "tmem_extra", unsupported, 0 },
	[7] = { "tsc_info", tsc_info, 0 },
	[8] = { "hvm_console_pfn", hvm_param, 17 },
	[9] = { "last_checkpoint", marker, 0 },
	[10] = { "hvm_acpi_ioports_location", hvm_param, 19 },
	[11] = { "hvm_viridian", hvm_param, 9 },
	[12] = { "compressed_data", unsupported, 0 },
	[13] = { "enable_compression", unsupported, 0 },
	[14] = { "hvm_generation_id_addr", hvm_param, 34 },
	[15] = { "hvm_paging_ring_pfn", hvm_param, 27 },
	[16] = { "hvm_monitor_ring_pfn", hvm_param, 28 },
	[17] = { "hvm_sharing_ring_pfn", hvm_param, 29 },
	[18] = { "toolstack", toolstack, 0 },
	[19] = { "hvm_ioreq_server_pfn", hvm_param, 32 },
	[20] = { "hvm_nr_ioreq_server_pages", hvm_param, 33 },
};

static int hvm_param(struct v1_reader *r, int32_t id, uint64_t at)
{
	struct sif_v1_hvm_param hp = { .chunk = id, .index = chunks[-id].hvm_param };
	unsigned char b[12];

	if (!r->guest->hvm_params_allowed)
		return v1_fail(r, at, "HVM-only chunk %d (%s) in a PV stream", id,
			       chunks[-id].name);
	if (r->in->hvm_param_mask & (1u << -id))
		return v1_fail(r, at, "chunk %d (%s) repeated", id, chunks[-id].name);
	if (sif_src_read_exact(r->src, b, sizeof(b), chunks[-id].name, r->err) < 0)
		return -1;
	hp.value = v1_le64(b + 4);
	r->in->hvm_param_mask |= 1u << -id;
	return V1_CALL(r, hvm_param, &hp);
}

const char *sif_v1_chunk_name(int32_t id)
{
	if (id > 0)
		return "page batch";
	if (id == 0)
		return "end of chunks";
	if (id < SIF_V1_CHUNK_MIN)
		return "unknown";
	return chunks[-id].name;
}

int v1_read_chunks(struct v1_reader *r)
{
	for (;;) {
		uint64_t at = r->src->pos;
		uint32_t w;
		int32_t id;

		if (v1_read_u32(r, &w, "chunk id") < 0)
			return -1;
		id = (int32_t)w;
		if (id > 0) {
			if (page_batch(r, id, at) < 0)
				return -1;
			continue;
		}
		if (V1_CALL(r, chunk, id) < 0)
			return -1;
		if (id == 0)
			return V1_CALL0(r, chunks_end);
		if (id < SIF_V1_CHUNK_MIN)
			return v1_fail(r, at, "unknown chunk id %d (expected a page batch 1..%u, 0 or -1..%d)",
				       id, SIF_V1_MAX_BATCH, SIF_V1_CHUNK_MIN);
		if (chunks[-id].fn(r, id, at) < 0)
			return -1;
	}
}
