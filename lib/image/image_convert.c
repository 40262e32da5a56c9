/*
 * A legacy stream converted into a whole v2 suspend image file (see
 * sif/image.h, sif_image_convert): xenopsd's layout of today (signature,
 * Xenops, Libxc of length 0 with the converted stream, Qemu_trad for an
 * HVM guest, End_of_image), written through the image writer so nothing
 * is presented under the target's name before the commit.  And the check
 * of a written image: walked to its last byte, ending where the writing
 * ended.  `image convert --to`, `vm-suspend` and `vdi-convert` share both.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sif/convert.h"
#include "sif/image.h"

static int img_write(void *ctx, const void *buf, size_t n, struct sif_err *err)
{
	return sif_image_writer_write(ctx, buf, n, err);
}

static int img_copy(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		    struct sif_err *err)
{
	return sif_image_writer_copy(ctx, src, n, what, err);
}

/* An HVM guest's device model state becomes the Qemu_trad record. */
static int img_qemu(void *ctx, struct sif_src *src, uint32_t len, struct sif_err *err)
{
	if (sif_image_writer_header(ctx, SIF_FRAME_QEMU_TRAD, len, err) < 0)
		return -1;
	return sif_image_writer_copy(ctx, src, len, "qemu record", err);
}

static int image_head(struct sif_image_writer *w, const struct sif_image_convert_opts *o,
		      int64_t now, struct sif_err *err)
{
	bool libxl = o->conv.format == SIF_CONVERT_LIBXL;
	size_t len;
	char *body = sif_xenops_body(now, o->xenops_vm, &len, err);
	int rc = -1;

	if (!body)
		return -1;
	if (sif_image_writer_write(w, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN, err) == 0 &&
	    sif_image_writer_header(w, SIF_FRAME_XENOPS, len, err) == 0 &&
	    sif_image_writer_write(w, body, len, err) == 0 &&
	    sif_image_writer_header(w, libxl ? SIF_FRAME_LIBXL : SIF_FRAME_LIBXC, 0, err) == 0)
		rc = 0;
	free(body);
	return rc;
}

uint64_t sif_image_convert_max_bytes(uint64_t in_bytes)
{
	/* v2 output is the input's size give or take 0.2% (pfn lists). */
	return in_bytes + in_bytes / 64 + (4u << 20);
}

int sif_image_convert(struct sif_src *src, const char *path,
		      const struct sif_image_convert_opts *o,
		      struct sif_convert_result *res, uint64_t *size, struct sif_err *err)
{
	struct sif_image_writer_opts wo = { .format = o->to, .mode = o->mode, .now = o->now };
	struct sif_image_writer *w = NULL;
	uint64_t left = sif_src_remaining(src);
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	int rc = -1;

	if (o->to != SIF_IMAGE_RAW && o->to != SIF_IMAGE_STRUCTURED)
		return sif_errf(err, SIF_EUSAGE, "%s: a converted image is raw or structured", path);
	if (left != SIF_SRC_SIZE_UNKNOWN)
		wo.max_bytes = sif_image_convert_max_bytes(left);
	else if (o->to == SIF_IMAGE_STRUCTURED)
		return sif_errf(err, SIF_EUSAGE, "%s: a structured image needs an input of known size",
				path);
	if (sif_image_writer_open(&w, path, &wo, err) < 0)
		return -1;
	{
		const struct sif_convert_sink sink = {
			.name = path, .ctx = w, .write = img_write, .copy = img_copy,
			.qemu = o->conv.format == SIF_CONVERT_LIBXC ? img_qemu : NULL,
		};

		if (image_head(w, o, now, err) < 0 ||
		    sif_convert_to(src, &sink, &o->conv, res, err) < 0 ||
		    sif_image_writer_header(w, SIF_FRAME_END, 0, err) < 0)
			goto out;
	}
	if (size)
		*size = sif_image_writer_size(w);
	if (o->written)
		o->written(o->written_ctx);
	rc = sif_image_writer_commit(w, err);
	w = NULL;
out:
	sif_image_writer_abort(w);
	return rc;
}

int sif_image_check_written(const char *path, uint64_t size, struct sif_image_summary *sum,
			    struct sif_err *err)
{
	struct sif_image_scan_opts so = { .read_all = true };
	struct sif_image_summary s;
	struct sif_image img;
	int rc;

	if (!sum)
		sum = &s;
	if (sif_image_open(&img, path, 0, err) < 0)
		return -1;
	rc = sif_image_scan(&img, &so, sum, err);
	sif_image_close(&img);
	if (rc < 0)
		return -1;
	/* A raw image's scan takes what follows End_of_image for unused space. */
	if (sum->image_bytes != size)
		return sif_errf(err, SIF_EFORMAT, "%s: End_of_image at offset %llu but %llu bytes "
				"were written", path,
				(unsigned long long)(sum->image_bytes - SIF_FRAME_HEADER_LEN),
				(unsigned long long)size);
	return 0;
}
