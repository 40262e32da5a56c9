/*
 * `sif image wrap`: a whole structured or raw image from a migration
 * stream file and optional device state, laid out as xenopsd's suspend
 * writes it: signature, Xenops record, the stream record (Libxc for a
 * libxc v2 stream, Libxl for a libxl one, Libxc_legacy for a v1 stream;
 * length 0 as xenopsd writes it), Qemu_trad, End_of_image.
 *
 * An `xl save` file is taken as it is: its libxc stream becomes the Libxc
 * record (the libxl stream whole a Libxl record with libxl_record; an old
 * xl file's v1 stream a Libxc_legacy one) and its device model state
 * (EMULATOR_CONTEXT, or the old qemu record) the Qemu_trad record.  Its
 * EMULATOR_XENSTORE_DATA (the device model's physmap keys) has no place
 * in xenopsd's layout and is left out.
 *
 * The stream is verified first with the shared readers and must fill its
 * file exactly, so what gets wrapped is an image `verify` accepts.  Bytes
 * are then moved with kernel copies into the writer (image_writer.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sif/image.h"
#include "sif/v1.h"
#include "sif/xl.h"
#include "stream/legacy_int.h"

/*
 * Where the wrapped parts are in the --libxc file: the stream record's
 * body, and the qemu state when the file carries its own (an xl save
 * file's EMULATOR_CONTEXT, or an old xl file's qemu record).
 */
struct parts {
	uint64_t type;                  /* the stream record */
	uint64_t off, len;
	bool has_qemu;
	uint64_t qemu_off, qemu_len;
};

static int trailing(struct sif_src *s, struct sif_err *err)
{
	if (!sif_src_remaining(s))
		return 0;
	return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %llu bytes of trailing data after the stream's end",
			s->name, (unsigned long long)s->pos, (unsigned long long)sif_src_remaining(s));
}

/* A bare libxc v2, libxl v2 or (with libxc_legacy) v1 stream: the whole file. */
static int bare_parts(const struct sif_wrap_opts *o, struct sif_src *s, struct parts *pt,
		      struct sif_err *err)
{
	const unsigned char *p;
	struct sif_v2_summary v2;
	struct sif_v2_libxl_summary xl;
	struct sif_v1_info v1;
	struct sif_v1_opts v1o = { 0 };
	bool libxl;

	pt->off = s->pos;
	pt->len = sif_src_remaining(s);
	if (o->libxc_legacy) {
		pt->type = SIF_FRAME_LIBXC_LEGACY;
		if (o->check_stream && sif_v1_read(s, &v1o, NULL, NULL, &v1, err) < 0)
			return -1;
	} else {
		if (sif_src_peek(s, 8, &p, "stream header", err) < 0)
			return -1;
		libxl = !memcmp(p, "LibxlFmt", 8);
		pt->type = libxl ? SIF_FRAME_LIBXL : SIF_FRAME_LIBXC;
		if (o->check_stream &&
		    (libxl ? sif_v2_verify_libxl(s, NULL, &xl, err) : sif_v2_verify_libxc(s, NULL, &v2, err)) < 0)
			return -1;
	}
	return o->check_stream ? trailing(s, err) : 0;
}

struct emulator_at {
	uint64_t off, len;
	unsigned n;
};

static void find_emulator(void *ctx, bool libxl, uint32_t type, uint32_t length, uint64_t offset)
{
	struct emulator_at *e = ctx;

	if (!libxl || type != SIF_V2_LIBXL_EMULATOR_CONTEXT)
		return;
	e->n++;
	e->off = offset + 16;           /* record header, emulator header */
	e->len = length - 8;
}

/*
 * An xl save file, always read whole to find its parts: its libxc stream
 * (or with libxl_record its libxl stream) and its device model state.
 */
static int xl_parts(const struct sif_wrap_opts *o, struct sif_src *s, struct parts *pt,
		    struct sif_err *err)
{
	struct emulator_at e = { 0 };
	struct sif_v2_opts vo = { .on_record = find_emulator, .ctx = &e };
	struct sif_v2_libxl_summary xl;
	struct sif_xl_header h;
	struct sif_v1_info v1;
	struct sif_v1_opts v1o = { .qemu = false };
	uint32_t qlen;
	int rc = -1;

	if (sif_xl_header_read(s, &h, err) < 0)
		goto out;
	if (o->qemu_path) {
		sif_errf(err, SIF_EUSAGE, "%s: an xl save file carries its own device model state: "
			 "--qemu is for bare streams", s->name);
		goto out;
	}
	pt->off = s->pos;
	if (!h.v2) {
		pt->type = SIF_FRAME_LIBXC_LEGACY;
		if (sif_v1_read(s, &v1o, NULL, NULL, &v1, err) < 0)
			goto out;
		pt->len = s->pos - pt->off;
		if (v1.guest == SIF_V1_HVM && sif_src_remaining(s)) {
			if (libxc_qemu_header(s, &qlen, err) < 0)
				goto out;
			pt->has_qemu = true;
			pt->qemu_off = s->pos;
			pt->qemu_len = qlen;
			if (sif_src_skip(s, qlen, "qemu record", err) < 0)
				goto out;
		}
	} else {
		if (sif_v2_verify_libxl(s, &vo, &xl, err) < 0)
			goto out;
		if (xl.checkpoint_records || e.n > 1) {
			sif_errf(err, SIF_EREFUSED, "%s: a checkpointed libxl stream (%s): a suspend image "
				 "holds one state", s->name, e.n > 1 ? "several EMULATOR_CONTEXT records" :
				 "CHECKPOINT records");
			goto out;
		}
		pt->type = o->libxl_record ? SIF_FRAME_LIBXL : SIF_FRAME_LIBXC;
		if (!o->libxl_record) {
			pt->off = xl.libxc.offset;
			pt->len = xl.libxc.length;
			pt->has_qemu = e.n == 1;
			pt->qemu_off = e.off;
			pt->qemu_len = e.len;
		} else {
			pt->len = s->pos - pt->off;
		}
	}
	rc = trailing(s, err);
out:
	sif_xl_header_free(&h);
	return rc;
}

static int locate(const struct sif_wrap_opts *o, struct parts *pt, struct sif_err *err)
{
	struct sif_src s;
	const unsigned char *p;
	bool xl;
	int rc;

	memset(pt, 0, sizeof(*pt));
	if (sif_src_open_path(&s, o->libxc_path, 0, err) < 0)
		return -1;
	xl = sif_src_remaining(&s) >= SIF_XL_MAGIC_LEN &&
	     sif_src_peek(&s, SIF_XL_MAGIC_LEN, &p, "stream header", err) == 0 &&
	     !memcmp(p, SIF_XL_MAGIC, SIF_XL_MAGIC_LEN);
	if (xl && o->libxc_legacy) {
		sif_src_close(&s);
		return sif_errf(err, SIF_EUSAGE, "%s: an xl save file says itself which stream it "
				"holds: --legacy-stream is for bare v1 streams", o->libxc_path);
	}
	rc = xl ? xl_parts(o, &s, pt, err) : bare_parts(o, &s, pt, err);
	sif_src_close(&s);
	return rc;
}

/* The next n bytes of path from offset off into the image. */
static int copy_part(struct sif_image_writer *w, const char *path, uint64_t off, uint64_t n,
		     const char *what, struct sif_err *err)
{
	struct sif_src s;
	int rc;

	if (sif_src_open_path(&s, path, 0, err) < 0)
		return -1;
	rc = sif_src_skip(&s, off, what, err) < 0 ? -1 :
	     sif_image_writer_copy(w, &s, n, what, err);
	sif_src_close(&s);
	return rc;
}

static int open_sized(struct sif_src *s, const char *path, uint64_t *size, struct sif_err *err)
{
	if (sif_src_open_path(s, path, 0, err) < 0)
		return -1;
	if (s->end == SIF_SRC_SIZE_UNKNOWN) {
		sif_src_close(s);
		return sif_errf(err, SIF_EUSAGE, "%s: not a regular file (its size is needed up front)",
				path);
	}
	*size = s->end - s->pos;
	return 0;
}

int sif_image_wrap(const char *out, const struct sif_wrap_opts *o, struct sif_err *err)
{
	struct sif_image_writer_opts wo = { .format = o->format, .now = o->now,
					    .fixed_uuid = o->fixed_uuid };
	struct sif_image_writer *w = NULL;
	struct sif_src qm = { 0 };
	struct parts pt;
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	const char *qemu_from = NULL;
	char *xen = NULL;
	size_t xen_len;
	int rc = -1;

	if (o->format != SIF_IMAGE_RAW && o->format != SIF_IMAGE_STRUCTURED)
		return sif_errf(err, SIF_EUSAGE, "wrap writes raw or structured images");
	memcpy(wo.uuid, o->uuid, sizeof(wo.uuid));
	wo.now = now;
	if (locate(o, &pt, err) < 0)
		goto out;
	if (pt.has_qemu)
		qemu_from = o->libxc_path;
	if (o->qemu_path) {
		if (open_sized(&qm, o->qemu_path, &pt.qemu_len, err) < 0)
			goto out;
		pt.has_qemu = true;
		qemu_from = o->qemu_path;
	}
	if (pt.has_qemu && pt.qemu_len > SIF_QEMU_RECORD_MAX) {
		sif_errf(err, SIF_EREFUSED, "%s: %llu bytes of device model state: a qemu record above "
			 "%u bytes (1 MiB) is refused on restore", qemu_from,
			 (unsigned long long)pt.qemu_len, SIF_QEMU_RECORD_MAX);
		goto out;
	}
	if (!(xen = sif_xenops_body(now, o->xenops_vm, &xen_len, err)))
		goto out;
	wo.max_bytes = SIF_FRAME_SIGNATURE_LEN + 2 * SIF_FRAME_HEADER_LEN + xen_len + pt.len +
		       (pt.has_qemu ? SIF_FRAME_HEADER_LEN + pt.qemu_len : 0) + SIF_FRAME_HEADER_LEN;
	if (sif_image_writer_open(&w, out, &wo, err) < 0)
		goto out;
	if (sif_image_writer_write(w, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN, err) < 0 ||
	    sif_image_writer_header(w, SIF_FRAME_XENOPS, xen_len, err) < 0 ||
	    sif_image_writer_write(w, xen, xen_len, err) < 0 ||
	    sif_image_writer_header(w, pt.type, 0, err) < 0 ||
	    copy_part(w, o->libxc_path, pt.off, pt.len, "libxc stream", err) < 0)
		goto out;
	if (pt.has_qemu &&
	    (sif_image_writer_header(w, SIF_FRAME_QEMU_TRAD, pt.qemu_len, err) < 0 ||
	     (o->qemu_path ? sif_image_writer_copy(w, &qm, pt.qemu_len, "qemu state", err) :
	      copy_part(w, o->libxc_path, pt.qemu_off, pt.qemu_len, "device model state", err)) < 0))
		goto out;
	if (sif_image_writer_header(w, SIF_FRAME_END, 0, err) < 0)
		goto out;
	rc = sif_image_writer_commit(w, err);
	w = NULL;
out:
	sif_image_writer_abort(w);
	sif_src_close(&qm);
	free(xen);
	return rc;
}
