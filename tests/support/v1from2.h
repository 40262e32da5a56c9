/*
 * v1from2: rewrite a libxc migration v2 stream (as Xen 4.17's
 * xc_domain_save writes it for a PV or HVM guest) as the libxc v1 stream a
 * pre-4.5 xc_domain_save (Xen 4.4, 4.5's last legacy additions included)
 * would have written for the same guest, for a toolstack of a given width.
 * A test generator: it makes legacy images out of real guests' streams.
 *
 * v1 layout, in xc_domain_save's order (facts/legacy-stream.md §1):
 * p2m_size; PV: the extended info ("vcpu" block of the guest's width holding
 * vcpu 0's context, "extv" when the stream has extended contexts, "xcnt"
 * when it has XSAVE), the p2m frame list; chunks: tsc_info (a non-live
 * save sends it before the pages), one page batch per PAGE_DATA record
 * (split at 1024 entries), enable_verify_mode for VERIFY, vcpu_info, the HVM
 * param chunks, last_checkpoint, end; tail: PV: no unmapped pfns, each
 * online vcpu's context, extended context (padded to 128 bytes) and xsave
 * area, the shared info page; HVM: the ioreq, buffered ioreq and xenstore
 * pfns, the HVM context.
 *
 * What v1 never had is dropped and listed on `notes`: the policy records,
 * STATIC_DATA_END, X86_PV_VCPU_MSRS, the saving Xen's version, HVM params
 * without a v1 chunk (VM86_TSS_SIZED, X87_FIP_WIDTH, MCA_CAP, ...).  What v1
 * had but cannot hold here is an error: CHECKPOINT records (a Remus or
 * COLO stream), a pfn above 28 bits, a p2m frame above 32 bits for a
 * 32-bit toolstack, vcpu contexts of the wrong size, XSAVE areas of
 * different sizes, an extended context above 128 bytes, a P2M frame list
 * that does not start at pfn 0 or cover p2m_size.
 *
 * The input may also be an `xl save` file (its libxl stream's libxc stream)
 * or a raw suspend image file (its Libxc record); for an HVM guest's legacy
 * image their device model state (EMULATOR_CONTEXT's body, the Qemu_trad
 * record) is the qemu record unless another is given.
 *
 * The input is read twice (an index of its records, then the rewrite), so
 * it must be seekable; memory holds the records other than PAGE_DATA (vcpu
 * contexts, HVM context, params) and one page batch, whatever the guest's
 * size.
 */
#ifndef SIF_TESTS_V1FROM2_H
#define SIF_TESTS_V1FROM2_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct v1from2_opts {
	unsigned width;             /* toolstack bits: 32 or 64 */
	bool legacy_image;          /* "XenSavedDomain\n" + v1 (+ HVM qemu record) */
	int qemu_fd;                /* legacy image, HVM: the device model state (-1: the input's) */
	FILE *notes;                /* what was dropped, one line each (NULL: silent) */
};

struct v1from2_result {
	bool hvm;
	uint64_t records;           /* v2 records read, END included */
	uint64_t dropped;           /* records and params dropped */
	uint64_t batches;           /* v1 page batches written */
	uint64_t out_bytes;
};

/*
 * Read the v2 stream at in_fd's offset (seekable, to its END and no
 * further; trailing bytes are an error), or the xl save file or raw image
 * holding one, and write the v1 stream to out_fd.
 * Errors name the input, the offset and the record; 0 or -1.
 */
int v1from2(int in_fd, const char *in_name, int out_fd, const char *out_name,
	    const struct v1from2_opts *o, struct v1from2_result *res, char *err,
	    size_t errlen);

#endif
