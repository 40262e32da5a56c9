/*
 * Removing a plugin from a pool DB: its migrations undone newest first in
 * one transaction, after which the DB is what it was before the plugin
 * (same schema and rows, `sqlite3 .dump`) and opens without it; an
 * imported state.db then exports as `db downgrade` would make it.  Every
 * refusal (unknown plugin, core, a changed checksum, a plugin built for
 * ABI 1, a plugin not installed, values that would be lost) and a dry run
 * leave the DB byte-identical; so does a write failure at any write.
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
#include "sif/statedb_pool.h"
#include "dbutil.h"
#include "sdbtest.h"
#include "testutil.h"

static struct sif_ctx *ctx_with(const char *const *plugins)
{
	char *pdir = tu_plugin_dir(plugins);
	struct sif_ctx *ctx;
	struct sif_err err;

	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	if (sif_ctx_load_plugin_dir(ctx, pdir, &err) < 0)
		fail_msg("%s", err.msg);
	/* the plugins stay mapped: the directory may go */
	tu_rmrf(pdir);
	free(pdir);
	return ctx;
}

static void migrate_with(struct tu_pool_fx *fx, const char *const *plugins)
{
	struct sif_ctx *ctx = ctx_with(plugins);
	struct sif_db *db;
	struct sif_err err;

	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	if (sif_migrate(ctx, db, false, NULL, NULL, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	sif_db_close(db);
	sif_ctx_free(ctx);
}

static char *dump(const char *db)
{
	struct run_result r;
	char *out;

	if (tu_sh(&r, "sqlite3 '%s' .dump", db) != 0 || r.status)
		fail_msg("sqlite3 .dump: %s", r.err);
	out = r.out;
	r.out = NULL;
	tu_run_free(&r);
	return out;
}

struct seen {
	char ids[8][96];
	int n, losses;
};

static void on_revert(const struct sif_migration_status *st, void *u)
{
	struct seen *s = u;

	if (s->n < 8)
		snprintf(s->ids[s->n++], sizeof(s->ids[0]), "%s", st->id);
}

static void on_loss(const struct sif_removal_loss *l, void *u)
{
	struct seen *s = u;

	(void)l;
	s->losses++;
}

static int remove_plugin(struct tu_pool_fx *fx, struct sif_ctx *ctx, const char *name, bool dry,
			 bool force, struct seen *seen, size_t *n, struct sif_err *err)
{
	struct sif_plugin_remove_opts o = {
		.dry_run = dry, .force = force, .on_revert = on_revert, .on_loss = on_loss,
		.u = seen,
	};
	struct sif_db *db;
	int rc;

	assert_int_equal(sif_db_open(fx->db, 0, &db, err), 0);
	rc = sif_plugin_remove(ctx, db, name, &o, n, err);
	sif_db_close(db);
	return rc;
}

static void remove_then_open_without(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *before = dump(fx->db), *after;
	struct sif_ctx *ctx, *bare;
	struct seen seen = { 0 };
	struct sif_db *db;
	struct sif_err err;
	size_t n, pending;

	migrate_with(fx, (const char *[]){ "suspend_image_format", "two_steps", NULL });
	ctx = ctx_with((const char *[]){ "suspend_image_format", "two_steps", NULL });
	/* newest first: the index goes before the column it indexes */
	assert_int_equal(remove_plugin(fx, ctx, "two_steps", false, false, &seen, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(seen.ids[0], "two_steps/0002_index_tier");
	assert_string_equal(seen.ids[1], "two_steps/0001_add_tier");
	/* the other plugin is untouched */
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(tu_db_count(db, "SELECT count(*) FROM VDI WHERE "
				   "suspend_image_format = 'legacy'"), 12);
	sif_db_close(db);
	assert_int_equal(remove_plugin(fx, ctx, "suspend_image_format", false, false, &seen, &n,
				       &err), 0);
	assert_int_equal(n, 1);
	/* the DB is what it was before the plugins: schema and rows */
	after = dump(fx->db);
	assert_string_equal(after, before);
	/* and opens with no plugin at all */
	assert_int_equal(sif_ctx_new(&bare, &err), 0);
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	assert_int_equal(sif_migrate_check(bare, db, &pending, &err), 0);
	assert_int_equal(pending, 0);
	sif_db_close(db);
	/* removing again: nothing to undo */
	assert_int_equal(remove_plugin(fx, ctx, "two_steps", false, false, &seen, &n, &err), 0);
	assert_int_equal(n, 0);
	sif_ctx_free(bare);
	sif_ctx_free(ctx);
	free(before);
	free(after);
}

/* Run a removal that must be refused, and check the DB did not change. */
static void expect_refused(struct tu_pool_fx *fx, struct sif_ctx *ctx, const char *name, bool force,
			   enum sif_code code, const char *msg)
{
	struct seen seen = { 0 };
	struct sif_err err;
	size_t n;

	tu_copy_file(fx->db, fx->copy);
	assert_int_equal(remove_plugin(fx, ctx, name, false, force, &seen, &n, &err), -1);
	if (err.code != code || !strstr(err.msg, msg))
		fail_msg("remove %s: got (%d) '%s', want '%s'", name, err.code, err.msg, msg);
	assert_int_equal(seen.n, 0);
	if (!tu_files_equal(fx->db, fx->copy))
		fail_msg("remove %s was refused but the DB changed", name);
}

static void refusals_change_nothing(void **state)
{
	struct tu_pool_fx *fx = *state;
	struct sif_ctx *ctx, *without;
	struct seen seen = { 0 };
	struct sif_db *db;
	struct sif_err err;
	size_t n;

	migrate_with(fx, (const char *[]){ "abi1_note", "suspend_image_format", "two_steps", NULL });
	ctx = ctx_with((const char *[]){ "abi1_note", "suspend_image_format", "two_steps", NULL });
	expect_refused(fx, ctx, "nope", false, SIF_ENOTFOUND,
		       "no plugin 'nope' is loaded, and the database records none");
	expect_refused(fx, ctx, "core", false, SIF_EREFUSED, "core migrations are forward-only");
	expect_refused(fx, ctx, "abi1_note", false, SIF_EREFUSED,
		       "migration abi1_note/0002_add_note1 has no down step");
	without = ctx_with((const char *[]){ "abi1_note", "suspend_image_format", NULL });
	expect_refused(fx, without, "two_steps", false, SIF_ENOTFOUND,
		       "plugin 'two_steps' is not loaded: its down steps come from the plugin");
	sif_ctx_free(without);

	/* a VDI marked raw: listed, refused; --force goes ahead */
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	tu_db_exec(db, "UPDATE VDI SET suspend_image_format = 'raw' WHERE rowid IN (3, 5)");
	sif_db_close(db);
	expect_refused(fx, ctx, "suspend_image_format", false, SIF_EREFUSED,
		       "2 values of plugin 'suspend_image_format' fields other than the field's "
		       "default would be lost (first: VDI ");
	/* a dry run runs the down steps and rolls back: no byte changes */
	tu_copy_file(fx->db, fx->copy);
	assert_int_equal(remove_plugin(fx, ctx, "suspend_image_format", true, true, &seen, &n,
				       &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seen.losses, 2);
	assert_true(tu_files_equal(fx->db, fx->copy));

	seen = (struct seen){ 0 };
	assert_int_equal(remove_plugin(fx, ctx, "suspend_image_format", false, true, &seen, &n,
				       &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seen.losses, 2);

	/* a migration whose text changed after it was applied */
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	tu_db_exec(db, "UPDATE sif_migrations SET checksum = '00000000' WHERE id = "
		   "'two_steps/0001_add_tier'");
	sif_db_close(db);
	expect_refused(fx, ctx, "two_steps", false, SIF_EREFUSED,
		       "migration two_steps/0001_add_tier was applied with checksum 00000000");
	sif_ctx_free(ctx);
}

/* Fail the k-th file write for k = 0, 1, ...: each run fails with the DB
 * byte-identical to before, or succeeds; the first success ends it. */
static void write_failure_at_every_write(void **state)
{
	struct tu_pool_fx *fx = *state;
	struct sif_ctx *ctx;
	struct seen seen = { 0 };
	struct sif_err err;
	size_t n;
	long k;

	migrate_with(fx, (const char *[]){ "suspend_image_format", "two_steps", NULL });
	ctx = ctx_with((const char *[]){ "suspend_image_format", "two_steps", NULL });
	tu_copy_file(fx->db, fx->copy);
	for (k = 0; k < 1000; k++) {
		struct sif_db *db;
		int rc;

		sif_db_fail_writes_after(k);
		rc = remove_plugin(fx, ctx, "two_steps", false, false, &seen, &n, &err);
		sif_db_fail_writes_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(err.code, SIF_EIO);
		/* a hot journal is rolled back by the next reader, as after a crash */
		assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
		assert_true(tu_db_count(db, "SELECT count(*) FROM sqlite_master") > 0);
		sif_db_close(db);
		if (!tu_files_equal(fx->db, fx->copy))
			fail_msg("write %ld failed and the DB changed", k);
	}
	assert_true(k > 0 && k < 1000);
	assert_int_equal(n, 2);
	sif_ctx_free(ctx);
}

/* An imported state.db with the plugin's column exports without it once the
 * plugin is removed: the file `db downgrade` makes of it. */
static void imported_state_db_comes_back_downgraded(void **state)
{
	struct tu_pool_fx *fx = *state;
	char *legacy = tu_gen_statedb(fx->dir, "legacy.db", 50, "legacy");
	char *plain = tu_gen_statedb(fx->dir, "plain.db", 50, "none");
	char *back = tu_strf("%s/back.db", fx->dir), *fresh = tu_strf("%s/fresh.db", fx->dir);
	struct sif_statedb_pool_stats st;
	struct sif_ctx *ctx, *bare;
	struct seen seen = { 0 };
	struct sif_db *db;
	struct sif_err err;
	size_t n;

	ctx = ctx_with((const char *[]){ "suspend_image_format", NULL });
	assert_int_equal(sif_db_open(fresh, SIF_DB_CREATE, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), 0);
	if (sif_statedb_import(ctx, db, legacy, false, &st, &err) < 0)
		fail_msg("import: %s", err.msg);
	sif_db_close(db);
	free(fx->db);
	fx->db = fresh;
	assert_int_equal(remove_plugin(fx, ctx, "suspend_image_format", false, false, &seen, &n,
				       &err), 0);
	assert_int_equal(sif_ctx_new(&bare, &err), 0);
	assert_int_equal(sif_db_open(fx->db, 0, &db, &err), 0);
	if (sif_statedb_export(bare, db, back, &st, &err) < 0)
		fail_msg("export without the plugin: %s", err.msg);
	sif_db_close(db);
	assert_true(tu_files_equal(back, plain));
	sif_ctx_free(bare);
	sif_ctx_free(ctx);
	free(legacy); free(plain); free(back);
}

int main(void)
{
#define POOL_TEST(f) cmocka_unit_test_setup_teardown(f, tu_pool_setup, tu_pool_teardown)
	const struct CMUnitTest tests[] = {
		POOL_TEST(remove_then_open_without),
		POOL_TEST(refusals_change_nothing),
		POOL_TEST(write_failure_at_every_write),
		POOL_TEST(imported_state_db_comes_back_downgraded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
