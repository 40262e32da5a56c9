/*
 * Converting a libxc v1 ("legacy") stream to a libxc migration v2 stream,
 * the job of Xen's convert-legacy-stream, in constant memory and without
 * seeking: read from a struct sif_src, write to an fd (a pipe into
 * libxenguest, a file, /dev/null).  For the same options the output is
 * byte-identical to convert-legacy-stream's (Xen 4.17), with one
 * deliberate difference: a page batch made only of XTAB fillers
 * (0xf0000000 entries, which xc_domain_save never sends alone) produces no
 * PAGE_DATA record, where the peer writes a zero-count record that its own
 * verify-stream-v2 rejects.
 *
 * The input may be a bare v1 stream, a xenopsd legacy suspend image
 * ("XenSavedDomain\n" + v1 + for HVM "QemuDeviceModelRecord\n" + 32-bit
 * big-endian length + data) or an xl saved domain (its header is copied
 * through, as the peer's --xl does) or a structured/raw image's framing
 * whose stream record is Libxc_legacy (a v1 stream saved by a pre-4.5
 * dom0; its Qemu_trad record becomes the qemu record; libxc format only).
 * The converter reads exactly to the end of what it converts; it then reports trailing bytes unless the source
 * is shared (SIF_SRC_SHARED: the caller reads on).
 *
 * Not for v2 framing (structured/raw images): that is sif/frame.h's job;
 * this module produces the Libxc record's body.
 */
#ifndef SIF_CONVERT_H
#define SIF_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/src.h"
#include "sif/v1.h"

enum sif_convert_format {
	SIF_CONVERT_LIBXC = 0,      /* a libxc v2 stream (+ raw qemu record) */
	SIF_CONVERT_LIBXL,          /* a libxl v2 stream wrapping it */
};

enum sif_convert_input {
	SIF_CONVERT_IN_AUTO = 0,    /* options: decide from the first bytes */
	SIF_CONVERT_IN_V1,          /* a bare v1 stream */
	SIF_CONVERT_IN_LEGACY_IMAGE,/* "XenSavedDomain\n" + v1 [+ qemu] */
	SIF_CONVERT_IN_XL,          /* xl header + v1 */
	SIF_CONVERT_IN_FRAMED,      /* "XenSavedDomv2-\n" image with a Libxc_legacy record */
};

struct sif_convert_opts {
	unsigned width;             /* 0 = detect, 32, 64 */
	enum sif_v1_guest guest;    /* AUTO = detect */
	enum sif_convert_format format;
	bool skip_qemu;             /* HVM, libxc format: leave the qemu record out */
	enum sif_convert_input input;
	/* Optional: called after each page batch with the input offset. */
	void (*progress)(void *ctx, uint64_t in_pos, uint64_t in_end);
	void *progress_ctx;
	/* Optional: the v1 reader's observer (sif_v1_opts.observer), e.g. a log. */
	const struct sif_v1_ops *observer;
	void *observer_ctx;
};

struct sif_convert_result {
	struct sif_v1_info v1;      /* what the v1 reader learned */
	enum sif_convert_input input;
	uint64_t in_bytes;          /* consumed from the source */
	uint64_t out_bytes;         /* written to the output */
	uint64_t records;           /* v2 records written */
	uint64_t qemu_bytes;        /* qemu data carried (0 if none or skipped) */
};

/*
 * Where the v2 stream goes, when not simply an fd: `write` appends bytes,
 * `copy` appends the next n bytes of a source (kernel-side where it can).
 * With `qemu` set, an HVM qemu record is handed to it (after the stream's
 * END) instead of being appended in its libxc form: an image writer puts
 * it in a Qemu_trad record.
 */
struct sif_convert_sink {
	const char *name;
	void *ctx;
	int (*write)(void *ctx, const void *buf, size_t n, struct sif_err *err);
	int (*copy)(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		    struct sif_err *err);
	int (*qemu)(void *ctx, struct sif_src *src, uint32_t len, struct sif_err *err);
};

/* Convert from `in` to a sink (see sif_convert for the rest). */
int sif_convert_to(struct sif_src *in, const struct sif_convert_sink *out,
		   const struct sif_convert_opts *opts,
		   struct sif_convert_result *res, struct sif_err *err);

/*
 * Convert from `in` (positioned on the input's first byte) to out_fd.
 * `out_name` names the output in errors.  On failure the output holds a
 * partial stream: the caller must not present it as complete.
 */
int sif_convert(struct sif_src *in, int out_fd, const char *out_name,
		const struct sif_convert_opts *opts,
		struct sif_convert_result *res, struct sif_err *err);

/*
 * The entry point of a drop-in for Xen's convert-legacy-stream, as xenopsd
 * runs it: convert the bare v1 stream (opts->input V1, the default, or XL)
 * read from in_fd to out_fd.  in_fd is the caller's, positioned on the
 * stream's first byte and read by the caller afterwards (an HVM image's
 * qemu record follows): it is read exactly to the end of the libxc stream
 * (or of the qemu record the options ask for), never one byte further from
 * a pipe or socket, and a file's or block device's offset is left just past
 * what was consumed, also on failure.  What follows is not looked at.
 * in_fd is not closed.  `in_name` names it in errors.
 */
int sif_convert_fd(int in_fd, const char *in_name, int out_fd, const char *out_name,
		   const struct sif_convert_opts *opts, struct sif_convert_result *res,
		   struct sif_err *err);

const char *sif_convert_input_name(enum sif_convert_input in);

#endif
