/*
 * ext2 suspend-image files with sparse holes, as `mke2fs -d` makes them
 * (it leaves every all-zero block of the file unallocated).  The container
 * reads a hole as zeros, as the kernel would, and every byte read equals
 * the original file's through every path: reads, peeks, kernel copies to
 * a file and to a pipe, the read/write fallback; holes at the start, in
 * the middle, at the end (a whole and a partial last block) and a file
 * that is all hole, with 1 KiB and 4 KiB blocks.  inspect counts them (text
 * and JSON).  Then whole images whose page data and qemu records hold zero
 * blocks: verify, convert, vdi-check and the restore path (fake backend)
 * give exactly what they give for the same image written without holes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json.h>
#include <cmocka.h>

#include "sif/domain.h"
#include "sif/image.h"
#include "sif/restore.h"
#include "dbutil.h"
#include "expect.h"
#include "imgtest.h"
#include "testutil.h"
#include "v2gen.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("IMGGEN_EXT2TOOL");
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/* --- the container on crafted files ------------------------------------- */

/* A file layout: runs of data ('d') and zeros ('z'), in blocks (may end in a half). */
struct layout {
	const char *name;
	const char *runs;       /* e.g. "zzzdd": one letter per block */
	size_t tail;            /* bytes of a last partial block, of the last run's kind */
};

static const struct layout layouts[] = {
	{ "start", "zzzdd", 100 },
	{ "middle", "dzzzzdzzd", 0 },
	{ "end", "ddzzzzz", 0 },
	{ "end-partial", "ddzzzzz", 2048 / 4 },
	{ "all-hole", "zzzzzzzzzz", 0 },
	{ "no-hole", "ddd", 7 },
};

static unsigned char *make_content(const struct layout *l, size_t bs, size_t *len,
				   uint64_t *holes, uint64_t *hole_bytes)
{
	size_t nruns = strlen(l->runs), i;
	unsigned char *p;
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ bs;
	char prev = 0;

	*len = nruns * bs + l->tail;
	p = malloc(*len ? *len : 1);
	assert_non_null(p);
	*holes = *hole_bytes = 0;
	for (i = 0; i < *len; i++) {
		char kind = l->runs[i / bs < nruns ? i / bs : nruns - 1];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* data blocks never hold a zero byte, so none reads as a hole */
		p[i] = kind == 'z' ? 0 : (unsigned char)(x | 1);
	}
	for (i = 0; i < nruns; i++) {
		if (l->runs[i] == 'z') {
			*holes += prev != 'z';
			*hole_bytes += bs;
		}
		prev = l->runs[i];
	}
	if (l->tail && l->runs[nruns - 1] == 'z')
		*hole_bytes += l->tail;
	return p;
}

/* The file as `mke2fs -d` puts it in a fresh ext2 filesystem. */
static char *sparse_fs(const char *name, const void *content, size_t len, size_t bs)
{
	char *d = tu_strf("%s/%s.d", dir, name), *f = tu_strf("%s/suspend-image", d);
	char *img = tu_strf("%s/%s.img", dir, name);
	struct run_result r;

	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(tu_write_file(f, content, len), 0);
	if (tu_sh(&r, "mke2fs -q -F -t ext2 -b %zu -m 0 -d '%s' '%s' 1m", bs, d, img) != 0)
		fail_msg("mke2fs -d: %s", r.err);
	tu_run_free(&r);
	unlink(f);
	rmdir(d);
	free(d);
	free(f);
	return img;
}

static void open_any(struct sif_image *img, const char *path, unsigned flags)
{
	struct sif_err err;

	if (sif_image_open(img, path, flags | SIF_IMAGE_ANY_STREAM, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
}

/* Every byte through reads of odd sizes and peeks. */
static void check_reads(const char *img_path, const unsigned char *want, size_t len)
{
	struct sif_image img;
	struct sif_err err;
	unsigned char *got = malloc(len + 1);
	size_t at = 0;

	open_any(&img, img_path, 0);
	while (at < len) {
		size_t n = len - at < 3001 ? len - at : 3001;
		const unsigned char *p;

		if (at % 2) {
			assert_int_equal(sif_src_peek(&img.src, n, &p, "test", &err), 0);
			memcpy(got + at, p, n);
			assert_int_equal(sif_src_skip(&img.src, n, "test", &err), 0);
		} else {
			assert_int_equal(sif_src_read_exact(&img.src, got + at, n, "test", &err), 0);
		}
		at += n;
	}
	assert_memory_equal(got, want, len);
	assert_int_equal(sif_src_remaining(&img.src), 0);
	sif_image_close(&img);
	free(got);
}

/* Every byte through sif_src_copy_to_fd into a file (kernel copies or not). */
static void check_copy_to_file(const char *img_path, const char *orig, size_t len,
			       unsigned flags)
{
	char *out = tu_strf("%s/copied", dir);
	struct sif_image img;
	struct sif_err err;
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	open_any(&img, img_path, flags);
	/* a few bytes first, so copies start off block boundaries too */
	assert_int_equal(sif_src_copy_to_fd(&img.src, fd, out, len / 3, "first", &err), 0);
	assert_int_equal(sif_src_copy_to_fd(&img.src, fd, out, len - len / 3, "rest", &err), 0);
	if (flags & SIF_IMAGE_NO_KCOPY)
		assert_int_equal(img.src.bytes_kcopied, 0);
	sif_image_close(&img);
	close(fd);
	if (!tu_files_equal(out, orig))
		fail_msg("%s: copied bytes differ from the original (flags %u)", img_path, flags);
	unlink(out);
	free(out);
}

/* The same into a pipe (the restore path's way): the file fits in its buffer. */
static void check_copy_to_pipe(const char *img_path, const unsigned char *want, size_t len)
{
	struct sif_image img;
	struct sif_err err;
	unsigned char *got = malloc(len + 1);
	size_t at = 0;
	int p[2];

	assert_true(len < 65536);
	assert_int_equal(pipe(p), 0);
	open_any(&img, img_path, 0);
	assert_int_equal(sif_src_copy_to_fd(&img.src, p[1], "pipe", len, "all", &err), 0);
	close(p[1]);
	while (at < len) {
		ssize_t r = read(p[0], got + at, len - at);

		assert_true(r > 0);
		at += (size_t)r;
	}
	close(p[0]);
	assert_memory_equal(got, want, len);
	sif_image_close(&img);
	free(got);
}

static void holes_read_as_zeros(void **state)
{
	static const size_t block_sizes[] = { 1024, 4096 };

	(void)state;
	for (size_t b = 0; b < 2; b++) {
		for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
			const struct layout *l = &layouts[i];
			size_t bs = block_sizes[b], len;
			uint64_t holes, hole_bytes;
			unsigned char *want = make_content(l, bs, &len, &holes, &hole_bytes);
			char *name = tu_strf("%s-%zu", l->name, bs), *orig = tu_strf("%s/orig", dir);
			char *img_path = sparse_fs(name, want, len, bs);
			struct sif_image img;

			assert_int_equal(tu_write_file(orig, want, len), 0);
			open_any(&img, img_path, 0);
			assert_int_equal(img.container_kind, SIF_CONTAINER_EXT2);
			assert_int_equal(img.stream_size, len);
			if (img.ext2_holes != holes || img.ext2_hole_bytes != hole_bytes)
				fail_msg("%s: %llu holes of %llu bytes, expected %llu of %llu", name,
					 (unsigned long long)img.ext2_holes,
					 (unsigned long long)img.ext2_hole_bytes,
					 (unsigned long long)holes, (unsigned long long)hole_bytes);
			assert_int_equal(img.ext2_runs == 0, strchr(l->runs, 'd') == NULL);
			sif_image_close(&img);
			check_reads(img_path, want, len);
			check_copy_to_file(img_path, orig, len, 0);
			check_copy_to_file(img_path, orig, len, SIF_IMAGE_NO_KCOPY);
			check_copy_to_pipe(img_path, want, len);
			unlink(img_path);
			free(img_path);
			free(name);
			free(orig);
			free(want);
		}
	}
}

/* Without SIF_IMAGE_ANY_STREAM an all-hole file is what the kernel shows: zeros. */
static void all_hole_is_not_an_image(void **state)
{
	struct layout l = { "zeros", "zzzz", 0 };
	size_t len;
	uint64_t h, hb;
	unsigned char *c = make_content(&l, 4096, &len, &h, &hb);
	char *p = sparse_fs("zeros", c, len, 4096);
	struct sif_image img;
	struct sif_err err;

	(void)state;
	it_expect_fail(sif_image_open(&img, p, 0, &err), &err, "offset 0: expected the signature",
		       "found \"\\x00\\x00\\x00\\x00");
	free(c);
	free(p);
}

/* --- whole images with holes --------------------------------------------- */

struct case_ {
	const char *name, *field;
	struct imggen_opts img;
	bool hvm, convertible;
};

static const struct case_ cases[] = {
	{ "legacy HVM", "legacy", { .kind = IMGGEN_LEGACY, .qemu_bytes = 20000, .qemu_zero = true,
	  .v1_kv = "guest=hvm width=32 pages=120 zero_pages=9 hvm_params=1" }, true, true },
	{ "legacy PV", "legacy", { .kind = IMGGEN_LEGACY,
	  .v1_kv = "guest=pv width=64 guest_width=64 pages=90 zero_pages=5 vcpus=2" }, false, true },
	{ "structured", "structured", { .kind = IMGGEN_STRUCTURED, .qemu_bytes = 9000,
	  .qemu_zero = true, .v2 = { .guest = V2GEN_HVM, .pages = 100, .zero_pages = 6 } },
	  true, false },
};

static char *gen_image(const char *name, const struct imggen_opts *o, const char *tool)
{
	char *p = tu_strf("%s/%s", dir, name);

	if (tool)
		setenv("IMGGEN_EXT2TOOL", tool, 1);
	else
		unsetenv("IMGGEN_EXT2TOOL");
	if (imggen_write(p, o, NULL) < 0)
		fail_msg("generating %s", name);
	unsetenv("IMGGEN_EXT2TOOL");
	return p;
}

static char *restore_into(const struct case_ *c, const char *image, const char *name)
{
	char *fake = tu_strf("%s/%s", dir, name);
	struct sif_strlist pd = { 0 };
	struct sif_domain_restore r = { 0 };
	struct sif_xen *xen;
	struct sif_err err;

	assert_int_equal(mkdir(fake, 0700), 0);
	assert_int_equal(sif_strlist_add(&pd, "suspend-image-format", c->field), 0);
	assert_int_equal(sif_xen_open_fake(&xen, fake, NULL, &err), 0);
	r.platformdata = &pd;
	r.vdi_uuid = "holes";
	r.image_path = image;
	r.stream_fd = -1;
	r.xen = xen;
	r.spec.hvm = c->hvm;
	r.spec.hvm_known = true;
	if (sif_domain_restore_run(&r, &err) < 0)
		fail_msg("%s: restore of %s: %s", c->name, image, err.msg);
	sif_xen_close(xen);
	sif_strlist_free(&pd);
	return fake;
}

static void same_file(const char *a, const char *b, const char *what)
{
	if (!tu_files_equal(a, b))
		fail_msg("%s: %s and %s differ", what, a, b);
}

static void one_case(const struct case_ *c, const char *tool, const struct tu_pool *pool)
{
	char *full = gen_image("full.img", &c->img, NULL);
	char *sparse = gen_image("sparse.img", &c->img, tool);
	char *f1 = restore_into(c, full, "fake-full"), *f2 = restore_into(c, sparse, "fake-sparse");
	char *a, *b, *imgarg;
	struct json_object *o, *e, *v;
	struct run_result r;
	struct sif_image img;

	/* the container has holes, the same image without them has none */
	open_any(&img, full, 0);
	assert_int_equal(img.ext2_holes, 0);
	sif_image_close(&img);
	open_any(&img, sparse, 0);
	if (img.ext2_holes == 0)
		fail_msg("%s (%s): mke2fs -d left no hole", c->name, tool);
	sif_image_close(&img);
	/* inspect: text and JSON */
	tu_sif(&r, "image", "inspect", sparse, NULL);
	assert_int_equal(r.status, 0);
	if (!strstr(r.out, "sparse hole") || !strstr(r.out, "bytes read as zeros"))
		fail_msg("%s: inspect does not show the holes:\n%s", c->name, r.out);
	tu_run_free(&r);
	tu_sif(&r, "image", "inspect", "--json", sparse, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "ext2", &e));
	assert_true(json_object_object_get_ex(e, "holes", &v));
	assert_true(json_object_get_int64(v) > 0);
	assert_true(json_object_object_get_ex(e, "hole_bytes", &v));
	assert_true(json_object_get_int64(v) >= 1024);
	json_object_put(o);
	tu_run_free(&r);
	/* verify reads every byte */
	tu_sif(&r, "image", "verify", sparse, NULL);
	tu_expect(&r, 0, "ok: ", NULL);
	/* the restore path: the backend gets the same bytes */
	a = tu_strf("%s/restore-1.libxc", f1);
	b = tu_strf("%s/restore-1.libxc", f2);
	same_file(a, b, "libxc stream handed to the backend");
	free(a); free(b);
	a = tu_strf("%s/dm-1.state", f1);
	b = tu_strf("%s/dm-1.state", f2);
	if (c->hvm)
		same_file(a, b, "device model state");
	free(a); free(b);
	/* convert: the same v2 stream */
	if (c->convertible) {
		a = tu_strf("%s/full.v2", dir);
		b = tu_strf("%s/sparse.v2", dir);
		tu_sif(&r, "image", "convert", full, a, NULL);
		tu_expect(&r, 0, NULL, NULL);
		tu_sif(&r, "image", "convert", sparse, b, NULL);
		tu_expect(&r, 0, NULL, NULL);
		same_file(a, b, "converted stream");
		unlink(a); unlink(b);
		free(a); free(b);
	}
	/* vdi-check derives the format from the image */
	imgarg = tu_strf("--image=%s", sparse);
	tu_sif(&r, pool->dbarg, pool->pdirarg, "vdi-check", pool->vdi, imgarg, NULL);
	a = tu_strf("suspend_image_format=legacy %s the image", !strcmp(c->field, "legacy") ?
		    "agrees with" : "but");
	tu_expect(&r, !strcmp(c->field, "legacy") ? 0 : 1, a, NULL);
	free(a);
	free(imgarg);
	tu_rmrf(f1);
	tu_rmrf(f2);
	unlink(full);
	unlink(sparse);
	free(f1); free(f2); free(full); free(sparse);
}

static void images_with_holes(void **state)
{
	struct tu_pool pool;

	(void)state;
	tu_pool_make(&pool, dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one_case(&cases[i], "sparse", &pool);
		one_case(&cases[i], "sparse1k", &pool);
	}
	tu_pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(holes_read_as_zeros),
		cmocka_unit_test(all_hole_is_not_an_image),
		cmocka_unit_test(images_with_holes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
