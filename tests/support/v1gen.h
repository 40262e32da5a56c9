/*
 * v1gen: a deterministic generator of libxc v1 ("legacy") migration
 * streams and of the wrappers found around them (xenopsd's legacy suspend
 * image, xl's saved-domain header), for tests, fuzz seeds and benchmarks.
 *
 * The same options and seed always give the same bytes.  It streams to an
 * fd with a fixed-size buffer, so multi-GiB streams cost no memory.  The
 * layout follows xc_domain_save of Xen 4.4 (facts/legacy-stream.md §1);
 * options reach the corners the converter must handle: 32/64-bit
 * toolstacks, 32/64-bit PV guests, HVM, page counts not multiple of a
 * batch, live-style resends, XTAB fillers, page-table types, up to 4096
 * vcpus with some offline, extended and xsave contexts, every HVM param
 * chunk, libxl toolstack physmap chunks and qemu records.
 *
 * A stable API: the image-format tests build whole legacy images with it.
 */
#ifndef SIF_TESTS_V1GEN_H
#define SIF_TESTS_V1GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/v1.h"

enum v1gen_wrap {
	V1GEN_BARE = 0,         /* the v1 stream alone (+ DeviceModelRecord0002 if qemu) */
	V1GEN_LEGACY_IMAGE,     /* "XenSavedDomain\n" + v1 + "QemuDeviceModelRecord\n" BE len + data */
	V1GEN_XL,               /* xl header + v1 (+ DeviceModelRecord0002 if qemu) */
};

struct v1gen_opts {
	enum sif_v1_guest guest;    /* SIF_V1_PV (default when AUTO) or SIF_V1_HVM */
	unsigned width;             /* toolstack bits, 32 or 64 (0: 64) */
	unsigned guest_width;       /* PV guest bits, 32 or 64 (0: 64) */
	uint64_t pages;             /* pfns sent with data in the first pass */
	uint64_t p2m_size;          /* 0: pages + 16 */
	unsigned batch;             /* entries per page batch, 1..1024 (0: 1024) */
	unsigned vcpus;             /* max_vcpu_id + 1, 1..4096 (0: 1) */
	unsigned offline_every;     /* vcpu i (i > 0) offline when i % k == k - 1 */
	bool extv;                  /* PV: 128-byte extended vcpu contexts */
	uint32_t xsave_size;        /* PV: xsave area bytes per vcpu (0: none) */
	unsigned live_rounds;       /* extra rounds resending every third page */
	unsigned xtab_every;        /* an XTAB filler 0xf0000000 after every k entries */
	unsigned xtab_batches;      /* batches made only of fillers (xc_domain_save sends none) */
	bool pt_types;              /* PV: page-table, pinned, broken, xalloc types */
	bool tsc;                   /* a tsc_info chunk */
	bool hvm_params;            /* HVM: all eleven HVM param chunks */
	bool verify_mode;           /* chunk -1 */
	bool last_checkpoint;       /* chunk -9 */
	unsigned physmap_entries;   /* a libxl toolstack chunk with this many entries */
	uint32_t unmapped;          /* PV: unmapped pfns listed in the tail */
	uint32_t hvm_ctx_len;       /* HVM context bytes (0: 1024) */
	bool qemu;                  /* HVM: a qemu record after the stream */
	uint32_t qemu_len;          /* its data bytes (0: 4096) */
	bool qemu_zero;             /* its data all zeros (a sparse hole in ext2) */
	uint64_t zero_pages;        /* pages of pfns [pages/3, pages/3 + N) all zeros */
	enum v1gen_wrap wrap;
	uint64_t seed;
	/* Called with the output offset at each chunk and tail item. */
	void (*mark)(void *ctx, uint64_t offset, const char *what);
	void *mark_ctx;
};

struct v1gen_result {
	uint64_t v1_start;          /* offset of the v1 stream's first byte */
	uint64_t v1_end;            /* offset just past it (before any qemu record) */
	uint64_t total;             /* bytes written */
	uint64_t page_bytes;        /* page data bytes written */
};

/* Write the stream to fd.  Returns 0, or -1 with errno set. */
int v1gen_write(int fd, const struct v1gen_opts *o, struct v1gen_result *res);

/*
 * Set one option from "key=value" (keys as the struct fields; booleans
 * take 0/1; guest=pv|hvm; wrap=bare|image|xl; sizes accept K, M, G
 * suffixes).  Returns 0, or -1 for an unknown key or bad value.
 */
int v1gen_set(struct v1gen_opts *o, const char *kv);

#endif
