/*
 * v2gen: a deterministic generator of migration v2 streams (libxc, and
 * libxl around libxc) and of whole suspend images built from them, for
 * tests, fuzz seeds and benchmarks.
 *
 * The same options and seed always give the same bytes.  Output streams
 * through a small buffer, so multi-GiB streams cost no memory; the size of
 * a stream is known before it is written (v2gen_size) so an ext2 image can
 * be sized up front.  Layout as Xen 4.17's save writes it: image and
 * domain headers, [X86_PV_INFO, X86_PV_P2M_FRAMES], CPUID/MSR policies and
 * STATIC_DATA_END (version 3), PAGE_DATA in batches, TSC_INFO, then
 * HVM_CONTEXT + HVM_PARAMS or the PV vcpu records and SHARED_INFO, END.
 * Options reach the corners the verifier must handle: PV 32/64 and HVM,
 * version 2 and 3, page types with and without data, partial batches,
 * many vcpus, libxl with xenstore data and emulator context.
 */
#ifndef SIF_TESTS_V2GEN_H
#define SIF_TESTS_V2GEN_H

#include <stdbool.h>
#include <stdint.h>

enum v2gen_guest { V2GEN_PV64 = 0, V2GEN_PV32, V2GEN_HVM };

struct v2gen_opts {
	enum v2gen_guest guest;
	uint64_t pages;             /* pages with data */
	unsigned batch;             /* pfns per PAGE_DATA, 1..1024 (0: 1024) */
	unsigned vcpus;             /* 1.. (0: 1) */
	unsigned version;           /* image header version 2 or 3 (0: 3) */
	bool page_types;            /* pagetable, pinned, broken, xalloc, xtab entries */
	bool libxl;                 /* wrap in a libxl stream */
	bool xenstore;              /* libxl: an EMULATOR_XENSTORE_DATA record */
	uint32_t emu_bytes;         /* libxl: EMULATOR_CONTEXT data bytes (0: none) */
	/*
	 * An `xl save` file: xl's header (mandatory flags JSON | STREAMv2), a
	 * JSON domain config as libxl writes it, then the libxl stream (implies
	 * libxl); its emulator is qemu-upstream and its EMULATOR_CONTEXT body
	 * starts as qemu's savevm state does ("QEVM", version 3).  xl_pvh: an
	 * HVM stream whose config says pvh (no device model).
	 */
	bool xl;
	bool xl_pvh;
	uint64_t zero_pages;        /* pages of pfns [pages/3, pages/3 + N) all zeros */
	/*
	 * Xen 4.17's xc_domain_save exactly (xg_sr_save*.c): PV: X86_PV_INFO,
	 * policies, STATIC_DATA_END, X86_PV_P2M_FRAMES, pages, TSC_INFO,
	 * SHARED_INFO, then per vcpu BASIC, EXTENDED (64 bytes, as Xen's
	 * ext_vcpucontext), XSAVE, MSRS; HVM: policies, STATIC_DATA_END, pages,
	 * TSC_INFO, HVM_CONTEXT, HVM_PARAMS with every param write_hvm_params
	 * sends, in its order.  Version 3 only.
	 */
	bool xen417;
	uint64_t seed;
	/* Called with the output offset at each record (fault injection in tests). */
	void (*mark)(void *ctx, uint64_t offset, const char *what);
	void *mark_ctx;
};

/* Write the stream to fd: 0, or -1 with errno set. */
int v2gen_write(int fd, const struct v2gen_opts *o);
/* Its exact length in bytes. */
uint64_t v2gen_size(const struct v2gen_opts *o);
/* "key=value" as the struct fields (guest=pv64|pv32|hvm; sizes take K/M/G). */
int v2gen_set(struct v2gen_opts *o, const char *kv);

/* Whole images around a generated stream. */
enum imggen_kind {
	IMGGEN_RAW = 0,             /* framing on the file, raw */
	IMGGEN_STRUCTURED,          /* framing inside ext2 */
	IMGGEN_LEGACY,              /* XenSavedDomain + v1 (v1gen) inside ext2 */
	IMGGEN_STRUCTURED_LEGACY,   /* framing with a Libxc_legacy record, inside ext2 */
	IMGGEN_RAW_LEGACY,          /* framing with a Libxc_legacy record, raw */
};

struct imggen_opts {
	enum imggen_kind kind;
	struct v2gen_opts v2;       /* the libxc stream (framed kinds) */
	const char *v1_kv;          /* v1gen options, space separated (legacy kinds) */
	uint32_t qemu_bytes;        /* Qemu_trad / legacy qemu record (0: none; HVM legacy: 4096) */
	bool qemu_zero;             /* its data all zeros (a sparse hole in ext2) */
	/* xenopsd's records after the libxc stream (framed kinds), in its order
	 * (domain.ml suspend): Demu of length 0 followed by this many bytes of
	 * vGPU state; Varstored; Swtpm0 (the state raw); Swtpm (base64 of a
	 * state of that many bytes, as xapi keeps it).  0: no such record. */
	uint64_t demu_bytes;
	uint32_t varstored_bytes;
	uint32_t swtpm0_bytes;
	uint32_t swtpm_bytes;
	const char *vm_str;         /* Xenops vm_str (NULL: absent) */
	uint64_t raw_tail;          /* raw: bytes of free space after End_of_image */
	int64_t time;               /* timestamps (0: a fixed date) */
	/* Marks of the inner stream's records, at their offsets in the image's
	 * stream (the ext2 file, or the raw file). */
	void (*mark)(void *ctx, uint64_t offset, const char *what);
	void *mark_ctx;
};

/* Where things are in the image's stream (the ext2 file or the raw file). */
struct imggen_result {
	uint64_t xenops;            /* Xenops header (framed kinds) */
	uint64_t xenops_len;        /* its body length */
	uint64_t stream_hdr;        /* the stream record's header (framed kinds) */
	uint64_t stream;            /* the inner stream's first byte */
	uint64_t stream_end;        /* just past it (v1: before any qemu record) */
	uint64_t demu;              /* Demu header; 0: none (and so on) */
	uint64_t varstored;         /* Varstored header */
	uint64_t swtpm0;            /* Swtpm0 header */
	uint64_t swtpm;             /* Swtpm header */
	uint64_t qemu;              /* Qemu_trad header / legacy qemu record; 0: none */
	uint64_t end;               /* End_of_image header (framed kinds) */
	uint64_t total;             /* bytes of the image (raw tail excluded) */
};

/*
 * Write an image to path (replaced).  Uses libsif's image writer for the
 * ext2 kinds.  0, or -1 with a message on stderr.
 */
int imggen_write(const char *path, const struct imggen_opts *o, struct imggen_result *res);
/* Put the file `stream` into a fresh ext2 image at path with libsif's writer. */
int imggen_ext2(const char *path, const char *stream, bool legacy);
/*
 * The same with `mke2fs -t ext2 -d`: every all-zero block of the stream
 * becomes a sparse hole (block_size 1024 or 4096).
 */
int imggen_ext2_sparse(const char *path, const char *stream, unsigned block_size);
int imggen_set(struct imggen_opts *o, const char *kv);
/*
 * The body imggen writes in a device record of `type` (Varstored, Swtpm0,
 * Swtpm; deterministic, malloc'd, *len set), and for Swtpm the state it
 * encodes (`raw` true): what a restore must hand to varstored and swtpm.
 */
unsigned char *imggen_record_body(const struct imggen_opts *o, uint64_t type, bool raw,
				  size_t *len);

#endif
