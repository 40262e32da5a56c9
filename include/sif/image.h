/*
 * Suspend images: what is on a suspend VDI (DESIGN §1), opened, walked
 * and written.
 *
 *   format       container                    stream
 *   legacy       ext2 fs, file suspend-image  "XenSavedDomain\n" + libxc v1 [+ qemu]
 *   structured   ext2 fs, file suspend-image  "XenSavedDomv2-\n" + framed records
 *   raw          none (the device itself)     "XenSavedDomv2-\n" + framed records
 *
 * sif_image_open() detects the container (an ops table: raw or ext2; the
 * ext2 file is read with libext2fs's block map and then with preads on
 * the device, never by mounting) and the stream's signature, and gives a
 * sif_src positioned on the stream's first byte.  Bare migration streams
 * (a libxc v2 stream, a libxl stream) are recognised too, so the tools can
 * check what `image wrap` takes.
 *
 * An `xl save` file is read as it is too: its header and domain config
 * (xl.h), then its libxl v2 stream (format raw, or structured inside ext2:
 * it restores on the plain path) or, from xl of Xen < 4.6, its libxc v1
 * stream and qemu record (format legacy).
 *
 * sif_image_scan() is the one walk of a whole image shared by inspect and
 * verify: every record of the framing (frame.h), the libxc/libxl v2
 * streams inside (v2.h), the libxc v1 stream of legacy images and
 * Libxc_legacy records (v1.h), the qemu records, to the last byte of the
 * image; trailing bytes are an error, except after End_of_image on a raw
 * container, where the rest of the device is not part of the image.  An
 * unsized Demu record (xenopsd's vGPU state, see frame.h) ends the walk:
 * what follows its header is reported as one opaque item, not verified.
 * The converter and the restore path walk the same framing with
 * sif_frame_next() and consume each body themselves.
 *
 * Writers: sif_image_writer_* builds a raw image on a file or device, or
 * a structured one inside a fresh ext2 filesystem made with libext2fs;
 * files are written through sif_atomic_* (nothing is presented as complete
 * before the commit), devices in place with the signature (raw) or the
 * superblock (ext2) written last.
 */
#ifndef SIF_IMAGE_H
#define SIF_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sif/convert.h"
#include "sif/err.h"
#include "sif/frame.h"
#include "sif/io.h"
#include "sif/src.h"
#include "sif/v2.h"
#include "sif/xenops.h"
#include "sif/xl.h"

/* The VDI field suspend_image_format; values as stored. */
enum sif_image_format {
	SIF_IMAGE_FORMAT_UNKNOWN = 0,
	SIF_IMAGE_LEGACY,
	SIF_IMAGE_STRUCTURED,
	SIF_IMAGE_RAW,
};

enum sif_container_kind {
	SIF_CONTAINER_RAW = 0,  /* the stream starts at offset 0 of the device/file */
	SIF_CONTAINER_EXT2,     /* the stream is the file suspend-image of an ext2 fs */
};

enum sif_stream_kind {
	SIF_STREAM_UNKNOWN = 0,
	SIF_STREAM_LEGACY,      /* "XenSavedDomain\n" + v1 */
	SIF_STREAM_FRAMED,      /* "XenSavedDomv2-\n" + records */
	SIF_STREAM_LIBXC_V2,    /* a bare libxc v2 stream */
	SIF_STREAM_LIBXL_V2,    /* a bare libxl v2 stream */
	SIF_STREAM_XL,          /* an `xl save` file: xl header + libxl v2 (or libxc v1) */
};

#define SIF_LEGACY_SIGNATURE "XenSavedDomain\n"
#define SIF_LEGACY_SIGNATURE_LEN 15
#define SIF_LEGACY_QEMU_SIGNATURE "QemuDeviceModelRecord\n"
#define SIF_LEGACY_QEMU_SIGNATURE_LEN 22
/* The libxc-level qemu record some v1 streams carry after their tail. */
#define SIF_LIBXC_QEMU_SIGNATURE "DeviceModelRecord0002"
#define SIF_LIBXC_QEMU_SIGNATURE_LEN 21

const char *sif_image_format_name(enum sif_image_format f);   /* "legacy", ... */
int sif_image_format_parse(const char *s, enum sif_image_format *f);
const char *sif_container_name(enum sif_container_kind c);     /* "raw", "ext2" */
const char *sif_stream_kind_name(enum sif_stream_kind k);

struct sif_container_ops;

struct sif_image {
	char *path;
	int fd;                         /* the device or file, read-only */
	bool is_blockdev;
	uint64_t dev_size;
	const struct sif_container_ops *container;
	enum sif_container_kind container_kind;
	void *container_priv;
	struct sif_src src;             /* the stream, at its first byte */
	uint64_t stream_size;           /* the ext2 file's size, else dev_size */
	enum sif_stream_kind stream;
	enum sif_image_format format;   /* UNKNOWN for bare streams */
	bool xl_v2;                     /* xl save file: a libxl v2 stream follows its header */
	/* ext2 container details, for inspect */
	uint32_t ext2_block_size;
	uint64_t ext2_runs;             /* contiguous runs of the file on the device */
	uint64_t ext2_holes;            /* sparse holes of the file, read as zeros */
	uint64_t ext2_hole_bytes;       /* bytes of the file in them */
};

enum sif_image_open_flags {
	SIF_IMAGE_NO_KCOPY = 1u << 0,   /* passed to the source (tests) */
	/*
	 * Open the container even when the stream has no known signature
	 * (img->stream is then SIF_STREAM_UNKNOWN): for reading the file's
	 * bytes as they are, e.g. to check them against the original.
	 */
	SIF_IMAGE_ANY_STREAM = 1u << 1,
};

/*
 * Open path (file or block device) read-only, detect the container and
 * the stream's signature.  Errors: not a suspend image (saying what the
 * first bytes and offset 1080 hold), a corrupt ext2 fs, suspend-image
 * missing, a directory, not regular.  Sparse holes in suspend-image read
 * as zeros (ext2_holes, ext2_hole_bytes say how many).
 */
int sif_image_open(struct sif_image *img, const char *path, unsigned flags,
		   struct sif_err *err);
void sif_image_close(struct sif_image *img);

/* --- the walk --------------------------------------------------------- */

enum sif_item_kind {
	SIF_ITEM_SIGNATURE,     /* the stream's signature (legacy or v2) */
	SIF_ITEM_FRAME,         /* a framing record; details below per type */
	SIF_ITEM_LIBXC_V1,      /* the v1 stream of a legacy image */
	SIF_ITEM_LEGACY_QEMU,   /* "QemuDeviceModelRecord\n" record of a legacy image */
	SIF_ITEM_LIBXC_QEMU,    /* "DeviceModelRecord0002" record after a v1 stream */
	SIF_ITEM_LIBXC_V2,      /* a bare libxc v2 stream */
	SIF_ITEM_LIBXL_V2,      /* a bare libxl v2 stream */
	SIF_ITEM_UNUSED,        /* device space after End_of_image (raw), not read */
	SIF_ITEM_OPAQUE,        /* after an unsized Demu record: vGPU state and the
				 * records behind it, to the end; not verified */
	SIF_ITEM_XL_HEADER,     /* an xl save file's header and domain config */
	SIF_ITEM_LIBXL_HEADER,  /* the "LibxlFmt" header of its libxl stream */
	SIF_ITEM_LIBXL_RECORD,  /* one record of that stream (LIBXC_CONTEXT: with the libxc stream) */
};

/* What the v1 reader tells about a legacy libxc stream. */
struct sif_image_v1_info {
	bool hvm;
	unsigned toolstack_width;   /* 4 or 8 bytes (--width 32|64) */
	unsigned guest_width;       /* PV: 4 or 8; 0 if unknown */
	uint64_t p2m_size;
	uint64_t pages;             /* pages carrying data */
	uint64_t batches;
	uint32_t vcpus;             /* online vcpus */
	bool width_detected;        /* false: the width was assumed/overridden */
};

struct sif_image_item {
	enum sif_item_kind kind;
	uint64_t offset;            /* in the stream (ext2: in the file) */
	uint64_t length;            /* bytes the item covers, header included */
	const struct sif_frame_rec *frame;      /* SIF_ITEM_FRAME */
	enum sif_stream_kind stream;            /* SIF_ITEM_SIGNATURE: which one */
	/* per content */
	const struct sif_xenops_record *xenops; /* Xenops */
	const struct sif_v2_summary *libxc;     /* Libxc, bare libxc, libxl's libxc */
	const struct sif_v2_libxl_summary *libxl; /* Libxl, bare libxl */
	const struct sif_image_v1_info *v1;     /* Libxc_legacy, legacy v1 */
	uint64_t payload;           /* qemu and device records: body bytes */
	/* xl save files */
	const struct sif_xl_header *xl;         /* SIF_ITEM_XL_HEADER */
	bool libxl_legacy;          /* SIF_ITEM_LIBXL_HEADER: converted from a legacy stream */
	uint32_t libxl_type;        /* SIF_ITEM_LIBXL_RECORD: enum sif_v2_libxl_rec */
	uint32_t emulator_id;       /* EMULATOR_*: 0 unknown, 1 qemu-trad, 2 qemu-upstream */
	uint64_t xenstore_pairs;    /* EMULATOR_XENSTORE_DATA: key/value pairs */
};

typedef int (*sif_image_visit_fn)(void *ctx, const struct sif_image_item *it,
				  struct sif_err *err);

struct sif_image_scan_opts {
	bool read_all;              /* read every byte (verify) */
	/* v1 streams: toolstack width in bytes (4/8), 0 = detect. */
	unsigned v1_width;
	sif_image_visit_fn visit;   /* optional, called per item in order */
	void *ctx;
};

struct sif_image_summary {
	enum sif_image_format format;
	enum sif_container_kind container;
	enum sif_stream_kind stream;
	uint64_t items;
	uint64_t image_bytes;       /* bytes of the image walked */
	uint64_t unused_bytes;      /* raw: device bytes after End_of_image */
	uint64_t opaque_offset;     /* an unsized Demu record's body: from here */
	uint64_t opaque_bytes;      /* to the end, not verified (0: none) */
	bool hvm;                   /* from the libxc stream */
	bool needs_legacy_restore;  /* a v1 stream (legacy, or Libxc_legacy) */
};

/* Walk and check the whole image from its first byte.  0 ok, -1 invalid. */
int sif_image_scan(struct sif_image *img, const struct sif_image_scan_opts *o,
		   struct sif_image_summary *sum, struct sif_err *err);

/*
 * The legacy qemu record header at the source's position: the signature
 * and the big-endian u32 length, refused above SIF_QEMU_RECORD_MAX.
 */
int sif_legacy_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err);
/* The same for libxc's "DeviceModelRecord0002" + little-endian u32 length. */
int sif_libxc_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err);

/* --- writing ------------------------------------------------------------ */

struct sif_image_writer;

struct sif_image_writer_opts {
	enum sif_image_format format;   /* SIF_IMAGE_RAW or SIF_IMAGE_STRUCTURED */
	/*
	 * Upper bound of the stream's length: ext2 preallocates it and gives
	 * the unused tail back at commit; a file is sized from it.  0 for a
	 * raw image means "unknown" (grows as written; a device bounds it).
	 */
	uint64_t max_bytes;
	mode_t mode;                    /* of a new file */
	int64_t now;                    /* ext2 timestamps; 0 = time(NULL) */
	bool fixed_uuid;                /* ext2: use uuid below, else random */
	unsigned char uuid[16];
};

int sif_image_writer_open(struct sif_image_writer **w, const char *path,
			  const struct sif_image_writer_opts *o, struct sif_err *err);
/* Append bytes to the stream. */
int sif_image_writer_write(struct sif_image_writer *w, const void *buf, size_t n,
			   struct sif_err *err);
/* Append the next n bytes of src (kernel copies where both ends allow). */
int sif_image_writer_copy(struct sif_image_writer *w, struct sif_src *src, uint64_t n,
			  const char *what, struct sif_err *err);
/* Append a framing header / the v2 signature / a legacy signature. */
int sif_image_writer_header(struct sif_image_writer *w, uint64_t type, uint64_t length,
			    struct sif_err *err);
uint64_t sif_image_writer_size(const struct sif_image_writer *w);
/* Finish (trim, metadata, fsync, rename) and free w, also on failure. */
int sif_image_writer_commit(struct sif_image_writer *w, struct sif_err *err);
/* Give up: remove the temp file / wipe what marks a device as an image. */
void sif_image_writer_abort(struct sif_image_writer *w);

/*
 * A legacy stream (what sif_convert_to takes: a legacy image, a bare v1
 * stream, a framed image with a Libxc_legacy record) converted into a
 * whole image at path, in the layout xenopsd writes today: signature,
 * Xenops (time, word_size 64, vm_str if given, empty xs_subtree), Libxc of
 * length 0 (Libxl for conv.format libxl) with the v2 stream, Qemu_trad for
 * an HVM guest's device model state, End_of_image.  Written through the
 * image writer: on failure nothing is left under path (a file keeps its
 * old content).  *size (if not NULL) gets the image's bytes.
 */
struct sif_image_convert_opts {
	enum sif_image_format to;       /* SIF_IMAGE_RAW or SIF_IMAGE_STRUCTURED */
	const char *xenops_vm;          /* vm_str of the Xenops record, or NULL */
	int64_t now;                    /* Xenops time and ext2 stamps; 0 = time(NULL) */
	mode_t mode;                    /* of a new file */
	struct sif_convert_opts conv;
	/*
	 * Optional: called once every byte is written, before the commit
	 * makes the image durable and presents it (fsync, rename), so that a
	 * caller can start other work meanwhile.  Nothing is promised yet.
	 */
	void (*written)(void *ctx);
	void *written_ctx;
};

int sif_image_convert(struct sif_src *src, const char *path,
		      const struct sif_image_convert_opts *o,
		      struct sif_convert_result *res, uint64_t *size, struct sif_err *err);
/* Upper bound of the image converted from a stream of in_bytes. */
uint64_t sif_image_convert_max_bytes(uint64_t in_bytes);

/*
 * Check an image just written: open it, walk every record reading every
 * byte, and require that it ends (End_of_image) exactly at `size`.
 */
int sif_image_check_written(const char *path, uint64_t size, struct sif_image_summary *sum,
			    struct sif_err *err);

/* `sif image wrap`: a whole image from a libxc stream and device records. */
struct sif_wrap_opts {
	enum sif_image_format format;   /* raw or structured */
	const char *libxc_path;         /* a v2 stream (or v1 with libxc_legacy), or an xl save file */
	bool libxc_legacy;              /* write a Libxc_legacy record */
	bool libxl_record;              /* xl save file: its libxl stream whole in a Libxl record */
	const char *qemu_path;          /* optional Qemu_trad body */
	const char *xenops_vm;          /* optional vm_str */
	int64_t now;                    /* Xenops time and ext2 stamps; 0 = time(NULL) */
	bool fixed_uuid;
	unsigned char uuid[16];
	bool check_stream;              /* verify the libxc stream before writing */
};

int sif_image_wrap(const char *out, const struct sif_wrap_opts *o, struct sif_err *err);

#endif
