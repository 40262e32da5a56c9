/*
 * The suspend image framing of structured and raw images (DESIGN §5), as
 * xenopsd's Suspend_image writes it: the 15-byte signature
 * "XenSavedDomv2-\n", then records, each a header of two little-endian
 * u64 (type, length) and a body, ending with End_of_image.
 *
 * Record bodies come in three kinds.  Sized bodies (Xenops, the qemu and
 * other device records) carry their length.  Stream bodies (Libxc, Libxl,
 * Libxc_legacy) are a migration stream that runs to its own end record;
 * xenopsd writes their length as 0, and a non-zero length must equal the
 * stream's.  Opaque bodies: a Demu record of length 0, as xenopsd has
 * written the vGPU state since 2017 (domain.ml: write_header fd (Demu,
 * 0L)), is followed by emu-manager's own stream, whose end only
 * emu-manager knows: nothing after its header can be located, so the
 * framing ends there for sif (a sized Demu record, 2015-2017, is sized).
 * An unknown type is an error carrying the type number.
 *
 * The reader here checks the framing only: signature, header, the length
 * rules of each type, that sized bodies fit in the image.  It leaves each
 * body to the caller (sif_src positioned on its first byte): the walkers in
 * image.h (inspect/verify), the converter and the restore path consume
 * them with the shared stream readers.  A sized body the caller left
 * unread is skipped by the next sif_frame_next().
 */
#ifndef SIF_FRAME_H
#define SIF_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/src.h"

#define SIF_FRAME_SIGNATURE "XenSavedDomv2-\n"
#define SIF_FRAME_SIGNATURE_LEN 15
#define SIF_FRAME_HEADER_LEN 16

/* Largest qemu record xenopsd restores (consume_qemu_record). */
#define SIF_QEMU_RECORD_MAX (1u << 20)

enum sif_frame_type {
	SIF_FRAME_XENOPS       = 0x000f,
	SIF_FRAME_LIBXC        = 0x00f0,
	SIF_FRAME_LIBXL        = 0x00f1,
	SIF_FRAME_LIBXC_LEGACY = 0x00f2,
	SIF_FRAME_QEMU_TRAD    = 0x0f00,
	SIF_FRAME_QEMU_XEN     = 0x0f01,
	SIF_FRAME_DEMU         = 0x0f10,
	SIF_FRAME_VARSTORED    = 0x0f11,
	SIF_FRAME_SWTPM0       = 0x0f12,
	SIF_FRAME_SWTPM        = 0x0f13,
	SIF_FRAME_END          = 0xffff,
};

enum sif_frame_body {
	SIF_BODY_SIZED,         /* `length` bytes */
	SIF_BODY_STREAM,        /* a migration stream to its own end */
	SIF_BODY_NONE,          /* End_of_image */
	SIF_BODY_OPAQUE,        /* unsized Demu: vGPU state to an end sif cannot find */
};

struct sif_frame_rec {
	uint64_t index;         /* 0 for the first record */
	uint64_t offset;        /* of the header, in the image */
	uint64_t type;
	uint64_t length;        /* as declared */
	uint64_t body;          /* offset of the body */
	enum sif_frame_body body_kind;
	const char *name;       /* "Xenops", "Libxc", ... */
};

struct sif_frame_reader {
	struct sif_src *src;
	struct sif_frame_rec cur;
	bool have_cur, done;
	uint64_t count;
};

/* xenopsd's name of a type ("Qemu_trad"), or NULL if unknown. */
const char *sif_frame_type_name(uint64_t type);

/*
 * Read and check the signature at the source's position.  A legacy
 * signature ("XenSavedDomain\n") or anything else is an error saying what
 * was found.
 */
int sif_frame_open(struct sif_frame_reader *r, struct sif_src *src, struct sif_err *err);

/*
 * Finish the current record (skip the rest of a sized body; check a
 * stream body's declared length against what its reader consumed) and
 * read the next header.  Returns 1 with *rec filled (End_of_image and an
 * opaque Demu record included), 0 after either of them, -1 on error:
 * unknown type, bad length, a sized body running past the end of the
 * image, truncation, or the image ending without End_of_image.
 */
int sif_frame_next(struct sif_frame_reader *r, struct sif_frame_rec *rec,
		   struct sif_err *err);

/* The 16 header bytes for (type, length). */
void sif_frame_header_encode(unsigned char out[SIF_FRAME_HEADER_LEN], uint64_t type,
			     uint64_t length);

#endif
