/*
 * Between the converter's files: the buffered v2 record writer
 * (convert_out.c), the libxl toolstack decoder (convert_libxl.c) and the
 * v1 handlers (convert.c).  Not public.
 */
#ifndef SIF_CONVERT_INTERNAL_H
#define SIF_CONVERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sif/convert.h"

#define V2_OUTBUF (64u * 1024u)

/* Small writes gather here; payloads go straight to the fd after a flush. */
struct v2_out {
	const struct sif_convert_sink *sink;
	const char *name;
	size_t len;
	uint64_t bytes;
	uint64_t records;
	unsigned char buf[V2_OUTBUF];
};

int v2_put(struct v2_out *o, const void *p, size_t n, struct sif_err *err);
int v2_put32(struct v2_out *o, uint32_t v, struct sif_err *err);
int v2_put64(struct v2_out *o, uint64_t v, struct sif_err *err);
int v2_put_be(struct v2_out *o, uint64_t v, unsigned bytes, struct sif_err *err);
int v2_flush(struct v2_out *o, struct sif_err *err);
/* Record header (u32 type, u32 length); the body follows. */
int v2_rec_hdr(struct v2_out *o, uint32_t type, uint32_t len, struct sif_err *err);
/* Zero padding after a body of len bytes, to 8. */
int v2_rec_pad(struct v2_out *o, uint64_t len, struct sif_err *err);
/* A whole small record. */
int v2_record(struct v2_out *o, uint32_t type, const void *body, uint32_t len,
	      struct sif_err *err);
/* Copy n payload bytes to the output (kernel-side where possible). */
int v2_copy(struct v2_out *o, struct sif_v1_payload *p, uint64_t n,
	    struct sif_err *err);

/*
 * Decode a libxl toolstack chunk (version 1 physmap list) into xenstore
 * "key\0value\0" pairs appended to *kv (grown, at most `limit` bytes).
 */
int libxl_physmap_to_xenstore(const unsigned char *data, size_t len,
			      unsigned width, char **kv, size_t *kv_len,
			      size_t limit, const char *name, uint64_t at,
			      struct sif_err *err);

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

/* The converter's state, shared by convert.c and convert_input.c. */
#define XS_DATA_LIMIT (2u << 20)
#define LEGACY_IMAGE_SIG "XenSavedDomain\n"
#define LEGACY_QEMU_SIG "QemuDeviceModelRecord\n"
#define V2_IMAGE_SIG "XenSavedDomv2-\n"

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

bool conv_libxl(const struct conv *c);
/* The qemu record: libxl EMULATOR_CONTEXT, the sink's, or libxc's raw form. */
int conv_write_qemu(struct conv *c, struct sif_v1_payload *p, struct sif_err *err);
extern const struct sif_v1_ops conv_ops;

#endif
