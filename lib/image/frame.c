/*
 * The framing reader of structured and raw images (see sif/frame.h): the
 * signature, the record headers and the length rule of each record type,
 * one small check per type dispatched from one table.  Bodies are left to
 * the caller.  Not for the streams inside the records (v2_verify*.c, the
 * v1 reader) nor for the legacy wrapper (legacy.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/endian_int.h"
#include "sif/frame.h"
#include "sif/xenops.h"
#include "base/printable_int.h"

#define LEGACY_SIGNATURE "XenSavedDomain\n"

/* Checks the header; may refine the body kind the type table gives. */
typedef int (*frame_check_fn)(struct sif_frame_rec *rec, struct sif_err *err);

struct frame_type {
	uint64_t type;
	const char *name;
	enum sif_frame_body body;
	frame_check_fn check;
};

static int check_xenops(struct sif_frame_rec *rec, struct sif_err *err)
{
	if (rec->length == 0 || rec->length > SIF_XENOPS_MAX)
		return sif_errf(err, SIF_EFORMAT,
				"offset %llu: Xenops record length %llu, expected 1 to %u bytes",
				(unsigned long long)rec->offset, (unsigned long long)rec->length,
				SIF_XENOPS_MAX);
	return 0;
}

/* Stream records: the length is checked against the stream once read. */
static int check_stream(struct sif_frame_rec *rec, struct sif_err *err)
{
	(void)rec;
	(void)err;
	return 0;
}

static int check_qemu(struct sif_frame_rec *rec, struct sif_err *err)
{
	if (rec->length > SIF_QEMU_RECORD_MAX)
		return sif_errf(err, SIF_EFORMAT,
				"offset %llu: %s record length %llu exceeds the %u bytes (1 MiB) xenopsd restores",
				(unsigned long long)rec->offset, rec->name,
				(unsigned long long)rec->length, SIF_QEMU_RECORD_MAX);
	return 0;
}

/* Sized in 2015-2017 images; length 0 since: emu-manager's stream follows. */
static int check_demu(struct sif_frame_rec *rec, struct sif_err *err)
{
	(void)err;
	if (rec->length == 0)
		rec->body_kind = SIF_BODY_OPAQUE;
	return 0;
}

static int check_device(struct sif_frame_rec *rec, struct sif_err *err)
{
	(void)rec;
	(void)err;
	return 0;
}

static int check_end(struct sif_frame_rec *rec, struct sif_err *err)
{
	if (rec->length != 0)
		return sif_errf(err, SIF_EFORMAT,
				"offset %llu: End_of_image record length %llu, expected 0",
				(unsigned long long)rec->offset, (unsigned long long)rec->length);
	return 0;
}

static const struct frame_type frame_types[] = {
	{ SIF_FRAME_XENOPS,       "Xenops",       SIF_BODY_SIZED,  check_xenops },
	{ SIF_FRAME_LIBXC,        "Libxc",        SIF_BODY_STREAM, check_stream },
	{ SIF_FRAME_LIBXL,        "Libxl",        SIF_BODY_STREAM, check_stream },
	{ SIF_FRAME_LIBXC_LEGACY, "Libxc_legacy", SIF_BODY_STREAM, check_stream },
	{ SIF_FRAME_QEMU_TRAD,    "Qemu_trad",    SIF_BODY_SIZED,  check_qemu },
	{ SIF_FRAME_QEMU_XEN,     "Qemu_xen",     SIF_BODY_SIZED,  check_qemu },
	{ SIF_FRAME_DEMU,         "Demu",         SIF_BODY_SIZED,  check_demu },
	{ SIF_FRAME_VARSTORED,    "Varstored",    SIF_BODY_SIZED,  check_device },
	{ SIF_FRAME_SWTPM0,       "Swtpm0",       SIF_BODY_SIZED,  check_device },
	{ SIF_FRAME_SWTPM,        "Swtpm",        SIF_BODY_SIZED,  check_device },
	{ SIF_FRAME_END,          "End_of_image", SIF_BODY_NONE,   check_end },
};

static const struct frame_type *find_type(uint64_t type)
{
	size_t i;

	for (i = 0; i < sizeof(frame_types) / sizeof(frame_types[0]); i++)
		if (frame_types[i].type == type)
			return &frame_types[i];
	return NULL;
}

const char *sif_frame_type_name(uint64_t type)
{
	const struct frame_type *t = find_type(type);

	return t ? t->name : NULL;
}

void sif_frame_header_encode(unsigned char out[SIF_FRAME_HEADER_LEN], uint64_t type,
			     uint64_t length)
{
	put_le64(out, type);
	put_le64(out + 8, length);
}

int sif_frame_open(struct sif_frame_reader *r, struct sif_src *src, struct sif_err *err)
{
	unsigned char sig[SIF_FRAME_SIGNATURE_LEN];
	uint64_t at = src->pos;
	char shown[96];

	memset(r, 0, sizeof(*r));
	r->src = src;
	if (sif_src_read_exact(src, sig, sizeof(sig), "image signature", err) < 0)
		return -1;
	if (!memcmp(sig, SIF_FRAME_SIGNATURE, sizeof(sig)))
		return 0;
	if (!memcmp(sig, LEGACY_SIGNATURE, sizeof(sig)))
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: legacy signature \"XenSavedDomain\\n\" where the "
				"structured framing \"XenSavedDomv2-\\n\" was expected",
				src->name, (unsigned long long)at);
	sif_printable(sig, sizeof(sig), shown, sizeof(shown));
	return sif_errf(err, SIF_EFORMAT,
			"%s: offset %llu: expected the signature \"XenSavedDomv2-\\n\", found \"%s\"",
			src->name, (unsigned long long)at, shown);
}

/* Close the current record before the next header is read. */
static int finish_current(struct sif_frame_reader *r, struct sif_err *err)
{
	struct sif_frame_rec *c = &r->cur;
	struct sif_src *s = r->src;

	if (!r->have_cur)
		return 0;
	r->have_cur = false;
	if (c->body_kind == SIF_BODY_SIZED) {
		uint64_t end = c->body + c->length;

		if (s->pos > end)
			return sif_errf(err, SIF_EUSAGE,
					"%s: offset %llu: the %s record's reader went %llu bytes past its body",
					s->name, (unsigned long long)s->pos, c->name,
					(unsigned long long)(s->pos - end));
		return sif_src_skip(s, end - s->pos, c->name, err);
	}
	if (c->body_kind == SIF_BODY_STREAM && c->length != 0 &&
	    s->pos - c->body != c->length)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: %s record declares length %llu but its stream is %llu bytes",
				s->name, (unsigned long long)c->offset, c->name,
				(unsigned long long)c->length,
				(unsigned long long)(s->pos - c->body));
	return 0;
}

int sif_frame_next(struct sif_frame_reader *r, struct sif_frame_rec *rec,
		   struct sif_err *err)
{
	struct sif_src *s = r->src;
	unsigned char hdr[SIF_FRAME_HEADER_LEN];
	const struct frame_type *t;
	struct sif_frame_rec n = { 0 };
	uint64_t left;

	if (r->done)
		return 0;
	if (finish_current(r, err) < 0)
		return -1;
	n.index = r->count;
	n.offset = s->pos;
	if (sif_src_remaining(s) == 0)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: the image ends after %llu records without an End_of_image record",
				s->name, (unsigned long long)s->pos, (unsigned long long)r->count);
	if (sif_src_read_exact(s, hdr, sizeof(hdr), "record header", err) < 0)
		return -1;
	n.type = get_le64(hdr);
	n.length = get_le64(hdr + 8);
	n.body = s->pos;
	t = find_type(n.type);
	if (!t)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: unknown record type 0x%llx (record %llu; known: "
				"Xenops 0xf, Libxc 0xf0, Libxl 0xf1, Libxc_legacy 0xf2, Qemu_trad 0xf00, "
				"Qemu_xen 0xf01, Demu 0xf10, Varstored 0xf11, Swtpm0 0xf12, Swtpm 0xf13, "
				"End_of_image 0xffff)",
				s->name, (unsigned long long)n.offset, (unsigned long long)n.type,
				(unsigned long long)n.index);
	n.name = t->name;
	n.body_kind = t->body;
	if (t->check(&n, err) < 0) {
		sif_err_prefix(err, "%s", s->name);
		return -1;
	}
	left = sif_src_remaining(s);
	if (n.body_kind == SIF_BODY_SIZED && left != SIF_SRC_SIZE_UNKNOWN && n.length > left)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: %s record length %llu runs past the end of the image "
				"(%llu bytes left after the header)",
				s->name, (unsigned long long)n.offset, t->name,
				(unsigned long long)n.length, (unsigned long long)left);
	r->count++;
	r->cur = n;
	r->have_cur = true;
	/* After End_of_image nothing follows; after opaque vGPU state nothing
	 * can be found. */
	if (n.body_kind == SIF_BODY_NONE || n.body_kind == SIF_BODY_OPAQUE) {
		r->done = true;
		r->have_cur = false;
	}
	*rec = n;
	return 1;
}
