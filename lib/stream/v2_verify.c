/*
 * The libxc migration v2 stream verifier (see sif/v2.h): image header,
 * domain header, then records (u32 type, u32 length, body, zero padding
 * to 8) to END, one handler per record type dispatched from one table.
 * Each handler first checks the length its type requires, then consumes
 * exactly `length` bytes; the loop checks the padding.  Nothing is held
 * whole: PAGE_DATA pfns are checked in slices and the pages streamed.
 * The libxl wrapper is v2_verify_libxl.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/consume_int.h"
#include "base/endian_int.h"
#include "sif/v2.h"

#define PAGE_SIZE 4096u
#define PFN_SLICE 512           /* pfns checked per read: 4 KiB */
#define VCPU_IDS 8192           /* distinct vcpu ids tracked exactly */

#define TYPE_SHIFT 60
#define PFN_RESERVED_MASK (((1ULL << 60) - 1) & ~((1ULL << 52) - 1))

enum { G_PV = 1u << SIF_V2_GUEST_PV, G_HVM = 1u << SIF_V2_GUEST_HVM, G_ANY = G_PV | G_HVM };

struct v2 {
	struct sif_src *s;
	const struct sif_v2_opts *o;
	struct sif_v2_summary *sum;
	struct sif_err *err;
	uint64_t rec_off;       /* header of the current record */
	uint32_t type, len;
	const char *name;
	unsigned char vcpu_seen[VCPU_IDS / 8];
};

typedef int (*v2_handler)(struct v2 *v);

struct v2_rec_type {
	uint32_t type;
	const char *name;
	unsigned guests;        /* guest types the record belongs to */
	v2_handler fn;
};

static int rec_fail(struct v2 *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rec_fail(struct v2 *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sif_errf(v->err, SIF_EFORMAT, "%s: offset %llu: %s record (length %u): %s",
			v->s->name, (unsigned long long)v->rec_off, v->name, v->len, msg);
}

static int consume(struct v2 *v, uint64_t n, const char *what)
{
	return src_consume(v->s, n, v->o->read_all, what, v->err);
}

static int rd(struct v2 *v, void *buf, size_t n, const char *what)
{
	return sif_src_read_exact(v->s, buf, n, what, v->err);
}

static int want_len(struct v2 *v, uint32_t want)
{
	if (v->len != want)
		return rec_fail(v, "expected length %u", want);
	return 0;
}

/* --- one handler per record type ----------------------------------------- */

static int h_empty(struct v2 *v)
{
	return want_len(v, 0);
}

static int h_refused(struct v2 *v)
{
	return rec_fail(v, "this record type is not accepted in a migration v2 stream "
			"(verify-stream-v2 and Xen's restore refuse it)");
}

static int page_pfns(struct v2 *v, uint32_t count, uint64_t *nr_pages)
{
	uint64_t slice[PFN_SLICE];
	uint32_t done = 0;

	while (done < count) {
		uint32_t n = count - done < PFN_SLICE ? count - done : PFN_SLICE, i;

		if (rd(v, slice, (size_t)n * 8, "PAGE_DATA pfns") < 0)
			return -1;
		for (i = 0; i < n; i++) {
			uint64_t pfn = get_le64((const unsigned char *)&slice[i]);
			unsigned type = (unsigned)(pfn >> TYPE_SHIFT);

			if (pfn & PFN_RESERVED_MASK)
				return rec_fail(v, "reserved bits set in pfn[%u]: 0x%016llx",
						done + i, (unsigned long long)pfn);
			if (type >= 5 && type <= 8)
				return rec_fail(v, "invalid page type 0x%x in pfn[%u]: 0x%016llx "
						"(types are 0-4, 9-12 pinned, 13 broken, 14 xalloc, 15 xtab)",
						type, done + i, (unsigned long long)pfn);
			/* pages of a regular page or (pinned) pagetable carry data */
			if ((type & 7) <= 4)
				(*nr_pages)++;
		}
		done += n;
	}
	return 0;
}

static int h_page_data(struct v2 *v)
{
	unsigned char hdr[8];
	uint32_t count;
	uint64_t nr_pages = 0, want;

	if (v->len <= 8)
		return rec_fail(v, "expected more than 8 bytes (count, reserved, then pfns)");
	if (rd(v, hdr, 8, "PAGE_DATA header") < 0)
		return -1;
	count = get_le32(hdr);
	if (get_le32(hdr + 4))
		return rec_fail(v, "reserved field is 0x%08x, expected 0", get_le32(hdr + 4));
	if ((uint64_t)v->len - 8 < (uint64_t)count * 8)
		return rec_fail(v, "count %u needs %llu bytes of pfns, the record has %u",
				count, (unsigned long long)count * 8, v->len - 8);
	if (page_pfns(v, count, &nr_pages) < 0)
		return -1;
	want = 8 + (uint64_t)count * 8 + nr_pages * PAGE_SIZE;
	if (want != v->len)
		return rec_fail(v, "expected 8 + %llu + %llu bytes (%u pfns, %llu with data), got %u",
				(unsigned long long)count * 8,
				(unsigned long long)nr_pages * PAGE_SIZE, count,
				(unsigned long long)nr_pages, v->len);
	v->sum->page_records++;
	v->sum->pfns += count;
	v->sum->pages += nr_pages;
	return consume(v, nr_pages * PAGE_SIZE, "PAGE_DATA pages");
}

static int h_pv_info(struct v2 *v)
{
	unsigned char b[8];

	if (want_len(v, 8) < 0 || rd(v, b, 8, "X86_PV_INFO") < 0)
		return -1;
	if (b[0] != 4 && b[0] != 8)
		return rec_fail(v, "guest width %u, expected 4 or 8", b[0]);
	if (b[1] != 3 && b[1] != 4)
		return rec_fail(v, "pagetable levels %u, expected 3 or 4", b[1]);
	if (b[2] || b[3] || get_le32(b + 4))
		return rec_fail(v, "reserved fields are not zero");
	v->sum->guest_width = b[0];
	v->sum->pt_levels = b[1];
	return 0;
}

static int h_p2m_frames(struct v2 *v)
{
	unsigned char b[8];

	if (v->len < 8 || v->len % 8)
		return rec_fail(v, "expected a multiple of 8 bytes, at least 8");
	if (rd(v, b, 8, "X86_PV_P2M_FRAMES header") < 0)
		return -1;
	if (get_le32(b) > get_le32(b + 4))
		return rec_fail(v, "start pfn 0x%x above end pfn 0x%x", get_le32(b), get_le32(b + 4));
	return consume(v, v->len - 8, "X86_PV_P2M_FRAMES frames");
}

static int h_vcpu(struct v2 *v)
{
	unsigned char b[8];
	uint32_t id;

	if (v->len < 8)
		return rec_fail(v, "expected at least 8 bytes (vcpu id, reserved)");
	if (rd(v, b, 8, "vcpu record header") < 0)
		return -1;
	id = get_le32(b);
	if (get_le32(b + 4))
		return rec_fail(v, "reserved field is 0x%08x, expected 0", get_le32(b + 4));
	if (v->type == SIF_V2_X86_PV_VCPU_BASIC) {
		if (id >= VCPU_IDS) {
			v->sum->vcpus++;
		} else if (!(v->vcpu_seen[id / 8] & (1u << (id % 8)))) {
			v->vcpu_seen[id / 8] |= (unsigned char)(1u << (id % 8));
			v->sum->vcpus++;
		}
	}
	return consume(v, v->len - 8, "vcpu context");
}

static int h_shared_info(struct v2 *v)
{
	if (want_len(v, PAGE_SIZE) < 0)
		return -1;
	return consume(v, PAGE_SIZE, "SHARED_INFO");
}

static int h_tsc_info(struct v2 *v)
{
	unsigned char b[24];

	if (want_len(v, 24) < 0 || rd(v, b, 24, "TSC_INFO") < 0)
		return -1;
	if (get_le32(b + 20))
		return rec_fail(v, "reserved field is 0x%08x, expected 0", get_le32(b + 20));
	v->sum->tsc_info = true;
	return 0;
}

/*
 * The HVM context is a list of save descriptors {u16 type, u16 instance,
 * u32 length} each followed by its data; type 2 is a vcpu's CPU state.
 * Xen checks the content on restore; here it is only counted, and a
 * descriptor running past the record stops the count without failing.
 */
static int h_hvm_context(struct v2 *v)
{
	uint64_t left = v->len;
	bool counting = true;

	if (v->len == 0)
		return rec_fail(v, "expected a non-empty HVM context");
	v->sum->hvm_context_bytes += v->len;
	while (counting && left >= 8) {
		unsigned char d[8];
		uint32_t dlen;

		if (rd(v, d, 8, "HVM_CONTEXT descriptor") < 0)
			return -1;
		left -= 8;
		dlen = get_le32(d + 4);
		if (dlen > left) {
			counting = false;
			break;
		}
		if ((d[0] | d[1] << 8) == 2)
			v->sum->vcpus++;
		if (consume(v, dlen, "HVM_CONTEXT data") < 0)
			return -1;
		left -= dlen;
		if ((d[0] | d[1] << 8) == 0)    /* END descriptor */
			break;
	}
	return consume(v, left, "HVM_CONTEXT data");
}

static int h_hvm_params(struct v2 *v)
{
	unsigned char b[8];
	uint32_t count;

	if (v->len < 8)
		return rec_fail(v, "expected at least 8 bytes (count, reserved)");
	if (rd(v, b, 8, "HVM_PARAMS header") < 0)
		return -1;
	count = get_le32(b);
	if (get_le32(b + 4))
		return rec_fail(v, "reserved field is 0x%08x, expected 0", get_le32(b + 4));
	if ((uint64_t)v->len != 8 + (uint64_t)count * 16)
		return rec_fail(v, "count %u needs length %llu", count,
				(unsigned long long)(8 + (uint64_t)count * 16));
	return consume(v, (uint64_t)count * 16, "HVM_PARAMS entries");
}

static int h_static_data_end(struct v2 *v)
{
	if (v->sum->version < 3)
		return rec_fail(v, "found in a version %u stream (it arrived in version 3)",
				v->sum->version);
	return want_len(v, 0);
}

static int h_policy(struct v2 *v)
{
	uint32_t unit = v->type == SIF_V2_X86_CPUID_POLICY ? 24 : 16;

	if (v->sum->version < 3)
		return rec_fail(v, "found in a version %u stream (it arrived in version 3)",
				v->sum->version);
	if (v->len < unit || v->len % unit)
		return rec_fail(v, "expected a non-zero multiple of %u bytes", unit);
	return consume(v, v->len, v->name);
}

static const struct v2_rec_type v2_types[] = {
	{ SIF_V2_END,                  "END",                  G_ANY, h_empty },
	{ SIF_V2_PAGE_DATA,            "PAGE_DATA",            G_ANY, h_page_data },
	{ SIF_V2_X86_PV_INFO,          "X86_PV_INFO",          G_PV,  h_pv_info },
	{ SIF_V2_X86_PV_P2M_FRAMES,    "X86_PV_P2M_FRAMES",    G_PV,  h_p2m_frames },
	{ SIF_V2_X86_PV_VCPU_BASIC,    "X86_PV_VCPU_BASIC",    G_PV,  h_vcpu },
	{ SIF_V2_X86_PV_VCPU_EXTENDED, "X86_PV_VCPU_EXTENDED", G_PV,  h_vcpu },
	{ SIF_V2_X86_PV_VCPU_XSAVE,    "X86_PV_VCPU_XSAVE",    G_PV,  h_vcpu },
	{ SIF_V2_SHARED_INFO,          "SHARED_INFO",          G_PV,  h_shared_info },
	{ SIF_V2_TSC_INFO,             "TSC_INFO",             G_ANY, h_tsc_info },
	{ SIF_V2_HVM_CONTEXT,          "HVM_CONTEXT",          G_HVM, h_hvm_context },
	{ SIF_V2_HVM_PARAMS,           "HVM_PARAMS",           G_HVM, h_hvm_params },
	{ SIF_V2_TOOLSTACK,            "TOOLSTACK",            G_ANY, h_refused },
	{ SIF_V2_X86_PV_VCPU_MSRS,     "X86_PV_VCPU_MSRS",     G_PV,  h_vcpu },
	{ SIF_V2_VERIFY,               "VERIFY",               G_ANY, h_empty },
	{ SIF_V2_CHECKPOINT,           "CHECKPOINT",           G_ANY, h_empty },
	{ SIF_V2_CHECKPOINT_DIRTY_PFN_LIST, "CHECKPOINT_DIRTY_PFN_LIST", G_ANY, h_refused },
	{ SIF_V2_STATIC_DATA_END,      "STATIC_DATA_END",      G_ANY, h_static_data_end },
	{ SIF_V2_X86_CPUID_POLICY,     "X86_CPUID_POLICY",     G_ANY, h_policy },
	{ SIF_V2_X86_MSR_POLICY,       "X86_MSR_POLICY",       G_ANY, h_policy },
};

const char *sif_v2_rec_name(uint32_t type)
{
	return type < sizeof(v2_types) / sizeof(v2_types[0]) ? v2_types[type].name : NULL;
}

/* --- headers and the record loop ---------------------------------------- */

static int image_header(struct v2 *v)
{
	unsigned char b[SIF_V2_IHDR_LEN];
	uint64_t at = v->s->pos, marker;
	uint32_t ident, version;
	unsigned options, res1;
	const char *n = v->s->name;

	if (rd(v, b, sizeof(b), "libxc image header") < 0)
		return -1;
	marker = (uint64_t)get_be32(b) << 32 | get_be32(b + 4);
	ident = get_be32(b + 8);
	version = get_be32(b + 12);
	options = (unsigned)(b[16] << 8 | b[17]);
	res1 = (unsigned)(b[18] << 8 | b[19]);
	if (marker != SIF_V2_MARKER)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: marker 0x%016llx, expected 0xffffffffffffffff",
				n, (unsigned long long)at, (unsigned long long)marker);
	if (ident != SIF_V2_IDENT)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: id 0x%08x, expected 0x58454e46 (\"XENF\")",
				n, (unsigned long long)at, ident);
	if (version < 2 || version > 3)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: version %u, expected 2 or 3",
				n, (unsigned long long)at, version);
	if (options & 0xfffe)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: reserved option bits 0x%04x set",
				n, (unsigned long long)at, options & 0xfffe);
	if (res1 || get_be32(b + 20))
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: reserved fields are not zero",
				n, (unsigned long long)at);
	if (options & 1)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc image header: big-endian stream, this host is little-endian",
				n, (unsigned long long)at);
	v->sum->version = version;
	return 0;
}

static int domain_header(struct v2 *v)
{
	unsigned char b[SIF_V2_DHDR_LEN];
	uint64_t at = v->s->pos;
	uint32_t type;
	unsigned shift, res;
	const char *n = v->s->name;

	if (rd(v, b, sizeof(b), "libxc domain header") < 0)
		return -1;
	type = get_le32(b);
	shift = (unsigned)(b[4] | b[5] << 8);
	res = (unsigned)(b[6] | b[7] << 8);
	if (type != SIF_V2_GUEST_PV && type != SIF_V2_GUEST_HVM)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc domain header: guest type 0x%x, expected 1 (x86 PV) or 2 (x86 HVM)",
				n, (unsigned long long)at, type);
	if (res)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc domain header: reserved field 0x%04x, expected 0",
				n, (unsigned long long)at, res);
	if (shift != 12)
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: libxc domain header: page shift %u, expected 12",
				n, (unsigned long long)at, shift);
	v->sum->guest_type = type;
	v->sum->xen_major = get_le32(b + 8);
	v->sum->xen_minor = get_le32(b + 12);
	return 0;
}

static int one_record(struct v2 *v)
{
	unsigned char h[8];
	const struct v2_rec_type *t;
	uint64_t body;

	v->rec_off = v->s->pos;
	if (rd(v, h, 8, "libxc record header") < 0)
		return -1;
	v->type = get_le32(h);
	v->len = get_le32(h + 4);
	if (v->type >= sizeof(v2_types) / sizeof(v2_types[0]))
		return sif_errf(v->err, SIF_EFORMAT,
				"%s: offset %llu: unknown libxc record type 0x%x (length %u; known types are 0x0-0x12)",
				v->s->name, (unsigned long long)v->rec_off, v->type, v->len);
	t = &v2_types[v->type];
	v->name = t->name;
	if (!(t->guests & (1u << v->sum->guest_type)))
		return rec_fail(v, "a %s record in an %s stream",
				t->guests == G_PV ? "PV" : "HVM",
				v->sum->guest_type == SIF_V2_GUEST_PV ? "x86 PV" : "x86 HVM");
	body = v->s->pos;
	if (t->fn(v) < 0)
		return -1;
	if (v->s->pos != body + v->len)
		return sif_errf(v->err, SIF_EUSAGE, "%s: offset %llu: %s handler consumed %llu of %u bytes",
				v->s->name, (unsigned long long)v->rec_off, t->name,
				(unsigned long long)(v->s->pos - body), v->len);
	if (src_zero_padding(v->s, (8 - v->len % 8) % 8, v->rec_off, t->name, v->err) < 0)
		return -1;
	v->sum->records++;
	if (v->o->on_record)
		v->o->on_record(v->o->ctx, false, v->type, v->len, v->rec_off);
	return 0;
}

int sif_v2_verify_libxc(struct sif_src *src, const struct sif_v2_opts *o,
			struct sif_v2_summary *sum, struct sif_err *err)
{
	static const struct sif_v2_opts defaults;
	struct v2 v = { .s = src, .o = o ? o : &defaults, .sum = sum, .err = err };

	memset(sum, 0, sizeof(*sum));
	sum->offset = src->pos;
	if (image_header(&v) < 0 || domain_header(&v) < 0)
		return -1;
	do {
		if (one_record(&v) < 0)
			return -1;
	} while (v.type != SIF_V2_END);
	sum->length = src->pos - sum->offset;
	return 0;
}
