/*
 * The converter's entry points and what may surround the v1 stream: a
 * xenopsd legacy image (signature, then the qemu record in its own
 * framing), an xl saved-domain header (copied through), a qemu record
 * after a bare stream, and the end of input.  The v1 -> v2 records
 * themselves are convert.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/convert.h"
#include "sif/frame.h"
#include "sif/io.h"
#include "sif/xl.h"
#include "base/endian_int.h"
#include "convert_internal.h"
#include "legacy_int.h"

static int fmt_err(struct sif_src *s, uint64_t at, struct sif_err *err,
		   const char *what)
{
	return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %s", s->name,
			(unsigned long long)at, what);
}

static int detect_input(struct sif_src *s, enum sif_convert_input *kind,
			struct sif_err *err)
{
	const unsigned char *p;

	/* Every valid input is longer than 32 bytes. */
	if (sif_src_peek(s, 15, &p, "input signature", err) < 0)
		return -1;
	if (!memcmp(p, LEGACY_IMAGE_SIG, 15)) {
		*kind = SIF_CONVERT_IN_LEGACY_IMAGE;
		return 0;
	}
	if (!memcmp(p, V2_IMAGE_SIG, 15)) {
		*kind = SIF_CONVERT_IN_FRAMED;
		return 0;
	}
	if (!memcmp(p, SIF_XL_MAGIC, 15)) {
		*kind = SIF_CONVERT_IN_XL;
		return 0;
	}
	*kind = SIF_CONVERT_IN_V1;
	return 0;
}

/*
 * An xl save file's header and domain config (read and checked by xl.h's
 * reader), copied through as the script's --xl does; in the libxl format
 * its mandatory flags say that a libxl v2 stream follows.
 */
static int copy_xl_header(struct conv *c, struct sif_err *err)
{
	struct sif_xl_header h;
	int rc = -1;

	if (sif_xl_header_read(c->src, &h, err) < 0)
		goto out;
	if (h.v2) {
		fmt_err(c->src, h.offset + 36, err, "the xl save file's flags say a libxl v2 stream "
			"follows: nothing to convert");
		goto out;
	}
	if (c->opts->format == SIF_CONVERT_LIBXL)
		put_le32(h.raw + 36, h.mandatory | SIF_XL_FLAG_STREAMV2);
	if (v2_put(c->out, h.raw, sizeof(h.raw), err) < 0 ||
	    (h.optlen && v2_put(c->out, h.optdata, h.optlen, err) < 0))
		goto out;
	rc = 0;
out:
	sif_xl_header_free(&h);
	return rc;
}

/* A legacy image's HVM qemu record: "QemuDeviceModelRecord\n", BE u32, data. */
static int legacy_qemu(struct conv *c, struct sif_err *err)
{
	struct sif_src *s = c->src;
	struct sif_v1_payload p;
	unsigned char h[26];
	uint64_t at = s->pos;
	uint32_t len;

	if (sif_src_read_exact(s, h, sizeof(h), "legacy qemu record header", err) < 0)
		return -1;
	if (memcmp(h, LEGACY_QEMU_SIG, 22))
		return fmt_err(s, at, err, "expected \"QemuDeviceModelRecord\\n\" after the HVM stream");
	len = get_be32(h + 22);
	if (len > SIF_V1_MAX_QEMU)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u exceeds the limit of %u bytes",
				s->name, (unsigned long long)at + 22, len, SIF_V1_MAX_QEMU);
	p.src = s;
	p.len = len;
	p.done = 0;
	p.what = "qemu record";
	if (!conv_libxl(c) && c->opts->skip_qemu)
		return sif_src_skip(s, len, p.what, err);
	return conv_write_qemu(c, &p, err);
}

/* Bare stream, --skip-qemu: a DeviceModelRecord0002 after the tail is skipped. */
static int skip_v1_qemu(struct conv *c, struct sif_err *err)
{
	struct sif_src *s = c->src;
	const unsigned char *p;
	unsigned char h[4];
	uint64_t at;
	uint32_t len;

	if (sif_src_remaining(s) < SIF_V1_QEMU_SIG_LEN + 4 && s->end != SIF_SRC_SIZE_UNKNOWN)
		return 0;
	if (sif_src_peek(s, SIF_V1_QEMU_SIG_LEN, &p, "qemu record signature", err) < 0)
		return -1;
	if (memcmp(p, SIF_V1_QEMU_SIG, SIF_V1_QEMU_SIG_LEN))
		return 0;
	if (sif_src_skip(s, SIF_V1_QEMU_SIG_LEN, "qemu record signature", err) < 0)
		return -1;
	at = s->pos;
	if (sif_src_read_exact(s, h, 4, "qemu record length", err) < 0)
		return -1;
	len = get_le32(h);
	if (len > SIF_V1_MAX_QEMU)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u exceeds the limit of %u bytes",
				s->name, (unsigned long long)at, len, SIF_V1_MAX_QEMU);
	return sif_src_skip(s, len, "qemu record", err);
}

/*
 * "Legacy Libxc record (w/ QEMU record)": libxc's own qemu record right
 * after a Libxc_legacy record's HVM stream, outside the framing.
 */
static int framed_libxc_qemu(struct conv *c, struct sif_err *err)
{
	struct sif_v1_payload p = { .src = c->src, .what = "qemu record" };
	uint32_t len;

	if (libxc_qemu_header(c->src, &len, err) < 0)
		return -1;
	p.len = len;
	if (c->opts->skip_qemu && !c->out->sink->qemu)
		return sif_src_skip(c->src, len, p.what, err);
	return conv_write_qemu(c, &p, err);
}

/*
 * A framed image: the Libxc_legacy record's v1 stream becomes the v2
 * stream, its qemu record (libxc's own after the stream, or a Qemu_trad
 * record) the qemu record; Xenops is dropped; a record that already holds
 * v2, a second qemu record, or device state a v2 stream cannot carry, is
 * refused.
 */
static int convert_framed(struct conv *c, struct sif_v1_info *v1, struct sif_err *err)
{
	const struct sif_v1_opts v1o = { .width = c->opts->width, .guest = c->opts->guest,
					 .observer = c->opts->observer,
					 .observer_ctx = c->opts->observer_ctx };
	struct sif_frame_reader fr;
	struct sif_frame_rec rec;
	struct sif_src *s = c->src;
	bool converted = false, qemu = false;
	int r;

	if (conv_libxl(c))
		return sif_errf(err, SIF_EUSAGE, "%s: a framed image converts to the libxc format only",
				s->name);
	if (sif_frame_open(&fr, s, err) < 0)
		return -1;
	while ((r = sif_frame_next(&fr, &rec, err)) == 1) {
		struct sif_v1_payload p = { .src = s, .len = rec.length, .what = "Qemu_trad record" };

		switch (rec.type) {
		case SIF_FRAME_XENOPS:
			break;
		case SIF_FRAME_LIBXC_LEGACY:
			if (converted)
				return fmt_err(s, rec.offset, err, "a second Libxc_legacy record");
			if (sif_v1_read(s, &v1o, &conv_ops, c, v1, err) < 0)
				return -1;
			converted = true;
			qemu = v1->guest == SIF_V1_HVM && libxc_qemu_follows(s);
			if (qemu && framed_libxc_qemu(c, err) < 0)
				return -1;
			break;
		case SIF_FRAME_QEMU_TRAD:
			if (!converted)
				return fmt_err(s, rec.offset, err,
					       "a Qemu_trad record before the Libxc_legacy record");
			if (qemu)
				return fmt_err(s, rec.offset, err, "a second qemu record (a Qemu_trad "
					       "record after libxc's own)");
			qemu = true;
			if (rec.length > SIF_V1_MAX_QEMU)
				return sif_errf(err, SIF_EFORMAT,
						"%s: offset %llu: Qemu_trad record of %llu bytes exceeds the limit of %u",
						s->name, (unsigned long long)rec.offset,
						(unsigned long long)rec.length, SIF_V1_MAX_QEMU);
			if ((!c->opts->skip_qemu || c->out->sink->qemu) &&
			    conv_write_qemu(c, &p, err) < 0)
				return -1;
			break;
		case SIF_FRAME_END:
			break;
		case SIF_FRAME_LIBXC:
		case SIF_FRAME_LIBXL:
			return sif_errf(err, SIF_EFORMAT,
					"%s: offset %llu: a %s record: the image already holds a v2 stream, nothing to convert",
					s->name, (unsigned long long)rec.offset, rec.name);
		default:
			return sif_errf(err, SIF_EFORMAT,
					"%s: offset %llu: a %s record cannot be carried into a v2 stream",
					s->name, (unsigned long long)rec.offset, rec.name);
		}
	}
	if (r < 0)
		return -1;
	if (!converted)
		return fmt_err(s, s->pos, err, "the image has no Libxc_legacy record to convert");
	return 0;
}

static int check_end(struct conv *c, const char *after, struct sif_err *err)
{
	bool at_end, known;

	if (c->src->flags & SIF_SRC_SHARED)
		return 0;
	if (sif_src_at_end(c->src, &at_end, &known, err) < 0)
		return -1;
	if (known && !at_end) {
		uint64_t left = sif_src_remaining(c->src);

		if (left != SIF_SRC_SIZE_UNKNOWN)
			return sif_errf(err, SIF_EFORMAT,
					"%s: offset %llu: %llu trailing bytes after the end of the %s (expected end of input)",
					c->src->name, (unsigned long long)c->src->pos,
					(unsigned long long)left, after);
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: trailing data after the end of the %s (expected end of input)",
				c->src->name, (unsigned long long)c->src->pos, after);
	}
	return 0;
}

struct fd_sink {
	int fd;
	const char *name;
};

static int fd_write(void *ctx, const void *buf, size_t n, struct sif_err *err)
{
	struct fd_sink *f = ctx;

	return sif_write_exact(f->fd, buf, n, f->name, err);
}

static int fd_copy(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		   struct sif_err *err)
{
	struct fd_sink *f = ctx;

	return sif_src_copy_to_fd(src, f->fd, f->name, n, what, err);
}

int sif_convert(struct sif_src *in, int out_fd, const char *out_name,
		const struct sif_convert_opts *opts,
		struct sif_convert_result *res, struct sif_err *err)
{
	struct fd_sink f = { out_fd, out_name };
	const struct sif_convert_sink sink = {
		.name = out_name, .ctx = &f, .write = fd_write, .copy = fd_copy,
	};

	return sif_convert_to(in, &sink, opts, res, err);
}

int sif_convert_fd(int in_fd, const char *in_name, int out_fd, const char *out_name,
		   const struct sif_convert_opts *opts, struct sif_convert_result *res,
		   struct sif_err *err)
{
	struct sif_convert_opts o = *opts;
	struct sif_src src;
	int rc;

	if (o.input == SIF_CONVERT_IN_AUTO)
		o.input = SIF_CONVERT_IN_V1;
	if (o.input != SIF_CONVERT_IN_V1 && o.input != SIF_CONVERT_IN_XL)
		return sif_errf(err, SIF_EUSAGE, "%s: a shared fd carries a bare v1 stream "
				"(or an xl header and one), not a %s", in_name,
				sif_convert_input_name(o.input));
	if (sif_src_open_fd(&src, in_fd, in_name, SIF_SRC_SHARED, err) < 0)
		return -1;
	rc = sif_convert(&src, out_fd, out_name, &o, res, err);
	/* Sets a seekable fd's offset to what was consumed, and keeps the fd. */
	sif_src_close(&src);
	return rc;
}

int sif_convert_to(struct sif_src *in, const struct sif_convert_sink *out,
		   const struct sif_convert_opts *opts,
		   struct sif_convert_result *res, struct sif_err *err)
{
	struct sif_convert_result dummy;
	struct sif_v1_opts v1o = { .width = opts->width, .guest = opts->guest,
				   .observer = opts->observer,
				   .observer_ctx = opts->observer_ctx };
	struct conv *c;
	enum sif_convert_input kind = opts->input;
	uint64_t start = in->pos;
	int rc = -1;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	c = calloc(1, sizeof(*c));
	if (!c || !(c->out = calloc(1, sizeof(*c->out)))) {
		free(c);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	c->opts = opts;
	c->src = in;
	c->out->sink = out;
	c->out->name = out->name;
	if (kind == SIF_CONVERT_IN_AUTO && detect_input(in, &kind, err) < 0)
		goto out;
	res->input = kind;
	if (kind == SIF_CONVERT_IN_FRAMED) {
		/* The framing ends with End_of_image; a raw device goes on after it. */
		if (convert_framed(c, &res->v1, err) < 0 || v2_flush(c->out, err) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	if (kind == SIF_CONVERT_IN_LEGACY_IMAGE) {
		unsigned char sig[15];
		uint64_t at = in->pos;

		if (sif_src_read_exact(in, sig, 15, "legacy image signature", err) < 0)
			goto out;
		if (memcmp(sig, LEGACY_IMAGE_SIG, 15)) {
			fmt_err(in, at, err, "expected the legacy image signature \"XenSavedDomain\\n\"");
			goto out;
		}
	} else if (kind == SIF_CONVERT_IN_XL && copy_xl_header(c, err) < 0) {
		goto out;
	}
	/* In a legacy image the qemu record follows in its own framing. */
	v1o.qemu = kind != SIF_CONVERT_IN_LEGACY_IMAGE &&
		   (opts->format == SIF_CONVERT_LIBXL || !opts->skip_qemu);
	if (sif_v1_read(in, &v1o, &conv_ops, c, &res->v1, err) < 0)
		goto out;
	if (res->v1.guest == SIF_V1_HVM && !(in->flags & SIF_SRC_SHARED)) {
		bool at_end = true, known = true;

		if (kind == SIF_CONVERT_IN_LEGACY_IMAGE) {
			if (sif_src_at_end(in, &at_end, &known, err) < 0)
				goto out;
			if (!at_end && legacy_qemu(c, err) < 0)
				goto out;
			if (at_end && conv_libxl(c)) {
				fmt_err(in, in->pos, err,
					"the libxl format needs the HVM qemu record, and the image has none");
				goto out;
			}
		} else if (!v1o.qemu && skip_v1_qemu(c, err) < 0) {
			goto out;
		}
	}
	if (check_end(c, sif_convert_input_name(kind), err) < 0)
		goto out;
	if (conv_libxl(c) && v2_record(c->out, LREC_END, NULL, 0, err) < 0)
		goto out;
	if (v2_flush(c->out, err) < 0)
		goto out;
	rc = 0;
out:
	res->in_bytes = in->pos - start;
	res->out_bytes = c->out->bytes;
	res->records = c->out->records;
	res->qemu_bytes = c->qemu_bytes;
	free(c->xs);
	free(c->out);
	free(c);
	return rc;
}

const char *sif_convert_input_name(enum sif_convert_input in)
{
	switch (in) {
	case SIF_CONVERT_IN_V1: return "v1 stream";
	case SIF_CONVERT_IN_LEGACY_IMAGE: return "legacy image";
	case SIF_CONVERT_IN_XL: return "xl saved domain";
	case SIF_CONVERT_IN_FRAMED: return "framed image";
	default: return "auto";
	}
}

