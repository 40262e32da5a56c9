/*
 * The migration v2 stream verifier: libxc streams (Xen's
 * docs/specs/libxc-migration-stream.pandoc) and libxl streams around them
 * (libxl-migration-stream.pandoc), with the checks of Xen's
 * `verify-stream-v2` and a few more that Xen's restore would otherwise
 * fail on later.
 *
 * Both verifiers read a sif_src exactly to the stream's END record and not
 * one byte more, so a caller walking a suspend image continues with the
 * record that follows.  Memory is constant: no record body is held whole,
 * page data is streamed (read, or skipped when the caller does not need
 * every byte read).  The summary is what `sif image inspect` shows.
 *
 * Beyond verify-stream-v2: record types that belong to the other guest
 * type (an HVM_CONTEXT in a PV stream, X86_PV_* in an HVM one), a P2M
 * frame list whose start pfn is above its end, and the big-endian flag of
 * the headers (the peer tests `options & IHDR_OPT_BIT_ENDIAN`, a bit
 * number, so its check never fires) are refused; EMULATOR_XENSTORE_DATA
 * is checked as the libxl spec says (the peer rejects every such record
 * under Python 3).  Deliberately the same as the peer: a PAGE_DATA record
 * of 8 bytes (count 0), TOOLSTACK and CHECKPOINT_DIRTY_PFN_LIST records
 * are refused.
 */
#ifndef SIF_V2_H
#define SIF_V2_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/src.h"

/* libxc stream */
#define SIF_V2_IHDR_LEN 24
#define SIF_V2_DHDR_LEN 16
#define SIF_V2_MARKER 0xffffffffffffffffULL
#define SIF_V2_IDENT 0x58454e46u          /* "XENF" */

enum sif_v2_guest { SIF_V2_GUEST_PV = 1, SIF_V2_GUEST_HVM = 2 };

enum sif_v2_rec {
	SIF_V2_END = 0x00,
	SIF_V2_PAGE_DATA = 0x01,
	SIF_V2_X86_PV_INFO = 0x02,
	SIF_V2_X86_PV_P2M_FRAMES = 0x03,
	SIF_V2_X86_PV_VCPU_BASIC = 0x04,
	SIF_V2_X86_PV_VCPU_EXTENDED = 0x05,
	SIF_V2_X86_PV_VCPU_XSAVE = 0x06,
	SIF_V2_SHARED_INFO = 0x07,
	SIF_V2_TSC_INFO = 0x08,
	SIF_V2_HVM_CONTEXT = 0x09,
	SIF_V2_HVM_PARAMS = 0x0a,
	SIF_V2_TOOLSTACK = 0x0b,
	SIF_V2_X86_PV_VCPU_MSRS = 0x0c,
	SIF_V2_VERIFY = 0x0d,
	SIF_V2_CHECKPOINT = 0x0e,
	SIF_V2_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
	SIF_V2_STATIC_DATA_END = 0x10,
	SIF_V2_X86_CPUID_POLICY = 0x11,
	SIF_V2_X86_MSR_POLICY = 0x12,
};

/* libxl stream */
#define SIF_V2_LIBXL_HDR_LEN 16
#define SIF_V2_LIBXL_IDENT 0x4c6962786c466d74ULL   /* "LibxlFmt" */

enum sif_v2_libxl_rec {
	SIF_V2_LIBXL_END = 0,
	SIF_V2_LIBXL_LIBXC_CONTEXT = 1,
	SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA = 2,
	SIF_V2_LIBXL_EMULATOR_CONTEXT = 3,
	SIF_V2_LIBXL_CHECKPOINT_END = 4,
	SIF_V2_LIBXL_CHECKPOINT_STATE = 5,
};

struct sif_v2_summary {
	uint64_t offset;        /* of the image header */
	uint64_t length;        /* bytes up to and including the END record */
	uint32_t version;       /* image header version: 2 or 3 */
	uint32_t guest_type;    /* enum sif_v2_guest */
	uint32_t xen_major, xen_minor;  /* 0.x: converted from a legacy stream */
	unsigned guest_width;   /* PV: 4 or 8 (X86_PV_INFO); 0 if not said */
	unsigned pt_levels;     /* PV: 3 or 4 */
	uint64_t records;       /* END included */
	uint64_t page_records;  /* PAGE_DATA records */
	uint64_t pfns;          /* pfn entries in them */
	uint64_t pages;         /* pages carrying data */
	uint32_t vcpus;         /* PV: vcpus with a BASIC record; HVM: CPU entries of HVM_CONTEXT */
	uint64_t hvm_context_bytes;
	bool tsc_info;
};

struct sif_v2_libxl_summary {
	uint64_t offset, length;
	bool legacy;            /* header option: converted from a legacy stream */
	uint64_t records;
	bool has_libxc;
	struct sif_v2_summary libxc;
	uint64_t xenstore_records, xenstore_pairs;
	uint32_t xenstore_emulator_id;  /* of the last EMULATOR_XENSTORE_DATA */
	uint64_t emulator_records, emulator_bytes;
	uint32_t emulator_id;   /* of the last EMULATOR_CONTEXT: 0 unknown, 1 qemu-trad, 2 qemu-upstream */
	uint64_t checkpoint_records;    /* CHECKPOINT_END and CHECKPOINT_STATE */
};

/* Called after each record is checked (libxc and libxl records alike). */
typedef void (*sif_v2_record_fn)(void *ctx, bool libxl, uint32_t type,
				 uint32_t length, uint64_t offset);

/*
 * For a consumer that takes what a libxl stream carries (the restore
 * path): LIBXC_CONTEXT's libxc stream is handed to `libxc`, which must
 * consume it exactly to its END record (in place of the libxc verifier),
 * and the bodies of EMULATOR_XENSTORE_DATA and EMULATOR_CONTEXT (after
 * their emulator header) are given to `emulator_data` piece by piece as
 * they are read and checked.  Either returning -1 stops the walk.
 */
typedef int (*sif_v2_libxc_fn)(void *ctx, struct sif_src *src, struct sif_err *err);
typedef int (*sif_v2_emulator_fn)(void *ctx, uint32_t type, uint32_t emulator_id,
				  uint64_t record_offset, uint32_t record_length,
				  const unsigned char *p, size_t n, struct sif_err *err);

struct sif_v2_opts {
	/* Read every byte (page data included) rather than skipping what
	 * carries no structure: what `verify` wants, to meet I/O errors. */
	bool read_all;
	sif_v2_record_fn on_record;
	void *ctx;
	sif_v2_libxc_fn libxc;          /* libxl streams only, optional */
	sif_v2_emulator_fn emulator_data;       /* libxl streams only, optional */
};

int sif_v2_verify_libxc(struct sif_src *src, const struct sif_v2_opts *o,
			struct sif_v2_summary *sum, struct sif_err *err);
int sif_v2_verify_libxl(struct sif_src *src, const struct sif_v2_opts *o,
			struct sif_v2_libxl_summary *sum, struct sif_err *err);

/* "PAGE_DATA", "X86_PV_INFO", ... or NULL. */
const char *sif_v2_rec_name(uint32_t type);
const char *sif_v2_libxl_rec_name(uint32_t type);

#endif
