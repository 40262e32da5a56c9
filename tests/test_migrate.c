/*
 * The migrations runner: order, once-only, idempotence, refusal of DBs
 * written by a newer sif or with a changed migration, rollback of a failing
 * migration, injected write failures at every write, dry runs.
 * "Unchanged" is checked on the file's bytes.
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
#include "dbutil.h"
#include "testutil.h"

static void snapshot(struct tu_pool_fx *fx)
{
	tu_copy_file(fx->db, fx->copy);
}

static struct sif_ctx *ctx_with(const char *const *plugins, char **pdir)
{
	struct sif_ctx *ctx;
	struct sif_err err;

	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	*pdir = tu_plugin_dir(plugins);
	if (sif_ctx_load_plugin_dir(ctx, *pdir, &err) < 0)
		fail_msg("%s", err.msg);
	return ctx;
}

static void free_ctx(struct sif_ctx *ctx, char *pdir)
{
	sif_ctx_free(ctx);
	tu_rmrf(pdir);
	free(pdir);
}

static void applies_in_order_once(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *pdir;
	struct sif_ctx *ctx = ctx_with((const char *[]){ "suspend_image_format", "vm_note", NULL }, &pdir);
	struct sif_db *db;
	struct sif_err err;
	size_t n, pending;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate_check(ctx, db, &pending, &err), 0);
	assert_int_equal(pending, 2);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, &n, &err), 0);
	assert_int_equal(n, 2);
	/* every VDI, existing before the plugin, is now legacy */
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VDI"), 12);
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VDI WHERE suspend_image_format = 'legacy'"), 12);
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VM WHERE note = 'none'"), 5);
	/* recorded in order: core first, then plugins by name */
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM sif_migrations"), 5);
	assert_int_equal(tu_db_count(db, "SELECT rowid FROM sif_migrations WHERE id = "
				   "'suspend_image_format/0001_add_field'"), 4);
	assert_int_equal(tu_db_count(db, "SELECT rowid FROM sif_migrations WHERE id = "
				   "'vm_note/0001_add_note'"), 5);
	sif_db_close(db);

	/* a second run changes no byte */
	snapshot(fx);
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, &n, &err), 0);
	assert_int_equal(n, 0);
	sif_db_close(db);
	assert_true(tu_files_equal(fx->db, fx->copy));
	free_ctx(ctx, pdir);
}

static void dry_run_changes_nothing(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *pdir;
	struct sif_ctx *ctx = ctx_with((const char *[]){ "suspend_image_format", NULL }, &pdir);
	struct sif_db *db;
	struct sif_err err;
	size_t n;

	snapshot(fx);
	assert_int_equal(sif_db_open(fx->db, SIF_DB_READONLY, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, true, NULL, NULL, &n, &err), 0);
	assert_int_equal(n, 1);
	sif_db_close(db);
	assert_true(tu_files_equal(fx->db, fx->copy));
	free_ctx(ctx, pdir);
}

static void newer_db_is_refused_untouched(void **state)
{
	struct tu_pool_fx *fx = *state;
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_err err;
	size_t n;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_db_exec(db, "INSERT INTO sif_migrations VALUES "
				     "('0099_from_the_future', 'abc', 'x', '9.9')", &err), 0);
	sif_db_close(db);
	snapshot(fx);
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, &n, &err), -1);
	assert_int_equal(err.code, SIF_ENEWER);
	assert_non_null(strstr(err.msg, "written by a newer sif: migration 0099_from_the_future unknown"));
	assert_int_equal(sif_migrate_check(ctx, db, NULL, &err), -1);
	sif_db_close(db);
	assert_true(tu_files_equal(fx->db, fx->copy));
	sif_ctx_free(ctx);
}

static void missing_plugin_is_named(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *pdir;
	struct sif_ctx *ctx = ctx_with((const char *[]){ "suspend_image_format", NULL }, &pdir);
	struct sif_ctx *bare;
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), 0);
	assert_int_equal(sif_ctx_new(&bare, &err), 0);
	assert_int_equal(sif_migrate_check(bare, db, NULL, &err), -1);
	assert_int_equal(err.code, SIF_ENEWER);
	assert_non_null(strstr(err.msg, "migration suspend_image_format/0001_add_field unknown "
				     "(is plugin 'suspend_image_format' installed?)"));
	sif_db_close(db);
	sif_ctx_free(bare);
	free_ctx(ctx, pdir);
}

static void changed_migration_is_refused(void **state)
{
	struct tu_pool_fx *fx = *state;
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_db_exec(db, "UPDATE sif_migrations SET checksum = '00000000' "
				     "WHERE id = '0001_indexes'", &err), 0);
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	assert_non_null(strstr(err.msg, "migration 0001_indexes was applied with checksum 00000000"));
	assert_non_null(strstr(err.msg, "changed after release"));
	sif_db_close(db);
	sif_ctx_free(ctx);
}

static void failing_migration_rolls_back(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *pdir;
	struct sif_ctx *ctx = ctx_with((const char *[]){ "broken_migration", NULL }, &pdir);
	struct sif_db *db;
	struct sif_err err;
	bool has;

	snapshot(fx);
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "migration broken_migration/0001_breaks failed and was rolled back"));
	assert_non_null(strstr(err.msg, "no such table: no_such_table"));
	assert_int_equal(sif_db_has_column(db, "VDI", "broken", &has, &err), 0);
	assert_false(has);
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VDI WHERE name__label = 'changed'"), 0);
	sif_db_close(db);
	assert_true(tu_files_equal(fx->db, fx->copy));
	free_ctx(ctx, pdir);
}

/* Fail the k-th file write for k = 0, 1, ...: each run either fails with the
 * DB byte-identical to before, or succeeds; the first success ends it. */
static void write_failure_at_every_write(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *pdir;
	struct sif_ctx *ctx = ctx_with((const char *[]){ "suspend_image_format", NULL }, &pdir);
	struct sif_err err;
	long k;

	snapshot(fx);
	for (k = 0; k < 1000; k++) {
		struct sif_db *db;
		int rc;

		assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
		sif_db_fail_writes_after(k);
		rc = sif_migrate(ctx, db, false, NULL, NULL, NULL, &err);
		sif_db_fail_writes_after(-1);
		sif_db_close(db);
		if (rc == 0)
			break;
		assert_int_equal(err.code, SIF_EIO);
		/* A failure inside COMMIT leaves a hot journal, as a crash would:
		 * the next reader rolls it back.  Then the bytes are the old ones. */
		assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
		assert_int_equal(tu_db_count(db, "SELECT count(*) FROM sqlite_master") > 0, 1);
		sif_db_close(db);
		if (!tu_files_equal(fx->db, fx->copy))
			fail_msg("write %ld failed and the DB changed", k);
	}
	assert_true(k > 0 && k < 1000);
	{
		struct sif_db *db;

		assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
		assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VDI WHERE "
					   "suspend_image_format = 'legacy'"), 12);
		sif_db_close(db);
	}
	free_ctx(ctx, pdir);
}

static void non_sif_database_refused(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *other = tu_strf("%s/other.db", fx->dir);
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(other, SIF_DB_CREATE, &db, &err), 0);
	assert_int_equal(sif_db_exec(db, "CREATE TABLE t (x)", &err), 0);
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not a sif pool database (it has table 't'"));
	sif_db_close(db);
	/* and a file that is no database at all */
	assert_int_equal(tu_write_file(other, "this is not sqlite, not at all, no", 34), 0);
	assert_int_equal(sif_db_open(other, 0, &db, &err), -1);
	assert_int_equal(err.code, SIF_EFORMAT);
	assert_non_null(strstr(err.msg, "other.db"));
	sif_ctx_free(ctx);
	free(other);
}

int main(void)
{
#define POOL_TEST(f) cmocka_unit_test_setup_teardown(f, tu_pool_setup, tu_pool_teardown)
	const struct CMUnitTest tests[] = {
		POOL_TEST(applies_in_order_once),
		POOL_TEST(dry_run_changes_nothing),
		POOL_TEST(newer_db_is_refused_untouched),
		POOL_TEST(missing_plugin_is_named),
		POOL_TEST(changed_migration_is_refused),
		POOL_TEST(failing_migration_rolls_back),
		POOL_TEST(write_failure_at_every_write),
		POOL_TEST(non_sif_database_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
