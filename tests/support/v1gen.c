/*
 * The v1 stream generator (see v1gen.h): a buffered little-endian writer
 * and one function per part of the stream, in xc_domain_save's order.
 * Page contents come from a seeded pool so that gigabytes are generated at
 * memcpy speed and every page still differs (pfn and round are stamped in).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "v1gen.h"

#define OUTBUF (1u << 20)
#define POOL   (64u * 1024u)

struct gen {
	const struct v1gen_opts *o;
	int fd;
	unsigned char *buf;
	size_t len;
	uint64_t off;
	unsigned char *pool;
	uint64_t rng;
	unsigned width;         /* toolstack bytes */
	uint64_t p2m_size;
	struct v1gen_result *res;
	int failed;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void flush(struct gen *g)
{
	size_t done = 0;

	while (!g->failed && done < g->len) {
		ssize_t w = write(g->fd, g->buf + done, g->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			g->failed = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)w;
	}
	g->len = 0;
}

static void put(struct gen *g, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n) {
		size_t room = OUTBUF - g->len, k = n < room ? n : room;

		memcpy(g->buf + g->len, s, k);
		g->len += k;
		g->off += k;
		s += k;
		n -= k;
		if (g->len == OUTBUF)
			flush(g);
	}
}

static void put32(struct gen *g, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	put(g, b, 4);
}

static void put64(struct gen *g, uint64_t v)
{
	put32(g, (uint32_t)v);
	put32(g, (uint32_t)(v >> 32));
}

static void put_be32(struct gen *g, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	put(g, b, 4);
}

static void put_ulong(struct gen *g, uint64_t v)
{
	if (g->width == 8)
		put64(g, v);
	else
		put32(g, (uint32_t)v);
}

/* n pseudo-random bytes (deterministic). */
static void put_random(struct gen *g, size_t n)
{
	while (n) {
		size_t k = n < POOL ? n : POOL;
		size_t at = (size_t)(splitmix(&g->rng) % (POOL - k + 1));

		put(g, g->pool + at, k);
		n -= k;
	}
}

static void mark(struct gen *g, const char *what)
{
	if (g->o->mark)
		g->o->mark(g->o->mark_ctx, g->off, what);
}

static void put_zeros(struct gen *g, size_t n)
{
	static const unsigned char z[4096];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);

		put(g, z, k);
		n -= k;
	}
}

static bool zero_page(const struct v1gen_opts *o, uint64_t pfn)
{
	return pfn >= o->pages / 3 && pfn - o->pages / 3 < o->zero_pages;
}

static void put_page(struct gen *g, uint64_t pfn, unsigned round)
{
	uint64_t h = pfn * 0x100000001b3ull ^ round ^ g->o->seed;
	size_t at = (size_t)(splitmix(&h) % (POOL - SIF_V1_PAGE_SIZE + 1)) & ~(size_t)7;

	if (zero_page(g->o, pfn)) {
		put_zeros(g, SIF_V1_PAGE_SIZE);
		g->res->page_bytes += SIF_V1_PAGE_SIZE;
		return;
	}
	put64(g, pfn);
	put64(g, round);
	put(g, g->pool + at + 16, SIF_V1_PAGE_SIZE - 16);
	g->res->page_bytes += SIF_V1_PAGE_SIZE;
}

static unsigned guest_width(const struct v1gen_opts *o)
{
	return o->guest_width == 32 ? 4 : 8;
}

/* The v1 page type of pfn (bits 31..28), for pt_types. */
static uint32_t page_type(const struct v1gen_opts *o, uint64_t pfn)
{
	if (!o->pt_types || o->guest == SIF_V1_HVM)
		return 0;
	switch (pfn % 61) {
	case 1: return 0x1;  /* L1 */
	case 2: return 0x2;
	case 3: return 0x3;
	case 4: return 0x4;
	case 5: return 0x9;  /* pinned L1 */
	case 6: return 0xc;  /* pinned L4 */
	case 7: return 0xd;  /* broken: no data */
	case 8: return 0xe;  /* xalloc: no data */
	case 9: return 0xf;  /* XTAB with pfn: no data */
	default: return 0;
	}
}

struct batcher {
	uint64_t ent[SIF_V1_MAX_BATCH];
	unsigned n, since_xtab, cap;
	unsigned round;
};

static void batch_flush(struct gen *g, struct batcher *b)
{
	if (!b->n)
		return;
	mark(g, "page batch");
	put32(g, b->n);
	for (unsigned i = 0; i < b->n; i++)
		put_ulong(g, b->ent[i]);
	for (unsigned i = 0; i < b->n; i++) {
		uint64_t x = b->ent[i];

		if (x != SIF_V1_XTAB_ENTRY && (x >> 28 & 0xf) < 0xd)
			put_page(g, x & SIF_V1_PFN_MASK, b->round);
	}
	b->n = 0;
}

static void batch_add(struct gen *g, struct batcher *b, uint64_t pfn)
{
	const struct v1gen_opts *o = g->o;

	if (o->xtab_every && b->since_xtab == o->xtab_every) {
		if (b->n == b->cap)
			batch_flush(g, b);
		b->ent[b->n++] = SIF_V1_XTAB_ENTRY;
		b->since_xtab = 0;
	}
	if (b->n == b->cap)
		batch_flush(g, b);
	b->ent[b->n++] = pfn | (uint64_t)page_type(o, pfn) << 28;
	b->since_xtab++;
}

static void pages(struct gen *g)
{
	const struct v1gen_opts *o = g->o;
	struct batcher b = { .cap = o->batch ? o->batch : SIF_V1_MAX_BATCH };

	if (b.cap > SIF_V1_MAX_BATCH)
		b.cap = SIF_V1_MAX_BATCH;
	for (uint64_t pfn = 0; pfn < o->pages; pfn++)
		batch_add(g, &b, pfn);
	batch_flush(g, &b);
	for (unsigned i = 0; i < o->xtab_batches; i++) {
		b.n = 1 + i % 7;
		for (unsigned k = 0; k < b.n; k++)
			b.ent[k] = SIF_V1_XTAB_ENTRY;
		batch_flush(g, &b);
	}
	for (unsigned r = 1; r <= o->live_rounds; r++) {
		b.round = r;
		for (uint64_t pfn = r % 3; pfn < o->pages; pfn += 3)
			batch_add(g, &b, pfn);
		batch_flush(g, &b);
	}
}

static bool vcpu_online(const struct v1gen_opts *o, unsigned id)
{
	return id == 0 || !o->offline_every || id % o->offline_every != o->offline_every - 1;
}

static unsigned nvcpus(const struct v1gen_opts *o)
{
	return o->vcpus ? o->vcpus : 1;
}

static void pv_ext_info(struct gen *g)
{
	const struct v1gen_opts *o = g->o;
	uint32_t vsz = guest_width(o) == 8 ? SIF_V1_VCPU64_SIZE : SIF_V1_VCPU32_SIZE;
	uint32_t total = 8 + vsz + (o->extv ? 8 : 0) + (o->xsave_size ? 12 : 0);

	mark(g, "extended info");
	put_ulong(g, ~0ull);
	put32(g, total);
	put(g, "vcpu", 4);
	put32(g, vsz);
	put_random(g, vsz);
	if (o->extv) {
		put(g, "extv", 4);
		put32(g, 0);
	}
	if (o->xsave_size) {
		put(g, "xcnt", 4);
		put32(g, 4);
		put32(g, o->xsave_size + 16);
	}
	mark(g, "p2m frame list");
	uint64_t fpp = SIF_V1_PAGE_SIZE / guest_width(o);
	uint64_t n = (g->p2m_size - 1) / fpp + 1;

	for (uint64_t i = 0; i < n; i++)
		put_ulong(g, 0x1000 + i * 7);
}

static void chunk_vcpu_info(struct gen *g)
{
	unsigned n = nvcpus(g->o), max_id = n - 1;

	mark(g, "vcpu_info chunk");
	put32(g, (uint32_t)SIF_V1_CHUNK_VCPU_INFO);
	put32(g, max_id);
	for (unsigned w = 0; w <= max_id / 64; w++) {
		uint64_t v = 0;

		for (unsigned bit = 0; bit < 64; bit++) {
			unsigned id = w * 64 + bit;

			if (id <= max_id && vcpu_online(g->o, id))
				v |= 1ull << bit;
		}
		put64(g, v);
	}
}

static void chunk_param(struct gen *g, int32_t id, uint64_t v)
{
	mark(g, "HVM param chunk");
	put32(g, (uint32_t)id);
	put32(g, 0);
	put64(g, v);
}

static void chunk_tsc(struct gen *g)
{
	mark(g, "tsc_info chunk");
	put32(g, (uint32_t)SIF_V1_CHUNK_TSC_INFO);
	put32(g, 1);                       /* mode */
	put64(g, 123456789012ull);         /* nsec */
	put32(g, 2400000);                 /* khz */
	put32(g, 3);                       /* incarnation */
}

static void chunk_toolstack(struct gen *g)
{
	unsigned n = g->o->physmap_entries;
	uint32_t len = 8;
	char name[32];

	for (unsigned i = 0; i < n; i++)
		len += 28 + (uint32_t)(strlen("vga.vram") + 1 + (i % 3)) +
		       (g->width == 8 ? 4 : 0);
	mark(g, "toolstack chunk");
	put32(g, (uint32_t)SIF_V1_CHUNK_TOOLSTACK);
	put32(g, len);
	put32(g, 1);
	put32(g, n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t nl = (uint32_t)strlen("vga.vram") + 1 + (i % 3);

		memset(name, 0, sizeof(name));
		memcpy(name, "vga.vram", 8);
		for (unsigned k = 0; k < i % 3; k++)
			name[8 + k] = (char)('a' + k);
		put64(g, 0xf0000000ull + i * 0x1000000ull);
		put64(g, 0xfc000000ull + i * 0x10000ull);
		put64(g, 0x800000ull << (i % 2));
		put32(g, nl);
		put(g, name, nl);
		if (g->width == 8)
			put32(g, 0xdeadbeef);  /* the padding a 64-bit libxl leaked */
	}
}

static void chunks(struct gen *g)
{
	const struct v1gen_opts *o = g->o;
	bool hvm = o->guest == SIF_V1_HVM;

	if (o->tsc)
		chunk_tsc(g);
	pages(g);
	if (o->verify_mode) {
		mark(g, "verify mode chunk");
		put32(g, (uint32_t)SIF_V1_CHUNK_VERIFY_MODE);
	}
	chunk_vcpu_info(g);
	if (hvm && o->hvm_params) {
		static const int32_t ids[] = { -3, -4, -8, -10, -11, -14, -15, -16, -17, -19, -20 };

		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			chunk_param(g, ids[i], 0xfeff0ull + (uint64_t)i * 3 + (o->seed & 0xff));
	}
	if (o->physmap_entries)
		chunk_toolstack(g);
	if (o->last_checkpoint) {
		mark(g, "last checkpoint chunk");
		put32(g, (uint32_t)SIF_V1_CHUNK_LAST_CHECKPOINT);
	}
	mark(g, "end of chunks");
	put32(g, 0);
}


static void tail_pv(struct gen *g)
{
	const struct v1gen_opts *o = g->o;
	uint32_t vsz = guest_width(o) == 8 ? SIF_V1_VCPU64_SIZE : SIF_V1_VCPU32_SIZE;

	mark(g, "unmapped pfns");
	put32(g, o->unmapped);
	for (uint32_t i = 0; i < o->unmapped; i++)
		put_ulong(g, (g->p2m_size - 1 - i % g->p2m_size));
	for (unsigned id = 0; id < nvcpus(o); id++) {
		if (!vcpu_online(o, id))
			continue;
		mark(g, "vcpu context");
		put_random(g, vsz);
		if (o->extv) {
			mark(g, "extended vcpu context");
			put_random(g, SIF_V1_VCPU_EXT_SIZE);
		}
		if (o->xsave_size) {
			mark(g, "xsave");
			put64(g, 7);
			put64(g, o->xsave_size);
			put_random(g, o->xsave_size);
		}
	}
	mark(g, "shared info");
	put_random(g, SIF_V1_PAGE_SIZE);
}

static void tail_hvm(struct gen *g)
{
	uint32_t len = g->o->hvm_ctx_len ? g->o->hvm_ctx_len : 1024;

	mark(g, "HVM magic pfns");
	put64(g, 0xfeffe);
	put64(g, 0xfefff);
	put64(g, 0xfeffc);
	mark(g, "HVM context");
	put32(g, len);
	put_random(g, len);
}

static uint32_t qemu_len(const struct v1gen_opts *o)
{
	return o->qemu_len ? o->qemu_len : 4096;
}

static void qemu_v1(struct gen *g)
{
	mark(g, "qemu record");
	put(g, SIF_V1_QEMU_SIG, SIF_V1_QEMU_SIG_LEN);
	put32(g, qemu_len(g->o));
	put_random(g, qemu_len(g->o));
}

static void xl_header(struct gen *g)
{
	static const char magic[32] = "Xen saved domain, xl format\n \0 \r";
	static const char cfg[] = "name = \"guest\"\nmemory = 1024\nvcpus = 2\n";

	put(g, magic, 32);
	put32(g, 0x01020304);
	put32(g, 0);                       /* mandatory flags */
	put32(g, 0);                       /* optional flags */
	put32(g, (uint32_t)(4 + sizeof(cfg)));
	put32(g, (uint32_t)sizeof(cfg));
	put(g, cfg, sizeof(cfg));
}

int v1gen_write(int fd, const struct v1gen_opts *opts, struct v1gen_result *res)
{
	struct v1gen_opts o = *opts;
	struct v1gen_result dummy;
	struct gen g = { .o = &o, .fd = fd };
	uint64_t s;

	if (o.guest == SIF_V1_GUEST_AUTO)
		o.guest = SIF_V1_PV;
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	g.res = res;
	g.width = o.width == 32 ? 4 : 8;
	g.p2m_size = o.p2m_size ? o.p2m_size : o.pages + 16;
	g.rng = o.seed ^ 0x5eed;
	g.buf = malloc(OUTBUF);
	g.pool = malloc(POOL);
	if (!g.buf || !g.pool) {
		free(g.buf);
		free(g.pool);
		errno = ENOMEM;
		return -1;
	}
	s = o.seed;
	for (size_t i = 0; i < POOL; i += 8) {
		uint64_t v = splitmix(&s);

		memcpy(g.pool + i, &v, 8);
	}
	if (o.wrap == V1GEN_LEGACY_IMAGE)
		put(&g, "XenSavedDomain\n", 15);
	else if (o.wrap == V1GEN_XL)
		xl_header(&g);
	res->v1_start = g.off;
	mark(&g, "p2m_size");
	put_ulong(&g, g.p2m_size);
	if (o.guest == SIF_V1_PV)
		pv_ext_info(&g);
	chunks(&g);
	if (o.guest == SIF_V1_PV)
		tail_pv(&g);
	else
		tail_hvm(&g);
	res->v1_end = g.off;
	if (o.guest == SIF_V1_HVM && o.qemu) {
		if (o.wrap == V1GEN_LEGACY_IMAGE) {
			mark(&g, "legacy qemu record");
			put(&g, "QemuDeviceModelRecord\n", 22);
			put_be32(&g, qemu_len(&o));
			if (o.qemu_zero)
				put_zeros(&g, qemu_len(&o));
			else
				put_random(&g, qemu_len(&o));
		} else {
			qemu_v1(&g);
		}
	}
	flush(&g);
	res->total = g.off;
	free(g.buf);
	free(g.pool);
	if (g.failed) {
		errno = g.failed;
		return -1;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K': x <<= 10; end++; break;
	case 'M': x <<= 20; end++; break;
	case 'G': x <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*v = x;
	return 0;
}

int v1gen_set(struct v1gen_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	const char *val;
	size_t klen;
	uint64_t v = 0;

	if (!eq)
		return -1;
	klen = (size_t)(eq - kv);
	val = eq + 1;
#define KEY(name) (klen == strlen(name) && !strncmp(kv, name, klen))
	if (KEY("guest")) {
		if (!strcmp(val, "pv"))
			o->guest = SIF_V1_PV;
		else if (!strcmp(val, "hvm"))
			o->guest = SIF_V1_HVM;
		else
			return -1;
		return 0;
	}
	if (KEY("wrap")) {
		if (!strcmp(val, "bare"))
			o->wrap = V1GEN_BARE;
		else if (!strcmp(val, "image"))
			o->wrap = V1GEN_LEGACY_IMAGE;
		else if (!strcmp(val, "xl"))
			o->wrap = V1GEN_XL;
		else
			return -1;
		return 0;
	}
	if (parse_u64(val, &v) < 0)
		return -1;
	if (KEY("width")) o->width = (unsigned)v;
	else if (KEY("guest_width")) o->guest_width = (unsigned)v;
	else if (KEY("pages")) o->pages = v;
	else if (KEY("p2m_size")) o->p2m_size = v;
	else if (KEY("batch")) o->batch = (unsigned)v;
	else if (KEY("vcpus")) o->vcpus = (unsigned)v;
	else if (KEY("offline_every")) o->offline_every = (unsigned)v;
	else if (KEY("extv")) o->extv = v != 0;
	else if (KEY("xsave_size")) o->xsave_size = (uint32_t)v;
	else if (KEY("live_rounds")) o->live_rounds = (unsigned)v;
	else if (KEY("xtab_every")) o->xtab_every = (unsigned)v;
	else if (KEY("xtab_batches")) o->xtab_batches = (unsigned)v;
	else if (KEY("pt_types")) o->pt_types = v != 0;
	else if (KEY("tsc")) o->tsc = v != 0;
	else if (KEY("hvm_params")) o->hvm_params = v != 0;
	else if (KEY("verify_mode")) o->verify_mode = v != 0;
	else if (KEY("last_checkpoint")) o->last_checkpoint = v != 0;
	else if (KEY("physmap_entries")) o->physmap_entries = (unsigned)v;
	else if (KEY("unmapped")) o->unmapped = (uint32_t)v;
	else if (KEY("hvm_ctx_len")) o->hvm_ctx_len = (uint32_t)v;
	else if (KEY("qemu")) o->qemu = v != 0;
	else if (KEY("qemu_len")) o->qemu_len = (uint32_t)v;
	else if (KEY("qemu_zero")) o->qemu_zero = v != 0;
	else if (KEY("zero_pages")) o->zero_pages = v;
	else if (KEY("seed")) o->seed = v;
	else
		return -1;
#undef KEY
	return 0;
}
