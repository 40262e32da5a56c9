/*
 * The migration v2 stream generator (see v2gen.h).  Written from Xen's
 * libxc-migration-stream and libxl-migration-stream specs; one function
 * per record kind, all through one buffered output that can also just
 * count (v2gen_size).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "v2gen.h"

#define OUT_BUF (256u * 1024u)
#define PAGE 4096u

struct out {
	int fd;
	bool count_only;
	unsigned char *buf;
	size_t len;
	uint64_t off;
	int failed;
	const struct v2gen_opts *o;
};

static void flush(struct out *w)
{
	size_t done = 0;

	while (!w->failed && done < w->len) {
		ssize_t r = write(w->fd, w->buf + done, w->len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			w->failed = 1;
			break;
		}
		done += (size_t)r;
	}
	w->len = 0;
}

static void put(struct out *w, const void *p, size_t n)
{
	const unsigned char *s = p;

	w->off += n;
	if (w->count_only)
		return;
	while (n) {
		size_t k = OUT_BUF - w->len < n ? OUT_BUF - w->len : n;

		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
		if (w->len == OUT_BUF)
			flush(w);
	}
}

static void put_zero(struct out *w, size_t n)
{
	static const unsigned char z[64];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);

		put(w, z, k);
		n -= k;
	}
}

static void le32(struct out *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	put(w, b, 4);
}

static void le64(struct out *w, uint64_t v)
{
	le32(w, (uint32_t)v);
	le32(w, (uint32_t)(v >> 32));
}

static void be32(struct out *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	put(w, b, 4);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* n bytes of data determined by (seed, tag). */
static void put_data(struct out *w, uint64_t tag, size_t n)
{
	uint64_t x = mix(w->o->seed ^ mix(tag)) | 1, block[64];
	size_t i;

	if (w->count_only) {
		w->off += n;
		return;
	}
	while (n) {
		size_t k = n < sizeof(block) ? n : sizeof(block);

		for (i = 0; i < (k + 7) / 8; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			block[i] = x * 0x2545f4914f6cdd1dULL;
		}
		put(w, block, k);
		n -= k;
	}
}

static void mark(struct out *w, const char *what)
{
	if (w->o->mark)
		w->o->mark(w->o->mark_ctx, w->off, what);
}

static void rec(struct out *w, uint32_t type, uint32_t len, const char *what)
{
	mark(w, what);
	le32(w, type);
	le32(w, len);
}

static void pad(struct out *w, uint32_t len)
{
	put_zero(w, (8 - len % 8) % 8);
}

/* --- pfn types ------------------------------------------------------------ */

/* The v2 type (bits 63..60) of the page at pfn; deterministic. */
static unsigned pfn_type(const struct v2gen_opts *o, uint64_t pfn)
{
	if (!o->page_types)
		return 0;
	if (pfn % 97 == 5)
		return 0xf;                     /* XTAB: no data */
	if (o->guest == V2GEN_HVM)
		return 0;
	if (pfn % 89 == 7)
		return 0xd;                     /* broken */
	if (pfn % 83 == 3)
		return 0xe;                     /* xalloc */
	if (pfn % 61 == 1)
		return 1;                       /* L1 */
	if (pfn % 67 == 2)
		return 2;
	if (pfn % 71 == 4)
		return o->guest == V2GEN_PV32 ? 0xb : 3;      /* pinned L3 for PAE */
	if (pfn % 73 == 6 && o->guest == V2GEN_PV64)
		return 0xc;                     /* pinned L4 */
	return 0;
}

static bool has_data(unsigned type)
{
	return (type & 7) <= 4 && type != 0xd && type != 0xe && type != 0xf;
}

/* pfns needed to carry o->pages data pages. */
static uint64_t total_pfns(const struct v2gen_opts *o)
{
	uint64_t pfn = 0, pages = 0;

	if (!o->page_types)
		return o->pages;
	while (pages < o->pages)
		pages += has_data(pfn_type(o, pfn++));
	return pfn;
}

/* --- libxc records -------------------------------------------------------- */

static void headers(struct out *w)
{
	const struct v2gen_opts *o = w->o;

	mark(w, "image header");
	be32(w, 0xffffffff);
	be32(w, 0xffffffff);
	be32(w, 0x58454e46);
	be32(w, o->version);
	put_zero(w, 8);                 /* options (LE), reserved */
	mark(w, "domain header");
	le32(w, o->guest == V2GEN_HVM ? 2 : 1);
	put(w, "\x0c\x00\x00\x00", 4);  /* page shift 12, reserved */
	le32(w, 4);
	le32(w, 17);
}

static void pv_info(struct out *w)
{
	unsigned width = w->o->guest == V2GEN_PV32 ? 4 : 8;

	rec(w, 2, 8, "X86_PV_INFO");
	put(w, (unsigned char[]){ (unsigned char)width, width == 8 ? 4 : 3, 0, 0, 0, 0, 0, 0 }, 8);
}

static void p2m_frames(struct out *w, uint64_t p2m_size)
{
	unsigned width = w->o->guest == V2GEN_PV32 ? 4 : 8;
	uint64_t fpp = PAGE / width, frames = (p2m_size - 1) / fpp + 1, i;
	uint32_t len = (uint32_t)(8 + frames * 8);

	rec(w, 3, len, "X86_PV_P2M_FRAMES");
	le32(w, 0);
	le32(w, (uint32_t)(p2m_size - 1));
	for (i = 0; i < frames; i++)
		le64(w, 0x100000 + mix(w->o->seed + i) % 0x100000);
}

static void policies(struct out *w)
{
	rec(w, 0x11, 4 * 24, "X86_CPUID_POLICY");
	put_data(w, 0x11, 4 * 24);
	rec(w, 0x12, 2 * 16, "X86_MSR_POLICY");
	put_data(w, 0x12, 2 * 16);
	rec(w, 0x10, 0, "STATIC_DATA_END");
}

static void page_data(struct out *w, uint64_t npfns)
{
	const struct v2gen_opts *o = w->o;
	uint64_t start, pfn;

	for (start = 0; start < npfns; start += o->batch) {
		uint64_t end = start + o->batch < npfns ? start + o->batch : npfns;
		uint64_t with_data = 0;

		for (pfn = start; pfn < end; pfn++)
			with_data += has_data(pfn_type(o, pfn));
		rec(w, 1, (uint32_t)(8 + (end - start) * 8 + with_data * PAGE), "PAGE_DATA");
		le32(w, (uint32_t)(end - start));
		le32(w, 0);
		for (pfn = start; pfn < end; pfn++)
			le64(w, (uint64_t)pfn_type(o, pfn) << 60 | pfn);
		for (pfn = start; pfn < end; pfn++) {
			if (!has_data(pfn_type(o, pfn)))
				continue;
			if (pfn >= o->pages / 3 && pfn - o->pages / 3 < o->zero_pages)
				put_zero(w, PAGE);
			else
				put_data(w, 0x1000000000ULL + pfn, PAGE);
		}
	}
}

static void tsc(struct out *w)
{
	rec(w, 8, 24, "TSC_INFO");
	le32(w, 0);
	le32(w, 2400000);
	le64(w, mix(w->o->seed) >> 20);
	le32(w, 1);
	le32(w, 0);
}

#define HVM_CPU_BYTES 1024u

static void hvm_tail(struct out *w)
{
	uint32_t len = 8 + 24 + w->o->vcpus * (8 + HVM_CPU_BYTES) + 8;
	/* write_hvm_params's list in 4.17, each with a non-zero value */
	static const uint64_t params[][2] = {
		{ 1, 0xfeffc }, { 5, 0xfeff0 }, { 6, 0xfeff1 }, { 27, 0xfeff5 }, { 28, 0xfeff6 },
		{ 29, 0xfeff7 }, { 37, 0x8000000feffa000ULL }, { 17, 0xfeff3 }, { 19, 1 },
		{ 9, 0x1f }, { 12, 0xfeffd000 }, { 34, 0xfeff8010 }, { 32, 0xfeff2 }, { 33, 8 },
		{ 36, 8 }, { 38, 0x8000000 },
	};
	unsigned i;

	rec(w, 9, len, "HVM_CONTEXT");
	put(w, "\x01\x00\x00\x00\x18\x00\x00\x00", 8);     /* HEADER, 24 bytes */
	put_data(w, 0x9, 24);
	for (i = 0; i < w->o->vcpus; i++) {
		put(w, "\x02\x00", 2);                      /* CPU */
		put(w, (unsigned char[]){ (unsigned char)i, (unsigned char)(i >> 8) }, 2);
		le32(w, HVM_CPU_BYTES);
		put_data(w, 0x90000 + i, HVM_CPU_BYTES);
	}
	put_zero(w, 8);                                     /* END descriptor */
	pad(w, len);
	if (w->o->xen417) {
		rec(w, 0xa, 8 + 16 * (uint32_t)(sizeof(params) / sizeof(params[0])), "HVM_PARAMS");
		le32(w, (uint32_t)(sizeof(params) / sizeof(params[0])));
		le32(w, 0);
		for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
			le64(w, params[i][0]);
			le64(w, params[i][1]);
		}
		return;
	}
	rec(w, 0xa, 8 + 3 * 16, "HVM_PARAMS");
	le32(w, 3);
	le32(w, 0);
	le64(w, 5);                                         /* IOREQ_PFN */
	le64(w, 0xfeff0);
	le64(w, 6);                                         /* BUFIOREQ_PFN */
	le64(w, 0xfeff1);
	le64(w, 1);                                         /* STORE_PFN */
	le64(w, 0xfeff2);
}

static void shared_info(struct out *w)
{
	rec(w, 7, PAGE, "SHARED_INFO");
	put_data(w, 7, PAGE);
}

static void pv_tail(struct out *w)
{
	uint32_t ctx = w->o->guest == V2GEN_PV32 ? 0xaf0 : 0x1430;
	/* Xen's struct xen_domctl_ext_vcpucontext is 64 bytes; v1 carried 128. */
	uint32_t ext = w->o->xen417 ? 64 : 128;
	unsigned i;

	if (w->o->xen417)
		shared_info(w);
	for (i = 0; i < w->o->vcpus; i++) {
		rec(w, 4, 8 + ctx, "X86_PV_VCPU_BASIC");
		le32(w, i);
		le32(w, 0);
		put_data(w, 0x40000 + i, ctx);
		pad(w, 8 + ctx);
		rec(w, 5, 8 + ext, "X86_PV_VCPU_EXTENDED");
		le32(w, i);
		le32(w, 0);
		put_data(w, 0x50000 + i, ext);
		rec(w, 6, 8 + 848, "X86_PV_VCPU_XSAVE");
		le32(w, i);
		le32(w, 0);
		put_data(w, 0x60000 + i, 848);
		rec(w, 0xc, 8 + 2 * 16, "X86_PV_VCPU_MSRS");
		le32(w, i);
		le32(w, 0);
		put_data(w, 0xc0000 + i, 32);
	}
	if (!w->o->xen417)
		shared_info(w);
}

static void libxc_stream(struct out *w)
{
	const struct v2gen_opts *o = w->o;
	uint64_t npfns = total_pfns(o);

	headers(w);
	if (o->xen417) {
		if (o->guest != V2GEN_HVM)
			pv_info(w);
		policies(w);
		if (o->guest != V2GEN_HVM)
			p2m_frames(w, npfns + 16);
	} else {
		if (o->guest != V2GEN_HVM) {
			pv_info(w);
			p2m_frames(w, npfns + 16);
		}
		if (o->version >= 3)
			policies(w);
	}
	page_data(w, npfns);
	tsc(w);
	if (o->guest == V2GEN_HVM)
		hvm_tail(w);
	else
		pv_tail(w);
	rec(w, 0, 0, "END");
}

/* --- libxl ------------------------------------------------------------------ */

static const char xs_data[] =
	"physmap/f0000000/start_addr\0f0000000\0physmap/f0000000/size\0800000\0"
	"physmap/f0000000/name\0vga.vram";

/* xl's save file header and the domain config libxl_domain_config_to_json writes. */
static void xl_header(struct out *w)
{
	const struct v2gen_opts *o = w->o;
	bool hvm = o->guest == V2GEN_HVM;
	char cfg[1024], vcpus[256] = "";
	size_t len;
	unsigned i;

	for (i = 0; i < o->vcpus && strlen(vcpus) < sizeof(vcpus) - 8; i++)
		snprintf(vcpus + strlen(vcpus), sizeof(vcpus) - strlen(vcpus), "%s%u", i ? ", " : "", i);
	snprintf(cfg, sizeof(cfg),
		 "{\n    \"c_info\": {\n        \"type\": \"%s\",\n        \"name\": \"sif-guest-%llu\",\n"
		 "        \"uuid\": \"5e7f0d2a-1b3c-4d5e-8f90-%012llx\",\n"
		 "        \"run_hotplug_scripts\": \"True\"\n    },\n"
		 "    \"b_info\": {\n        \"max_vcpus\": %u,\n        \"avail_vcpus\": [%s],\n"
		 "        \"max_memkb\": %llu,\n        \"target_memkb\": %llu,\n"
		 "        \"type.%s\": {\n        }\n    },\n    \"on_reboot\": \"restart\"\n}\n",
		 o->xl_pvh ? "pvh" : hvm ? "hvm" : "pv", (unsigned long long)o->seed,
		 (unsigned long long)o->seed, o->vcpus, vcpus, (unsigned long long)(o->pages * 4 + 1024),
		 (unsigned long long)(o->pages * 4 + 1024), o->xl_pvh ? "pvh" : hvm ? "hvm" : "pv");
	len = strlen(cfg) + 1;
	mark(w, "xl header");
	put(w, "Xen saved domain, xl format\n \0 \r", 32);
	le32(w, 0x01020304);
	le32(w, 3);                     /* JSON config, libxl v2 stream */
	le32(w, 0);
	le32(w, (uint32_t)(4 + len));
	mark(w, "xl config");
	le32(w, (uint32_t)len);
	put(w, cfg, len);
}

static void libxl_stream(struct out *w)
{
	const struct v2gen_opts *o = w->o;
	uint32_t emu = o->xl ? 2 : 1;

	if (o->xl)
		xl_header(w);
	mark(w, "libxl header");
	put(w, "LibxlFmt", 8);
	be32(w, 2);
	be32(w, 0);
	rec(w, 1, 0, "LIBXC_CONTEXT");
	libxc_stream(w);
	if (o->xenstore) {
		uint32_t len = 8 + (uint32_t)sizeof(xs_data);

		rec(w, 2, len, "EMULATOR_XENSTORE_DATA");
		le32(w, emu);
		le32(w, 0);
		put(w, xs_data, sizeof(xs_data));
		pad(w, len);
	}
	if (o->emu_bytes) {
		rec(w, 3, 8 + o->emu_bytes, "EMULATOR_CONTEXT");
		le32(w, emu);
		le32(w, 0);
		if (o->xl && o->emu_bytes >= 8) {
			put(w, "QEVM\0\0\0\3", 8);
			put_data(w, 0xe, o->emu_bytes - 8);
		} else {
			put_data(w, 0xe, o->emu_bytes);
		}
		pad(w, 8 + o->emu_bytes);
	}
	rec(w, 0, 0, "libxl END");
}

static struct v2gen_opts normalised(const struct v2gen_opts *o)
{
	struct v2gen_opts n = *o;

	if (!n.batch || n.batch > 1024)
		n.batch = 1024;
	if (!n.vcpus)
		n.vcpus = 1;
	if (!n.version || n.xen417)
		n.version = 3;
	if (n.xl)
		n.libxl = true;
	return n;
}

static int generate(int fd, const struct v2gen_opts *o, bool count_only, uint64_t *size)
{
	struct v2gen_opts n = normalised(o);
	struct out w = { .fd = fd, .count_only = count_only, .o = &n };

	if (!count_only && !(w.buf = malloc(OUT_BUF)))
		return -1;
	if (n.libxl)
		libxl_stream(&w);
	else
		libxc_stream(&w);
	if (!count_only)
		flush(&w);
	free(w.buf);
	if (size)
		*size = w.off;
	return w.failed ? -1 : 0;
}

int v2gen_write(int fd, const struct v2gen_opts *o)
{
	return generate(fd, o, false, NULL);
}

uint64_t v2gen_size(const struct v2gen_opts *o)
{
	uint64_t size = 0;

	generate(-1, o, true, &size);
	return size;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 0);

	if (end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		x <<= 10, end++;
	else if (*end == 'M')
		x <<= 20, end++;
	else if (*end == 'G')
		x <<= 30, end++;
	if (*end)
		return -1;
	*v = x;
	return 0;
}

int v2gen_set(struct v2gen_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	uint64_t v = 0;
	size_t kl;

	if (!eq)
		return -1;
	kl = (size_t)(eq - kv);
#define KEY(k) (kl == strlen(k) && !strncmp(kv, k, kl))
	if (KEY("guest")) {
		if (!strcmp(eq + 1, "pv64") || !strcmp(eq + 1, "pv"))
			o->guest = V2GEN_PV64;
		else if (!strcmp(eq + 1, "pv32"))
			o->guest = V2GEN_PV32;
		else if (!strcmp(eq + 1, "hvm"))
			o->guest = V2GEN_HVM;
		else
			return -1;
		return 0;
	}
	if (parse_size(eq + 1, &v) < 0)
		return -1;
	if (KEY("pages"))
		o->pages = v;
	else if (KEY("batch"))
		o->batch = (unsigned)v;
	else if (KEY("vcpus"))
		o->vcpus = (unsigned)v;
	else if (KEY("version"))
		o->version = (unsigned)v;
	else if (KEY("page_types"))
		o->page_types = v != 0;
	else if (KEY("libxl"))
		o->libxl = v != 0;
	else if (KEY("xenstore"))
		o->xenstore = v != 0;
	else if (KEY("emu_bytes"))
		o->emu_bytes = (uint32_t)v;
	else if (KEY("seed"))
		o->seed = v;
	else if (KEY("zero_pages"))
		o->zero_pages = v;
	else if (KEY("xen417"))
		o->xen417 = v != 0;
	else if (KEY("xl"))
		o->xl = v != 0;
	else if (KEY("xl_pvh"))
		o->xl_pvh = v != 0;
	else
		return -1;
#undef KEY
	return 0;
}
