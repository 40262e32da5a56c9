/*
 * The domain-restore side (include/sif/domain.h).
 *
 * libxenguest reads its stream from an fd; the image gives a sif_src.  In
 * between sits a pipe: a producer thread writes the v2 stream into it (the
 * converter's output for a v1 stream, or the v2 stream copied record by
 * record, page data moved by the kernel), while this thread hands the read
 * end to the backend, which reads exactly to the END record.  Nothing is
 * staged on disk and memory stays bounded: the only body held whole is a
 * qemu record, refused above 1 MiB.
 *
 * An `xl save` file restores as libxl restores it: its header is read and
 * checked, LIBXC_CONTEXT's stream goes to libxenguest, the keys of
 * EMULATOR_XENSTORE_DATA are written under the device model's xenstore
 * directory, and EMULATOR_CONTEXT's body is the device model state; the
 * libxl records are walked by the same verifier inspect and verify use.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/convert.h"
#include "sif/domain.h"
#include "sif/frame.h"
#include "sif/image.h"
#include "sif/restore.h"
#include "sif/src.h"
#include "sif/xenops.h"
#include "sif/xl.h"

#define PIPE_NAME "the restore pipe"
/* Varstored and vTPM bodies are held whole before they are handed over. */
#define DEVICE_RECORD_MAX (16u << 20)

/* --- the producer: writes one v2 stream into the pipe ------------------- */

struct producer {
	pthread_t th;
	int wfd;
	struct sif_src *src;
	bool convert;                   /* v1 -> v2; else copy a v2 stream */
	struct sif_convert_opts copts;
	int rc;
	struct sif_err err;
	uint64_t bytes;
	unsigned char *qemu;            /* a legacy image's qemu record */
	uint32_t qemu_len;
	bool has_qemu;
	struct sif_convert_result res;
	uint32_t guest_type;            /* v2 copy: the domain header's guest type */
};

static int sink_write(void *ctx, const void *buf, size_t n, struct sif_err *err)
{
	struct producer *p = ctx;

	if (sif_write_exact(p->wfd, buf, n, PIPE_NAME, err) < 0)
		return -1;
	p->bytes += n;
	return 0;
}

static int sink_copy(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		     struct sif_err *err)
{
	struct producer *p = ctx;

	if (sif_src_copy_to_fd(src, p->wfd, PIPE_NAME, n, what, err) < 0)
		return -1;
	p->bytes += n;
	return 0;
}

static int sink_qemu(void *ctx, struct sif_src *src, uint32_t len, struct sif_err *err)
{
	struct producer *p = ctx;

	if (len > SIF_QEMU_RECORD_MAX)
		return sif_errf(err, SIF_EFORMAT, "%s: qemu record of %u bytes exceeds %u",
				src->name, len, SIF_QEMU_RECORD_MAX);
	p->qemu = malloc(len ? len : 1);
	if (!p->qemu)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	p->qemu_len = len;
	p->has_qemu = true;
	return sif_src_read_exact(src, p->qemu, len, "qemu record", err);
}

static uint32_t le32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/*
 * A libxc v2 stream as libxenguest will read it: the image and domain
 * headers, then records (u32 type, u32 length, body padded to 8) to END.
 */
static int pass_v2(struct producer *p, struct sif_err *err)
{
	unsigned char h[SIF_V2_IHDR_LEN + SIF_V2_DHDR_LEN];
	uint32_t type;

	if (sif_src_read_exact(p->src, h, sizeof(h), "libxc image and domain headers", err) < 0 ||
	    sink_write(p, h, sizeof(h), err) < 0)
		return -1;
	p->guest_type = le32(h + SIF_V2_IHDR_LEN);
	do {
		uint64_t body;

		if (sif_src_read_exact(p->src, h, 8, "libxc record header", err) < 0 ||
		    sink_write(p, h, 8, err) < 0)
			return -1;
		type = le32(h);
		body = ((uint64_t)le32(h + 4) + 7) & ~7ULL;
		if (body && sink_copy(p, p->src, body, "libxc record", err) < 0)
			return -1;
	} while (type != SIF_V2_END);
	return 0;
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	sigset_t pipe_sig;

	/* A backend that stops reading must fail our write (EPIPE), not kill us. */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	if (p->convert) {
		const struct sif_convert_sink sink = {
			.name = PIPE_NAME, .ctx = p, .write = sink_write, .copy = sink_copy,
			.qemu = sink_qemu,
		};

		p->rc = sif_convert_to(p->src, &sink, &p->copts, &p->res, &p->err);
	} else {
		p->rc = pass_v2(p, &p->err);
	}
	close(p->wfd);
	return NULL;
}

/*
 * Feed one stream to the backend.  When both sides fail, the one that
 * failed first speaks: the producer, unless its failure is the backend
 * hanging up (EPIPE).
 */
static int run_stream(struct sif_domain_restore *r, struct producer *p, struct sif_err *err)
{
	struct sif_restore_result res;
	struct sif_err berr;
	int fds[2], brc;

	if (sif_stream_pipe(fds) < 0)
		return sif_errno(err, SIF_EIO, "creating the restore pipe");
	p->wfd = fds[1];
	if (pthread_create(&p->th, NULL, produce, p)) {
		close(fds[0]);
		close(fds[1]);
		return sif_errf(err, SIF_ENOMEM, "cannot start the stream producer");
	}
	brc = r->xen->ops->domain_restore(r->xen, r->domid, fds[0], r->spec.hvm, &res, &berr);
	close(fds[0]);
	pthread_join(p->th, NULL);
	r->v2_bytes += p->bytes;
	if (p->rc < 0 && !(brc < 0 && p->err.sys_errno == EPIPE)) {
		*err = p->err;
		return -1;
	}
	if (brc < 0) {
		*err = berr;
		return -1;
	}
	return 0;
}

/* --- what the image or stream is, against what platformdata says -------- */

static int check_agreement(struct sif_domain_restore *r, const char *is,
			   const char *detail, struct sif_err *err)
{
	if (!strcmp(r->key_format, is))
		return 0;
	if (r->trust_image && r->image_path) {
		r->disagreed = true;
		r->legacy = !strcmp(is, "legacy");
		return 0;
	}
	if (!r->image_path)
		return sif_errf(err, SIF_EREFUSED,
				"%s: the sending host's version says %s but the stream is %s (%s); "
				"refusing to restore it", r->stream_name ? r->stream_name : "stream",
				r->key_format, is, detail);
	return sif_errf(err, SIF_EREFUSED,
			"VDI %s: suspend_image_format is %s but the image is %s (%s); "
			"refusing to restore it as %s (--trust-image follows the image and "
			"corrects the field)", r->vdi_uuid ? r->vdi_uuid : "?", r->key_format,
			is, detail, r->key_format);
}

static void note_record(struct sif_domain_restore *r, const char *name)
{
	size_t used = strlen(r->records);

	snprintf(r->records + used, sizeof(r->records) - used, "%s%s", used ? " " : "", name);
}

/* --- the framed (structured, raw) stream --------------------------------- */

struct framed {
	struct sif_domain_restore *r;
	struct sif_src *src;
	struct sif_xenops_record xenops;
	bool have_xenops, have_libxc;
	unsigned vtpms;
	unsigned char *qemu;
	uint32_t qemu_len;
	bool has_qemu;
};

/* The whole body into *out (malloc'd); on failure *out is NULL. */
static int sized_body(struct framed *f, const struct sif_frame_rec *rec, uint64_t max,
		      unsigned char **out, struct sif_err *err)
{
	*out = NULL;
	if (rec->length > max)
		return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %s record of %llu bytes "
				"exceeds the limit of %llu", f->src->name,
				(unsigned long long)rec->offset, rec->name,
				(unsigned long long)rec->length, (unsigned long long)max);
	*out = malloc(rec->length ? rec->length : 1);
	if (!*out)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (sif_src_read_exact(f->src, *out, rec->length, rec->name, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int take_qemu(struct framed *f, unsigned char *buf, uint32_t len, uint64_t at,
		     struct sif_err *err)
{
	if (f->has_qemu) {
		free(buf);
		return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: a second qemu record",
				f->src->name, (unsigned long long)at);
	}
	f->qemu = buf;
	f->qemu_len = len;
	f->has_qemu = true;
	return 0;
}

static int h_xenops(struct framed *f, const struct sif_frame_rec *rec, struct sif_err *err)
{
	unsigned char *body;
	int rc;

	if (f->have_xenops)
		return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: a second Xenops record",
				f->src->name, (unsigned long long)rec->offset);
	if (sized_body(f, rec, SIF_XENOPS_MAX, &body, err) < 0)
		return -1;
	rc = sif_xenops_parse(body, rec->length, &f->xenops, err);
	free(body);
	if (rc < 0) {
		sif_err_prefix(err, "%s: Xenops record at offset %llu", f->src->name,
			       (unsigned long long)rec->offset);
		return -1;
	}
	f->have_xenops = true;
	return 0;
}

/* A qemu record body of len bytes, already announced by its header. */
static int qemu_body(struct sif_src *src, uint32_t len, unsigned char **out,
		     struct sif_err *err)
{
	*out = malloc(len ? len : 1);
	if (!*out)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (sif_src_read_exact(src, *out, len, "qemu record", err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A Libxc_legacy v1 stream may be followed by libxc's own qemu record. */
static int libxc_qemu_after_v1(struct framed *f, struct sif_err *err)
{
	const unsigned char *p;
	unsigned char *buf;
	uint64_t at = f->src->pos;
	uint32_t len;

	/* a frame header (16 bytes) or the qemu signature follows: 16 are certain
	 * (an xl save file may also just end) */
	if (sif_src_remaining(f->src) < SIF_FRAME_HEADER_LEN)
		return 0;
	if (sif_src_peek(f->src, SIF_FRAME_HEADER_LEN, &p, "record after the v1 stream", err) < 0)
		return -1;
	if (memcmp(p, SIF_LIBXC_QEMU_SIGNATURE, SIF_FRAME_HEADER_LEN))
		return 0;
	if (sif_libxc_qemu_header(f->src, &len, err) < 0 || qemu_body(f->src, len, &buf, err) < 0)
		return -1;
	return take_qemu(f, buf, len, at, err);
}

static int h_libxc(struct framed *f, const struct sif_frame_rec *rec, bool v1,
		   struct sif_err *err)
{
	struct sif_domain_restore *r = f->r;
	struct producer p = { .src = f->src, .convert = v1 };
	unsigned saved = f->src->flags;
	int rc;

	if (f->have_libxc)
		return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: a second libxc stream (%s)",
				f->src->name, (unsigned long long)rec->offset, rec->name);
	f->have_libxc = true;
	if (v1) {
		p.copts.input = SIF_CONVERT_IN_V1;
		p.copts.width = r->v1_width;
		p.copts.skip_qemu = true;       /* taken below, in its own framing */
		r->converted = true;
		/* The v1 stream is one record among others: the converter must
		 * stop at its end and leave what follows to this walk. */
		f->src->flags |= SIF_SRC_SHARED;
	}
	rc = run_stream(r, &p, err);
	f->src->flags = saved;
	free(p.qemu);
	if (rc < 0)
		return -1;
	return v1 ? libxc_qemu_after_v1(f, err) : 0;
}

/* Varstored, Swtpm, Swtpm0: read whole, handed to the backend at once. */
static int h_device_state(struct framed *f, const struct sif_frame_rec *rec,
			  struct sif_err *err)
{
	struct sif_domain_restore *r = f->r;
	struct sif_xen *x = r->xen;
	unsigned char *buf;
	int rc;

	if (sized_body(f, rec, DEVICE_RECORD_MAX, &buf, err) < 0)
		return -1;
	if (rec->type == SIF_FRAME_VARSTORED) {
		rc = x->ops->varstored_restore(x, r->domid, buf, rec->length, err);
		r->efivars_bytes += rec->length;
	} else {
		rc = x->ops->vtpm_restore(x, r->domid, f->vtpms++, buf, rec->length,
					  rec->type == SIF_FRAME_SWTPM0 ? SIF_VTPM_RAW :
					  SIF_VTPM_BASE64, err);
		r->vtpm_bytes += rec->length;
	}
	free(buf);
	if (rc < 0)
		sif_err_prefix(err, "%s: %s record at offset %llu", f->src->name, rec->name,
			       (unsigned long long)rec->offset);
	return rc;
}

static int h_record(struct framed *f, const struct sif_frame_rec *rec, struct sif_err *err)
{
	unsigned char *buf;

	switch (rec->type) {
	case SIF_FRAME_XENOPS:
		return h_xenops(f, rec, err);
	case SIF_FRAME_LIBXC:
		return h_libxc(f, rec, false, err);
	case SIF_FRAME_LIBXC_LEGACY:
		return h_libxc(f, rec, true, err);
	case SIF_FRAME_QEMU_TRAD:
		if (sized_body(f, rec, SIF_QEMU_RECORD_MAX, &buf, err) < 0)
			return -1;
		return take_qemu(f, buf, (uint32_t)rec->length, rec->offset, err);
	case SIF_FRAME_VARSTORED:
	case SIF_FRAME_SWTPM:
	case SIF_FRAME_SWTPM0:
		return h_device_state(f, rec, err);
	case SIF_FRAME_DEMU:
		return sif_errf(err, SIF_EREFUSED,
				"%s: offset %llu: a Demu record (vGPU state%s): restoring a vGPU "
				"needs emu-manager and the vGPU device model, which sif does not "
				"drive; restore this VM with xenopsd", f->src->name,
				(unsigned long long)rec->offset,
				rec->body_kind == SIF_BODY_OPAQUE ? ", unsized" : "");
	case SIF_FRAME_END:
		return 0;
	default:
		/* Libxl, Qemu_xen: xenopsd fails them with Suspend_image_failure */
		return sif_errf(err, SIF_EREFUSED,
				"%s: offset %llu: a %s record: xenopsd refuses it at restore "
				"(Suspend_image_failure), and so does sif", f->src->name,
				(unsigned long long)rec->offset, rec->name);
	}
}

static int restore_framed(struct sif_domain_restore *r, struct sif_src *src,
			  struct sif_err *err)
{
	struct framed f = { .r = r, .src = src };
	struct sif_frame_reader fr;
	struct sif_frame_rec rec;
	int s, rc = -1;

	if (sif_frame_open(&fr, src, err) < 0)
		return -1;
	while ((s = sif_frame_next(&fr, &rec, err)) == 1) {
		note_record(r, rec.name);
		if (h_record(&f, &rec, err) < 0)
			goto out;
	}
	if (s < 0)
		goto out;
	if (!f.have_libxc) {
		sif_errf(err, SIF_EFORMAT, "%s: the image holds no libxc stream (records: %s)",
			 src->name, r->records);
		goto out;
	}
	if (f.has_qemu) {
		r->qemu_bytes = f.qemu_len;
		if (r->xen->ops->dm_state_load(r->xen, r->domid, f.qemu, f.qemu_len, err) < 0)
			goto out;
	}
	for (size_t i = 0; f.have_xenops && i < f.xenops.n_xs; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "/local/domain/%u/%s", r->domid, f.xenops.xs[i].key.p);
		if (r->xen->ops->xs_write(r->xen, path, f.xenops.xs[i].val.p, err) < 0)
			goto out;
	}
	rc = 0;
out:
	if (f.have_xenops)
		sif_xenops_free(&f.xenops);
	free(f.qemu);
	return rc;
}

/* --- the legacy stream ----------------------------------------------------- */

static int restore_legacy(struct sif_domain_restore *r, struct sif_src *src,
			  struct sif_err *err)
{
	struct producer p = { .src = src, .convert = true };
	int rc;

	p.copts.input = SIF_CONVERT_IN_LEGACY_IMAGE;
	p.copts.width = r->v1_width;
	r->converted = true;
	note_record(r, "XenSavedDomain libxc-v1");
	rc = run_stream(r, &p, err);
	/* From a shared stream the converter stops at the v1 stream's end:
	 * an HVM guest's qemu record follows, in the legacy framing. */
	if (rc == 0 && !p.has_qemu && (src->flags & SIF_SRC_SHARED) &&
	    p.res.v1.guest == SIF_V1_HVM)
		rc = sif_legacy_qemu_header(src, &p.qemu_len, err) < 0 ||
		     qemu_body(src, p.qemu_len, &p.qemu, err) < 0 ? -1 : 0;
	if (rc == 0)
		p.has_qemu = p.qemu != NULL;
	if (rc == 0 && p.has_qemu) {
		note_record(r, "QemuDeviceModelRecord");
		r->qemu_bytes = p.qemu_len;
		rc = r->xen->ops->dm_state_load(r->xen, r->domid, p.qemu, p.qemu_len, err);
	}
	free(p.qemu);
	return rc;
}

/* --- xl save files ------------------------------------------------------------ */

struct xl_restore {
	struct sif_domain_restore *r;
	uint32_t guest_type;            /* of the libxc stream */
	unsigned char *qemu, *xs;
	size_t qemu_len, xs_len;
	bool has_qemu;
	uint64_t qemu_rec;              /* offset of the EMULATOR_CONTEXT record */
};

static int xl_libxc(void *ctx, struct sif_src *src, struct sif_err *err)
{
	struct xl_restore *x = ctx;
	struct producer p = { .src = src };
	int rc;

	note_record(x->r, "LIBXC_CONTEXT");
	rc = run_stream(x->r, &p, err);
	x->guest_type = p.guest_type;
	return rc;
}

static int append(unsigned char **buf, size_t *len, const unsigned char *p, size_t n,
		  struct sif_err *err)
{
	unsigned char *b = realloc(*buf, *len + n + 1);

	if (!b)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	memcpy(b + *len, p, n);
	*buf = b;
	*len += n;
	return 0;
}

/* EMULATOR_CONTEXT: the device model state; EMULATOR_XENSTORE_DATA: its keys. */
static int xl_emulator(void *ctx, uint32_t type, uint32_t id, uint64_t rec_off,
		       uint32_t rec_len, const unsigned char *p, size_t n, struct sif_err *err)
{
	struct xl_restore *x = ctx;
	const char *name = x->r->image_path;

	(void)id;
	if (type == SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA)
		return append(&x->xs, &x->xs_len, p, n, err);
	if (!x->has_qemu) {
		if (rec_len - 8 > SIF_QEMU_RECORD_MAX)
			return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: EMULATOR_CONTEXT with %u bytes "
					"of device model state: more than the %u handed to the device model",
					name, (unsigned long long)rec_off, rec_len - 8, SIF_QEMU_RECORD_MAX);
		x->has_qemu = true;
		x->qemu_rec = rec_off;
		note_record(x->r, "EMULATOR_CONTEXT");
	} else if (rec_off != x->qemu_rec) {
		return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: a second EMULATOR_CONTEXT record: "
				"one device model restores one state", name, (unsigned long long)rec_off);
	}
	return append(&x->qemu, &x->qemu_len, p, n, err);
}

/* As libxl: each key relative, under /local/domain/0/device-model/<domid>/. */
static int xl_xenstore(struct xl_restore *x, struct sif_err *err)
{
	struct sif_domain_restore *r = x->r;
	size_t at = 0;

	if (x->xs_len)
		note_record(r, "EMULATOR_XENSTORE_DATA");
	while (at < x->xs_len) {
		const char *key = (const char *)x->xs + at, *val;
		char path[4096];

		at += strlen(key) + 1;
		val = (const char *)x->xs + at;
		at += strlen(val) + 1;
		if (!key[0] || key[0] == '/')
			return sif_errf(err, SIF_EFORMAT, "%s: EMULATOR_XENSTORE_DATA key \"%.64s\": "
					"expected a non-empty relative path (libxl refuses it too)",
					r->image_path, key);
		snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/%s", r->domid, key);
		if (r->xen->ops->xs_write(r->xen, path, val, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * libxl saves a device model state for HVM guests only: a PV guest has
 * none, and neither has a PVH one, whose libxc stream is an HVM stream;
 * the config's type tells them apart.
 */
static int xl_after_stream(struct xl_restore *x, const struct sif_xl_header *h,
			   const struct sif_v2_libxl_summary *sum, struct sif_err *err)
{
	struct sif_domain_restore *r = x->r;

	if (sum->checkpoint_records)
		return sif_errf(err, SIF_EREFUSED, "%s: a checkpointed (Remus/COLO) libxl stream: "
				"a restore from a file takes a plain one (libxl refuses it too)",
				r->image_path);
	if (x->guest_type != SIF_V2_GUEST_HVM && x->has_qemu)
		return sif_errf(err, SIF_EFORMAT, "%s: the PV guest's xl save file has an "
				"EMULATOR_CONTEXT record", r->image_path);
	if (!strcmp(h->type, "hvm") && !x->has_qemu)
		return sif_errf(err, SIF_EFORMAT, "%s: the HVM guest's xl save file has no "
				"EMULATOR_CONTEXT (its device model state)", r->image_path);
	if (xl_xenstore(x, err) < 0)
		return -1;
	if (!x->has_qemu)
		return 0;
	r->qemu_bytes = x->qemu_len;
	return r->xen->ops->dm_state_load(r->xen, r->domid, x->qemu, x->qemu_len, err);
}

/* xl of Xen < 4.6: a v1 stream and libxl's qemu record, as in a Libxc_legacy record. */
static int restore_xl_v1(struct sif_domain_restore *r, struct sif_src *src, struct sif_err *err)
{
	struct framed f = { .r = r, .src = src };
	struct sif_frame_rec rec = { .name = "xl libxc v1", .offset = src->pos };
	int rc = h_libxc(&f, &rec, true, err);

	if (rc == 0 && f.has_qemu) {
		note_record(r, SIF_LIBXC_QEMU_SIGNATURE);
		r->qemu_bytes = f.qemu_len;
		rc = r->xen->ops->dm_state_load(r->xen, r->domid, f.qemu, f.qemu_len, err);
	}
	free(f.qemu);
	return rc;
}

static int restore_xl(struct sif_domain_restore *r, struct sif_src *src, struct sif_err *err)
{
	struct xl_restore x = { .r = r };
	struct sif_v2_opts vo = { .libxc = xl_libxc, .emulator_data = xl_emulator, .ctx = &x };
	struct sif_v2_libxl_summary sum;
	struct sif_xl_header h;
	int rc = -1;

	if (sif_xl_header_read(src, &h, err) < 0)
		goto out;
	note_record(r, "xl-header");
	if (!h.v2) {
		rc = restore_xl_v1(r, src, err);
		goto out;
	}
	if (sif_v2_verify_libxl(src, &vo, &sum, err) < 0 || xl_after_stream(&x, &h, &sum, err) < 0)
		goto out;
	rc = 0;
out:
	sif_xl_header_free(&h);
	free(x.qemu);
	free(x.xs);
	return rc;
}

/* --- entry ------------------------------------------------------------------ */

static int key_format(struct sif_domain_restore *r, struct sif_err *err)
{
	const char *v = sif_platformdata_get(r->platformdata, SIF_PLATFORMDATA_KEY);

	if (!v)
		return sif_errf(err, SIF_EUSAGE,
				"platformdata has no %s: the suspend_image_format plugin did not "
				"decide the restore path (is it installed?)", SIF_PLATFORMDATA_KEY);
	r->key_format = sif_format_name(v);
	if (!r->key_format)
		return sif_errf(err, SIF_EFORMAT, "platformdata %s=%s is not one of legacy, "
				"structured, raw", SIF_PLATFORMDATA_KEY, v);
	r->legacy = !strcmp(r->key_format, "legacy");
	return 0;
}

static int from_image(struct sif_domain_restore *r, struct sif_err *err)
{
	struct sif_image img;
	char detail[160];
	int rc = -1;

	if (sif_image_open(&img, r->image_path, 0, err) < 0)
		return -1;
	r->container = sif_container_name(img.container_kind);
	if (img.format == SIF_IMAGE_FORMAT_UNKNOWN) {
		sif_errf(err, SIF_EFORMAT, "%s: a bare %s, not a suspend image", r->image_path,
			 sif_stream_kind_name(img.stream));
		goto out;
	}
	r->image_format = sif_image_format_name(img.format);
	if (img.stream == SIF_STREAM_XL)
		snprintf(detail, sizeof(detail), "%s container, xl save file with a %s", r->container,
			 img.xl_v2 ? "libxl v2 stream" : "libxc v1 stream");
	else
		snprintf(detail, sizeof(detail), "%s container, %s signature", r->container,
			 img.stream == SIF_STREAM_LEGACY ? "XenSavedDomain" : "XenSavedDomv2");
	if (check_agreement(r, r->image_format, detail, err) < 0)
		goto out;
	if (r->xen->ops->domain_create(r->xen, &r->spec, &r->domid, err) < 0)
		goto out;
	rc = img.stream == SIF_STREAM_LEGACY ? restore_legacy(r, &img.src, err) :
	     img.stream == SIF_STREAM_XL ? restore_xl(r, &img.src, err) :
	     restore_framed(r, &img.src, err);
	if (rc < 0)
		sif_err_prefix(err, "VDI %s", r->vdi_uuid ? r->vdi_uuid : r->image_path);
out:
	sif_image_close(&img);
	return rc;
}

static int from_stream(struct sif_domain_restore *r, struct sif_err *err)
{
	struct sif_src src;
	const unsigned char *p;
	int rc = -1;

	r->container = "stream";
	if (sif_src_open_fd(&src, r->stream_fd, r->stream_name ? r->stream_name : "stream",
			    SIF_SRC_SHARED, err) < 0)
		return -1;
	if (sif_src_peek(&src, SIF_FRAME_SIGNATURE_LEN, &p, "stream signature", err) < 0)
		goto out;
	if (!memcmp(p, SIF_LEGACY_SIGNATURE, SIF_LEGACY_SIGNATURE_LEN))
		r->image_format = "legacy";
	else if (!memcmp(p, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN))
		r->image_format = strcmp(r->key_format, "raw") ? "structured" : "raw";
	else {
		sif_errf(err, SIF_EFORMAT, "%s: offset 0: expected \"XenSavedDomain\\n\" or "
			 "\"XenSavedDomv2-\\n\"", src.name);
		goto out;
	}
	if (check_agreement(r, r->image_format, !strcmp(r->image_format, "legacy") ?
			    "XenSavedDomain signature" : "XenSavedDomv2 signature", err) < 0 ||
	    r->xen->ops->domain_create(r->xen, &r->spec, &r->domid, err) < 0)
		goto out;
	rc = !strcmp(r->image_format, "legacy") ? restore_legacy(r, &src, err)
						: restore_framed(r, &src, err);
out:
	sif_src_close(&src);
	return rc;
}

int sif_domain_restore_run(struct sif_domain_restore *r, struct sif_err *err)
{
	bool created;
	int rc;

	r->domid = 0;
	r->records[0] = '\0';
	r->v2_bytes = r->qemu_bytes = r->efivars_bytes = r->vtpm_bytes = 0;
	r->converted = r->disagreed = false;
	if (key_format(r, err) < 0)
		return -1;
	if (!r->spec.platformdata)
		r->spec.platformdata = r->platformdata;
	rc = r->image_path ? from_image(r, err) : from_stream(r, err);
	created = r->domid != 0;
	if (rc == 0 && r->xen->ops->domain_unpause(r->xen, r->domid, err) < 0)
		rc = -1;
	if (rc < 0 && created) {
		struct sif_err ignored;

		/* no half-restored domain stays behind */
		r->xen->ops->domain_destroy(r->xen, r->domid, &ignored);
	}
	return rc;
}
