/*
 * gen_v1from2 (the v2 -> v1 writer) against Xen's convert-legacy-stream:
 * for generated v2 streams laid out as Xen 4.17 writes them (PV 64-bit and
 * 32-bit guests, HVM; toolstack widths 32 and 64), the v1 stream converted
 * back by the script gives the original stream record for record for every
 * record v1 can carry, and differs exactly as docs/v1-from-v2.md says:
 * IHDR version 3, DHDR Xen version 0.1, the policy records, X86_PV_VCPU_MSRS
 * and three HVM params dropped, STATIC_DATA_END recreated, TSC_INFO moved
 * before the pages, SHARED_INFO after the vcpus, X86_PV_VCPU_EXTENDED
 * padded to 128 bytes, HVM_PARAMS split in two (chunk params, then the
 * magic pfns) and moved after the pages.  The dropped items listed on
 * stderr are exactly those.  sif's converter gives the script's bytes on
 * every v1 stream, verify-stream-v2 accepts them, legacy images verify.
 * Then what v1 cannot express (a CHECKPOINT record, a 29-bit pfn, a 33-bit
 * frame for a 32-bit toolstack, XSAVE areas of two sizes, trailing bytes,
 * a truncated stream) exits 1 with the offset and leaves no OUT; pipes on
 * stdin and stdout give the same bytes as files; an xl save file or a raw
 * image as input gives the bare stream's v1 stream, their device model state
 * the legacy image's qemu record.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "expect.h"
#include "testutil.h"
#include "v1test.h"
#include "v2gen.h"

static char *dir, *gen;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	gen = tu_build_path("tests/gen_v1from2");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(gen);
	return 0;
}

/* --- v2 streams as record lists ------------------------------------------- */

struct rec {
	uint32_t type, len;
	unsigned char *body;        /* owned */
};

struct stream {
	unsigned char ihdr[24], dhdr[16];
	struct rec *r;
	size_t n;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void add(struct stream *s, uint32_t type, uint32_t len, const void *body)
{
	s->r = realloc(s->r, (s->n + 1) * sizeof(*s->r));
	s->r[s->n].type = type;
	s->r[s->n].len = len;
	s->r[s->n].body = malloc(len + 1u);
	if (len)
		memcpy(s->r[s->n].body, body, len);
	s->n++;
}

static void parse(const char *path, struct stream *s)
{
	size_t len, at = 40;
	unsigned char *b = (unsigned char *)tu_read_file(path, &len);

	assert_non_null(b);
	memset(s, 0, sizeof(*s));
	assert_true(len >= 40);
	memcpy(s->ihdr, b, 24);
	memcpy(s->dhdr, b + 24, 16);
	for (;;) {
		uint32_t type, rl;

		assert_true(at + 8 <= len);
		type = le32(b + at);
		rl = le32(b + at + 4);
		assert_true(at + 8 + rl <= len);
		add(s, type, rl, b + at + 8);
		at += 8 + ((rl + 7u) & ~7u);
		if (type == 0)
			break;
	}
	assert_int_equal(at, len);
	free(b);
}

static void write_stream(const char *path, const struct stream *s)
{
	FILE *f = fopen(path, "wb");
	static const unsigned char zero[8];

	assert_non_null(f);
	fwrite(s->ihdr, 24, 1, f);
	fwrite(s->dhdr, 16, 1, f);
	for (size_t i = 0; i < s->n; i++) {
		unsigned char h[8];

		put32(h, s->r[i].type);
		put32(h + 4, s->r[i].len);
		fwrite(h, 8, 1, f);
		fwrite(s->r[i].body, s->r[i].len, 1, f);
		fwrite(zero, (8 - s->r[i].len % 8) % 8, 1, f);
	}
	assert_int_equal(fclose(f), 0);
}

static void free_stream(struct stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->r[i].body);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

static const struct rec *find(const struct stream *s, uint32_t type, size_t nth)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].type == type && nth-- == 0)
			return &s->r[i];
	return NULL;
}

static void copy_all(struct stream *to, const struct stream *from, uint32_t type)
{
	for (size_t i = 0; i < from->n; i++)
		if (from->r[i].type == type)
			add(to, type, from->r[i].len, from->r[i].body);
}

static void copy_one(struct stream *to, const struct stream *from, uint32_t type)
{
	const struct rec *r = find(from, type, 0);

	if (r)
		add(to, type, r->len, r->body);
}

/* --- what the round trip must give --------------------------------------- */

/* HVM param index -> its v1 chunk, in the order xc_domain_save sends them. */
static const uint64_t chunk_params[] = { 34, 12, 27, 28, 29, 15, 17, 19, 9, 32, 33 };

static uint64_t param(const struct stream *o, uint64_t index, bool *found)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct rec *r = &o->r[i];

		if (r->type != 0xa)
			continue;
		for (uint32_t k = 0; k < le32(r->body); k++)
			if (le64(r->body + 8 + 16 * k) == index) {
				*found = true;
				return le64(r->body + 16 + 16 * k);
			}
	}
	*found = false;
	return 0;
}

static void hvm_params(struct stream *e, const struct stream *o)
{
	unsigned char b[8 + 16 * 11];
	uint32_t n = 0;
	bool found;

	for (size_t c = 0; c < sizeof(chunk_params) / sizeof(chunk_params[0]); c++) {
		uint64_t v = param(o, chunk_params[c], &found);

		if (!found)
			continue;
		put64(b + 8 + 16 * n, chunk_params[c]);
		put64(b + 16 + 16 * n, v);
		n++;
	}
	put32(b, n);
	put32(b + 4, 0);
	if (n)
		add(e, 0xa, 8 + 16 * n, b);
	/* the tail's magic pfns: IOREQ, BUFIOREQ, STORE */
	put32(b, 3);
	put64(b + 8, 5);
	put64(b + 16, param(o, 5, &found));
	put64(b + 24, 6);
	put64(b + 32, param(o, 6, &found));
	put64(b + 40, 1);
	put64(b + 48, param(o, 1, &found));
	add(e, 0xa, 8 + 48, b);
}

static void pv_vcpus(struct stream *e, const struct stream *o)
{
	for (uint32_t id = 0; id < 4096; id++) {
		const struct rec *r;

		for (size_t i = 0; (r = find(o, 4, i)); i++)
			if (le32(r->body) == id)
				break;
		if (!r)
			continue;
		add(e, 4, r->len, r->body);
		for (size_t i = 0; (r = find(o, 5, i)); i++)
			if (le32(r->body) == id) {
				unsigned char ext[8 + 128] = { 0 };

				/* padded to v1's 128 bytes */
				memcpy(ext, r->body, r->len);
				add(e, 5, sizeof(ext), ext);
			}
		for (size_t i = 0; (r = find(o, 6, i)); i++)
			if (le32(r->body) == id)
				add(e, 6, r->len, r->body);
	}
}

static void expected(const struct stream *o, bool hvm, struct stream *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->ihdr, o->ihdr, 24);
	e->ihdr[15] = 3;                        /* version 3 */
	memcpy(e->dhdr, o->dhdr, 16);
	put32(e->dhdr + 8, 0);                  /* Xen 0.1: "converted from legacy" */
	put32(e->dhdr + 12, 1);
	if (!hvm)
		copy_one(e, o, 2);                  /* X86_PV_INFO */
	add(e, 0x10, 0, NULL);                  /* STATIC_DATA_END, recreated */
	if (!hvm)
		copy_one(e, o, 3);                  /* X86_PV_P2M_FRAMES */
	copy_one(e, o, 8);                      /* TSC_INFO, sent before the pages */
	copy_all(e, o, 1);                      /* PAGE_DATA, in order */
	if (hvm) {
		hvm_params(e, o);
		copy_one(e, o, 9);                  /* HVM_CONTEXT */
	} else {
		pv_vcpus(e, o);
		copy_one(e, o, 7);                  /* SHARED_INFO, after the vcpus */
	}
	add(e, 0, 0, NULL);
}

static void same_records(const struct stream *got, const struct stream *want, const char *what)
{
	if (memcmp(got->ihdr, want->ihdr, 24))
		fail_msg("%s: image header differs", what);
	if (memcmp(got->dhdr, want->dhdr, 16))
		fail_msg("%s: domain header differs", what);
	for (size_t i = 0; i < got->n && i < want->n; i++) {
		if (got->r[i].type != want->r[i].type || got->r[i].len != want->r[i].len ||
		    memcmp(got->r[i].body, want->r[i].body, got->r[i].len))
			fail_msg("%s: record %zu: got type 0x%x length %u, expected type 0x%x length %u%s",
				 what, i, got->r[i].type, got->r[i].len, want->r[i].type, want->r[i].len,
				 got->r[i].type == want->r[i].type && got->r[i].len == want->r[i].len ?
				 " (body differs)" : "");
	}
	if (got->n != want->n)
		fail_msg("%s: %zu records, expected %zu", what, got->n, want->n);
}

/* --- running the writer and the peers --------------------------------------- */

static int run_gen(struct run_result *r, const char *args, const char *in, const char *out)
{
	return tu_sh(r, "'%s' %s '%s' '%s'", gen, args, in, out);
}

/* The lines gen_v1from2 printed about what it dropped, in order. */
static void expect_dropped(const char *err, const char *const *want)
{
	const char *p = err;
	size_t n = 0;

	for (; want[n]; n++) {
		const char *hit = strstr(p, want[n]);

		if (!hit)
			fail_msg("stderr lacks \"%s\" (in order):\n%s", want[n], err);
		p = hit + strlen(want[n]);
	}
	for (p = err; (p = strstr(p, "dropped (v1 never had it)")); p++)
		if (n-- == 0)
			fail_msg("more dropped items than expected:\n%s", err);
	if (n)
		fail_msg("fewer dropped items than expected:\n%s", err);
}

struct guest {
	const char *name;
	struct v2gen_opts v2;
	bool hvm;
};

static const struct guest guests[] = {
	{ "pv64", { .guest = V2GEN_PV64, .pages = 1300, .vcpus = 3, .page_types = true,
		    .xen417 = true, .seed = 21 }, false },
	{ "pv32", { .guest = V2GEN_PV32, .pages = 1100, .vcpus = 2, .page_types = true,
		    .xen417 = true, .seed = 22 }, false },
	{ "hvm", { .guest = V2GEN_HVM, .pages = 1500, .vcpus = 2, .page_types = true,
		   .xen417 = true, .seed = 23 }, true },
	/* the generator's other layout: 128-byte extended contexts, 3 HVM params */
	{ "pv64-plain", { .guest = V2GEN_PV64, .pages = 700, .vcpus = 1, .seed = 24 }, false },
	{ "hvm-plain", { .guest = V2GEN_HVM, .pages = 600, .vcpus = 1, .seed = 25 }, true },
};

static void dropped_list(const struct guest *g, const char **want)
{
	size_t n = 0;

	want[n++] = "the domain header's Xen version 4.17 (a converted stream says 0.1)";
	want[n++] = "X86_CPUID_POLICY record";
	want[n++] = "X86_MSR_POLICY record";
	want[n++] = "STATIC_DATA_END record";
	if (!g->hvm) {
		for (unsigned i = 0; i < g->v2.vcpus; i++)
			want[n++] = "X86_PV_VCPU_MSRS record";
	} else if (g->v2.xen417) {
		want[n++] = "HVM_PARAMS entry 37 = 0x8000000feffa000";
		want[n++] = "HVM_PARAMS entry 36 = 0x8";
		want[n++] = "HVM_PARAMS entry 38 = 0x8000000";
	}
	want[n] = NULL;
}

static void one_guest(const struct guest *g, unsigned width)
{
	char *v2 = tu_strf("%s/%s.v2", dir, g->name), *v1 = tu_strf("%s/%s-%u.v1", dir, g->name, width);
	char *back = tu_strf("%s/back.v2", dir), *mine = tu_strf("%s/mine.v2", dir);
	char args[96], what[64];
	const char *want[16];
	struct stream o, got, e;
	struct run_result r;
	FILE *f;

	f = fopen(v2, "wb");
	assert_non_null(f);
	assert_int_equal(v2gen_write(fileno(f), &g->v2), 0);
	fclose(f);
	snprintf(what, sizeof(what), "%s, width %u", g->name, width);
	snprintf(args, sizeof(args), "--width %u", width);
	if (run_gen(&r, args, v2, v1) != 0)
		fail_msg("%s: gen_v1from2: %s", what, r.err);
	dropped_list(g, want);
	expect_dropped(r.err, want);
	tu_run_free(&r);
	/* back through Xen's converter */
	snprintf(args, sizeof(args), "-w %u -g %s%s", width, g->hvm ? "hvm" : "pv",
		 g->hvm ? " --skip-qemu" : "");
	assert_int_equal(v1t_peer_convert(v1, back, args), 0);
	assert_int_equal(v1t_peer_verify(back, "libxc"), 0);
	parse(v2, &o);
	parse(back, &got);
	expected(&o, g->hvm, &e);
	same_records(&got, &e, what);
	/* sif's converter: the script's bytes */
	snprintf(args, sizeof(args), "%u", width);
	tu_sif(&r, "image", "convert", "--width", args, g->hvm ? "--skip-qemu" : "--format=libxc",
	       v1, mine, NULL);
	tu_expect(&r, 0, NULL, NULL);
	if (!tu_files_equal(mine, back))
		fail_msg("%s: sif image convert and convert-legacy-stream differ", what);
	/* sif reads the v1 stream with the width it detects */
	tu_sif(&r, "image", "inspect", v1, NULL);
	assert_int_equal(r.status, 1);          /* a bare v1 stream is not an image */
	tu_run_free(&r);
	free_stream(&o);
	free_stream(&got);
	free_stream(&e);
	unlink(back);
	unlink(mine);
	free(v2); free(v1); free(back); free(mine);
}

static void round_trips(void **state)
{
	(void)state;
	if (!v1t_have_peer())
		fail_msg("convert-legacy-stream (xen-utils-4.17) is not installed: make deps");
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		one_guest(&guests[i], 32);
		one_guest(&guests[i], 64);
	}
}

/* --legacy-image: xenopsd's layout, which sif verifies and converts. */
static void legacy_images(void **state)
{
	char *v2 = tu_strf("%s/l.v2", dir), *v1 = tu_strf("%s/l.v1", dir);
	char *img = tu_strf("%s/l.img", dir), *q = tu_strf("%s/qemu", dir);
	char *a = tu_strf("%s/a.v2", dir), *b = tu_strf("%s/b.v2", dir);
	struct v2gen_opts ho = guests[2].v2;
	unsigned char qemu[3000], *data;
	size_t len;
	struct run_result r;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(qemu); i++)
		qemu[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(tu_write_file(q, qemu, sizeof(qemu)), 0);
	f = fopen(v2, "wb");
	assert_int_equal(v2gen_write(fileno(f), &ho), 0);
	fclose(f);
	assert_int_equal(run_gen(&r, "--width 32", v2, v1), 0);
	tu_run_free(&r);
	f = NULL;
	{
		char *args = tu_strf("--width 32 --legacy-image --qemu '%s'", q);

		assert_int_equal(run_gen(&r, args, v2, img), 0);
		tu_run_free(&r);
		free(args);
	}
	/* signature + the same v1 stream + the qemu record */
	data = (unsigned char *)tu_read_file(img, &len);
	{
		size_t v1len;
		char *v1b = tu_read_file(v1, &v1len);

		assert_int_equal(len, 15 + v1len + 22 + 4 + sizeof(qemu));
		assert_memory_equal(data, "XenSavedDomain\n", 15);
		assert_memory_equal(data + 15, v1b, v1len);
		assert_memory_equal(data + 15 + v1len, "QemuDeviceModelRecord\n", 22);
		assert_int_equal(data[15 + v1len + 22 + 2] << 8 | data[15 + v1len + 22 + 3],
				 sizeof(qemu));
		assert_memory_equal(data + len - sizeof(qemu), qemu, sizeof(qemu));
		free(v1b);
	}
	free(data);
	tu_sif(&r, "image", "verify", img, NULL);
	tu_expect(&r, 0, "ok: legacy image (raw container), HVM guest (legacy restore path)", NULL);
	tu_sif(&r, "image", "convert", "--skip-qemu", img, a, NULL);
	tu_expect(&r, 0, NULL, NULL);
	assert_int_equal(v1t_peer_convert(v1, b, "-w 32 -g hvm --skip-qemu"), 0);
	assert_true(tu_files_equal(a, b));
	/* HVM without its device model state, PV with one: refused, nothing written */
	unlink(img);
	assert_int_equal(run_gen(&r, "--width 32 --legacy-image", v2, img), 1);
	assert_non_null(strstr(r.err, "an HVM guest's legacy image needs its device model state"));
	assert_non_null(strstr(r.err, "--qemu FILE"));
	tu_run_free(&r);
	assert_int_equal(access(img, F_OK), -1);
	{
		char *pv = tu_strf("%s/p.v2", dir), *args = tu_strf("--width 64 --legacy-image --qemu '%s'", q);

		f = fopen(pv, "wb");
		assert_int_equal(v2gen_write(fileno(f), &guests[3].v2), 0);
		fclose(f);
		assert_int_equal(run_gen(&r, args, pv, img), 1);
		assert_non_null(strstr(r.err, "a PV guest has no device model state"));
		tu_run_free(&r);
		assert_int_equal(access(img, F_OK), -1);
		assert_int_equal(run_gen(&r, "--width 64 --legacy-image", pv, img), 0);
		tu_run_free(&r);
		tu_sif(&r, "image", "verify", img, NULL);
		tu_expect(&r, 0, "ok: legacy image (raw container), PV guest", NULL);
		free(pv);
		free(args);
	}
	free(v2); free(v1); free(img); free(q); free(a); free(b);
}

/* An xl save file or a raw image as IN: the same v1 stream, their device model state. */
static void xl_and_image_inputs(void **state)
{
	struct v2gen_opts xo = guests[2].v2;
	char *bare = tu_strf("%s/x.v2", dir), *xl = tu_strf("%s/x.xl", dir);
	char *img = tu_strf("%s/x.img", dir), *emu = tu_strf("%s/x.emu", dir);
	char *v1a = tu_strf("%s/a.v1", dir), *v1b = tu_strf("%s/b.v1", dir);
	char *la = tu_strf("%s/a.leg", dir), *lb = tu_strf("%s/b.leg", dir), *args;
	struct run_result r;
	size_t xlen;
	unsigned char *x;
	FILE *f;

	(void)state;
	f = fopen(bare, "wb");
	assert_int_equal(v2gen_write(fileno(f), &xo), 0);
	fclose(f);
	xo.xl = true;
	xo.emu_bytes = 3000;
	f = fopen(xl, "wb");
	assert_int_equal(v2gen_write(fileno(f), &xo), 0);
	fclose(f);
	/* the xl file's device model state: the last 3000 bytes before the libxl END */
	x = (unsigned char *)tu_read_file(xl, &xlen);
	assert_int_equal(tu_write_file(emu, x + xlen - 8 - 3000, 3000), 0);
	free(x);
	assert_int_equal(run_gen(&r, "--width 32", bare, v1a), 0);
	tu_run_free(&r);
	assert_int_equal(run_gen(&r, "--width 32", xl, v1b), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(v1a, v1b));
	/* --legacy-image takes the xl file's EMULATOR_CONTEXT body as the qemu record */
	args = tu_strf("--width 32 --legacy-image --qemu '%s'", emu);
	assert_int_equal(run_gen(&r, args, bare, la), 0);
	tu_run_free(&r);
	free(args);
	assert_int_equal(run_gen(&r, "--width 32 --legacy-image", xl, lb), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(la, lb));
	/* a raw image made of the same stream and state */
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", bare, "--qemu", emu, img, NULL);
	tu_expect(&r, 0, NULL, NULL);
	unlink(lb);
	assert_int_equal(run_gen(&r, "--width 32 --legacy-image", img, lb), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(la, lb));
	free(bare); free(xl); free(img); free(emu); free(v1a); free(v1b); free(la); free(lb);
}

/* stdin and stdout may be pipes: the same bytes as with files. */
static void pipes(void **state)
{
	char *v2 = tu_strf("%s/p.v2", dir), *v1 = tu_strf("%s/p.v1", dir);
	char *v1p = tu_strf("%s/pp.v1", dir);
	struct run_result r;
	FILE *f;

	(void)state;
	f = fopen(v2, "wb");
	assert_int_equal(v2gen_write(fileno(f), &guests[0].v2), 0);
	fclose(f);
	assert_int_equal(run_gen(&r, "--width 32", v2, v1), 0);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "cat '%s' | '%s' --width 32 - - | cat > '%s'", v2, gen, v1p), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(v1, v1p));
	free(v2); free(v1); free(v1p);
}

/* What v1 cannot express: exit 1, the offset, no OUT left behind. */
static void refuse(const char *name, const struct stream *s, const char *args, const char *w1,
		   const char *w2)
{
	char *in = tu_strf("%s/bad-%s.v2", dir, name), *out = tu_strf("%s/bad.v1", dir);
	struct run_result r;

	write_stream(in, s);
	if (run_gen(&r, args, in, out) != 1)
		fail_msg("%s: exit %d, expected 1", name, r.status);
	if (!strstr(r.err, w1) || (w2 && !strstr(r.err, w2)))
		fail_msg("%s: stderr lacks \"%s\"/\"%s\":\n%s", name, w1, w2 ? w2 : "", r.err);
	assert_int_equal(access(out, F_OK), -1);
	tu_run_free(&r);
	free(in);
	free(out);
}

static void generate(const struct v2gen_opts *o, struct stream *s)
{
	char *p = tu_strf("%s/g.v2", dir);
	FILE *f = fopen(p, "wb");

	assert_int_equal(v2gen_write(fileno(f), o), 0);
	fclose(f);
	parse(p, s);
	free(p);
}

static void inexpressible(void **state)
{
	struct stream s;
	struct rec *r, *end;
	char *p = tu_strf("%s/t.v2", dir), *out = tu_strf("%s/t.v1", dir);
	struct run_result rr;

	(void)state;
	/* a CHECKPOINT record (Remus/COLO) */
	generate(&guests[0].v2, &s);
	end = &s.r[s.n - 1];
	end->type = 0xe;                        /* CHECKPOINT in END's place */
	add(&s, 0, 0, NULL);
	refuse("checkpoint", &s, "--width 64", "a CHECKPOINT record (a Remus or COLO stream)", "offset ");
	free_stream(&s);
	/* a pfn above 28 bits */
	generate(&guests[2].v2, &s);
	r = (struct rec *)find(&s, 1, 1);
	put64(r->body + 8, 0x10000000);
	refuse("pfn", &s, "--width 64", "PAGE_DATA pfn 0x10000000: v1's pfn_type has 28 bits", "offset ");
	free_stream(&s);
	/* a frame above 32 bits for a 32-bit toolstack (fine for a 64-bit one) */
	generate(&guests[0].v2, &s);
	r = (struct rec *)find(&s, 3, 0);
	put64(r->body + 8 + 8, 0x100000000ULL);
	refuse("frame", &s, "--width 32", "p2m frame 1 is mfn 0x100000000: a 32-bit toolstack's", NULL);
	write_stream(p, &s);
	assert_int_equal(run_gen(&rr, "--width 64", p, out), 0);
	tu_run_free(&rr);
	free_stream(&s);
	/* XSAVE areas of two sizes */
	generate(&guests[0].v2, &s);
	r = (struct rec *)find(&s, 6, 1);
	r->len -= 64;
	refuse("xsave", &s, "--width 64", "vcpu 1 XSAVE of 784 bytes, vcpu 0's of 848", NULL);
	free_stream(&s);
	/* an extended context above v1's 128 bytes */
	generate(&guests[0].v2, &s);
	r = (struct rec *)find(&s, 5, 0);
	r->body = realloc(r->body, 8 + 136);
	memset(r->body + r->len, 0, 8 + 136 - r->len);
	r->len = 8 + 136;
	refuse("ext", &s, "--width 64", "X86_PV_VCPU_EXTENDED of 136 bytes: v1 carries 128", NULL);
	free_stream(&s);
	/* trailing bytes, and a stream cut short */
	generate(&guests[3].v2, &s);
	write_stream(p, &s);
	{
		FILE *f = fopen(p, "ab");

		fputs("junk", f);
		fclose(f);
	}
	assert_int_equal(run_gen(&rr, "--width 64", p, out), 1);
	assert_non_null(strstr(rr.err, "4 bytes of trailing data after the END record"));
	tu_run_free(&rr);
	assert_int_equal(truncate(p, 5000), 0);
	assert_int_equal(run_gen(&rr, "--width 64", p, out), 1);
	assert_non_null(strstr(rr.err, "truncated"));
	assert_non_null(strstr(rr.err, "offset "));
	assert_int_equal(access(out, F_OK), -1);
	tu_run_free(&rr);
	free_stream(&s);
	/* usage */
	assert_int_equal(run_gen(&rr, "--width 48", p, out), 2);
	tu_run_free(&rr);
	assert_int_equal(run_gen(&rr, "--qemu x", p, out), 2);
	tu_run_free(&rr);
	free(p);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(legacy_images),
		cmocka_unit_test(xl_and_image_inputs),
		cmocka_unit_test(pipes),
		cmocka_unit_test(inexpressible),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
