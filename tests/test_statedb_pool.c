/*
 * state.db import into the pool DB and export back: byte identity for
 * files as xapi writes them (hostile values, every table, the new field in
 * all its forms), modelled rows in the registry's tables, changes made in
 * the pool DB showing in the export where xapi would write them, and
 * refusals that leave the DB as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dbutil.h"
#include "sif/ctx.h"
#include "sif/migrate.h"
#include "sif/objects.h"
#include "sif/statedb.h"
#include "sif/statedb_pool.h"
#include "sif/strbuf.h"
#include "sif/xapi_value.h"
#include "testutil.h"

struct fx {
	char *dir, *pdir, *dbpath;
	struct sif_ctx *ctx;
	struct sif_db *db;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct sif_err err;

	fx->dir = tu_mkdtemp();
	fx->dbpath = tu_strf("%s/pool.db", fx->dir);
	fx->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	assert_int_equal(sif_ctx_new(&fx->ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(fx->ctx, fx->pdir, &err), 0);
	assert_int_equal(sif_db_open(fx->dbpath, SIF_DB_CREATE, &fx->db, &err), 0);
	assert_int_equal(sif_migrate(fx->ctx, fx->db, false, NULL, NULL, NULL, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sif_db_close(fx->db);
	sif_ctx_free(fx->ctx);
	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir); free(fx->pdir); free(fx->dbpath);
	free(fx);
	return 0;
}

static char *gen(struct fx *fx, const char *name, unsigned vdis, const char *field)
{
	char *g = tu_build_path("tests/gen_statedb"), *p = tu_strf("%s/%s", fx->dir, name);
	struct run_result r;

	tu_sh(&r, "'%s' --vdis %u --seed 11 --field %s -o '%s'", g, vdis, field, p);
	if (r.status)
		fail_msg("gen_statedb: %s", r.err);
	tu_run_free(&r);
	free(g);
	return p;
}

static void import_ok(struct fx *fx, const char *path, bool replace)
{
	struct sif_statedb_pool_stats st;
	struct sif_err err = { 0 };

	if (sif_statedb_import(fx->ctx, fx->db, path, replace, &st, &err) < 0)
		fail_msg("import: %s", err.msg);
}

static char *export_ok(struct fx *fx, const char *name, struct sif_statedb_pool_stats *st)
{
	char *out = tu_strf("%s/%s", fx->dir, name);
	struct sif_err err = { 0 };

	if (sif_statedb_export(fx->ctx, fx->db, out, st, &err) < 0)
		fail_msg("export: %s", err.msg);
	return out;
}

static void round_trips(void **state)
{
	static const char *const modes[] = { "none", "mixed", "legacy" };
	struct fx *fx = *state;
	struct sif_statedb_pool_stats st;
	size_t i;

	for (i = 0; i < 3; i++) {
		char *in = gen(fx, "in.db", 500, modes[i]), *out;

		import_ok(fx, in, i > 0);
		out = export_ok(fx, "out.db", &st);
		if (!tu_files_equal(in, out))
			fail_msg("field mode %s: export differs from the imported file", modes[i]);
		assert_int_equal(st.new_rows, 0);
		assert_int_equal(st.deleted_rows, 0);
		free(in);
		free(out);
	}
	/* modelled rows are in the registry's tables: 500 VDIs, 125 VMs */
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI"), 500);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VM"), 125);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI WHERE type = 'suspend'"), 25);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VM WHERE power_state = "
				     "'Suspended' AND suspend_VDI IN (SELECT _ref FROM VDI WHERE "
				     "type = 'suspend')"), 24);
	/* the others are kept: 65 tables */
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM statedb_table"), 65);
}

/* Every modelled value in the DB is the file's value unprotected. */
struct check {
	struct sif_db *db;
	int checked;
};

static int check_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	static const char *const cols[] = { "name__label", "other_config", "sm_config",
					    "platform", "power_state", "tags", NULL };
	struct check *c = u;
	struct sif_stmt *st;
	size_t i, k;

	if (strcmp(r->table->name, "VDI") && strcmp(r->table->name, "VM"))
		return 0;
	for (i = 0; i < r->nattrs; i++) {
		struct sif_strbuf want = SIF_STRBUF_INIT;
		bool has;
		char *sql;

		for (k = 0; cols[k] && strcmp(cols[k], r->attrs[i].name); k++)
			;
		if (!cols[k])
			continue;
		/* only what the pool DB models (VM has no tags column) */
		assert_int_equal(sif_db_has_column(c->db, r->table->name, cols[k], &has, err), 0);
		if (!has)
			continue;
		assert_int_equal(sif_xapi_unprotect(r->attrs[i].value, r->attrs[i].len, &want,
						    NULL), 0);
		sql = tu_strf("SELECT \"%s\" FROM \"%s\" WHERE _ref = ?1", cols[k],
			      r->table->name);
		assert_int_equal(sif_db_prepare(c->db, sql, &st, err), 0);
		assert_int_equal(sif_stmt_bind_text(st, 1, r->ref, err), 0);
		assert_int_equal(sif_stmt_step(st, err), SIF_ROW);
		if (strcmp(sif_stmt_text(st, 0), want.p ? want.p : ""))
			fail_msg("%s %s.%s: DB has '%s', file '%s'", r->table->name, r->ref,
				 cols[k], sif_stmt_text(st, 0), want.p);
		sif_stmt_finalize(st);
		sif_strbuf_free(&want);
		free(sql);
		c->checked++;
	}
	return 0;
}

static void values_are_decoded(void **state)
{
	struct fx *fx = *state;
	char *in = gen(fx, "h.db", 60, "mixed");
	struct sif_statedb_visitor v = { .row = check_row };
	struct check c = { fx->db, 0 };
	struct sif_err err;

	import_ok(fx, in, false);
	assert_int_equal(sif_statedb_read_file(in, &v, &c, &err), 0);
	assert_true(c.checked > 60 * 4);
	/* hostile names made it through (the generator puts some in) */
	assert_true(tu_db_count(fx->db, "SELECT count(*) FROM VDI WHERE name__label GLOB "
				"'*[<>&\"'' ]*' OR name__label GLOB '*' || char(10) || '*'") > 0);
	/* the plugin field as in the file, its default where the file has none */
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI WHERE "
				     "suspend_image_format = 'raw'"), 20);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI WHERE "
				     "suspend_image_format = 'legacy'"), 20);
	free(in);
}

/* Read the exported file and return the attribute names of one row. */
struct find {
	const char *table, *ref;
	char names[4096];
	char value[256];
	const char *want;
	int found;
};

static int find_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct find *f = u;
	size_t i, n = 0;

	(void)err;
	if (strcmp(r->table->name, f->table) || strcmp(r->ref, f->ref))
		return 0;
	f->found++;
	for (i = 0; i < r->nattrs; i++) {
		n += (size_t)snprintf(f->names + n, sizeof(f->names) - n, "%s ", r->attrs[i].name);
		if (f->want && !strcmp(r->attrs[i].name, f->want))
			snprintf(f->value, sizeof(f->value), "%.*s", (int)r->attrs[i].len,
				 r->attrs[i].value);
	}
	return 0;
}

static void changes_show_in_the_export(void **state)
{
	struct fx *fx = *state;
	char *in = gen(fx, "c.db", 100, "none"), *out;
	struct sif_statedb_visitor v = { .row = find_row };
	struct sif_statedb_pool_stats st;
	struct find f = { .table = "VDI", .want = "suspend_image_format" };
	const struct sif_field *sif = sif_ctx_field(fx->ctx, "VDI", "suspend_image_format");
	char ref[64], vbd[64], vdi_uuid[64], *newref = NULL;
	struct sif_err err;

	import_ok(fx, in, false);
	tu_db_text(fx->db, "SELECT _ref FROM VDI WHERE type = 'suspend' ORDER BY _ref LIMIT 1", ref);
	/* what the suspend path does: record the format it wrote */
	assert_int_equal(sif_obj_set_by_ref(fx->db, ref, sif, "raw", 0, &err), 0);
	tu_db_exec(fx->db, "UPDATE VDI SET name__label = 'renamed  twice' WHERE _ref = '%s'", ref);
	tu_db_text(fx->db, "SELECT _ref FROM VBD ORDER BY _ref LIMIT 1 OFFSET 5", vbd);
	tu_db_exec(fx->db, "DELETE FROM VBD WHERE _ref = '%s'", vbd);
	tu_db_text(fx->db, "SELECT SR FROM VDI LIMIT 1", vdi_uuid);
	assert_int_equal(sif_obj_insert(fx->ctx, fx->db, "VDI",
					(const char *[]){ "SR", "type", "virtual_size",
							  "suspend_image_format" },
					(const char *[]){ vdi_uuid, "suspend", "4096", "structured" },
					4, &newref, &err), 0);
	out = export_ok(fx, "c.out", &st);
	assert_int_equal(st.new_rows, 1);
	assert_int_equal(st.deleted_rows, 1);
	assert_false(tu_files_equal(in, out));

	f.ref = ref;
	assert_int_equal(sif_statedb_read_file(out, &v, &f, &err), 0);
	assert_int_equal(f.found, 1);
	/* the field goes in its byte-order place, as sif db upgrade puts it */
	assert_non_null(strstr(f.names, "storage_lock suspend_image_format tags "));
	assert_string_equal(f.value, "raw");
	/* the new VDI: ref order, xapi's layout from the registry */
	f.ref = newref;
	f.found = 0;
	f.names[0] = '\0';
	assert_int_equal(sif_statedb_read_file(out, &v, &f, &err), 0);
	assert_int_equal(f.found, 1);
	assert_true(!strncmp(f.names, "ref __ctime __mtime SR _ref ", 28));
	assert_string_equal(f.value, "structured");
	/* the deleted VBD is gone */
	f.table = "VBD";
	f.ref = vbd;
	f.found = 0;
	assert_int_equal(sif_statedb_read_file(out, &v, &f, &err), 0);
	assert_int_equal(f.found, 0);
	free(newref);
	free(in);
	free(out);
}

static void refusals_leave_the_db_alone(void **state)
{
	struct fx *fx = *state;
	char *in = gen(fx, "r.db", 50, "none");
	char *bad = tu_strf("%s/bad.db", fx->dir), *text;
	struct sif_statedb_pool_stats st;
	struct sif_err err = { 0 };
	size_t n;

	/* a VDI type the registry does not know, late in the file */
	text = tu_read_file(in, &n);
	{
		char *p = strstr(text, "type=\"suspend\"");

		assert_non_null(p);
		memcpy(p, "type=\"suspenD\"", 14);
	}
	assert_int_equal(tu_write_file(bad, text, n), 0);
	free(text);
	assert_int_equal(sif_statedb_import(fx->ctx, fx->db, bad, false, &st, &err), -1);
	assert_non_null(strstr(err.msg, "bad.db: line 2, byte"));
	assert_non_null(strstr(err.msg, "table VDI, row 0"));
	assert_non_null(strstr(err.msg, "'suspenD' is not a valid value"));
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM statedb_row"), 0);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VM"), 0);

	/* into a DB that has objects: refused, unless replacing */
	import_ok(fx, in, false);
	assert_int_equal(sif_statedb_import(fx->ctx, fx->db, in, false, &st, &err), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	assert_non_null(strstr(err.msg, "--replace"));
	assert_int_equal(sif_statedb_import(fx->ctx, fx->db, bad, true, &st, &err), -1);
	/* the failed replace rolled back: the earlier import is intact */
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI"), 50);
	import_ok(fx, in, true);
	assert_int_equal(tu_db_count(fx->db, "SELECT count(*) FROM VDI"), 50);
	free(in);
	free(bad);
}

/* A pool DB that never saw a state.db still exports: its own classes. */
static void export_without_import(void **state)
{
	struct fx *fx = *state;
	struct sif_statedb_pool_stats st;
	struct sif_statedb_visitor v = { 0 };
	struct sif_err err;
	char *out;

	tu_db_exec(fx->db, "INSERT INTO SR (_ref, uuid, name__label) VALUES "
		   "('OpaqueRef:s', 'u-s', 'local')");
	out = export_ok(fx, "fresh.out", &st);
	assert_int_equal(st.tables, 6);
	assert_int_equal(st.new_rows, 1);
	assert_int_equal(sif_statedb_read_file(out, &v, NULL, &err), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(values_are_decoded, setup, teardown),
		cmocka_unit_test_setup_teardown(changes_show_in_the_export, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_leave_the_db_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(export_without_import, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
