/*
 * The v2 -> v1 stream writer (see v1from2.h).  First pass: libsif's v2
 * verifier checks the whole stream and lists its records (type, length,
 * offset); each record is then looked at once (vcpu ids, pfns, params)
 * and what v1 cannot hold is refused before a byte is written.  Second
 * pass: the v1 stream, every body read again with pread from its offset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/frame.h"
#include "sif/image.h"
#include "sif/src.h"
#include "sif/v1.h"
#include "sif/v2.h"
#include "sif/xl.h"
#include "v1from2.h"

#define MAX_VCPUS (SIF_V1_MAX_VCPU_ID + 1)
#define OBUF (256u * 1024u)
#define NO_REC SIZE_MAX

struct rec {
	uint32_t type, len;
	uint64_t off;               /* of the record header; the body is at off + 8 */
};

struct w {
	int in, out;
	const char *in_name, *out_name;
	const struct v1from2_opts *o;
	struct v1from2_result *res;
	char *err;
	size_t errlen;
	int failed;
	unsigned width;             /* toolstack bytes */
	struct rec *recs;
	size_t n, cap;
	/* what the first pass found, as record indexes */
	size_t pv_info, p2m, shinfo, tsc, hvm_ctx;
	size_t basic[MAX_VCPUS], ext[MAX_VCPUS], xsave[MAX_VCPUS];
	bool verify_mode;
	unsigned guest_width, levels;
	uint32_t ctx_size, xsave_size;
	bool have_ext, have_xsave;
	uint64_t p2m_size, max_pfn;
	bool any_pfn;
	int max_vcpu;
	uint64_t online[MAX_VCPUS / 64];
	uint64_t magic[3];          /* ioreq, buffered ioreq, xenstore pfns */
	/* an xl save file's EMULATOR_CONTEXT body, or a raw image's qemu record */
	uint64_t emu_off, emu_len;
	unsigned emu_records;
	/* output */
	unsigned char *obuf;
	size_t olen;
};

static int fail(struct w *w, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct w *w, uint64_t off, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!w->failed)
		snprintf(w->err, w->errlen, "%s: offset %llu: %s", w->in_name,
			 (unsigned long long)off, msg);
	w->failed = 1;
	return -1;
}

static void note(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct w *w, const char *fmt, ...)
{
	va_list ap;

	w->res->dropped++;
	if (!w->o->notes)
		return;
	fputs("dropped (v1 never had it): ", w->o->notes);
	va_start(ap, fmt);
	vfprintf(w->o->notes, fmt, ap);
	va_end(ap);
	fputc('\n', w->o->notes);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* n bytes of the body of r from `at` into buf. */
static int body(struct w *w, const struct rec *r, uint64_t at, void *buf, size_t n)
{
	ssize_t got;

	if (at + n > r->len)
		return fail(w, r->off, "%s record of %u bytes: expected at least %llu",
			    sif_v2_rec_name(r->type), r->len, (unsigned long long)(at + n));
	got = sif_pread_full(w->in, buf, n, r->off + 8 + at);
	if (got < 0 || (size_t)got != n) {
		snprintf(w->err, w->errlen, "%s: offset %llu: reading: %s", w->in_name,
			 (unsigned long long)(r->off + 8 + at), got < 0 ? strerror(errno) : "truncated");
		w->failed = 1;
		return -1;
	}
	return 0;
}

/* --- first pass ------------------------------------------------------------ */

static void collect(void *ctx, bool libxl, uint32_t type, uint32_t length, uint64_t offset)
{
	struct w *w = ctx;

	(void)libxl;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct rec *r = realloc(w->recs, cap * sizeof(*r));

		if (!r) {
			w->failed = 1;
			snprintf(w->err, w->errlen, "out of memory");
			return;
		}
		w->recs = r;
		w->cap = cap;
	}
	w->recs[w->n++] = (struct rec){ type, length, offset };
}

static int vcpu_rec(struct w *w, size_t i, size_t *slot)
{
	const struct rec *r = &w->recs[i];
	unsigned char b[4];
	uint32_t id;

	if (body(w, r, 0, b, 4) < 0)
		return -1;
	id = le32(b);
	if (id >= MAX_VCPUS)
		return fail(w, r->off, "%s for vcpu %u: v1's vcpu_info holds ids up to %u",
			    sif_v2_rec_name(r->type), id, SIF_V1_MAX_VCPU_ID);
	if (slot[id] != NO_REC)
		return fail(w, r->off, "a second %s record for vcpu %u", sif_v2_rec_name(r->type), id);
	slot[id] = i;
	if (r->type == SIF_V2_X86_PV_VCPU_BASIC) {
		w->online[id / 64] |= 1ull << (id % 64);
		if ((int)id > w->max_vcpu)
			w->max_vcpu = (int)id;
	}
	return 0;
}

static int page_pfns(struct w *w, const struct rec *r)
{
	unsigned char h[8], *p = NULL;
	uint32_t count, i;
	int rc = -1;

	if (body(w, r, 0, h, 8) < 0)
		return -1;
	count = le32(h);
	p = malloc((size_t)count * 8 + 1);
	if (!p)
		return fail(w, r->off, "out of memory");
	if (body(w, r, 8, p, (size_t)count * 8) < 0)
		goto out;
	for (i = 0; i < count; i++) {
		uint64_t pfn = le64(p + 8 * i) & ((1ull << 52) - 1);

		if (pfn > SIF_V1_PFN_MASK) {
			fail(w, r->off + 16 + 8 * i, "PAGE_DATA pfn 0x%llx: v1's pfn_type has 28 bits for the pfn",
			     (unsigned long long)pfn);
			goto out;
		}
		if (!w->any_pfn || pfn > w->max_pfn)
			w->max_pfn = pfn;
		w->any_pfn = true;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static int one(struct w *w, size_t *slot, size_t i)
{
	if (*slot != NO_REC)
		return fail(w, w->recs[i].off, "a second %s record: v1 holds one",
			    sif_v2_rec_name(w->recs[i].type));
	*slot = i;
	return 0;
}

static int index_record(struct w *w, size_t i)
{
	const struct rec *r = &w->recs[i];

	switch (r->type) {
	case SIF_V2_END:
	case SIF_V2_HVM_PARAMS:     /* read when written */
		return 0;
	case SIF_V2_PAGE_DATA:
		return page_pfns(w, r);
	case SIF_V2_X86_PV_INFO:
		return one(w, &w->pv_info, i);
	case SIF_V2_X86_PV_P2M_FRAMES:
		return one(w, &w->p2m, i);
	case SIF_V2_X86_PV_VCPU_BASIC:
		return vcpu_rec(w, i, w->basic);
	case SIF_V2_X86_PV_VCPU_EXTENDED:
		return vcpu_rec(w, i, w->ext);
	case SIF_V2_X86_PV_VCPU_XSAVE:
		return vcpu_rec(w, i, w->xsave);
	case SIF_V2_SHARED_INFO:
		return one(w, &w->shinfo, i);
	case SIF_V2_TSC_INFO:
		return one(w, &w->tsc, i);
	case SIF_V2_HVM_CONTEXT:
		return one(w, &w->hvm_ctx, i);
	case SIF_V2_VERIFY:
		w->verify_mode = true;
		return 0;
	case SIF_V2_X86_PV_VCPU_MSRS:
	case SIF_V2_X86_CPUID_POLICY:
	case SIF_V2_X86_MSR_POLICY:
	case SIF_V2_STATIC_DATA_END:
		note(w, "%s record at offset %llu (%u bytes)", sif_v2_rec_name(r->type),
		     (unsigned long long)r->off, r->len);
		return 0;
	case SIF_V2_CHECKPOINT:
		return fail(w, r->off, "a CHECKPOINT record (a Remus or COLO stream): a checkpointed v1 "
			    "stream repeats its page loop and tail, which this writer does not produce");
	default:
		return fail(w, r->off, "%s record (type 0x%x): v1 cannot hold it",
			    sif_v2_rec_name(r->type) ? sif_v2_rec_name(r->type) : "unknown", r->type);
	}
}

static int pv_checks(struct w *w)
{
	const struct rec *r;
	unsigned char b[8];
	uint64_t fpp, frames, i;

	if (w->pv_info == NO_REC || w->p2m == NO_REC || w->shinfo == NO_REC)
		return fail(w, 0, "a PV stream without %s", w->pv_info == NO_REC ? "X86_PV_INFO" :
			    w->p2m == NO_REC ? "X86_PV_P2M_FRAMES" : "SHARED_INFO");
	r = &w->recs[w->pv_info];
	if (body(w, r, 0, b, 8) < 0)
		return -1;
	w->guest_width = b[0];
	w->levels = b[1];
	if (!((w->guest_width == 8 && w->levels == 4) || (w->guest_width == 4 && w->levels == 3)))
		return fail(w, r->off, "X86_PV_INFO guest width %u, %u levels: v1 knows 64-bit 4-level "
			    "and 32-bit 3-level guests only", w->guest_width * 8, w->levels);
	w->ctx_size = w->guest_width == 8 ? SIF_V1_VCPU64_SIZE : SIF_V1_VCPU32_SIZE;
	r = &w->recs[w->p2m];
	if (body(w, r, 0, b, 8) < 0)
		return -1;
	if (le32(b) != 0)
		return fail(w, r->off, "X86_PV_P2M_FRAMES starts at pfn 0x%x: v1's frame list starts at 0",
			    le32(b));
	w->p2m_size = (uint64_t)le32(b + 4) + 1;
	fpp = SIF_V1_PAGE_SIZE / w->guest_width;
	frames = (w->p2m_size - 1) / fpp + 1;
	if (r->len != 8 + frames * 8)
		return fail(w, r->off, "X86_PV_P2M_FRAMES of %u bytes: %llu frames cover p2m_size 0x%llx, "
			    "expected %llu", r->len, (unsigned long long)(r->len - 8) / 8,
			    (unsigned long long)w->p2m_size, (unsigned long long)frames);
	for (i = 0; w->width == 4 && i < frames; i++) {
		if (body(w, r, 8 + 8 * i, b, 8) < 0)
			return -1;
		if (le64(b) > 0xffffffffull)
			return fail(w, r->off + 16 + 8 * i, "p2m frame %llu is mfn 0x%llx: a 32-bit "
				    "toolstack's frame list holds 32-bit mfns", (unsigned long long)i,
				    (unsigned long long)le64(b));
	}
	if (w->any_pfn && w->max_pfn >= w->p2m_size)
		return fail(w, 0, "PAGE_DATA pfn 0x%llx beyond p2m_size 0x%llx (from X86_PV_P2M_FRAMES)",
			    (unsigned long long)w->max_pfn, (unsigned long long)w->p2m_size);
	return 0;
}

/* The same extended or xsave state for every online vcpu, or none. */
static int vcpu_checks(struct w *w)
{
	if (w->max_vcpu < 0 || w->basic[0] == NO_REC)
		return fail(w, 0, "no X86_PV_VCPU_BASIC record for vcpu 0: v1's extended info holds "
			    "vcpu 0's context");
	w->have_ext = w->ext[0] != NO_REC;
	w->have_xsave = w->xsave[0] != NO_REC;
	if (w->have_xsave)
		w->xsave_size = w->recs[w->xsave[0]].len - 8;
	for (int id = 0; id < MAX_VCPUS; id++) {
		bool on = w->basic[id] != NO_REC;
		const struct rec *r;

		if (!on && (w->ext[id] != NO_REC || w->xsave[id] != NO_REC))
			return fail(w, w->recs[w->ext[id] != NO_REC ? w->ext[id] : w->xsave[id]].off,
				    "vcpu %d has extended state but no X86_PV_VCPU_BASIC record", id);
		if (!on)
			continue;
		r = &w->recs[w->basic[id]];
		if (r->len - 8 != w->ctx_size)
			return fail(w, r->off, "vcpu %d context of %u bytes: a %u-bit guest's is %u", id,
				    r->len - 8, w->guest_width * 8, w->ctx_size);
		if ((w->ext[id] != NO_REC) != w->have_ext || (w->xsave[id] != NO_REC) != w->have_xsave)
			return fail(w, r->off, "vcpu %d differs from vcpu 0 in having X86_PV_VCPU_EXTENDED "
				    "or XSAVE: v1's extended info says it once for all vcpus", id);
		if (w->have_ext && w->recs[w->ext[id]].len - 8 > SIF_V1_VCPU_EXT_SIZE)
			return fail(w, w->recs[w->ext[id]].off, "X86_PV_VCPU_EXTENDED of %u bytes: v1 "
				    "carries %u", w->recs[w->ext[id]].len - 8, SIF_V1_VCPU_EXT_SIZE);
		if (w->have_xsave && w->recs[w->xsave[id]].len - 8 != w->xsave_size)
			return fail(w, w->recs[w->xsave[id]].off, "vcpu %d XSAVE of %u bytes, vcpu 0's "
				    "of %u: v1's \"xcnt\" gives one size for all vcpus", id,
				    w->recs[w->xsave[id]].len - 8, w->xsave_size);
	}
	return 0;
}

/* HVM: the vcpus are the CPU entries (typecode 2) of the HVM context. */
static int hvm_checks(struct w *w)
{
	const struct rec *r;
	unsigned char *c;
	uint32_t at = 0;
	int rc = -1;

	if (w->hvm_ctx == NO_REC)
		return fail(w, 0, "an HVM stream without HVM_CONTEXT: v1's HVM tail holds one");
	w->p2m_size = w->any_pfn ? w->max_pfn + 1 : 1;
	r = &w->recs[w->hvm_ctx];
	if (!(c = malloc(r->len + 1u)))
		return fail(w, r->off, "out of memory");
	if (body(w, r, 0, c, r->len) < 0)
		goto out;
	while (at + 8 <= r->len) {
		uint16_t type = (uint16_t)(c[at] | c[at + 1] << 8);
		uint16_t inst = (uint16_t)(c[at + 2] | c[at + 3] << 8);
		uint32_t len = le32(c + at + 4);

		if (type == 0)
			break;
		if (type == 2 && inst < MAX_VCPUS) {
			w->online[inst / 64] |= 1ull << (inst % 64);
			if (inst > w->max_vcpu)
				w->max_vcpu = inst;
		}
		if (len > r->len - at - 8)
			break;
		at += 8 + len;
	}
	/* xc_domain_save's map starts with vcpu 0 online */
	w->online[0] |= 1;
	if (w->max_vcpu < 0)
		w->max_vcpu = 0;
	rc = 0;
out:
	free(c);
	return rc;
}

static void collect_any(void *ctx, bool libxl, uint32_t type, uint32_t length, uint64_t offset)
{
	struct w *w = ctx;

	if (!libxl) {
		collect(ctx, libxl, type, length, offset);
	} else if (type == SIF_V2_LIBXL_EMULATOR_CONTEXT) {
		w->emu_off = offset + 16;       /* record header, emulator header */
		w->emu_len = length - 8;
		w->emu_records++;
	}
}

/* An xl save file: its libxc stream is inside LIBXC_CONTEXT. */
static int xl_input(struct w *w, struct sif_src *s, struct sif_v2_summary *sum,
		    struct sif_err *err)
{
	struct sif_v2_opts vo = { .on_record = collect_any, .ctx = w };
	struct sif_v2_libxl_summary xl;
	struct sif_xl_header h;
	int rc = -1;

	if (sif_xl_header_read(s, &h, err) < 0)
		goto out;
	if (!h.v2) {
		sif_errf(err, SIF_EFORMAT, "%s: an xl save file of Xen < 4.6: it already holds a v1 "
			 "stream", s->name);
		goto out;
	}
	if (sif_v2_verify_libxl(s, &vo, &xl, err) < 0)
		goto out;
	if (!xl.has_libxc || w->emu_records > 1) {
		sif_errf(err, SIF_EFORMAT, "%s: %s", s->name, !xl.has_libxc ? "the libxl stream holds "
			 "no libxc stream" : "several EMULATOR_CONTEXT records (a checkpointed stream)");
		goto out;
	}
	*sum = xl.libxc;
	rc = 0;
out:
	sif_xl_header_free(&h);
	return rc;
}

/* A raw suspend image (the framing on a file): its Libxc record, its qemu record. */
static int framed_input(struct w *w, struct sif_src *s, struct sif_v2_summary *sum,
			struct sif_err *err)
{
	struct sif_v2_opts vo = { .on_record = collect, .ctx = w };
	struct sif_frame_reader fr;
	struct sif_frame_rec rec;
	bool have = false;
	int r;

	if (sif_frame_open(&fr, s, err) < 0)
		return -1;
	while ((r = sif_frame_next(&fr, &rec, err)) == 1) {
		if (rec.type == SIF_FRAME_LIBXC && !have) {
			if (sif_v2_verify_libxc(s, &vo, sum, err) < 0)
				return -1;
			have = true;
		} else if (rec.type == SIF_FRAME_QEMU_TRAD || rec.type == SIF_FRAME_QEMU_XEN) {
			w->emu_off = rec.body;
			w->emu_len = rec.length;
			w->emu_records++;
			if (sif_src_skip(s, rec.length, rec.name, err) < 0)
				return -1;
		} else if (rec.type == SIF_FRAME_XENOPS) {
			if (sif_src_skip(s, rec.length, rec.name, err) < 0)
				return -1;
		} else if (rec.type != SIF_FRAME_END) {
			return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: a %s record: expected the "
					"Libxc, Qemu_trad and Xenops records of a raw image", s->name,
					(unsigned long long)rec.offset, rec.name);
		}
	}
	if (r < 0)
		return -1;
	if (!have)
		return sif_errf(err, SIF_EFORMAT, "%s: the image holds no Libxc record", s->name);
	return 0;
}

/*
 * The libxc stream: the input itself, or inside an xl save file or a raw
 * image; such a file also gives the device model state.
 */
static int first_pass(struct w *w, bool *hvm)
{
	struct sif_v2_opts vo = { .on_record = collect, .ctx = w };
	struct sif_v2_summary sum;
	struct sif_src s;
	struct sif_err err;
	const unsigned char *p;
	bool xl = false, framed = false;
	int rc = -1;

	if (sif_src_open_fd(&s, w->in, w->in_name, 0, &err) < 0) {
		snprintf(w->err, w->errlen, "%s", err.msg);
		return -1;
	}
	if (sif_src_remaining(&s) >= SIF_XL_MAGIC_LEN &&
	    sif_src_peek(&s, SIF_XL_MAGIC_LEN, &p, "input", &err) == 0) {
		xl = !memcmp(p, SIF_XL_MAGIC, SIF_XL_MAGIC_LEN);
		framed = !memcmp(p, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN);
	}
	if ((xl ? xl_input(w, &s, &sum, &err) : framed ? framed_input(w, &s, &sum, &err) :
	     sif_v2_verify_libxc(&s, &vo, &sum, &err)) < 0) {
		if (!w->failed)
			snprintf(w->err, w->errlen, "%s", err.msg);
		goto out;
	}
	if (w->failed)
		goto out;
	if (sif_src_remaining(&s) && sif_src_remaining(&s) != SIF_SRC_SIZE_UNKNOWN) {
		fail(w, s.pos, "%llu bytes of trailing data after the %s",
		     (unsigned long long)sif_src_remaining(&s), xl ? "libxl END record" :
		     framed ? "End_of_image record" : "END record");
		goto out;
	}
	*hvm = sum.guest_type == SIF_V2_GUEST_HVM;
	note(w, "the domain header's Xen version %u.%u (a converted stream says 0.1)",
	     sum.xen_major, sum.xen_minor);
	rc = 0;
out:
	sif_src_close(&s);
	return rc;
}

/* --- output ------------------------------------------------------------------ */

static int flush(struct w *w)
{
	size_t done = 0;

	while (done < w->olen) {
		ssize_t r = write(w->out, w->obuf + done, w->olen - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(w->err, w->errlen, "%s: writing: %s", w->out_name,
				 r < 0 ? strerror(errno) : "short write");
			w->failed = 1;
			return -1;
		}
		done += (size_t)r;
	}
	w->res->out_bytes += w->olen;
	w->olen = 0;
	return 0;
}

static void put(struct w *w, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n && !w->failed) {
		size_t k = OBUF - w->olen < n ? OBUF - w->olen : n;

		memcpy(w->obuf + w->olen, s, k);
		w->olen += k;
		s += k;
		n -= k;
		if (w->olen == OBUF)
			flush(w);
	}
}

static void put32(struct w *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	put(w, b, 4);
}

static void put64(struct w *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static void put_ulong(struct w *w, uint64_t v)
{
	if (w->width == 8)
		put64(w, v);
	else
		put32(w, (uint32_t)v);
}

/* n bytes of the input at `at`, through the output buffer. */
static int put_from(struct w *w, uint64_t at, uint64_t n)
{
	while (n && !w->failed) {
		size_t k;
		ssize_t got;

		if (w->olen == OBUF && flush(w) < 0)
			return -1;
		k = OBUF - w->olen < n ? OBUF - w->olen : (size_t)n;
		got = sif_pread_full(w->in, w->obuf + w->olen, k, at);
		if (got < 0 || (size_t)got != k)
			return fail(w, at, "reading %zu bytes: %s", k,
				    got < 0 ? strerror(errno) : "truncated");
		w->olen += k;
		at += k;
		n -= k;
	}
	return w->failed ? -1 : 0;
}

/* A record's body from `from`, as it is. */
static int put_body(struct w *w, size_t i, uint64_t from)
{
	const struct rec *r = &w->recs[i];

	return put_from(w, r->off + 8 + from, r->len - from);
}

/* --- second pass -------------------------------------------------------------- */

static int ext_info(struct w *w)
{
	uint32_t total = 8 + w->ctx_size + (w->have_ext ? 8 : 0) + (w->have_xsave ? 12 : 0);
	uint64_t frames = (w->recs[w->p2m].len - 8) / 8, i;
	unsigned char b[8];

	put_ulong(w, ~0ull);
	put32(w, total);
	put(w, "vcpu", 4);
	put32(w, w->ctx_size);
	put_body(w, w->basic[0], 8);
	if (w->have_ext) {
		put(w, "extv", 4);
		put32(w, 0);
	}
	if (w->have_xsave) {
		put(w, "xcnt", 4);
		put32(w, 4);
		put32(w, w->xsave_size + 16);
	}
	for (i = 0; i < frames && !w->failed; i++) {
		if (body(w, &w->recs[w->p2m], 8 + 8 * i, b, 8) < 0)
			return -1;
		put_ulong(w, le64(b));
	}
	return w->failed ? -1 : 0;
}

static int tsc_chunk(struct w *w)
{
	unsigned char b[24];

	if (w->tsc == NO_REC)
		return 0;
	if (body(w, &w->recs[w->tsc], 0, b, 24) < 0)
		return -1;
	/* v2 {mode, khz, nsec, incarnation, pad}; v1 {mode, nsec, khz, incarnation} */
	put32(w, (uint32_t)SIF_V1_CHUNK_TSC_INFO);
	put32(w, le32(b));
	put64(w, le64(b + 8));
	put32(w, le32(b + 4));
	put32(w, le32(b + 16));
	return 0;
}

/* Page data follows the pfn list for every entry whose type carries a page. */
static bool has_page(uint64_t entry)
{
	return (entry >> 60) < SIF_V1_TYPE_BROKEN;
}

static int page_record(struct w *w, const struct rec *r)
{
	unsigned char h[8], *p;
	uint32_t count, done = 0;
	uint64_t data;
	int rc = -1;

	if (body(w, r, 0, h, 8) < 0)
		return -1;
	count = le32(h);
	if (!(p = malloc((size_t)count * 8 + 1)))
		return fail(w, r->off, "out of memory");
	if (body(w, r, 8, p, (size_t)count * 8) < 0)
		goto out;
	data = r->off + 8 + 8 + (uint64_t)count * 8;
	while (done < count) {
		uint32_t n = count - done < SIF_V1_MAX_BATCH ? count - done : SIF_V1_MAX_BATCH, pages = 0;

		put32(w, n);
		for (uint32_t k = done; k < done + n; k++) {
			uint64_t e = le64(p + 8 * k);

			put_ulong(w, (e >> 60) << SIF_V1_TYPE_SHIFT | (e & SIF_V1_PFN_MASK));
			pages += has_page(e);
		}
		if (put_from(w, data, (uint64_t)pages * SIF_V1_PAGE_SIZE) < 0)
			goto out;
		data += (uint64_t)pages * SIF_V1_PAGE_SIZE;
		done += n;
		w->res->batches++;
	}
	rc = 0;
out:
	free(p);
	return rc;
}

static void vcpu_info(struct w *w)
{
	put32(w, (uint32_t)SIF_V1_CHUNK_VCPU_INFO);
	put32(w, (uint32_t)w->max_vcpu);
	for (int k = 0; k <= w->max_vcpu / 64; k++)
		put64(w, w->online[k]);
}

/* HVM_PARAM_* index -> v1 chunk, in xc_domain_save's (Xen 4.5) order. */
static const struct {
	uint64_t index;
	int32_t chunk;
} param_chunks[] = {
	{ 34, SIF_V1_CHUNK_HVM_GENERATION_ID },
	{ 12, SIF_V1_CHUNK_HVM_IDENT_PT },
	{ 27, SIF_V1_CHUNK_HVM_PAGING_RING },
	{ 28, SIF_V1_CHUNK_HVM_MONITOR_RING },
	{ 29, SIF_V1_CHUNK_HVM_SHARING_RING },
	{ 15, SIF_V1_CHUNK_HVM_VM86_TSS },
	{ 17, SIF_V1_CHUNK_HVM_CONSOLE_PFN },
	{ 19, SIF_V1_CHUNK_HVM_ACPI_IOPORTS },
	{ 9, SIF_V1_CHUNK_HVM_VIRIDIAN },
	{ 32, SIF_V1_CHUNK_HVM_IOREQ_SERVER_PFN },
	{ 33, SIF_V1_CHUNK_HVM_NR_IOREQ_SERVER_PAGES },
};
#define NPARAM_CHUNKS (sizeof(param_chunks) / sizeof(param_chunks[0]))

static const char *param_name(uint64_t index)
{
	switch (index) {
	case 36: return "X87_FIP_WIDTH (Xen 4.5's legacy chunk -21, which convert-legacy-stream does not read)";
	case 37: return "VM86_TSS_SIZED (v1 had VM86_TSS, index 15, without the size)";
	case 38: return "MCA_CAP";
	default: return "no v1 chunk";
	}
}

/* Every HVM_PARAMS entry: a chunk value, a magic pfn of the tail, or dropped. */
static int hvm_params(struct w *w, uint64_t value[NPARAM_CHUNKS], bool set[NPARAM_CHUNKS])
{
	for (size_t i = 0; i < w->n; i++) {
		const struct rec *r = &w->recs[i];
		unsigned char b[16];
		uint32_t count;

		if (r->type != SIF_V2_HVM_PARAMS)
			continue;
		if (body(w, r, 0, b, 8) < 0)
			return -1;
		count = le32(b);
		for (uint32_t k = 0; k < count; k++) {
			uint64_t idx, val;
			size_t c;

			if (body(w, r, 8 + 16 * (uint64_t)k, b, 16) < 0)
				return -1;
			idx = le64(b);
			val = le64(b + 8);
			if (idx == 5 || idx == 6 || idx == 1) {
				w->magic[idx == 5 ? 0 : idx == 6 ? 1 : 2] = val;
				continue;
			}
			for (c = 0; c < NPARAM_CHUNKS && param_chunks[c].index != idx; c++)
				;
			if (c == NPARAM_CHUNKS) {
				note(w, "HVM_PARAMS entry %llu = 0x%llx at offset %llu: %s",
				     (unsigned long long)idx, (unsigned long long)val,
				     (unsigned long long)(r->off + 16 + 16 * (uint64_t)k), param_name(idx));
				continue;
			}
			value[c] = val;
			set[c] = true;
		}
	}
	return 0;
}

static int chunks(struct w *w, bool hvm)
{
	uint64_t value[NPARAM_CHUNKS] = { 0 };
	bool set[NPARAM_CHUNKS] = { false };

	if (hvm && hvm_params(w, value, set) < 0)
		return -1;
	if (tsc_chunk(w) < 0)
		return -1;
	for (size_t i = 0; i < w->n && !w->failed; i++)
		if (w->recs[i].type == SIF_V2_PAGE_DATA && page_record(w, &w->recs[i]) < 0)
			return -1;
	if (w->verify_mode)
		put32(w, (uint32_t)SIF_V1_CHUNK_VERIFY_MODE);
	vcpu_info(w);
	for (size_t c = 0; c < NPARAM_CHUNKS; c++) {
		if (!set[c])
			continue;
		put32(w, (uint32_t)param_chunks[c].chunk);
		put32(w, 0);
		put64(w, value[c]);
	}
	put32(w, (uint32_t)SIF_V1_CHUNK_LAST_CHECKPOINT);
	put32(w, 0);
	return w->failed ? -1 : 0;
}

static int pv_tail(struct w *w)
{
	static const unsigned char zero[SIF_V1_VCPU_EXT_SIZE];

	put32(w, 0);                    /* unmapped pfns: v2 sends them as XTAB entries */
	for (int id = 0; id <= w->max_vcpu && !w->failed; id++) {
		if (w->basic[id] == NO_REC)
			continue;
		put_body(w, w->basic[id], 8);
		if (w->have_ext) {
			uint32_t n = w->recs[w->ext[id]].len - 8;

			put_body(w, w->ext[id], 8);
			put(w, zero, SIF_V1_VCPU_EXT_SIZE - n);
		}
		if (w->have_xsave) {
			unsigned char b[16] = { 0 };

			/* the feature mask is not in v2: XCR0_ACCUM, the area's second word */
			if (w->xsave_size >= 16 && body(w, &w->recs[w->xsave[id]], 8, b, 16) < 0)
				return -1;
			put64(w, le64(b + 8));
			put64(w, w->xsave_size);
			put_body(w, w->xsave[id], 8);
		}
	}
	put_body(w, w->shinfo, 0);
	return w->failed ? -1 : 0;
}

static int hvm_tail(struct w *w)
{
	put64(w, w->magic[0]);
	put64(w, w->magic[1]);
	put64(w, w->magic[2]);
	put32(w, w->recs[w->hvm_ctx].len);
	put_body(w, w->hvm_ctx, 0);
	return w->failed ? -1 : 0;
}

static void qemu_header(struct w *w, uint64_t len)
{
	unsigned char b[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
			       (unsigned char)(len >> 8), (unsigned char)len };

	put(w, SIF_LEGACY_QEMU_SIGNATURE, SIF_LEGACY_QEMU_SIGNATURE_LEN);
	put(w, b, 4);
}

/* "QemuDeviceModelRecord\n", BE32 length, the state: from --qemu or the input file. */
static int qemu_record(struct w *w)
{
	unsigned char *q = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int rc = -1;

	if (w->o->qemu_fd < 0) {
		qemu_header(w, w->emu_len);
		return put_from(w, w->emu_off, w->emu_len);
	}
	for (;;) {
		if (len == cap) {
			unsigned char *n = realloc(q, cap = cap ? cap * 2 : 65536);

			if (!n || cap > (64u << 20)) {
				free(n ? n : q);
				return fail(w, 0, "qemu record above 64 MiB");
			}
			q = n;
		}
		r = read(w->o->qemu_fd, q + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(w, 0, "reading the qemu state: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	qemu_header(w, len);
	put(w, q, len);
	rc = w->failed ? -1 : 0;
out:
	free(q);
	return rc;
}

int v1from2(int in_fd, const char *in_name, int out_fd, const char *out_name,
	    const struct v1from2_opts *o, struct v1from2_result *res, char *err, size_t errlen)
{
	struct v1from2_result dummy;
	struct w *w = calloc(1, sizeof(*w));
	bool hvm = false;
	int rc = -1;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (!w || !(w->obuf = malloc(OBUF))) {
		snprintf(err, errlen, "out of memory");
		free(w);
		return -1;
	}
	*w = (struct w){ .in = in_fd, .out = out_fd, .in_name = in_name, .out_name = out_name,
			 .o = o, .res = res, .err = err, .errlen = errlen, .obuf = w->obuf,
			 .width = o->width == 32 ? 4 : 8, .pv_info = NO_REC, .p2m = NO_REC,
			 .shinfo = NO_REC, .tsc = NO_REC, .hvm_ctx = NO_REC, .max_vcpu = -1 };
	for (int i = 0; i < MAX_VCPUS; i++)
		w->basic[i] = w->ext[i] = w->xsave[i] = NO_REC;
	if (first_pass(w, &hvm) < 0)
		goto out;
	res->hvm = hvm;
	res->records = w->n;
	if (o->legacy_image && (hvm != (o->qemu_fd >= 0 || w->emu_records))) {
		snprintf(err, errlen, hvm ? "%s: an HVM guest's legacy image needs its device model "
			 "state (xenopsd reads it after the v1 stream): --qemu FILE" : "%s: a PV guest "
			 "has no device model state for a qemu record", in_name);
		goto out;
	}
	for (size_t i = 0; i < w->n; i++)
		if (index_record(w, i) < 0)
			goto out;
	if (hvm ? hvm_checks(w) < 0 : pv_checks(w) < 0 || vcpu_checks(w) < 0)
		goto out;
	if (o->legacy_image)
		put(w, SIF_LEGACY_SIGNATURE, SIF_LEGACY_SIGNATURE_LEN);
	put_ulong(w, w->p2m_size);
	if (!hvm && ext_info(w) < 0)
		goto out;
	if (chunks(w, hvm) < 0 || (hvm ? hvm_tail(w) : pv_tail(w)) < 0)
		goto out;
	if (o->legacy_image && hvm && qemu_record(w) < 0)
		goto out;
	if (flush(w) < 0)
		goto out;
	rc = 0;
out:
	free(w->recs);
	free(w->obuf);
	free(w);
	return rc;
}
