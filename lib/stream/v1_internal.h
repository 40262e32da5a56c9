/*
 * State shared by the files of the v1 stream reader (v1_read.c,
 * v1_detect.c, v1_chunks.c, v1_pv.c, v1_hvm.c).  Not public: consumers use
 * sif/v1.h.
 */
#ifndef SIF_V1_INTERNAL_H
#define SIF_V1_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "sif/v1.h"

struct v1_reader;

/* What differs between PV and HVM streams: their static part and tail. */
struct v1_guest_ops {
	int (*static_part)(struct v1_reader *r);
	int (*tail)(struct v1_reader *r);
	bool hvm_params_allowed;
};

extern const struct v1_guest_ops v1_pv_ops;
extern const struct v1_guest_ops v1_hvm_ops;

struct v1_reader {
	struct sif_src *src;
	const struct sif_v1_opts *opts;
	const struct sif_v1_ops *ops;
	void *ctx;
	struct sif_v1_info *in;
	struct sif_err *err;
	const struct v1_guest_ops *guest;
	uint64_t pfn_type[SIF_V1_MAX_BATCH];
	uint32_t pfn_sorted[SIF_V1_MAX_BATCH];
	unsigned char raw[SIF_V1_MAX_BATCH * 8];
};

static inline uint32_t v1_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t v1_le64(const unsigned char *p)
{
	return (uint64_t)v1_le32(p) | (uint64_t)v1_le32(p + 4) << 32;
}

/* Read helpers naming the item; offsets come from the source. */
int v1_read_u32(struct v1_reader *r, uint32_t *v, const char *what);
int v1_read_u64(struct v1_reader *r, uint64_t *v, const char *what);
int v1_read_ulong(struct v1_reader *r, uint64_t *v, const char *what);
/* "NAME: offset N: " + message, SIF_EFORMAT. */
int v1_fail(struct v1_reader *r, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Hand a payload of len bytes to handler result `rc` convention: prepare
 * p, call the handler (if any), then skip what it left.
 */
void v1_payload_init(struct v1_reader *r, struct sif_v1_payload *p,
		     uint64_t len, const char *what);
int v1_payload_finish(struct v1_reader *r, struct sif_v1_payload *p, int rc);

int v1_read_chunks(struct v1_reader *r);

/* The handler, then the observer's (see sif_v1_opts.observer). */
#define V1_OBS(r) ((r)->opts->observer)
#define V1_CALL(r, fn, ...) \
	(((r)->ops->fn ? (r)->ops->fn((r)->ctx, (r)->in, __VA_ARGS__, (r)->err) : 0) < 0 ? -1 : \
	 V1_OBS(r) && V1_OBS(r)->fn ? \
	 V1_OBS(r)->fn((r)->opts->observer_ctx, (r)->in, __VA_ARGS__, (r)->err) : 0)
#define V1_CALL0(r, fn) \
	(((r)->ops->fn ? (r)->ops->fn((r)->ctx, (r)->in, (r)->err) : 0) < 0 ? -1 : \
	 V1_OBS(r) && V1_OBS(r)->fn ? \
	 V1_OBS(r)->fn((r)->opts->observer_ctx, (r)->in, (r)->err) : 0)

#endif
