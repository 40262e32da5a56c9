/*
 * The pool-DB half of a suspend: one transaction, the plugin records the
 * format, and every failure (refusal, bad format, I/O error at any write)
 * leaves the DB byte-identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"
#include "sif/restore.h"
#include "sif/suspend.h"
#include "dbutil.h"
#include "testutil.h"

struct fx {
	char *dir, *pdir, *path, *copy;
	struct sif_ctx *ctx;
	struct sif_db *db;
	char running[64], halted[64], user_vdi[64];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct sif_err err;

	fx->dir = tu_mkdtemp();
	fx->path = tu_strf("%s/pool.db", fx->dir);
	fx->copy = tu_strf("%s/copy.db", fx->dir);
	assert_int_equal(tu_gen_pool(fx->path, "--vms 4 --vdis 8 --suspended 1"), 0);
	fx->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	assert_int_equal(sif_ctx_new(&fx->ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(fx->ctx, fx->pdir, &err), 0);
	assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
	assert_int_equal(sif_migrate(fx->ctx, fx->db, false, NULL, NULL, NULL, &err), 0);
	tu_db_text(fx->db, "SELECT uuid FROM VM WHERE power_state = 'Running'", fx->running);
	tu_db_text(fx->db, "SELECT uuid FROM VM WHERE power_state = 'Halted'", fx->halted);
	tu_db_text(fx->db, "SELECT uuid FROM VDI WHERE type = 'user'", fx->user_vdi);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sif_db_fail_writes_after(-1);
	sif_db_close(fx->db);
	sif_ctx_free(fx->ctx);
	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir); free(fx->pdir); free(fx->path); free(fx->copy);
	free(fx);
	return 0;
}

static void snapshot(struct fx *fx)
{
	tu_copy_file(fx->path, fx->copy);
}

static void records_raw_suspend(void **state)
{
	struct fx *fx = *state;
	struct sif_suspend_record r = { .vm_uuid = fx->running, .format = "raw",
					.location = "/var/run/sr/img", .size = 4096 };
	struct sif_restore_plan p;
	struct sif_err err;
	char *vdi, *sql;

	assert_int_equal(sif_suspend_commit(fx->ctx, fx->db, &r, &vdi, &err), 0);
	sql = tu_strf("SELECT count(*) FROM VDI WHERE uuid = '%s' AND type = 'suspend' AND "
		      "suspend_image_format = 'raw' AND virtual_size = '4096' AND "
		      "location = '/var/run/sr/img' AND sm_config = '((''vmhint'' ''%s''))'",
		      vdi, fx->running);
	assert_int_equal(tu_db_count(fx->db, sql), 1);
	free(sql);
	sql = tu_strf("SELECT count(*) FROM VM v JOIN VDI d ON v.suspend_VDI = d._ref WHERE "
		      "v.uuid = '%s' AND d.uuid = '%s' AND v.power_state = 'Suspended' AND "
		      "v.resident_on = 'OpaqueRef:NULL'", fx->running, vdi);
	assert_int_equal(tu_db_count(fx->db, sql), 1);
	free(sql);
	/* and the resume of that VM takes the plain path */
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->running,
					       NULL, &p, &err), 0);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "suspend-image-format"), "raw");
	assert_false(p.decision.legacy);
	sif_restore_plan_free(&p);
	free(vdi);
}

static void refusals_leave_db_unchanged(void **state)
{
	struct fx *fx = *state;
	struct sif_suspend_record halted = { .vm_uuid = fx->halted, .format = "raw", .size = 1 };
	struct sif_suspend_record bad = { .vm_uuid = fx->running, .format = "ext4", .size = 1 };
	struct sif_suspend_record wrong_vdi = { .vm_uuid = fx->running, .format = "raw",
						.size = 1, .vdi_uuid = fx->user_vdi };
	struct sif_err err;

	sif_db_close(fx->db);
	snapshot(fx);
	assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
	assert_int_equal(sif_suspend_commit(fx->ctx, fx->db, &halted, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is Halted: only a running or paused VM can be suspended"));
	assert_int_equal(sif_suspend_commit(fx->ctx, fx->db, &bad, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "plugin suspend_image_format"));
	assert_non_null(strstr(err.msg, "'ext4' is not a valid value"));
	assert_int_equal(sif_suspend_commit(fx->ctx, fx->db, &wrong_vdi, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is of type user, not suspend"));
	sif_db_close(fx->db);
	fx->db = NULL;
	assert_true(tu_files_equal(fx->path, fx->copy));
	assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
}

static void write_failure_at_every_write(void **state)
{
	struct fx *fx = *state;
	struct sif_suspend_record r = { .vm_uuid = fx->running, .format = "raw", .size = 8 };
	struct sif_err err;
	long k;

	sif_db_close(fx->db);
	snapshot(fx);
	for (k = 0; k < 1000; k++) {
		int rc;

		assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
		sif_db_fail_writes_after(k);
		rc = sif_suspend_commit(fx->ctx, fx->db, &r, NULL, &err);
		sif_db_fail_writes_after(-1);
		sif_db_close(fx->db);
		fx->db = NULL;
		if (rc == 0)
			break;
		/* a hot journal left by a failed commit is rolled back by the next reader */
		assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
		assert_true(tu_db_count(fx->db, "SELECT count(*) FROM VM") > 0);
		sif_db_close(fx->db);
		fx->db = NULL;
		if (!tu_files_equal(fx->path, fx->copy))
			fail_msg("write %ld failed and the DB changed", k);
	}
	assert_true(k > 0 && k < 1000);
	assert_int_equal(sif_db_open(fx->path, 0, &fx->db, &err), 0);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI WHERE suspend_image_format = 'raw'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(records_raw_suspend, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_leave_db_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failure_at_every_write, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
