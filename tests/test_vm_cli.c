/*
 * vm-resume, vm-migrate-receive and vm-suspend through the sif binary:
 * exit codes, the printed plan, JSON, and the pool DB byte-identical after
 * every failure (truncated image, disagreement, no hypervisor, a save that
 * fails).
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

#include "sif/db.h"
#include "dbutil.h"
#include "expect.h"
#include "testutil.h"
#include "v2gen.h"

struct fx {
	char *dir, *db, *dbarg, *pdir, *pdirarg, *copy;
	char vm[64], running[64], old_host[64], new_host[64];
};

static void query(struct fx *fx, const char *sql, char out[64])
{
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(fx->db, SIF_DB_READONLY, &db, &err), 0);
	tu_db_text(db, sql, out);
	sif_db_close(db);
}

static void exec_sql(struct fx *fx, const char *sql)
{
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	tu_db_exec(db, "%s", sql);
	sif_db_close(db);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct run_result r;

	fx->dir = tu_mkdtemp();
	fx->db = tu_strf("%s/pool.db", fx->dir);
	fx->copy = tu_strf("%s/pool.before", fx->dir);
	fx->dbarg = tu_strf("--db=%s", fx->db);
	fx->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	fx->pdirarg = tu_strf("--plugin-dir=%s", fx->pdir);
	assert_int_equal(tu_gen_pool(fx->db, "--vms 4 --vdis 8 --suspended 1"), 0);
	assert_int_equal(tu_sif(&r, fx->dbarg, fx->pdirarg, "db", "migrate", NULL), 0);
	tu_run_free(&r);
	query(fx, "SELECT uuid FROM VM WHERE power_state = 'Suspended'", fx->vm);
	query(fx, "SELECT uuid FROM VM WHERE power_state = 'Running'", fx->running);
	query(fx, "SELECT uuid FROM host WHERE software_version LIKE '%4.4.1-xs%'", fx->old_host);
	query(fx, "SELECT uuid FROM host WHERE software_version LIKE '%4.17%'", fx->new_host);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	unsetenv("SIF_FAKE_XEN_FAIL");
	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir); free(fx->db); free(fx->dbarg); free(fx->pdir); free(fx->pdirarg);
	free(fx->copy);
	free(fx);
	return 0;
}

#define SIF(r, ...) tu_sif(r, fx->dbarg, fx->pdirarg, __VA_ARGS__, NULL)

static char *image(struct fx *fx, const char *name, const char *kind, const char *opt)
{
	char *path = tu_strf("%s/%s", fx->dir, name);
	struct imggen_opts o = { 0 };

	assert_int_equal(imggen_set(&o, kind), 0);
	if (opt)
		assert_int_equal(imggen_set(&o, opt), 0);
	assert_int_equal(imggen_write(path, &o, NULL), 0);
	return path;
}

static char *fake_dir(struct fx *fx, const char *name)
{
	char *d = tu_strf("%s/%s", fx->dir, name);

	assert_int_equal(mkdir(d, 0700), 0);
	return d;
}

static void dry_run_changes_nothing(void **state)
{
	struct fx *fx = *state;
	char *img = image(fx, "legacy.img", "kind=legacy", "v1=guest=pv width=32 guest_width=64 pages=400");
	char *vm = tu_strf("uuid=%s", fx->vm), *imgarg = tu_strf("--image=%s", img);
	struct run_result r;
	struct json_object *o, *v;

	tu_copy_file(fx->db, fx->copy);
	SIF(&r, "vm-resume", vm, imgarg, "--dry-run");
	tu_expect(&r, 0, "legacy flag:   yes: v1 stream converted to v2 before libxenguest", NULL);
	SIF(&r, "vm-resume", vm, imgarg, "--dry-run", "--json");
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "legacy_flag", &v) && json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "platformdata", &v));
	assert_true(json_object_object_get_ex(v, "suspend-image-format", &v));
	assert_string_equal(json_object_get_string(v), "legacy");
	assert_true(json_object_object_get_ex(o, "verified_stream", &v));
	json_object_put(o);
	tu_run_free(&r);
	assert_true(tu_files_equal(fx->db, fx->copy));
	free(img); free(vm); free(imgarg);
}

static void resume_with_fake_backend(void **state)
{
	struct fx *fx = *state;
	char *img = image(fx, "legacy.img", "kind=legacy", "v1=guest=pv width=32 guest_width=32 pages=200");
	char *vm = tu_strf("uuid=%s", fx->vm), *imgarg = tu_strf("--image=%s", img);
	char *fake = fake_dir(fx, "fake"), *fakearg = tu_strf("--fake-xen=%s", fake);
	char state_[64];
	struct run_result r;

	SIF(&r, "vm-resume", vm, imgarg, fakearg);
	tu_expect(&r, 0, "backend:       simulated (fake Xen backend); domain 1 running", NULL);
	query(fx, "SELECT power_state || ' ' || suspend_VDI FROM VM WHERE uuid IN "
		  "(SELECT uuid FROM VM WHERE name__label = 'vm0')", state_);
	assert_string_equal(state_, "Running OpaqueRef:NULL");
	/* resuming again: nothing to resume */
	SIF(&r, "vm-resume", vm, imgarg, fakearg);
	tu_expect(&r, 1, NULL, "is Running, not Suspended: nothing to resume");
	free(img); free(vm); free(imgarg); free(fake); free(fakearg);
}

static void failures_leave_db_unchanged(void **state)
{
	struct fx *fx = *state;
	char *img = image(fx, "raw.img", "kind=raw", "pages=600");
	char *vm = tu_strf("uuid=%s", fx->vm), *imgarg = tu_strf("--image=%s", img);
	char *fake = fake_dir(fx, "fake"), *fakearg = tu_strf("--fake-xen=%s", fake);
	struct run_result r;

	tu_copy_file(fx->db, fx->copy);
	/* the field says legacy, the image is raw */
	SIF(&r, "vm-resume", vm, imgarg, fakearg);
	tu_expect(&r, 1, NULL, "suspend_image_format is legacy but the image is raw");
	/* no hypervisor on this machine and no fake: refused before anything */
	if (access("/dev/xen/privcmd", F_OK) < 0) {
		SIF(&r, "vm-resume", vm, imgarg);
		tu_expect(&r, 1, NULL, "no Xen hypervisor here");
	}
	/* a truncated image mid-restore */
	exec_sql(fx, "UPDATE VDI SET suspend_image_format = 'raw' WHERE type = 'suspend'");
	tu_copy_file(fx->db, fx->copy);
	assert_int_equal(truncate(img, 200000), 0);
	SIF(&r, "vm-resume", vm, imgarg, fakearg);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "truncated"));
	assert_non_null(strstr(r.err, "stays Suspended; the pool database is unchanged"));
	tu_run_free(&r);
	assert_true(tu_files_equal(fx->db, fx->copy));
	free(img); free(vm); free(imgarg); free(fake); free(fakearg);
}

static void trust_image_corrects_the_field(void **state)
{
	struct fx *fx = *state;
	char *img = image(fx, "st.img", "kind=structured", "pages=300");
	char *vm = tu_strf("uuid=%s", fx->vm), *imgarg = tu_strf("--image=%s", img);
	char *fake = fake_dir(fx, "fake"), *fakearg = tu_strf("--fake-xen=%s", fake);
	char fmt[64];
	struct run_result r;

	SIF(&r, "vm-resume", vm, imgarg, fakearg, "--trust-image");
	tu_expect(&r, 0, "disagreement:  the field said legacy; followed the image",
	       "suspend_image_format legacy corrected to structured");
	query(fx, "SELECT suspend_image_format FROM VDI WHERE type = 'suspend'", fmt);
	assert_string_equal(fmt, "structured");
	free(img); free(vm); free(imgarg); free(fake); free(fakearg);
}

static void migrate_receive(void **state)
{
	struct fx *fx = *state;
	char *img = image(fx, "legacy.img", "kind=legacy", "v1=guest=pv width=32 pages=300");
	char *stream = tu_strf("%s/stream", fx->dir), *cmd;
	char *old = tu_strf("--from-host=%s", fx->old_host), *new = tu_strf("--from-host=%s", fx->new_host);
	char *sarg = tu_strf("--stream=%s", stream);
	struct run_result r;

	cmd = tu_strf("debugfs -R 'dump suspend-image %s' %s", stream, img);
	assert_int_equal(tu_sh(&r, "%s", cmd), 0);
	tu_run_free(&r);
	tu_copy_file(fx->db, fx->copy);
	/* from stdin, as from a socket */
	{
		char *argv[] = { getenv("SIF"), fx->dbarg, fx->pdirarg, "vm-migrate-receive", old,
				 "--stream", "-", "--dry-run", NULL };

		tu_run(&r, stream, argv);
		tu_expect(&r, 0, "runs Xen 4.4.1-xs131111 (older than 4.5)", NULL);
	}
	SIF(&r, "vm-migrate-receive", new, sarg, "--dry-run");
	tu_expect(&r, 1, NULL, "the sending host's version says structured but the stream is legacy");
	SIF(&r, "vm-migrate-receive", sarg, "--dry-run");
	tu_expect(&r, 2, NULL, "needs --from-host UUID and --stream PATH|-");
	/* a sending host whose version nobody can read */
	exec_sql(fx, "UPDATE host SET software_version = '((''xen'' ''4.x''))'");
	SIF(&r, "vm-migrate-receive", old, sarg, "--dry-run");
	tu_expect(&r, 1, NULL, "'4.x' is not a Xen version");
	free(img); free(stream); free(cmd); free(old); free(new); free(sarg);
}

static void suspend_then_resume(void **state)
{
	struct fx *fx = *state;
	char *fake = fake_dir(fx, "fake"), *fakearg = tu_strf("--fake-xen=%s", fake);
	char *save = tu_strf("%s/save.libxc", fake), *vm = tu_strf("uuid=%s", fx->running);
	char *out = tu_strf("%s/suspend.img", fx->dir), *outarg = tu_strf("--image=%s", out);
	char *got = tu_strf("%s/restore-1.libxc", fake);   /* each process starts at domid 1 */
	struct v2gen_opts v2 = { .guest = V2GEN_PV64, .pages = 500, .vcpus = 2 };
	char fmt[64];
	struct run_result r;
	int fd;

	exec_sql(fx, "UPDATE VM SET domain_type = 'pv'");
	fd = open(save, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(v2gen_write(fd, &v2), 0);
	close(fd);
	/* the save fails: no image, nothing recorded */
	tu_copy_file(fx->db, fx->copy);
	setenv("SIF_FAKE_XEN_FAIL", "domain_save", 1);
	SIF(&r, "vm-suspend", vm, outarg, fakearg);
	tu_expect(&r, 1, NULL, "domain_save failed (injected)");
	unsetenv("SIF_FAKE_XEN_FAIL");
	assert_int_equal(access(out, F_OK), -1);
	assert_true(tu_files_equal(fx->db, fx->copy));
	/* the save works */
	SIF(&r, "vm-suspend", vm, outarg, fakearg);
	tu_expect(&r, 0, "suspend-image-format=raw", NULL);
	query(fx, "SELECT d.suspend_image_format || ' ' || v.power_state FROM VM v JOIN VDI d "
		  "ON v.suspend_VDI = d._ref WHERE v.name__label = 'vm1'", fmt);
	assert_string_equal(fmt, "raw Suspended");
	/* and the resume takes the plain path, from the VDI's location */
	SIF(&r, "vm-resume", vm, fakearg);
	tu_expect(&r, 0, "legacy flag:   no", NULL);
	assert_true(tu_files_equal(got, save));
	free(fake); free(fakearg); free(save); free(vm); free(out); free(outarg); free(got);
}

static void usage(void **state)
{
	struct fx *fx = *state;
	struct run_result r;

	SIF(&r, "vm-resume", "--dry-run");
	tu_expect(&r, 2, NULL, "missing uuid=<vm uuid>");
	SIF(&r, "vm-resume", "uuid=x", "--width=48");
	tu_expect(&r, 2, NULL, "--width takes 32 or 64");
	SIF(&r, "vm-suspend", "uuid=x");
	tu_expect(&r, 2, NULL, "needs uuid=<vm uuid> and --image PATH");
	SIF(&r, "vm-resume", "uuid=00000000-0000-0000-0000-000000000000", "--dry-run");
	tu_expect(&r, 1, NULL, "no VM with uuid 00000000-0000-0000-0000-000000000000");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(dry_run_changes_nothing), T(resume_with_fake_backend),
		T(failures_leave_db_unchanged), T(trust_image_corrects_the_field),
		T(migrate_receive), T(suspend_then_resume), T(usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
