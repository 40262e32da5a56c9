/*
 * Converting a suspend VDI's legacy image ahead of time (`sif vdi-convert`,
 * `sif pool-convert-legacy`), one VDI at a time, in steps a caller can
 * run apart (the pool command runs the writing in worker processes and
 * the commits in its own):
 *
 *   load     the VDI's record (location, suspend_image_format), the VM
 *            suspended on it (for the Xenops record's vm_str) and the
 *            original file's identity;
 *   check    the content against the field: a VDI whose field disagrees
 *            with its image is refused, never converted;
 *   write    the v2 image (xenopsd's layout of today) to a new file,
 *            atomically, then the whole written file walked to its last
 *            byte; on any failure nothing stays under the new name;
 *   commit   one transaction that re-reads the VDI and refuses if someone
 *            else changed it (its location or field) or its original image
 *            since `load`, then points the VDI at the new image, sets its
 *            field and remembers the original (other_config
 *            sif-converted-from, with the file's identity);
 *   remove   (optional, after the commit) the original, only if it is the
 *            same regular file and no VDI uses it; then the keys go.
 *
 * After a crash at any instant the pool DB points the VDI at a complete,
 * verified image: the old one until the commit, the new one after.  What
 * a killed run can leave (a temp file, a new image nothing points at yet,
 * an original still to remove) is found again from names and keys.
 */
#ifndef SIF_VDI_CONVERT_H
#define SIF_VDI_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sif/convert.h"
#include "sif/err.h"
#include "sif/image.h"
#include "sif/io.h"             /* struct sif_file_id */

struct sif_ctx;
struct sif_db;

#define SIF_VDI_ORIGINAL_KEY "sif-converted-from"
#define SIF_VDI_ORIGINAL_ID_KEY "sif-converted-from-id"


struct sif_vdi_conv {
	char *uuid, *ref;
	char *location;                 /* the original image */
	char *format;                   /* suspend_image_format as read */
	char *vm_uuid;                  /* the VM suspended on it, or NULL */
	char *vm_str;                   /* its Xenops vm_str, or NULL */
	struct sif_file_id orig;        /* the original at load time */
	/* by sif_vdi_conv_check */
	enum sif_image_format found;    /* what the image is */
	bool libxc_legacy_record;       /* a framed image whose stream is Libxc_legacy */
	enum sif_container_kind container;
	uint64_t in_bytes;              /* the stream's bytes */
	uint64_t out_max;               /* upper bound of the converted image */
};

/* The VDI with this uuid (a suspend VDI with a location), as it is now. */
int sif_vdi_conv_load(struct sif_ctx *ctx, struct sif_db *db, const char *uuid,
		      struct sif_vdi_conv *v, struct sif_err *err);
void sif_vdi_conv_free(struct sif_vdi_conv *v);

/*
 * Open the image and compare it with the field.  *needed: a legacy image
 * (or a framed one holding a Libxc_legacy record) to convert; false for an
 * image that restores as it is.  A framed image is looked at only up to
 * its stream record's header.  A disagreement, a bare stream, an old xl
 * save file (a v1 stream) or an unreadable image fail, naming the VDI.
 */
int sif_vdi_conv_check(struct sif_vdi_conv *v, bool *needed, struct sif_err *err);

struct sif_vdi_conv_opts {
	enum sif_image_format to;       /* raw or structured */
	int64_t now;                    /* 0 = time(NULL) */
	mode_t mode;                    /* of the new file */
	void (*progress)(void *ctx, uint64_t in_pos, uint64_t in_end);
	void *progress_ctx;
	/*
	 * write: the image is open and checked, nothing written yet; it may
	 * block (pool-convert-legacy's next job waits there for its turn)
	 */
	void (*begin)(void *ctx);
	void *begin_ctx;
	/* write: every byte written, the fsync and the read-back to come */
	void (*written)(void *ctx);
	void *written_ctx;
};

struct sif_vdi_conv_result {
	struct sif_convert_result conv;
	bool hvm;
	uint64_t out_bytes;
	struct sif_file_id out;         /* the new image as written */
};

/*
 * Write the converted image to out (a file; replaced atomically) and
 * check the whole written file.  On failure out is gone (or, if it existed
 * before, untouched by a failed write).
 */
int sif_vdi_conv_write(const struct sif_vdi_conv *v, const char *out,
		       const struct sif_vdi_conv_opts *o, struct sif_vdi_conv_result *r,
		       struct sif_err *err);

/*
 * --dry-run: convert and verify the libxc stream (and the qemu record's
 * bounds) in memory through a pipe, writing nothing.
 */
int sif_vdi_conv_dry_run(const struct sif_vdi_conv *v, const struct sif_vdi_conv_opts *o,
			 struct sif_vdi_conv_result *r, struct sif_err *err);

/* The one transaction that points the VDI at out (see above). */
int sif_vdi_conv_commit(struct sif_ctx *ctx, struct sif_db *db, const struct sif_vdi_conv *v,
			const char *out, enum sif_image_format to,
			const struct sif_vdi_conv_result *r, struct sif_err *err);

/*
 * Remove the original a committed conversion of this VDI left (its
 * sif-converted-from keys), then the keys.  *removed (malloc'd, may be
 * NULL) names the file removed; *kept (malloc'd, may be NULL) says why a
 * file was not removed (another VDI uses it, it changed since, it is not
 * a regular file).  Nothing recorded: 0 with both NULL.
 */
int sif_vdi_conv_remove_original(struct sif_ctx *ctx, struct sif_db *db, const char *uuid,
				 char **removed, char **kept, struct sif_err *err);

/* Uuids (malloc'd array of malloc'd strings) of VDIs with an original recorded. */
int sif_vdi_conv_with_originals(struct sif_db *db, char ***uuids, size_t *n,
				struct sif_err *err);

/* The uuid (malloc'd) of a VDI whose location is path, or NULL in *uuid. */
int sif_vdi_by_location(struct sif_db *db, const char *path, char **uuid,
			struct sif_err *err);

#endif
