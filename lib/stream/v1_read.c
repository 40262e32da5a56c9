/*
 * The v1 stream reader's driver: the order of the stream's parts (header,
 * static part, chunks, tail, qemu record), the payload hand-over to
 * handlers, and the small read helpers the part readers share.  What is in
 * each part lives in v1_detect.c, v1_chunks.c, v1_pv.c and v1_hvm.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "v1_internal.h"

int v1_fail(struct v1_reader *r, uint64_t at, const char *fmt, ...)
{
	char msg[SIF_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sif_errf(r->err, SIF_EFORMAT, "%s: offset %llu: %s", r->src->name,
			(unsigned long long)at, msg);
}

int v1_read_u32(struct v1_reader *r, uint32_t *v, const char *what)
{
	unsigned char b[4];

	if (sif_src_read_exact(r->src, b, 4, what, r->err) < 0)
		return -1;
	*v = v1_le32(b);
	return 0;
}

int v1_read_u64(struct v1_reader *r, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (sif_src_read_exact(r->src, b, 8, what, r->err) < 0)
		return -1;
	*v = v1_le64(b);
	return 0;
}

int v1_read_ulong(struct v1_reader *r, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (sif_src_read_exact(r->src, b, r->in->width, what, r->err) < 0)
		return -1;
	*v = r->in->width == 8 ? v1_le64(b) : v1_le32(b);
	return 0;
}

void v1_payload_init(struct v1_reader *r, struct sif_v1_payload *p,
		     uint64_t len, const char *what)
{
	p->src = r->src;
	p->len = len;
	p->done = 0;
	p->what = what;
}

int v1_payload_finish(struct v1_reader *r, struct sif_v1_payload *p, int rc)
{
	if (rc < 0)
		return -1;
	if (p->done < p->len &&
	    sif_src_skip(r->src, p->len - p->done, p->what, r->err) < 0)
		return -1;
	p->done = p->len;
	return 0;
}

static int payload_check(struct sif_v1_payload *p, uint64_t n,
			 struct sif_err *err)
{
	if (n > p->len - p->done)
		return sif_errf(err, SIF_EUSAGE,
				"%s: %llu bytes asked of %s, only %llu left",
				p->src->name, (unsigned long long)n, p->what,
				(unsigned long long)(p->len - p->done));
	return 0;
}

int sif_v1_payload_read(struct sif_v1_payload *p, void *buf, size_t n,
			struct sif_err *err)
{
	if (payload_check(p, n, err) < 0 ||
	    sif_src_read_exact(p->src, buf, n, p->what, err) < 0)
		return -1;
	p->done += n;
	return 0;
}

int sif_v1_payload_copy(struct sif_v1_payload *p, int fd, const char *out_name,
			uint64_t n, struct sif_err *err)
{
	if (payload_check(p, n, err) < 0 ||
	    sif_src_copy_to_fd(p->src, fd, out_name, n, p->what, err) < 0)
		return -1;
	p->done += n;
	return 0;
}

static int read_p2m_size(struct v1_reader *r)
{
	uint64_t at = r->src->pos, v;

	if (v1_read_ulong(r, &v, "p2m_size") < 0)
		return -1;
	if (v == 0 || v > SIF_V1_MAX_P2M_SIZE)
		return v1_fail(r, at, "p2m_size 0x%llx out of range: expected 1..0x%llx",
			       (unsigned long long)v, SIF_V1_MAX_P2M_SIZE);
	r->in->p2m_size = v;
	return 0;
}

/* HVM, when asked: "DeviceModelRecord0002", u32 length, data. */
static int read_qemu(struct v1_reader *r)
{
	unsigned char sig[SIF_V1_QEMU_SIG_LEN];
	struct sif_v1_payload p;
	uint64_t at = r->src->pos;
	uint32_t len;

	if (sif_src_read_exact(r->src, sig, sizeof(sig), "qemu record signature",
			       r->err) < 0)
		return -1;
	if (memcmp(sig, SIF_V1_QEMU_SIG, SIF_V1_QEMU_SIG_LEN)) {
		v1_fail(r, at, "expected qemu record signature \"%s\", found \"%.*s\"",
			SIF_V1_QEMU_SIG, (int)sizeof(sig), (const char *)sig);
		/* Older qemu and Remus records are real, but nothing converts them. */
		if (r->err && (!memcmp(sig, "QemuDeviceModelRecord", SIF_V1_QEMU_SIG_LEN) ||
			       !memcmp(sig, "RemusDeviceModelState", SIF_V1_QEMU_SIG_LEN)))
			r->err->code = SIF_EREFUSED;
		return -1;
	}
	at = r->src->pos;
	if (v1_read_u32(r, &len, "qemu record length") < 0)
		return -1;
	if (len > SIF_V1_MAX_QEMU)
		return v1_fail(r, at, "qemu record length %u exceeds the limit of %u bytes",
			       len, SIF_V1_MAX_QEMU);
	r->in->have_qemu = true;
	r->in->qemu_len = len;
	v1_payload_init(r, &p, len, "qemu record");
	return v1_payload_finish(r, &p, V1_CALL(r, qemu, &p));
}

int sif_v1_read(struct sif_src *src, const struct sif_v1_opts *opts,
		const struct sif_v1_ops *ops, void *ctx, struct sif_v1_info *in,
		struct sif_err *err)
{
	static const struct sif_v1_ops none;
	struct v1_reader *r;
	int rc = -1;

	memset(in, 0, sizeof(*in));
	r = calloc(1, sizeof(*r));
	if (!r)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	r->src = src;
	r->opts = opts;
	r->ops = ops ? ops : &none;
	r->ctx = ctx;
	r->in = in;
	r->err = err;
	if (sif_v1_detect(src, opts, in, err) < 0)
		goto out;
	r->guest = in->guest == SIF_V1_PV ? &v1_pv_ops : &v1_hvm_ops;
	if (read_p2m_size(r) < 0 || V1_CALL0(r, begin) < 0)
		goto out;
	if (r->guest->static_part(r) < 0 || v1_read_chunks(r) < 0 ||
	    r->guest->tail(r) < 0 || V1_CALL0(r, tail_end) < 0)
		goto out;
	if (in->guest == SIF_V1_HVM && opts->qemu && read_qemu(r) < 0)
		goto out;
	in->end = src->pos;
	rc = 0;
out:
	free(r);
	return rc;
}

const char *sif_v1_guest_name(enum sif_v1_guest g)
{
	return g == SIF_V1_PV ? "pv" : g == SIF_V1_HVM ? "hvm" : "auto";
}
