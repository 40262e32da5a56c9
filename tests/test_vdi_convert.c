/*
 * Converting suspend VDIs ahead of time (sif/vdi_convert.h, `sif
 * vdi-convert`, `sif pool-convert-legacy`): the converted image is in
 * today's xenopsd layout and verifies, the VDI points at it in one
 * transaction, the original stays; bad input (a field that disagrees,
 * missing, truncated or unreadable images, an --out that is not ours)
 * is reported with the VDI's uuid and changes nothing; a VDI or image
 * changed by someone else is caught by the commit; a write, fsync or
 * rename failing at any point, or a DB write failing in the commit,
 * leaves no file and the VDI on its old image; progress only on a tty.
 * The SIGKILL test is t_pool_convert_crash.sh; full and read-only
 * out-dirs are in t_pool_convert_dirs.sh.
 */
#include <errno.h>
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

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/io.h"
#include "sif/vdi_convert.h"
#include "dbutil.h"
#include "expect.h"
#include "imgtest.h"
#include "testutil.h"

#define N 4     /* raw PV, raw HVM, ext2 PV, ext2 HVM (mk_legacy_pool.sh) */

static char *top, *pristine, *w, *db, *dbarg, *out;
static char vdi[N][64];

static void fresh(void)
{
	struct run_result r;

	assert_int_equal(tu_sh(&r, "rm -rf '%s' && cp -a '%s' '%s' && mkdir '%s'", w, pristine, w,
			       out), 0);
	tu_run_free(&r);
}

static int setup(void **state)
{
	struct run_result r;
	char *mk = tu_top_path("tests/mk_legacy_pool.sh");
	struct sif_db *d;
	struct sif_err err;

	(void)state;
	top = tu_mkdtemp();
	w = tu_strf("%s/w", top);
	pristine = tu_strf("%s/pristine", top);
	db = tu_strf("%s/pool.db", w);
	dbarg = tu_strf("--db=%s", db);
	out = tu_strf("%s/out", w);
	/* the pool's locations name files under w: tests start from copies of it */
	assert_int_equal(tu_sh(&r, "sh '%s' '%s' '%s' %d 200 && cp -a '%s' '%s'", mk,
			       getenv("SIF_BUILD"), w, N, w, pristine), 0);
	tu_run_free(&r);
	assert_int_equal(sif_db_open(db, SIF_DB_READONLY, &d, &err), 0);
	for (int i = 0; i < N; i++) {
		char *sql = tu_strf("SELECT uuid FROM VDI WHERE location = '%s/img/legacy-%d.img'",
				    w, i);

		tu_db_text(d, sql, vdi[i]);
		free(sql);
	}
	sif_db_close(d);
	free(mk);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sif_fs_set_ops(NULL);
	sif_db_fail_writes_after(-1);
	tu_rmrf(top);
	free(top);
	free(w);
	free(pristine);
	free(db);
	free(dbarg);
	free(out);
	return 0;
}

static char *param(const char *uuid, const char *name)
{
	struct run_result r;
	char *u = tu_strf("uuid=%s", uuid), *p = tu_strf("param-name=%s", name), *v;

	tu_sif(&r, dbarg, "vdi-param-get", u, p, NULL);
	assert_int_equal(r.status, 0);
	v = strndup(r.out, strcspn(r.out, "\n"));
	tu_run_free(&r);
	free(u);
	free(p);
	return v;
}

static void assert_param(const char *uuid, const char *name, const char *want)
{
	char *v = param(uuid, name);

	if (strcmp(v, want))
		fail_msg("VDI %s %s: '%s', want '%s'", uuid, name, v, want);
	free(v);
}

static void assert_untouched(int i)
{
	char *orig = tu_strf("%s/img/legacy-%d.img", w, i), *p = tu_strf("%s/img/legacy-%d.img",
									 pristine, i);

	assert_param(vdi[i], "location", orig);
	assert_param(vdi[i], "suspend-image-format", "legacy");
	assert_true(tu_files_equal(orig, p));
	free(orig);
	free(p);
}

/* --- vdi-convert ---------------------------------------------------------- */

/*
 * The default output is raw: the framed records from the file's first byte
 * (what today's xenopsd sniffs), no ext2 around them.
 */
static void assert_raw_file(const char *path)
{
	size_t len = 0;
	char *b = tu_read_file(path, &len);

	assert_non_null(b);
	assert_true(len > 15);
	assert_memory_equal(b, "XenSavedDomv2-\n", 15);
	free(b);
}

static void vdi_convert_each_kind(void **state)
{
	struct run_result r;

	(void)state;
	fresh();
	for (int i = 0; i < N; i++) {
		const char *to = i % 2 ? "raw" : "structured";
		char *u = tu_strf("uuid=%s", vdi[i]), *o = tu_strf("%s/new-%d.img", out, i);
		char *orig = tu_strf("%s/img/legacy-%d.img", w, i);
		char *p = tu_strf("%s/img/legacy-%d.img", pristine, i), *vm;

		tu_sif(&r, dbarg, "vdi-convert", u, "--out", o, "--to", to, NULL);
		tu_expect(&r, 0, "verified; the VDI now points at it", NULL);
		assert_param(vdi[i], "location", o);
		assert_param(vdi[i], "suspend-image-format", to);
		/* the original stays, recorded */
		assert_true(tu_files_equal(orig, p));
		vm = param(vdi[i], "other-config");
		assert_non_null(strstr(vm, orig));
		free(vm);
		tu_sif(&r, "image", "verify", o, NULL);
		tu_expect(&r, 0, i % 2 ? "ok: raw image" : "ok: structured image", NULL);
		/* xenopsd's layout: Libxc of length 0, Qemu_trad for HVM, vm_str of the VM */
		tu_sif(&r, "image", "inspect", o, NULL);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "converted from legacy"));
		assert_true((strstr(r.out, "Qemu_trad") != NULL) == (i % 2 == 1));
		assert_non_null(strstr(r.out, "vm_str"));
		tu_run_free(&r);
		tu_sif(&r, dbarg, "vdi-check", u, "--image", o, NULL);
		tu_expect(&r, 0, "agrees with the image", NULL);
		/* once converted there is nothing left to do */
		tu_sif(&r, dbarg, "vdi-convert", u, "--out", o, NULL);
		tu_expect(&r, 0, "nothing to convert", NULL);
		free(u);
		free(o);
		free(orig);
		free(p);
	}
}

static void vdi_convert_json_and_dry_run(void **state)
{
	struct run_result r;
	char *u = tu_strf("uuid=%s", vdi[1]), *o = tu_strf("%s/x.img", out);
	struct json_object *j, *v;

	(void)state;
	fresh();
	tu_sif(&r, dbarg, "vdi-convert", u, "--dry-run", NULL);
	tu_expect(&r, 0, "converts to a valid migration v2 stream; dry run", NULL);
	assert_int_equal(tu_count_entries(out), 0);
	assert_untouched(1);
	/* no --to: raw */
	tu_sif(&r, dbarg, "vdi-convert", u, "--out", o, "--json", NULL);
	assert_int_equal(r.status, 0);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "status", &v));
	assert_string_equal(json_object_get_string(v), "converted");
	assert_true(json_object_object_get_ex(j, "to", &v));
	assert_string_equal(json_object_get_string(v), "raw");
	assert_true(json_object_object_get_ex(j, "guest", &v));
	assert_string_equal(json_object_get_string(v), "hvm");
	assert_true(json_object_object_get_ex(j, "image", &v));
	assert_string_equal(json_object_get_string(v), o);
	json_object_put(j);
	tu_run_free(&r);
	assert_raw_file(o);
	assert_param(vdi[1], "suspend-image-format", "raw");
	tu_sif(&r, "image", "verify", o, NULL);
	tu_expect(&r, 0, "ok: raw image", NULL);
	free(u);
	free(o);
}

/* Each bad input names the VDI, exits 1 and leaves the VDI and the out-dir as they were. */
static void vdi_convert_refusals(void **state)
{
	struct run_result r;
	char *u0 = tu_strf("uuid=%s", vdi[0]), *u1 = tu_strf("uuid=%s", vdi[1]);
	char *u2 = tu_strf("uuid=%s", vdi[2]), *u3 = tu_strf("uuid=%s", vdi[3]);
	char *o = tu_strf("%s/x.img", out), *img0 = tu_strf("%s/img/legacy-0.img", w);
	char *img1 = tu_strf("%s/img/legacy-1.img", w), *img3 = tu_strf("%s/img/legacy-3.img", w);
	char *mine = tu_strf("%s/mine.txt", out), *raw = tu_strf("%s/raw.img", top);

	(void)state;
	fresh();
	/* a field that disagrees with the image: reported, not converted */
	tu_sif(&r, "image", "convert", img0, raw, "--to", "raw", NULL);
	tu_expect(&r, 0, NULL, NULL);
	tu_copy_file(raw, img0);
	tu_sif(&r, dbarg, "vdi-convert", u0, "--out", o, NULL);
	tu_expect(&r, 1, NULL, "suspend_image_format=legacy but its image");
	assert_int_equal(tu_count_entries(out), 0);
	/* missing */
	unlink(img1);
	tu_sif(&r, dbarg, "vdi-convert", u1, "--out", o, NULL);
	tu_expect(&r, 1, NULL, "does not exist");
	/* truncated in the middle of its v1 stream */
	it_truncate(img3, it_size(img3) - 5000);
	tu_sif(&r, dbarg, "vdi-convert", u3, "--out", o, NULL);
	tu_expect(&r, 1, NULL, vdi[3]);
	assert_int_equal(tu_count_entries(out), 0);
	/* an --out that is another VDI's image, or a file that is not ours */
	tu_sif(&r, dbarg, "vdi-convert", u2, "--out", img3, NULL);
	tu_expect(&r, 1, NULL, "is the image of VDI");
	assert_int_equal(tu_write_file(mine, "keep", 4), 0);
	tu_sif(&r, dbarg, "vdi-convert", u2, "--out", mine, NULL);
	tu_expect(&r, 1, NULL, "not overwritten");
	assert_int_equal(it_size(mine), 4);
	/* an unreadable image (a directory where the file was) */
	unlink(img3);
	assert_int_equal(mkdir(img3, 0700), 0);
	tu_sif(&r, dbarg, "vdi-convert", u3, "--out", o, NULL);
	tu_expect(&r, 1, NULL, vdi[3]);
	rmdir(img3);
	for (int i = 0; i < N; i++) {
		char *loc = param(vdi[i], "location");

		assert_non_null(strstr(loc, "/img/legacy-"));
		free(loc);
		assert_param(vdi[i], "suspend-image-format", "legacy");
	}
	assert_int_equal(tu_count_entries(out), 1);
	/* usage */
	tu_sif(&r, dbarg, "vdi-convert", u2, NULL);
	tu_expect(&r, 2, NULL, "missing --out");
	tu_sif(&r, dbarg, "vdi-convert", u2, "--out", o, "--to", "legacy", NULL);
	tu_expect(&r, 2, NULL, "--to takes raw or structured");
	free(u0); free(u1); free(u2); free(u3); free(o); free(img0); free(img1); free(img3);
	free(mine); free(raw);
}

/* --- the library steps: re-checks and injected failures --------------------- */

struct lib {
	struct sif_ctx *ctx;
	struct sif_db *db;
	char *pdir;
};

static void lib_open(struct lib *l)
{
	struct sif_err err;

	l->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	assert_int_equal(sif_ctx_new(&l->ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(l->ctx, l->pdir, &err), 0);
	assert_int_equal(sif_db_open(db, 0, &l->db, &err), 0);
}

static void lib_close(struct lib *l)
{
	sif_db_close(l->db);
	sif_ctx_free(l->ctx);
	tu_rmrf(l->pdir);
	free(l->pdir);
}

static void load_checked(struct lib *l, int i, struct sif_vdi_conv *v)
{
	struct sif_err err;
	bool needed = false;

	if (sif_vdi_conv_load(l->ctx, l->db, vdi[i], v, &err) < 0 ||
	    sif_vdi_conv_check(v, &needed, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(needed);
	assert_non_null(v->vm_str);
}

/* Someone else changes the VDI or its image between the check and the commit. */
static void commit_rechecks(void **state)
{
	struct sif_vdi_conv_opts o = { .to = SIF_IMAGE_STRUCTURED, .mode = 0600, .now = 1 };
	struct sif_vdi_conv_result res;
	struct sif_vdi_conv v;
	struct sif_err err;
	struct lib l;
	char *o1 = tu_strf("%s/a.img", out), *img2 = tu_strf("%s/img/legacy-2.img", w);

	(void)state;
	fresh();
	lib_open(&l);
	/* its location changes */
	load_checked(&l, 0, &v);
	assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
	tu_db_exec(l.db, "UPDATE VDI SET location = '/elsewhere' WHERE uuid = '%s'", vdi[0]);
	it_expect_fail(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), &err,
		       vdi[0], "changed during the conversion");
	assert_param(vdi[0], "location", "/elsewhere");
	sif_vdi_conv_free(&v);
	/* its field changes */
	load_checked(&l, 1, &v);
	assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
	tu_db_exec(l.db, "UPDATE VDI SET suspend_image_format = 'raw' WHERE uuid = '%s'", vdi[1]);
	it_expect_fail(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), &err,
		       vdi[1], "changed during the conversion");
	sif_vdi_conv_free(&v);
	/* its image is rewritten (same bytes, new file) */
	load_checked(&l, 2, &v);
	assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
	{
		char *tmp = tu_strf("%s.new", img2);

		tu_copy_file(img2, tmp);
		assert_int_equal(rename(tmp, img2), 0);
		free(tmp);
	}
	it_expect_fail(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), &err,
		       vdi[2], "changed during the conversion");
	assert_untouched(2);
	/* ... and the write refuses an image changed since the check */
	it_expect_fail(sif_vdi_conv_write(&v, o1, &o, &res, &err), &err, vdi[2],
		       "changed since it was checked");
	sif_vdi_conv_free(&v);
	/* the new image went away before the commit */
	load_checked(&l, 3, &v);
	assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
	unlink(o1);
	it_expect_fail(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), &err,
		       vdi[3], "changed or went away");
	assert_untouched(3);
	sif_vdi_conv_free(&v);
	lib_close(&l);
	free(o1);
	free(img2);
}

static int fail_at, calls;
static const char *failing;

static ssize_t f_write(int fd, const void *buf, size_t n)
{
	if (!strcmp(failing, "write") && calls++ == fail_at) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, n);
}

static int f_fsync(int fd)
{
	if (!strcmp(failing, "fsync") && calls++ == fail_at) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static int f_rename(const char *a, const char *b)
{
	if (!strcmp(failing, "rename") && calls++ == fail_at) {
		errno = EROFS;
		return -1;
	}
	return rename(a, b);
}

/*
 * The n-th write, fsync or rename fails, for every n a conversion makes,
 * for raw and structured: the call fails, no file (not even a temp) is
 * left, the VDI stays on its original.  Then the DB's n-th write fails in
 * the commit: the VDI stays as it was.  A final run succeeds.
 */
static void injected_failures(void **state)
{
	static const struct sif_fs_ops ops = { f_write, f_fsync, f_rename, NULL };
	static const char *const kinds[] = { "write", "fsync", "rename" };
	struct sif_vdi_conv_opts o = { .mode = 0600, .now = 1 };
	struct sif_vdi_conv_result res;
	struct sif_vdi_conv v;
	struct sif_err err;
	struct lib l;
	char *o1 = tu_strf("%s/f.img", out);
	int k, n, fmt, tried = 0;

	(void)state;
	fresh();
	lib_open(&l);
	for (fmt = 0; fmt < 2; fmt++) {
		o.to = fmt ? SIF_IMAGE_RAW : SIF_IMAGE_STRUCTURED;
		for (k = 0; k < 3; k++) {
			failing = kinds[k];
			for (n = 0;; n++) {
				int rc;

				load_checked(&l, 1 + 2 * fmt, &v);
				fail_at = n;
				calls = 0;
				sif_fs_set_ops(&ops);
				rc = sif_vdi_conv_write(&v, o1, &o, &res, &err);
				sif_fs_set_ops(NULL);
				if (rc == 0) {
					/* past the last call of this kind: it went through */
					assert_true(calls <= n);
					unlink(o1);
					sif_vdi_conv_free(&v);
					break;
				}
				tried++;
				assert_non_null(strstr(err.msg, vdi[1 + 2 * fmt]));
				assert_int_equal(tu_count_entries(out), 0);
				sif_vdi_conv_free(&v);
			}
		}
	}
	assert_true(tried >= 6);
	assert_untouched(1);
	/* the commit's DB writes */
	load_checked(&l, 1, &v);
	o.to = SIF_IMAGE_STRUCTURED;
	assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
	for (n = 0; n < 3; n++) {
		sif_db_fail_writes_after(n);
		assert_int_equal(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), -1);
		sif_db_fail_writes_after(-1);
		assert_untouched(1);
	}
	assert_int_equal(sif_vdi_conv_commit(l.ctx, l.db, &v, o1, o.to, &res, &err), 0);
	assert_param(vdi[1], "location", o1);
	assert_param(vdi[1], "suspend-image-format", "structured");
	assert_int_equal(it_scan(o1, NULL, &err), 0);
	sif_vdi_conv_free(&v);
	lib_close(&l);
	free(o1);
}

/* What the out-dir looked like when the writer said it begins and its bytes were written. */
struct hooks_seen {
	const char *out;
	int begun, written;
	int begin_entries;      /* in the out-dir when it began: nothing yet */
	bool begun_late;        /* began after saying written */
	bool presented;         /* out existed already when written */
	int entries;            /* in the out-dir when written: the temp file alone */
};

static void on_begin(void *ctx)
{
	struct hooks_seen *hs = ctx;

	hs->begun++;
	hs->begin_entries = tu_count_entries(out);
	hs->begun_late = hs->written > 0;
}

static void on_written(void *ctx)
{
	struct hooks_seen *hs = ctx;

	hs->written++;
	hs->presented = access(hs->out, F_OK) == 0;
	hs->entries = tu_count_entries(out);
}

/* The conversion to o1 with `failing` failing at call `at`: -1, nothing left, written said `said` times. */
static void write_fails(struct lib *l, int fmt, const char *o1, const struct sif_vdi_conv_opts *o,
			struct hooks_seen *hs, const char *what, int at, int said)
{
	static const struct sif_fs_ops ops = { f_write, f_fsync, f_rename, NULL };
	struct sif_vdi_conv_result res;
	struct sif_vdi_conv v;
	struct sif_err err;

	memset(hs, 0, sizeof(*hs));
	hs->out = o1;
	load_checked(l, fmt, &v);
	failing = what;
	fail_at = at;
	calls = 0;
	sif_fs_set_ops(&ops);
	assert_int_equal(sif_vdi_conv_write(&v, o1, o, &res, &err), -1);
	sif_fs_set_ops(NULL);
	assert_int_equal(hs->begun, 1);
	assert_int_equal(hs->written, said);
	assert_int_equal(tu_count_entries(out), 0);
	sif_vdi_conv_free(&v);
}

/*
 * pool-convert-legacy lets the next conversion wait in `begin` for its turn
 * and hands the turn on when the writer says its bytes are written: begin
 * is said once, before anything is written; written once, before the image
 * is durable or presented under its name; a failure after it (the fsync)
 * still leaves nothing, and a write that fails never says it.
 */
static void hooks_begin_and_written(void **state)
{
	char *o1 = tu_strf("%s/w.img", out);
	struct hooks_seen hs;
	struct sif_vdi_conv_opts o = { .mode = 0600, .now = 1, .begin = on_begin, .begin_ctx = &hs,
				       .written = on_written, .written_ctx = &hs };
	struct sif_vdi_conv_result res;
	struct sif_vdi_conv v;
	struct sif_err err;
	struct lib l;

	(void)state;
	fresh();
	lib_open(&l);
	for (int fmt = 0; fmt < 2; fmt++) {
		o.to = fmt ? SIF_IMAGE_RAW : SIF_IMAGE_STRUCTURED;
		memset(&hs, 0, sizeof(hs));
		hs.out = o1;
		load_checked(&l, fmt, &v);
		assert_int_equal(sif_vdi_conv_write(&v, o1, &o, &res, &err), 0);
		assert_int_equal(hs.begun, 1);
		assert_int_equal(hs.begin_entries, 0);
		assert_false(hs.begun_late);
		assert_int_equal(hs.written, 1);
		assert_false(hs.presented);
		assert_int_equal(hs.entries, 1);
		assert_int_equal(it_scan(o1, NULL, &err), 0);
		if (fmt)
			assert_int_equal(it_size(o1), res.out_bytes);
		unlink(o1);
		sif_vdi_conv_free(&v);
		/* the fsync after it fails: nothing is left */
		write_fails(&l, fmt, o1, &o, &hs, "fsync", 0, 1);
		/* a write fails: never said */
		write_fails(&l, fmt, o1, &o, &hs, "write", 3, 0);
	}
	assert_untouched(0);
	assert_untouched(1);
	lib_close(&l);
	free(o1);
}

/* --- pool-convert-legacy ---------------------------------------------------- */

static void pool_convert_mixed(void **state)
{
	struct run_result r;
	char *odir = tu_strf("--out-dir=%s", out), *img0 = tu_strf("%s/img/legacy-0.img", w);
	char *raw = tu_strf("%s/raw.img", top), *img2 = tu_strf("%s/img/legacy-2.img", w);
	char *orphan = tu_strf("%s/%s.suspend-image", out, "0b33c0de-0000-4000-8000-000000000000");
	char *temp = tu_strf("%s/.%s.suspend-image.sif-tmp.999999999.0", out, vdi[3]);
	struct json_object *j, *v, *rows;

	(void)state;
	fresh();
	/* VDI 0's field disagrees with its image, VDI 2's image is cut short */
	tu_sif(&r, "image", "convert", img0, raw, "--to", "raw", NULL);
	tu_expect(&r, 0, NULL, NULL);
	tu_copy_file(raw, img0);
	it_truncate(img2, it_size(img2) / 2);
	/* what a killed run could have left */
	tu_copy_file(raw, orphan);
	assert_int_equal(tu_write_file(temp, "x", 1), 0);
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, "--jobs", "2", "--json", NULL);
	assert_int_equal(r.status, 1);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "converted", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(j, "failed", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(j, "leftovers", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(j, "vdis", &rows));
	assert_int_equal(json_object_array_length(rows), 4);
	for (size_t i = 0; i < 4; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *s, *u, *e;
		bool bad;

		assert_true(json_object_object_get_ex(row, "status", &s));
		assert_true(json_object_object_get_ex(row, "vdi", &u));
		assert_true(json_object_object_get_ex(row, "error", &e));
		bad = !strcmp(json_object_get_string(u), vdi[0]) ||
		      !strcmp(json_object_get_string(u), vdi[2]);
		assert_string_equal(json_object_get_string(s), bad ? "failed" : "converted");
		/* a failure names its VDI */
		if (bad)
			assert_non_null(strstr(json_object_get_string(e), json_object_get_string(u)));
	}
	json_object_put(j);
	tu_run_free(&r);
	assert_int_equal(access(orphan, F_OK), -1);
	assert_int_equal(access(temp, F_OK), -1);
	assert_param(vdi[0], "suspend-image-format", "legacy");
	assert_param(vdi[2], "suspend-image-format", "legacy");
	/* no --to: raw images */
	for (int i = 1; i < 4; i += 2) {
		char *o = tu_strf("%s/%s.suspend-image", out, vdi[i]);

		assert_param(vdi[i], "suspend-image-format", "raw");
		assert_param(vdi[i], "location", o);
		assert_raw_file(o);
		free(o);
	}
	assert_int_equal(tu_count_entries(out), 2);
	/* a second run has only the failures left; the text lists them */
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "0 to convert"));
	assert_non_null(strstr(r.out, "2 refused"));
	assert_non_null(strstr(r.out, vdi[0]));
	assert_non_null(strstr(r.out, "failed: VDI"));
	tu_run_free(&r);
	/* --remove-originals also removes what earlier runs kept */
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, "--remove-originals", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "removed the original"));
	tu_run_free(&r);
	{
		char *o1 = tu_strf("%s/img/legacy-1.img", w), *o3 = tu_strf("%s/img/legacy-3.img", w);

		assert_int_equal(access(o1, F_OK), -1);
		assert_int_equal(access(o3, F_OK), -1);
		assert_int_equal(access(img0, F_OK), 0);
		free(o1);
		free(o3);
	}
	free(odir); free(img0); free(raw); free(img2); free(orphan); free(temp);
}

/* Replace VDI i's image with what gen (a shell command, %s the path) makes; the field follows. */
static void reimage(int i, const char *gen)
{
	struct run_result r;
	char *img = tu_strf("%s/img/legacy-%d.img", w, i), *u = tu_strf("uuid=%s", vdi[i]);
	char *cmd = tu_strf(gen, img);

	unlink(img);
	assert_int_equal(tu_sh(&r, "%s", cmd), 0);
	tu_run_free(&r);
	tu_sif(&r, dbarg, "vdi-check", u, "--image", img, "--fix", NULL);
	tu_expect(&r, 0, "fixed", NULL);
	free(img);
	free(u);
	free(cmd);
}

static struct json_object *row_of(struct json_object *rows, const char *uuid)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *u;

		if (json_object_object_get_ex(row, "vdi", &u) &&
		    !strcmp(json_object_get_string(u), uuid))
			return row;
	}
	return NULL;
}

static const char *row_str(struct json_object *row, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(row, key, &v));
	return json_object_get_string(v);
}

static int64_t plan_int(struct json_object *j, const char *key)
{
	struct json_object *pl, *v;

	assert_true(json_object_object_get_ex(j, "plan", &pl));
	assert_true(json_object_object_get_ex(pl, key, &v));
	return json_object_get_int64(v);
}

/*
 * DESIGN §5: a structured or raw image whose stream is a Libxc_legacy
 * record needs the legacy path too.  The plan finds such VDIs from their
 * record headers, lists them as such and converts them; a structured or
 * raw VDI that restores as it is (here an xl save file) is left alone; one
 * whose image cannot be opened is listed with its uuid, never skipped.
 */
static void pool_convert_libxc_legacy_records(void **state)
{
	struct run_result r;
	char *odir = tu_strf("--out-dir=%s", out), *img3 = tu_strf("%s/img/legacy-3.img", w);
	char *gone = tu_strf("%s.gone", img3), *img2 = tu_strf("%s/img/legacy-2.img", w);
	struct json_object *j, *rows, *row;

	(void)state;
	fresh();
	reimage(0, "\"$SIF_BUILD/tests/gen_image\" '%s' kind=raw-legacy "
		"v1='guest=pv width=64 guest_width=64 pages=150 vcpus=2 seed=3'");
	reimage(1, "\"$SIF_BUILD/tests/gen_image\" '%s' kind=structured-legacy "
		"v1='guest=hvm width=32 pages=150 qemu=1 qemu_len=2000 seed=4'");
	reimage(2, "\"$SIF_BUILD/tests/gen_v2\" '%s' guest=hvm xl=1 xen417=1 pages=100 "
		"emu_bytes=4096");
	reimage(3, "\"$SIF_BUILD/tests/gen_image\" '%s' kind=raw pages=100");
	assert_param(vdi[0], "suspend-image-format", "raw");
	assert_param(vdi[1], "suspend-image-format", "structured");
	assert_param(vdi[2], "suspend-image-format", "raw");
	assert_int_equal(rename(img3, gone), 0);
	/* the text plan names both records */
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, "--dry-run", NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "0 legacy suspend VDIs, and 2 of 4 structured or raw holding "
				      "a Libxc_legacy record: 2 to convert"));
	for (int i = 0; i < 2; i++) {
		char *line = tu_strf("VDI %s: its %s image %s/img/legacy-%d.img holds a Libxc_legacy "
				     "record", vdi[i], i ? "structured" : "raw", w, i);

		assert_non_null(strstr(r.out, line));
		free(line);
	}
	assert_null(strstr(r.out, vdi[2]));
	tu_run_free(&r);
	assert_int_equal(tu_count_entries(out), 0);
	/* converted; the unreadable one fails with its uuid */
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, "--json", NULL);
	assert_int_equal(r.status, 1);
	j = json_tokener_parse(r.out);
	assert_non_null(j);
	assert_int_equal(plan_int(j, "marked_legacy"), 0);
	assert_int_equal(plan_int(j, "checked"), 4);
	assert_int_equal(plan_int(j, "libxc_legacy_records"), 2);
	assert_true(json_object_object_get_ex(j, "vdis", &rows));
	assert_int_equal(json_object_array_length(rows), 3);
	for (int i = 0; i < 2; i++) {
		struct json_object *rec;

		assert_non_null(row = row_of(rows, vdi[i]));
		assert_string_equal(row_str(row, "status"), "converted");
		assert_string_equal(row_str(row, "from"), i ? "structured" : "raw");
		assert_string_equal(row_str(row, "guest"), i ? "hvm" : "pv");
		assert_true(json_object_object_get_ex(row, "libxc_legacy_record", &rec));
		assert_true(json_object_get_boolean(rec));
	}
	assert_null(row_of(rows, vdi[2]));
	assert_non_null(row = row_of(rows, vdi[3]));
	assert_string_equal(row_str(row, "status"), "failed");
	assert_non_null(strstr(row_str(row, "error"), vdi[3]));
	assert_non_null(strstr(row_str(row, "error"), "not checked for a Libxc_legacy record"));
	assert_non_null(strstr(row_str(row, "error"), "does not exist"));
	json_object_put(j);
	tu_run_free(&r);
	for (int i = 0; i < 2; i++) {
		char *o = tu_strf("%s/%s.suspend-image", out, vdi[i]);

		assert_param(vdi[i], "location", o);
		assert_param(vdi[i], "suspend-image-format", "raw");
		/* plain path now: a v2 Libxc record (and the HVM guest's Qemu_trad) */
		tu_sif(&r, "image", "inspect", o, NULL);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "converted from legacy"));
		assert_null(strstr(r.out, "Libxc_legacy"));
		assert_true((strstr(r.out, "2000 bytes of Qemu_trad state") != NULL) == (i == 1));
		tu_run_free(&r);
		free(o);
	}
	assert_param(vdi[2], "location", img2);
	assert_param(vdi[3], "suspend-image-format", "raw");
	/* the image back: nothing left to do */
	assert_int_equal(rename(gone, img3), 0);
	tu_sif(&r, dbarg, "pool-convert-legacy", odir, NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0 legacy suspend VDIs, and 0 of 4 structured or raw holding "
				      "a Libxc_legacy record: 0 to convert"));
	tu_expect(&r, 0, "no suspend VDI needs the legacy path: nothing to convert", NULL);
	free(odir); free(img3); free(gone); free(img2);
}

/* The progress line goes to a terminal only. */
static void progress_on_tty_only(void **state)
{
	struct run_result r;
	char *log = tu_strf("%s/tty.log", top);
	size_t len;
	char *text;

	(void)state;
	fresh();
	assert_int_equal(tu_sh(&r, "script -qec \"'%s' --db='%s' pool-convert-legacy "
			       "--out-dir='%s' --dry-run\" '%s' >/dev/null", getenv("SIF"), db,
			       out, log), 0);
	tu_run_free(&r);
	text = tu_read_file(log, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "\r\033[K4/4 VDIs"));
	assert_non_null(strstr(text, "ETA"));
	free(text);
	tu_sif(&r, dbarg, "pool-convert-legacy", "--out-dir", out, "--dry-run", NULL);
	tu_expect(&r, 0, "4 verified (dry run)", NULL);
	assert_null(strchr(r.err ? r.err : "", '\r'));
	tu_sif(&r, dbarg, "pool-convert-legacy", "--out-dir", out, "--dry-run", NULL);
	assert_int_equal(r.err_len, 0);
	tu_run_free(&r);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vdi_convert_each_kind),
		cmocka_unit_test(vdi_convert_json_and_dry_run),
		cmocka_unit_test(vdi_convert_refusals),
		cmocka_unit_test(commit_rechecks),
		cmocka_unit_test(injected_failures),
		cmocka_unit_test(hooks_begin_and_written),
		cmocka_unit_test(pool_convert_mixed),
		cmocka_unit_test(pool_convert_libxc_legacy_records),
		cmocka_unit_test(progress_on_tty_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
