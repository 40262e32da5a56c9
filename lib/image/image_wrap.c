/*
 * `sif image wrap`: a whole structured or raw image from a migration
 * stream file and optional device state, laid out as xenopsd's suspend
 * writes it: signature, Xenops record, the stream record (Libxc for a
 * libxc v2 stream, Libxl for a libxl one, Libxc_legacy for a v1 stream;
 * length 0 as xenopsd writes it), Qemu_trad, End_of_image.
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

static int check_stream(const struct sif_wrap_opts *o, uint64_t *type, struct sif_err *err)
{
	struct sif_src s;
	const unsigned char *p;
	struct sif_v2_summary v2;
	struct sif_v2_libxl_summary xl;
	struct sif_v1_info v1;
	struct sif_v1_opts v1o = { 0 };
	int rc = -1;

	if (sif_src_open_path(&s, o->libxc_path, 0, err) < 0)
		return -1;
	if (o->libxc_legacy) {
		*type = SIF_FRAME_LIBXC_LEGACY;
		if (sif_v1_read(&s, &v1o, NULL, NULL, &v1, err) < 0)
			goto out;
	} else {
		if (sif_src_peek(&s, 8, &p, "stream header", err) < 0)
			goto out;
		if (!memcmp(p, "LibxlFmt", 8)) {
			*type = SIF_FRAME_LIBXL;
			if (sif_v2_verify_libxl(&s, NULL, &xl, err) < 0)
				goto out;
		} else {
			*type = SIF_FRAME_LIBXC;
			if (sif_v2_verify_libxc(&s, NULL, &v2, err) < 0)
				goto out;
		}
	}
	if (sif_src_remaining(&s)) {
		sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %llu bytes of trailing data after the stream's end",
			 s.name, (unsigned long long)s.pos, (unsigned long long)sif_src_remaining(&s));
		goto out;
	}
	rc = 0;
out:
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
	struct sif_src lx = { 0 }, qm = { 0 };
	uint64_t lx_size, qm_size = 0, type = SIF_FRAME_LIBXC;
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	char *xen = NULL;
	size_t xen_len;
	int rc = -1;

	if (o->format != SIF_IMAGE_RAW && o->format != SIF_IMAGE_STRUCTURED)
		return sif_errf(err, SIF_EUSAGE, "wrap writes raw or structured images");
	memcpy(wo.uuid, o->uuid, sizeof(wo.uuid));
	wo.now = now;
	if (o->check_stream && check_stream(o, &type, err) < 0)
		goto out;
	if (!o->check_stream && o->libxc_legacy)
		type = SIF_FRAME_LIBXC_LEGACY;
	if (open_sized(&lx, o->libxc_path, &lx_size, err) < 0)
		goto out;
	if (o->qemu_path) {
		if (open_sized(&qm, o->qemu_path, &qm_size, err) < 0)
			goto out;
		if (qm_size > SIF_QEMU_RECORD_MAX) {
			sif_errf(err, SIF_EREFUSED, "%s: %llu bytes: a qemu record above %u bytes (1 MiB) "
				 "is refused on restore", o->qemu_path, (unsigned long long)qm_size,
				 SIF_QEMU_RECORD_MAX);
			goto out;
		}
	}
	if (!(xen = sif_xenops_body(now, o->xenops_vm, &xen_len, err)))
		goto out;
	wo.max_bytes = SIF_FRAME_SIGNATURE_LEN + 2 * SIF_FRAME_HEADER_LEN + xen_len + lx_size +
		       (o->qemu_path ? SIF_FRAME_HEADER_LEN + qm_size : 0) + SIF_FRAME_HEADER_LEN;
	if (sif_image_writer_open(&w, out, &wo, err) < 0)
		goto out;
	if (sif_image_writer_write(w, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN, err) < 0 ||
	    sif_image_writer_header(w, SIF_FRAME_XENOPS, xen_len, err) < 0 ||
	    sif_image_writer_write(w, xen, xen_len, err) < 0 ||
	    sif_image_writer_header(w, type, 0, err) < 0 ||
	    sif_image_writer_copy(w, &lx, lx_size, "libxc stream", err) < 0)
		goto out;
	if (o->qemu_path &&
	    (sif_image_writer_header(w, SIF_FRAME_QEMU_TRAD, qm_size, err) < 0 ||
	     sif_image_writer_copy(w, &qm, qm_size, "qemu state", err) < 0))
		goto out;
	if (sif_image_writer_header(w, SIF_FRAME_END, 0, err) < 0)
		goto out;
	rc = sif_image_writer_commit(w, err);
	w = NULL;
out:
	sif_image_writer_abort(w);
	sif_src_close(&lx);
	sif_src_close(&qm);
	free(xen);
	return rc;
}
