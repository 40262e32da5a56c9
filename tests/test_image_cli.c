/*
 * `sif image inspect|verify|wrap` and `sif vdi-check` end to end: output,
 * JSON that parses, exit codes (0 ok, 1 failure, 2 usage), messages with
 * offsets; wrap builds images that verify accepts, e2fsck finds clean and
 * debugfs reads back byte for byte, reproducibly; a refused or failed
 * wrap leaves nothing behind (no file, the old one untouched, no temp).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json.h>
#include <cmocka.h>

#include "imgtest.h"
#include "sif/image.h"
#include "sif/io.h"
#include "dbutil.h"
#include "expect.h"
#include "testutil.h"
#include "v2gen.h"

static char *dir, *stream, *qemu;

static int setup(void **state)
{
	struct v2gen_opts o = { .guest = V2GEN_PV64, .pages = 300, .vcpus = 2, .page_types = true,
				.seed = 11 };
	char q[5000];

	(void)state;
	dir = tu_mkdtemp();
	stream = it_gen_v2(dir, "pv.v2", &o, NULL);
	qemu = tu_strf("%s/qemu.bin", dir);
	memset(q, 'q', sizeof(q));
	assert_int_equal(tu_write_file(qemu, q, sizeof(q)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sif_fs_set_ops(NULL);
	tu_rmrf(dir);
	free(dir);
	free(stream);
	free(qemu);
	return 0;
}

static void wrap_raw_and_structured(void **state)
{
	char *raw = tu_strf("%s/raw.img", dir), *st = tu_strf("%s/st.img", dir);
	char *dump = tu_strf("%s/dump", dir);
	struct run_result r;

	(void)state;
	setenv("SOURCE_DATE_EPOCH", "1709210096", 1);
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", stream, "--qemu", qemu,
	       "--xenops-vm", "{\"uuid\": \"a b\"}", raw, NULL);
	tu_expect(&r, 0, "raw image written", NULL);
	tu_sif(&r, "image", "wrap", "--format=structured", "--libxc", stream, "--qemu", qemu,
	       "--xenops-vm", "{\"uuid\": \"a b\"}", st, NULL);
	tu_expect(&r, 0, "structured image written", NULL);
	tu_sif(&r, "image", "verify", raw, NULL);
	tu_expect(&r, 0, "ok: raw image (raw container), PV guest", NULL);
	tu_sif(&r, "image", "verify", st, NULL);
	tu_expect(&r, 0, "ok: structured image (ext2 container)", NULL);
	/* the filesystem is clean and holds the raw image's bytes */
	assert_int_equal(tu_sh(&r, "e2fsck -fn '%s'", st), 0);
	tu_run_free(&r);
	assert_int_equal(tu_sh(&r, "debugfs -R 'dump suspend-image %s' '%s'", dump, st), 0);
	tu_run_free(&r);
	assert_true(tu_files_equal(dump, raw));
	/* reproducible with SOURCE_DATE_EPOCH */
	tu_sif(&r, "image", "wrap", "--format", "structured", "--libxc", stream, "--qemu", qemu,
	       "--xenops-vm", "{\"uuid\": \"a b\"}", dump, NULL);
	tu_expect(&r, 0, NULL, NULL);
	assert_true(tu_files_equal(dump, st));
	/* the Xenops record as xenopsd writes it */
	tu_sif(&r, "image", "inspect", raw, NULL);
	tu_expect(&r, 0, "Xenops            time 20240229T12:34:56Z, word_size 64, vm_str 15 bytes, "
	       "xs_subtree 0 pairs", NULL);
	unsetenv("SOURCE_DATE_EPOCH");
	unlink(raw);
	unlink(st);
	unlink(dump);
	free(raw);
	free(st);
	free(dump);
}

static void inspect_text_and_json(void **state)
{
	char *img = tu_strf("%s/i.img", dir);
	struct json_object *o, *recs, *rec, *v;
	struct run_result r;

	(void)state;
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", stream, "--qemu", qemu, img, NULL);
	tu_expect(&r, 0, NULL, NULL);
	tu_sif(&r, "image", "inspect", img, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "format:     raw"));
	assert_non_null(strstr(r.out, "libxc v2 stream version 3, x86 PV 64-bit (4-level pagetables), "
			       "from Xen 4.17: 300 pages in 1 PAGE_DATA records, 2 vcpus"));
	assert_non_null(strstr(r.out, "5016  Qemu_trad         5000 bytes of Qemu_trad state"));
	tu_run_free(&r);
	tu_sif(&r, "image", "inspect", "--json", img, NULL);
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "records", &recs));
	assert_int_equal(json_object_array_length(recs), 5);
	rec = json_object_array_get_idx(recs, 2);
	assert_true(json_object_object_get_ex(rec, "libxc", &v));
	assert_true(json_object_object_get_ex(v, "pages", &v));
	assert_int_equal(json_object_get_int64(v), 300);
	assert_true(json_object_object_get_ex(o, "valid", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);
	tu_run_free(&r);
	/* an invalid image: what was read, then the error, exit 1 */
	it_truncate(img, it_size(img) - 10);
	tu_sif(&r, "image", "inspect", img, NULL);
	assert_non_null(strstr(r.out, "Qemu_trad"));
	tu_expect(&r, 1, NULL, "truncated reading record header: expected 16 bytes, got 6");
	tu_sif(&r, "image", "inspect", "--json", img, NULL);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "valid", &v));
	assert_false(json_object_get_boolean(v));
	json_object_put(o);
	tu_expect(&r, 1, NULL, NULL);
	unlink(img);
	free(img);
}

static void verify_refusals(void **state)
{
	char *img = tu_strf("%s/v.img", dir);
	struct run_result r;

	(void)state;
	tu_sif(&r, "image", "verify", stream, NULL);
	tu_expect(&r, 0, "ok: bare libxc v2 stream", NULL);
	tu_sif(&r, "image", "verify", qemu, NULL);
	tu_expect(&r, 1, NULL, "not a suspend image: offset 0 holds \"qqqq");
	tu_sif(&r, "image", "verify", "/nonexistent/img", NULL);
	tu_expect(&r, 1, NULL, "/nonexistent/img: open");
	tu_sif(&r, "image", "verify", NULL);
	tu_expect(&r, 2, NULL, "missing argument");
	tu_sif(&r, "image", "verify", "--width", "48", img, NULL);
	tu_expect(&r, 2, NULL, "--width takes 32 or 64");
	/* trailing data after a bare stream */
	it_copy(stream, img);
	{
		FILE *f = fopen(img, "ab");

		fputs("junk", f);
		fclose(f);
	}
	tu_sif(&r, "image", "verify", img, NULL);
	tu_expect(&r, 1, NULL, "4 bytes of trailing data after the END record");
	unlink(img);
	free(img);
}

static void wrap_refusals_write_nothing(void **state)
{
	char *out = tu_strf("%s/out.img", dir), *bad = tu_strf("%s/bad.v2", dir);
	char *big = tu_strf("%s/big.bin", dir);
	int before;
	struct run_result r;

	(void)state;
	before = tu_count_entries(dir);
	tu_sif(&r, "image", "wrap", "--libxc", stream, out, NULL);
	tu_expect(&r, 2, NULL, "--format raw or --format structured is required");
	tu_sif(&r, "image", "wrap", "--format", "legacy", "--libxc", stream, out, NULL);
	tu_expect(&r, 2, NULL, NULL);
	tu_sif(&r, "image", "wrap", "--format", "raw", out, NULL);
	tu_expect(&r, 2, NULL, "--libxc STREAM is required");
	/* a broken stream is refused before anything is written */
	it_copy(stream, bad);
	it_truncate(bad, it_size(bad) - 100);
	tu_sif(&r, "image", "wrap", "--format", "structured", "--libxc", bad, out, NULL);
	tu_expect(&r, 1, NULL, "truncated");
	/* qemu state above 1 MiB */
	assert_int_equal(tu_sh(&r, "head -c 1048577 /dev/zero > '%s'", big), 0);
	tu_run_free(&r);
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", stream, "--qemu", big, out, NULL);
	tu_expect(&r, 1, NULL, "a qemu record above 1048576 bytes (1 MiB) is refused");
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(tu_count_entries(dir), before + 2);        /* bad.v2 and big.bin only */
	/* an existing OUT stays as it was */
	assert_int_equal(tu_write_file(out, "old", 3), 0);
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", bad, out, NULL);
	tu_expect(&r, 1, NULL, NULL);
	assert_int_equal(it_size(out), 3);
	assert_int_equal(tu_count_entries(dir), before + 3);
	unlink(out);
	unlink(bad);
	unlink(big);
	free(out);
	free(bad);
	free(big);
}

static int fail_after;
static ssize_t failing_write(int fd, const void *buf, size_t n)
{
	if (fail_after-- <= 0) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, n);
}

/* A write failing at any point of a wrap leaves the target as it was. */
static void wrap_write_failures(void **state)
{
	static const struct sif_fs_ops failing = { .write = failing_write, .fsync = fsync,
						   .rename = rename };
	struct sif_wrap_opts o = { .libxc_path = stream, .qemu_path = qemu, .check_stream = true,
				   .now = 1 };
	char *out = tu_strf("%s/f.img", dir);
	struct sif_err err;
	int fmt, k, before;

	(void)state;
	assert_int_equal(tu_write_file(out, "old", 3), 0);
	before = tu_count_entries(dir);
	for (fmt = 0; fmt < 2; fmt++) {
		o.format = fmt ? SIF_IMAGE_STRUCTURED : SIF_IMAGE_RAW;
		for (k = 0; k < 12; k++) {
			fail_after = k;
			sif_fs_set_ops(&failing);
			if (sif_image_wrap(out, &o, &err) == 0)
				fail_msg("format %d: write %d failing went unnoticed", fmt, k);
			sif_fs_set_ops(NULL);
			assert_non_null(strstr(err.msg, "No space left on device"));
			assert_int_equal(it_size(out), 3);
			assert_int_equal(tu_count_entries(dir), before);
		}
	}
	assert_int_equal(sif_image_wrap(out, &o, &err), 0);
	assert_int_equal(it_scan(out, NULL, &err), 0);
	unlink(out);
	free(out);
}

static void vdi_check(void **state)
{
	struct tu_pool pool;
	char *img = tu_strf("%s/c.img", dir);
	struct run_result r;

	(void)state;
	tu_pool_make(&pool, dir);
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", stream, img, NULL);
	tu_expect(&r, 0, NULL, NULL);
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, "--image", img, NULL);
	tu_expect(&r, 1, "suspend_image_format=legacy but the image is raw (raw container, "
	       "XenSavedDomv2 framing); run with --fix", NULL);
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, "--image", img, "--fix",
	       NULL);
	tu_expect(&r, 0, "suspend_image_format was legacy, the image is raw", "");
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-param-get", pool.vdi,
	       "param-name=suspend-image-format", NULL);
	tu_expect(&r, 0, "raw", NULL);
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, "--image", img, NULL);
	tu_expect(&r, 0, "suspend_image_format=raw agrees with the image", NULL);
	/* a bare stream never changes the field */
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, "--image", stream, "--fix",
	       NULL);
	tu_expect(&r, 1, NULL, "a bare libxc v2 stream, not a suspend image");
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", "uuid=00000000-0000-0000-0000-000000000000",
	       "--image", img, NULL);
	tu_expect(&r, 1, NULL, "no VDI with uuid 00000000-0000-0000-0000-000000000000");
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, NULL);
	tu_expect(&r, 2, NULL, "missing --image PATH");
	tu_pool_free(&pool);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrap_raw_and_structured),
		cmocka_unit_test(inspect_text_and_json),
		cmocka_unit_test(verify_refusals),
		cmocka_unit_test(wrap_refusals_write_nothing),
		cmocka_unit_test(wrap_write_failures),
		cmocka_unit_test(vdi_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
