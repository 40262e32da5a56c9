/*
 * Telling a v1 stream's toolstack width and guest type from its first 16
 * bytes, since the stream does not state them (DESIGN §5): PV has the ~0
 * extended-info marker after p2m_size at offset 4 (32-bit toolstack) or 8
 * (64-bit); HVM has a chunk id after p2m_size, and a 64-bit HVM p2m_size
 * has a zero upper half (which a 32-bit reading would take for the end of
 * chunks, so 64-bit wins that tie).  Options restrict the readings; a
 * stream that fits none of the allowed ones is refused, saying why each
 * reading failed.
 */
#include <stdio.h>

#include "v1_internal.h"

struct reading {
	enum sif_v1_guest guest;
	unsigned width;
	const char *name;
};

static const struct reading readings[] = {
	{ SIF_V1_PV, 4, "32-bit PV" },
	{ SIF_V1_PV, 8, "64-bit PV" },
	{ SIF_V1_HVM, 8, "64-bit HVM" },
	{ SIF_V1_HVM, 4, "32-bit HVM" },
};

static bool chunk_plausible(uint32_t w)
{
	int32_t id = (int32_t)w;

	return id >= SIF_V1_CHUNK_MIN && id <= (int32_t)SIF_V1_MAX_BATCH;
}

/* Whether the words fit the reading; if not, why (into why). */
static bool fits(const struct reading *rd, const uint32_t w[4], uint64_t start,
		 char *why, size_t whylen)
{
	if (rd->guest == SIF_V1_PV && rd->width == 4) {
		if (w[1] == 0xffffffffu)
			return true;
		snprintf(why, whylen, "%s: no extended-info marker 0xffffffff at offset %llu (found 0x%08x)",
			 rd->name, (unsigned long long)start + 4, w[1]);
		return false;
	}
	if (rd->guest == SIF_V1_PV) {
		if (w[2] == 0xffffffffu && w[3] == 0xffffffffu)
			return true;
		snprintf(why, whylen, "%s: no extended-info marker 0xffffffffffffffff at offset %llu (found 0x%08x%08x)",
			 rd->name, (unsigned long long)start + 8, w[3], w[2]);
		return false;
	}
	if (rd->width == 8) {
		if (w[1] != 0) {
			snprintf(why, whylen, "%s: upper half of p2m_size at offset %llu is 0x%08x, not 0",
				 rd->name, (unsigned long long)start + 4, w[1]);
			return false;
		}
		if (chunk_plausible(w[2]))
			return true;
		snprintf(why, whylen, "%s: %d at offset %llu is not a chunk id",
			 rd->name, (int32_t)w[2], (unsigned long long)start + 8);
		return false;
	}
	if (chunk_plausible(w[1]))
		return true;
	snprintf(why, whylen, "%s: %d at offset %llu is not a chunk id", rd->name,
		 (int32_t)w[1], (unsigned long long)start + 4);
	return false;
}

int sif_v1_detect(struct sif_src *src, const struct sif_v1_opts *opts,
		  struct sif_v1_info *in, struct sif_err *err)
{
	const unsigned char *p;
	uint32_t w[4];
	char whys[SIF_ERR_MSG_MAX / 2] = "", why[200];
	size_t used = 0;

	if (opts->width && opts->width != 32 && opts->width != 64)
		return sif_errf(err, SIF_EUSAGE, "width must be 32 or 64, not %u",
				opts->width);
	/* A valid stream is longer than 16 bytes in every reading. */
	if (sif_src_peek(src, 16, &p, "v1 stream header", err) < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		w[i] = v1_le32(p + 4 * i);
	in->start = src->pos;
	/* Both given: HVM has nothing to check here; the reader reports. */
	if (opts->width && opts->guest == SIF_V1_HVM) {
		in->guest = SIF_V1_HVM;
		in->width = opts->width / 8;
		return 0;
	}
	for (size_t i = 0; i < sizeof(readings) / sizeof(readings[0]); i++) {
		const struct reading *rd = &readings[i];

		if (opts->width && opts->width / 8 != rd->width)
			continue;
		if (opts->guest != SIF_V1_GUEST_AUTO && opts->guest != rd->guest)
			continue;
		if (fits(rd, w, src->pos, why, sizeof(why))) {
			in->guest = rd->guest;
			in->width = rd->width;
			in->width_detected = !opts->width;
			in->guest_detected = opts->guest == SIF_V1_GUEST_AUTO;
			return 0;
		}
		used += (size_t)snprintf(whys + used, sizeof(whys) - used, "%s%s",
					 used ? "; " : "", why);
		if (used >= sizeof(whys))
			used = sizeof(whys) - 1;
	}
	return sif_errf(err, SIF_EFORMAT,
			"%s: offset %llu: not a libxc v1 stream%s%s%s%s: %s",
			src->name, (unsigned long long)src->pos,
			opts->width || opts->guest ? " of the requested kind (" : "",
			opts->width ? (opts->width == 32 ? "width 32" : "width 64") : "",
			opts->width && opts->guest ? ", " : "",
			opts->guest ? (opts->guest == SIF_V1_PV ? "guest pv)" : "guest hvm)")
				    : (opts->width ? ")" : ""),
			whys);
}
