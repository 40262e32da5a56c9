/*
 * The libxc v1 ("legacy", pre-Xen-4.5) migration stream reader.
 *
 * One reader walks the stream from a struct sif_src and calls a table of
 * handlers (struct sif_v1_ops) per chunk and tail item; the converter,
 * `sif image inspect`/`verify` and the restore path differ only in their
 * handlers.  The reader checks everything the format allows it to check
 * before the handler runs (lengths, batch counts, pfn types, pfn against
 * p2m_size, vcpu ids against the announced maximum, repeated chunks), so a
 * handler sees only a valid item.  Payloads that a handler may pass through
 * (page data, vcpu contexts, shared info, HVM context, qemu data) are given
 * as a struct sif_v1_payload: the handler reads or copies what it wants, the
 * reader skips the rest.  The reader consumes exactly the stream: it stops
 * on the last byte of the PV/HVM tail (or of the qemu record when asked to
 * read it), so a shared fd is left on whatever follows.
 *
 * Layout facts: docs/specs/libxc-migration-stream.pandoc in xen.git and
 * the project's facts/legacy-stream.md.  "Width" is the saving toolstack's
 * word size (the `unsigned long` of the stream); the PV guest's own width
 * comes from the size of the "vcpu" extended-info block.
 *
 * Not for v2 streams or the image framing around a v1 stream.
 */
#ifndef SIF_V1_H
#define SIF_V1_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/src.h"

#define SIF_V1_MAX_BATCH      1024u
#define SIF_V1_MAX_VCPU_ID    4095
/* xc_domain_save refuses guests with p2m_size above ~XEN_DOMCTL_PFINFO_LTAB_MASK. */
#define SIF_V1_MAX_P2M_SIZE   0x0fffffffull
#define SIF_V1_PAGE_SIZE      4096u
#define SIF_V1_VCPU64_SIZE    0x1430u
#define SIF_V1_VCPU32_SIZE    0xaf0u
#define SIF_V1_VCPU_EXT_SIZE  128u
/* Toolstack chunks and the qemu record are held or copied whole: bounded. */
#define SIF_V1_MAX_TOOLSTACK  (1u << 20)
#define SIF_V1_MAX_QEMU       (1u << 20)
#define SIF_V1_QEMU_SIG       "DeviceModelRecord0002"
#define SIF_V1_QEMU_SIG_LEN   21u

/* v1 pfn_type bits 31..28 (XEN_DOMCTL_PFINFO_*). */
#define SIF_V1_PFN_MASK       0x0fffffffu
#define SIF_V1_TYPE_SHIFT     28
#define SIF_V1_TYPE_NOTAB     0x0u
#define SIF_V1_TYPE_BROKEN    0xdu
#define SIF_V1_TYPE_XALLOC    0xeu
#define SIF_V1_TYPE_XTAB      0xfu
#define SIF_V1_XTAB_ENTRY     0xf0000000u

/* Chunk ids (XC_SAVE_ID_*), negative; positive ids are page batches. */
enum sif_v1_chunk {
	SIF_V1_CHUNK_END = 0,
	SIF_V1_CHUNK_VERIFY_MODE = -1,
	SIF_V1_CHUNK_VCPU_INFO = -2,
	SIF_V1_CHUNK_HVM_IDENT_PT = -3,
	SIF_V1_CHUNK_HVM_VM86_TSS = -4,
	SIF_V1_CHUNK_TMEM = -5,
	SIF_V1_CHUNK_TMEM_EXTRA = -6,
	SIF_V1_CHUNK_TSC_INFO = -7,
	SIF_V1_CHUNK_HVM_CONSOLE_PFN = -8,
	SIF_V1_CHUNK_LAST_CHECKPOINT = -9,
	SIF_V1_CHUNK_HVM_ACPI_IOPORTS = -10,
	SIF_V1_CHUNK_HVM_VIRIDIAN = -11,
	SIF_V1_CHUNK_COMPRESSED_DATA = -12,
	SIF_V1_CHUNK_ENABLE_COMPRESSION = -13,
	SIF_V1_CHUNK_HVM_GENERATION_ID = -14,
	SIF_V1_CHUNK_HVM_PAGING_RING = -15,
	SIF_V1_CHUNK_HVM_MONITOR_RING = -16,
	SIF_V1_CHUNK_HVM_SHARING_RING = -17,
	SIF_V1_CHUNK_TOOLSTACK = -18,
	SIF_V1_CHUNK_HVM_IOREQ_SERVER_PFN = -19,
	SIF_V1_CHUNK_HVM_NR_IOREQ_SERVER_PAGES = -20,
};
#define SIF_V1_CHUNK_MIN (-20)

enum sif_v1_guest {
	SIF_V1_GUEST_AUTO = 0,  /* options: detect */
	SIF_V1_PV,
	SIF_V1_HVM,
};

struct sif_v1_ops;

struct sif_v1_opts {
	unsigned width;             /* toolstack bits: 0 = detect, 32, 64 */
	enum sif_v1_guest guest;    /* SIF_V1_GUEST_AUTO = detect */
	/* HVM: a "DeviceModelRecord0002" qemu record follows the tail. */
	bool qemu;
	/*
	 * Optional second handler table, called after the first for each item
	 * (a log of what the stream holds).  It sees payload lengths only: by
	 * the time it runs the first table may have consumed the payload, so
	 * it must not read or copy one.
	 */
	const struct sif_v1_ops *observer;
	void *observer_ctx;
};

/* What the reader has learned so far; handlers get it read-only. */
struct sif_v1_info {
	enum sif_v1_guest guest;
	unsigned width;             /* toolstack bytes: 4 or 8 */
	bool width_detected;        /* false: taken from the options */
	bool guest_detected;
	uint64_t start;             /* offset of the stream's first byte */
	uint64_t p2m_size;
	/* PV extended info */
	uint32_t ext_total;         /* bytes of extended-info blocks announced */
	unsigned guest_width;       /* 4 or 8 (from the "vcpu" block) */
	unsigned levels;            /* 3 or 4 */
	uint32_t vcpu_ctx_size;     /* 0x1430 or 0xaf0 */
	bool ext_vcpu;              /* "extv": 128-byte extended contexts */
	uint32_t xsave_len;         /* "xcnt": xsave area + 16, 0 if none */
	uint64_t p2m_frames;        /* entries of the p2m frame list */
	/* chunks */
	bool have_vcpu_info;
	int32_t max_vcpu_id;
	uint32_t online_vcpus;
	uint64_t vcpu_online[(SIF_V1_MAX_VCPU_ID + 1) / 64];
	uint64_t batches;
	uint64_t batch_entries;     /* pfn_type entries, XTAB included */
	uint64_t pages;             /* pages carried (with data) */
	uint64_t tsc_chunks;
	uint32_t hvm_param_mask;    /* bit (-id) set per HVM param chunk seen */
	uint64_t toolstack_bytes;
	bool verify_mode;
	bool last_checkpoint;
	/* tail */
	uint32_t unmapped_pfns;
	uint32_t hvm_context_len;
	bool have_qemu;
	uint32_t qemu_len;
	uint64_t end;               /* offset just past the stream (when done) */
};

/* A payload the handler may read or copy; the reader skips what is left. */
struct sif_v1_payload {
	struct sif_src *src;
	uint64_t len;
	uint64_t done;
	const char *what;
};

int sif_v1_payload_read(struct sif_v1_payload *p, void *buf, size_t n,
			struct sif_err *err);
int sif_v1_payload_copy(struct sif_v1_payload *p, int fd, const char *out_name,
			uint64_t n, struct sif_err *err);

/* One page batch, validated; pfn_type[] holds the raw entries as u64. */
struct sif_v1_batch {
	uint32_t count;             /* entries in the chunk */
	const uint64_t *pfn_type;   /* [count], as in the stream (zero-extended) */
	uint32_t kept;              /* entries other than the 0xf0000000 filler */
	uint32_t pages;             /* entries with page data */
	uint64_t offset;            /* of the chunk id */
};

/* HVM parameter chunks map to HVM_PARAM_* indices. */
struct sif_v1_hvm_param {
	int32_t chunk;
	uint64_t index;             /* HVM_PARAM_* */
	uint64_t value;
};

struct sif_v1_tsc {
	uint32_t mode, khz, incarnation;
	uint64_t nsec;
};

/*
 * Handlers: each optional; return 0, or -1 with err filled to stop the
 * reader.  Called in stream order.
 */
struct sif_v1_ops {
	/* Width, guest type and p2m_size are known. */
	int (*begin)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV: the extended-info marker and length (in->ext_total) are read. */
	int (*ext_info)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV: the "vcpu" extended-info block gave the guest width. */
	int (*pv_guest)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV: an extended-info block (id, size) was read and applied. */
	int (*ext_block)(void *ctx, const struct sif_v1_info *in, const char id[4],
			 uint32_t size, struct sif_err *err);
	/* PV: after the extended info; HVM: right after begin. */
	int (*static_end)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV: p2m frame list, in->p2m_frames entries of in->width bytes. */
	int (*p2m_frames)(void *ctx, const struct sif_v1_info *in,
			  struct sif_v1_payload *frames, struct sif_err *err);
	/* A page batch; data holds batch->pages pages. */
	int (*page_batch)(void *ctx, const struct sif_v1_info *in,
			  const struct sif_v1_batch *batch,
			  struct sif_v1_payload *data, struct sif_err *err);
	int (*tsc_info)(void *ctx, const struct sif_v1_info *in,
			const struct sif_v1_tsc *tsc, struct sif_err *err);
	int (*hvm_param)(void *ctx, const struct sif_v1_info *in,
			 const struct sif_v1_hvm_param *p, struct sif_err *err);
	/* vcpu_info: in->max_vcpu_id and in->vcpu_online are set. */
	int (*vcpu_info)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* Toolstack chunk (may repeat); size <= SIF_V1_MAX_TOOLSTACK. */
	int (*toolstack)(void *ctx, const struct sif_v1_info *in,
			 struct sif_v1_payload *data, struct sif_err *err);
	/* Every chunk id <= 0, before its body is read (unknown ids too). */
	int (*chunk)(void *ctx, const struct sif_v1_info *in, int32_t id,
		     struct sif_err *err);
	/* Any chunk with no payload worth passing (verify mode, checkpoint). */
	int (*marker)(void *ctx, const struct sif_v1_info *in, int32_t chunk,
		      struct sif_err *err);
	/* The end-of-chunks marker (0). */
	int (*chunks_end)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV tail: the unmapped pfn list (in->unmapped_pfns) was skipped. */
	int (*pv_unmapped)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* PV tail, per online vcpu in ascending id order. */
	int (*vcpu_basic)(void *ctx, const struct sif_v1_info *in, uint32_t id,
			  struct sif_v1_payload *ctxt, struct sif_err *err);
	int (*vcpu_extended)(void *ctx, const struct sif_v1_info *in, uint32_t id,
			     struct sif_v1_payload *ext, struct sif_err *err);
	int (*vcpu_xsave)(void *ctx, const struct sif_v1_info *in, uint32_t id,
			  uint64_t mask, struct sif_v1_payload *xsave,
			  struct sif_err *err);
	int (*shared_info)(void *ctx, const struct sif_v1_info *in,
			   struct sif_v1_payload *page, struct sif_err *err);
	/* HVM tail. */
	int (*hvm_magic_pfns)(void *ctx, const struct sif_v1_info *in,
			      const uint64_t pfns[3], struct sif_err *err);
	int (*hvm_context)(void *ctx, const struct sif_v1_info *in,
			   struct sif_v1_payload *blob, struct sif_err *err);
	/* The PV or HVM tail is complete (the libxc stream's end). */
	int (*tail_end)(void *ctx, const struct sif_v1_info *in, struct sif_err *err);
	/* HVM with opts.qemu: the qemu record (signature checked). */
	int (*qemu)(void *ctx, const struct sif_v1_info *in,
		    struct sif_v1_payload *data, struct sif_err *err);
};

/*
 * Work out width and guest type from the first 16 bytes (peeked, not
 * consumed): PV has the ~0 extended-info marker after p2m_size at offset 4
 * (32-bit) or 8 (64-bit); HVM's 64-bit p2m_size has a zero upper half.
 * Options fix one or both; a stream that fits no allowed reading is
 * refused with what was found.  Fills in->guest, in->width and *_detected.
 */
int sif_v1_detect(struct sif_src *src, const struct sif_v1_opts *opts,
		  struct sif_v1_info *in, struct sif_err *err);

/*
 * Read one whole v1 stream from src (positioned on its first byte),
 * calling ops.  `in` receives what was learned (also on failure, up to the
 * failing item).  A chunk the format has but no converter can carry (tmem,
 * compressed pages) fails with SIF_EREFUSED; every other refusal of the
 * input with SIF_EFORMAT.
 */
int sif_v1_read(struct sif_src *src, const struct sif_v1_opts *opts,
		const struct sif_v1_ops *ops, void *ctx, struct sif_v1_info *in,
		struct sif_err *err);

const char *sif_v1_chunk_name(int32_t chunk);
const char *sif_v1_guest_name(enum sif_v1_guest g);

#endif
