/*
 * The converter against Xen's convert-legacy-stream (the peer): byte for
 * byte equal output over a matrix of generated streams (toolstack widths,
 * guest widths, HVM, page counts around the batch size, live resends,
 * 1..70 vcpus with some offline, extended and xsave contexts, every HVM
 * param chunk, qemu records, libxc and libxl formats), every output
 * accepted by verify-stream-v2; then what sif does beyond the peer: the
 * all-XTAB batch difference, xl input, legacy images, exact end on a
 * shared fd, and the CLI's refusals leaving no output file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sif/convert.h"
#include "testutil.h"
#include "v1test.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	if (!v1t_have_peer()) {
		fprintf(stderr, "convert-legacy-stream/verify-stream-v2 missing: run make deps\n");
		return -1;
	}
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	return 0;
}

struct mcase {
	const char *name;
	struct v1gen_opts o;
	const char *peer;       /* convert-legacy-stream options */
	const char *sif;        /* sif image convert options */
	const char *verify;     /* verify-stream-v2 format, NULL: the peer's verifier cannot */
};

#define PV(w, gw) .guest = SIF_V1_PV, .width = w, .guest_width = gw
#define HVM(w) .guest = SIF_V1_HVM, .width = w

static const struct mcase matrix[] = {
	{ "xenopsd pv64 on 32-bit dom0", { PV(32, 64), .pages = 3000, .vcpus = 4, .tsc = true, .last_checkpoint = true },
	  "-w 32 -g pv", "", "libxc" },
	{ "pv32 on 32-bit dom0", { PV(32, 32), .pages = 1025, .vcpus = 2, .tsc = true, .extv = true },
	  "-w 32 -g pv", "--width 32 --guest-type pv", "libxc" },
	{ "pv64 on 64-bit dom0", { PV(64, 64), .pages = 1024, .vcpus = 70, .offline_every = 3,
				    .xsave_size = 832, .extv = true, .tsc = true },
	  "-w 64 -g pv", "--width 64", "libxc" },
	{ "pv32 on 64-bit dom0", { PV(64, 32), .pages = 1, .vcpus = 1 },
	  "-w 64 -g pv", "--guest-type pv", "libxc" },
	{ "pv no pages", { PV(32, 64), .pages = 0, .vcpus = 3, .offline_every = 2 },
	  "-w 32 -g pv", "", "libxc" },
	{ "pv 1023 pages batch 1000", { PV(64, 64), .pages = 1023, .batch = 1000, .vcpus = 2 },
	  "-w 64 -g pv", "", "libxc" },
	{ "pv live resends, types, xtab", { PV(32, 64), .pages = 2500, .live_rounds = 3, .pt_types = true,
					     .xtab_every = 97, .unmapped = 5, .vcpus = 8,
					     .offline_every = 4, .verify_mode = true, .tsc = true },
	  "-w 32 -g pv", "", "libxc" },
	{ "pv libxl format", { PV(64, 64), .pages = 100, .vcpus = 2, .physmap_entries = 0 },
	  "-w 64 -g pv -f libxl", "--format libxl", "libxl" },
	{ "hvm64 all params, qemu", { HVM(64), .pages = 2049, .vcpus = 4, .hvm_params = true, .tsc = true,
				       .qemu = true, .qemu_len = 70000, .hvm_ctx_len = 5000 },
	  "-w 64 -g hvm", "", "libxc" },
	{ "hvm32 all params, qemu", { HVM(32), .pages = 513, .vcpus = 2, .hvm_params = true,
				       .qemu = true, .qemu_len = 1000 },
	  "-w 32 -g hvm", "--width 32", "libxc" },
	{ "hvm skip qemu", { HVM(32), .pages = 10, .vcpus = 1 },
	  "-w 32 -g hvm --skip-qemu", "--skip-qemu", "libxc" },
	{ "hvm no pages", { HVM(64), .pages = 0, .vcpus = 1, .hvm_params = true },
	  "-w 64 -g hvm --skip-qemu", "--skip-qemu --guest-type hvm", "libxc" },
	{ "hvm live resends", { HVM(64), .pages = 3000, .live_rounds = 2, .xtab_every = 50, .vcpus = 2,
				 .qemu = true, .verify_mode = true, .last_checkpoint = true },
	  "-w 64 -g hvm", "", "libxc" },
	{ "hvm libxl physmap 32", { HVM(32), .pages = 20, .physmap_entries = 3, .qemu = true, .tsc = true },
	  "-w 32 -g hvm -f libxl", "--format libxl", NULL },
	{ "hvm libxl physmap 64", { HVM(64), .pages = 20, .physmap_entries = 2, .qemu = true,
				     .hvm_params = true },
	  "-w 64 -g hvm -f libxl --skip-qemu", "--format libxl --skip-qemu", NULL },
	{ "hvm libxl no physmap", { HVM(64), .pages = 20, .qemu = true },
	  "-w 64 -g hvm -f libxl", "--format libxl", "libxl" },
	{ "hvm libxc ignores toolstack", { HVM(64), .pages = 5, .physmap_entries = 2, .qemu = true },
	  "-w 64 -g hvm", "", "libxc" },
};

static void sif_convert_cli(const char *in, const char *out, const char *args, int want)
{
	struct run_result r;
	int st = tu_sh(&r, "\"$SIF\" image convert '%s' '%s' %s", in, out, args);

	if (st != want)
		fail_msg("sif image convert %s: exit %d (want %d): %s", args, st, want, r.err);
	tu_run_free(&r);
}

static void test_matrix_vs_peer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		const struct mcase *c = &matrix[i];
		struct v1gen_opts o = c->o;
		char *in, *po = tu_strf("%s/peer.v2", dir), *so = tu_strf("%s/sif.v2", dir);

		o.seed = i + 1;
		in = v1t_gen(dir, "in.v1", &o, NULL, NULL);
		if (v1t_peer_convert(in, po, c->peer) != 0)
			fail_msg("%s: the peer failed", c->name);
		sif_convert_cli(in, so, c->sif, 0);
		if (!tu_files_equal(po, so))
			fail_msg("%s: output differs from convert-legacy-stream %s", c->name, c->peer);
		if (c->verify && v1t_peer_verify(so, c->verify) != 0)
			fail_msg("%s: verify-stream-v2 rejects the output", c->name);
		free(in); free(po); free(so);
	}
}

/* All-XTAB batches: no PAGE_DATA record (the peer's count-0 record is invalid). */
static void test_all_xtab_batches(void **state)
{
	struct v1gen_opts with = { PV(32, 64), .pages = 50, .vcpus = 1, .xtab_batches = 3, .seed = 7 };
	struct v1gen_opts without = with;
	char *a, *b, *pa = tu_strf("%s/pa", dir), *pb = tu_strf("%s/pb", dir), *sa = tu_strf("%s/sa", dir);

	(void)state;
	without.xtab_batches = 0;
	a = v1t_gen(dir, "with.v1", &with, NULL, NULL);
	b = v1t_gen(dir, "without.v1", &without, NULL, NULL);
	assert_int_equal(v1t_peer_convert(a, pa, "-w 32 -g pv"), 0);
	assert_int_equal(v1t_peer_convert(b, pb, "-w 32 -g pv"), 0);
	sif_convert_cli(a, sa, "", 0);
	assert_false(tu_files_equal(pa, sa));
	assert_true(tu_files_equal(pb, sa));
	assert_int_not_equal(v1t_peer_verify(pa, "libxc"), 0);
	assert_int_equal(v1t_peer_verify(sa, "libxc"), 0);
	free(a); free(b); free(pa); free(pb); free(sa);
}

/* xl input: the header goes through (STREAMV2 flag for libxl), the rest as bare. */
static void xl_case(const char *fmt_args, const char *bare_args, unsigned char flag)
{
	struct v1gen_opts xl = { HVM(64), .pages = 30, .qemu = true, .wrap = V1GEN_XL, .seed = 3 };
	struct v1gen_opts bare = xl;
	struct v1gen_result res;
	char *x, *b, *sx = tu_strf("%s/sx", dir), *sb = tu_strf("%s/sb", dir);
	unsigned char *ox, *ob;
	size_t lx, lb, hl;

	bare.wrap = V1GEN_BARE;
	x = v1t_gen(dir, "xl.v1", &xl, &res, NULL);
	b = v1t_gen(dir, "bare.v1", &bare, NULL, NULL);
	sif_convert_cli(x, sx, fmt_args, 0);
	sif_convert_cli(b, sb, bare_args, 0);
	ox = (unsigned char *)tu_read_file(sx, &lx);
	ob = (unsigned char *)tu_read_file(sb, &lb);
	hl = res.v1_start;
	assert_int_equal(lx, lb + hl);
	assert_memory_equal(ox + hl, ob, lb);
	assert_memory_equal(ox, "Xen saved domain, xl format\n \0 \r", 32);
	assert_int_equal(ox[36], flag);
	free(ox); free(ob); free(x); free(b); free(sx); free(sb);
}

static void test_xl_input(void **state)
{
	char *o = tu_strf("%s/o", dir), *b;
	struct v1gen_opts bare = { HVM(64), .pages = 3, .qemu = true };

	(void)state;
	xl_case("--xl", "", 0);
	xl_case("--format libxl", "--format libxl", 2);
	/* --xl demands the header */
	b = v1t_gen(dir, "b.v1", &bare, NULL, NULL);
	sif_convert_cli(b, o, "--xl", 1);
	assert_int_not_equal(access(o, F_OK), 0);
	free(b); free(o);
}

/* A xenopsd legacy image converts like the bare stream with the qemu record. */
static void test_legacy_image(void **state)
{
	struct v1gen_opts img = { HVM(32), .pages = 40, .qemu = true, .qemu_len = 3000,
				  .wrap = V1GEN_LEGACY_IMAGE, .seed = 9, .hvm_params = true };
	struct v1gen_opts bare = img;
	char *i, *b, *pq = tu_strf("%s/pq", dir), *ps = tu_strf("%s/ps", dir),
	     *sq = tu_strf("%s/sq", dir), *ss = tu_strf("%s/ss", dir), *sl = tu_strf("%s/sl", dir),
	     *pl = tu_strf("%s/pl", dir);

	(void)state;
	bare.wrap = V1GEN_BARE;
	i = v1t_gen(dir, "img", &img, NULL, NULL);
	b = v1t_gen(dir, "bare", &bare, NULL, NULL);
	assert_int_equal(v1t_peer_convert(b, pq, "-w 32 -g hvm"), 0);
	assert_int_equal(v1t_peer_convert(b, ps, "-w 32 -g hvm --skip-qemu"), 0);
	assert_int_equal(v1t_peer_convert(b, pl, "-w 32 -g hvm -f libxl"), 0);
	sif_convert_cli(i, sq, "", 0);
	sif_convert_cli(i, ss, "--skip-qemu", 0);
	sif_convert_cli(i, sl, "--format libxl", 0);
	assert_true(tu_files_equal(pq, sq));
	assert_true(tu_files_equal(ps, ss));
	assert_true(tu_files_equal(pl, sl));
	free(i); free(b); free(pq); free(ps); free(sq); free(ss); free(sl); free(pl);
}

/* Library level: a shared fd is left on the legacy qemu record. */
static void test_shared_fd_left_on_qemu(void **state)
{
	struct v1gen_opts img = { HVM(32), .pages = 500, .qemu = true, .wrap = V1GEN_LEGACY_IMAGE };
	struct sif_convert_opts co = { .skip_qemu = true };
	struct sif_convert_result res;
	struct v1gen_result gr;
	struct sif_err err = { 0 };
	struct sif_src s;
	char *p = v1t_gen(dir, "img", &img, &gr, NULL), buf[22];
	int fd = open(p, O_RDONLY), out = open("/dev/null", O_WRONLY);

	(void)state;
	assert_int_equal(sif_src_open_fd(&s, fd, p, SIF_SRC_SHARED, &err), 0);
	assert_int_equal(sif_convert(&s, out, "null", &co, &res, &err), 0);
	sif_src_close(&s);
	assert_int_equal(res.input, SIF_CONVERT_IN_LEGACY_IMAGE);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), gr.v1_end);
	assert_int_equal(read(fd, buf, 22), 22);
	assert_memory_equal(buf, "QemuDeviceModelRecord\n", 22);
	close(fd);
	close(out);
	free(p);
}

static int count_files(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dd)))
		if (de->d_name[0] != '.' || strstr(de->d_name, "sif-tmp"))
			n++;
	closedir(dd);
	return n;
}

/* Refusals: exit 1, a message with offset and expectation, no output file. */
static void test_cli_refusals(void **state)
{
	struct v1gen_opts o = { PV(32, 64), .pages = 2000, .vcpus = 2 };
	char *sub = tu_strf("%s/refuse", dir), *in, *out, *cut;
	struct run_result r;
	struct v1gen_result gr;

	(void)state;
	mkdir(sub, 0755);
	in = v1t_gen(dir, "in.v1", &o, &gr, NULL);
	out = tu_strf("%s/out.v2", sub);
	cut = v1t_copy(in, "cut");
	v1t_truncate(cut, gr.total - 100);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s'", cut, out), 1);
	assert_non_null(strstr(r.err, "truncated reading shared info page: expected 4096 bytes, got 3996"));
	tu_run_free(&r);
	assert_int_equal(count_files(sub), 0);
	/* An existing OUT survives a failed conversion untouched. */
	tu_write_file(out, "old", 3);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s'", cut, out), 1);
	tu_run_free(&r);
	{
		size_t len;
		char *got = tu_read_file(out, &len);

		assert_int_equal(len, 3);
		assert_memory_equal(got, "old", 3);
		free(got);
	}
	assert_int_equal(count_files(sub), 1);
	unlink(out);
	/* Trailing garbage is reported. */
	assert_int_equal(tu_sh(&r, "cat '%s' '%s' > '%s.trail'", in, in, in), 0);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s.trail' '%s'", in, out), 1);
	{
		char *want = tu_strf("offset %llu: %llu trailing bytes after the end of the v1 stream",
				     (unsigned long long)gr.total, (unsigned long long)gr.total);

		if (!strstr(r.err, want))
			fail_msg("\"%s\" lacks \"%s\"", r.err, want);
		free(want);
	}
	tu_run_free(&r);
	assert_int_equal(count_files(sub), 0);
	/* Width contradicting the stream. */
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s' --width 64 --guest-type pv", in, out), 1);
	assert_non_null(strstr(r.err, "offset 0: not a libxc v1 stream of the requested kind (width 64, guest pv)"));
	tu_run_free(&r);
	/* Usage errors. */
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s' --width 48", in, out), 2);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s'", in), 2);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert /nonexistent '%s'", out), 1);
	assert_non_null(strstr(r.err, "/nonexistent: open: No such file"));
	tu_run_free(&r);
	assert_int_equal(count_files(sub), 0);
	free(sub); free(in); free(out); free(cut);
}

/* Pipes in and out, and an HVM stream followed by its qemu record on stdin. */
static void test_cli_pipes(void **state)
{
	struct v1gen_opts o = { HVM(64), .pages = 1500, .qemu = true, .qemu_len = 9000, .seed = 5 };
	char *in, *po = tu_strf("%s/po", dir), *so = tu_strf("%s/so", dir);
	struct run_result r;

	(void)state;
	in = v1t_gen(dir, "in.v1", &o, NULL, NULL);
	assert_int_equal(v1t_peer_convert(in, po, "-w 64 -g hvm"), 0);
	assert_int_equal(tu_sh(&r, "cat '%s' | \"$SIF\" image convert - - | cat > '%s'", in, so), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(po, so));
	/* --skip-qemu on a bare stream: the qemu record after it is skipped, not trailing */
	assert_int_equal(v1t_peer_convert(in, po, "-w 64 -g hvm --skip-qemu"), 0);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert - '%s' --skip-qemu < '%s'", so, in), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(po, so));
	free(in); free(po); free(so);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* --to raw|structured: a whole image that verify accepts, Libxc + Qemu_trad. */
static void test_to_image(void **state)
{
	struct v1gen_opts o = { HVM(32), .pages = 700, .qemu = true, .qemu_len = 12345,
				.wrap = V1GEN_LEGACY_IMAGE, .hvm_params = true, .seed = 11 };
	char *in, *raw = tu_strf("%s/out.raw", dir), *st = tu_strf("%s/out.st", dir),
	     *stream = tu_strf("%s/out.v2", dir);
	unsigned char *img, *v2;
	size_t ilen, vlen, off;
	struct run_result r;

	(void)state;
	in = v1t_gen(dir, "img", &o, NULL, NULL);
	sif_convert_cli(in, raw, "--to raw", 0);
	sif_convert_cli(in, st, "--to structured", 0);
	sif_convert_cli(in, stream, "--skip-qemu", 0);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image verify '%s' && \"$SIF\" image verify '%s'", raw, st), 0);
	tu_run_free(&r);
	img = (unsigned char *)tu_read_file(raw, &ilen);
	v2 = (unsigned char *)tu_read_file(stream, &vlen);
	assert_memory_equal(img, "XenSavedDomv2-\n", 15);
	assert_int_equal(le64(img + 15), 0x000f);                 /* Xenops */
	off = 15 + 16 + (size_t)le64(img + 23);                   /* framing has no padding */
	assert_int_equal(le64(img + off), 0x00f0);                /* Libxc, length 0 */
	assert_int_equal(le64(img + off + 8), 0);
	off += 16;
	assert_true(ilen >= off + vlen + 16 + 12345 + 16);
	assert_memory_equal(img + off, v2, vlen);
	off += vlen;
	assert_int_equal(le64(img + off), 0x0f00);                /* Qemu_trad */
	assert_int_equal(le64(img + off + 8), 12345);
	free(img); free(v2);
	/* A failing conversion leaves no image behind. */
	v1t_truncate(in, 5000);
	unlink(raw);
	sif_convert_cli(in, raw, "--to raw", 1);
	assert_int_not_equal(access(raw, F_OK), 0);
	free(in); free(raw); free(st); free(stream);
}

/*
 * img made by gen_image (args: its kind and v1 spec), and the bare v1 stream
 * that o makes, the same as the one inside it: the peer's input.
 */
static char *image_and_bare(const char *img, const char *args, const struct v1gen_opts *o)
{
	struct run_result r;

	assert_int_equal(tu_sh(&r, "\"$SIF_BUILD/tests/gen_image\" '%s' %s", img, args), 0);
	tu_run_free(&r);
	return v1t_gen(dir, "bare", o, NULL, NULL);
}

/* sif's conversion of in (sif_args) into so is byte for byte the peer's of bare into po. */
static void same_as_peer(const char *bare, const char *po, const char *peer_args, const char *in,
			 const char *so, const char *sif_args)
{
	assert_int_equal(v1t_peer_convert(bare, po, peer_args), 0);
	sif_convert_cli(in, so, sif_args, 0);
	assert_true(tu_files_equal(po, so));
}

/* A legacy suspend VDI (ext2 holding suspend-image) converts like its stream. */
static void test_ext2_legacy_input(void **state)
{
	char *img = tu_strf("%s/leg.ext2", dir), *po = tu_strf("%s/po", dir), *so = tu_strf("%s/so", dir);
	struct v1gen_opts o = { PV(32, 64), .pages = 900, .vcpus = 3, .offline_every = 2, .seed = 4 };
	char *bare;

	(void)state;
	bare = image_and_bare(img, "kind=legacy v1='guest=pv width=32 guest_width=64 pages=900 vcpus=3 "
			      "offline_every=2 seed=4'", &o);
	same_as_peer(bare, po, "-w 32 -g pv", img, so, "");
	free(img); free(po); free(so); free(bare);
}

/* A structured image whose stream record is Libxc_legacy converts too. */
static void test_framed_libxc_legacy(void **state)
{
	char *img = tu_strf("%s/sl.img", dir), *po = tu_strf("%s/po", dir), *so = tu_strf("%s/so", dir),
	     *raw = tu_strf("%s/sl.raw", dir);
	struct v1gen_opts o = { HVM(64), .pages = 300, .hvm_params = true, .seed = 8 };
	struct run_result r;
	char *bare;

	(void)state;
	bare = image_and_bare(img, "kind=structured-legacy v1='guest=hvm width=64 pages=300 "
			      "hvm_params=1 seed=8' qemu_bytes=3000", &o);
	same_as_peer(bare, po, "-w 64 -g hvm --skip-qemu", img, so, "--skip-qemu");
	/* its Qemu_trad record follows as the libxc qemu record */
	sif_convert_cli(img, so, "", 0);
	{
		size_t lp, ls;
		char *a = tu_read_file(po, &lp), *b = tu_read_file(so, &ls);

		assert_int_equal(ls, lp + 21 + 4 + 3000);
		assert_memory_equal(a, b, lp);
		assert_memory_equal(b + lp, "DeviceModelRecord0002", 21);
		free(a); free(b);
	}
	/* a v2 image has nothing to convert */
	sif_convert_cli(img, raw, "--to raw", 0);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s'", raw, so), 1);
	assert_non_null(strstr(r.err, "offset 86: a Libxc record: the image already holds a v2 stream"));
	tu_run_free(&r);
	free(img); free(po); free(so); free(raw); free(bare);
}

/*
 * "Legacy Libxc record (w/ QEMU record)": libxc's own qemu record after the
 * Libxc_legacy record's stream converts as the peer converts it after a
 * bare stream; a Qemu_trad record besides it is a second one, refused.
 */
static void test_framed_libxc_legacy_qemu(void **state)
{
	char *img = tu_strf("%s/slq.img", dir), *po = tu_strf("%s/po", dir), *so = tu_strf("%s/so", dir),
	     *raw = tu_strf("%s/slq.raw", dir), *two = tu_strf("%s/slq2.img", dir);
	struct v1gen_opts o = { HVM(64), .pages = 300, .hvm_params = true, .seed = 9, .qemu = true,
				.qemu_len = 3000 };
	struct run_result r;
	char *bare;

	(void)state;
	bare = image_and_bare(img, "kind=structured-legacy v1='guest=hvm width=64 pages=300 "
			      "hvm_params=1 seed=9 qemu=1 qemu_len=3000'", &o);
	same_as_peer(bare, po, "-w 64 -g hvm", img, so, "");
	same_as_peer(bare, po, "-w 64 -g hvm --skip-qemu", img, so, "--skip-qemu");
	/* into an image: the Qemu_trad record */
	sif_convert_cli(img, raw, "--to raw", 0);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image inspect '%s'", raw), 0);
	assert_non_null(strstr(r.out, "3000 bytes of Qemu_trad state"));
	tu_run_free(&r);
	/* and a Qemu_trad record too */
	assert_int_equal(tu_sh(&r, "\"$SIF_BUILD/tests/gen_image\" '%s' kind=structured-legacy "
			       "v1='guest=hvm width=64 pages=300 seed=9 qemu=1' qemu_bytes=100", two), 0);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "\"$SIF\" image convert '%s' '%s'", two, so), 1);
	assert_non_null(strstr(r.err, "a second qemu record"));
	tu_run_free(&r);
	free(img); free(po); free(so); free(raw); free(two); free(bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix_vs_peer),
		cmocka_unit_test(test_all_xtab_batches),
		cmocka_unit_test(test_xl_input),
		cmocka_unit_test(test_legacy_image),
		cmocka_unit_test(test_shared_fd_left_on_qemu),
		cmocka_unit_test(test_cli_refusals),
		cmocka_unit_test(test_cli_pipes),
		cmocka_unit_test(test_to_image),
		cmocka_unit_test(test_ext2_legacy_input),
		cmocka_unit_test(test_framed_libxc_legacy),
		cmocka_unit_test(test_framed_libxc_legacy_qemu),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
