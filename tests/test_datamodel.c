/*
 * The registry: the fields the brief requires, value validation per type,
 * xe names, and agreement between lib/datamodel/datamodel_core.c and schema/base.sql
 * (columns and defaults), before and after the plugin's migration.
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
#include "testutil.h"

static void required_fields_exist(void **state)
{
	static const struct { const char *cls, *name; enum sif_ftype t; } want[] = {
		{ "VDI", "uuid", SIF_FT_STRING }, { "VDI", "name__label", SIF_FT_STRING },
		{ "VDI", "name__description", SIF_FT_STRING }, { "VDI", "SR", SIF_FT_REF },
		{ "VDI", "type", SIF_FT_ENUM }, { "VDI", "virtual_size", SIF_FT_INT },
		{ "VDI", "physical_utilisation", SIF_FT_INT }, { "VDI", "read_only", SIF_FT_BOOL },
		{ "VDI", "sharable", SIF_FT_BOOL }, { "VDI", "managed", SIF_FT_BOOL },
		{ "VDI", "is_a_snapshot", SIF_FT_BOOL }, { "VDI", "other_config", SIF_FT_MAP },
		{ "VDI", "sm_config", SIF_FT_MAP }, { "VDI", "xenstore_data", SIF_FT_MAP },
		{ "VM", "uuid", SIF_FT_STRING }, { "VM", "name__label", SIF_FT_STRING },
		{ "VM", "power_state", SIF_FT_ENUM }, { "VM", "suspend_VDI", SIF_FT_REF },
		{ "VM", "platform", SIF_FT_MAP }, { "VM", "other_config", SIF_FT_MAP },
		{ "VM", "resident_on", SIF_FT_REF }, { "VM", "domarch", SIF_FT_STRING },
		{ "VM", "is_control_domain", SIF_FT_BOOL }, { "VM", "HVM__boot_policy", SIF_FT_STRING },
		{ "host", "uuid", SIF_FT_STRING }, { "host", "name__label", SIF_FT_STRING },
		{ "host", "software_version", SIF_FT_MAP }, { "host", "API_version__major", SIF_FT_INT },
		{ "host", "API_version__minor", SIF_FT_INT },
		{ "SR", "uuid", SIF_FT_STRING }, { "SR", "name__label", SIF_FT_STRING },
		{ "SR", "type", SIF_FT_STRING },
		{ "VBD", "VM", SIF_FT_REF }, { "VBD", "VDI", SIF_FT_REF },
		{ "VBD", "device", SIF_FT_STRING }, { "VBD", "mode", SIF_FT_ENUM },
		{ "VBD", "type", SIF_FT_ENUM },
	};
	struct sif_ctx *ctx;
	struct sif_err err;
	const struct sif_field *f;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		f = sif_ctx_field(ctx, want[i].cls, want[i].name);
		if (!f)
			fail_msg("%s.%s missing", want[i].cls, want[i].name);
		assert_int_equal(f->type, want[i].t);
		assert_string_equal(f->introduced, "0000_base");
	}
	f = sif_ctx_field(ctx, "VDI", "type");
	assert_string_equal(f->enum_values[0], "system");
	assert_string_equal(f->enum_values[10], "cbt_metadata");
	assert_null(f->enum_values[11]);
	assert_null(sif_ctx_field(ctx, "VDI", "suspend_image_format"));
	assert_non_null(sif_ctx_class(ctx, "vdi"));
	assert_ptr_equal(sif_ctx_field_cli(ctx, "VDI", "name-label"),
			 sif_ctx_field(ctx, "VDI", "name__label"));
	assert_ptr_equal(sif_ctx_field_cli(ctx, "VM", "HVM-boot-policy"),
			 sif_ctx_field(ctx, "VM", "HVM__boot_policy"));
	sif_ctx_free(ctx);
}

static void validation(void **state)
{
	static const struct { const char *cls, *name, *value; int ok; const char *msg; } cases[] = {
		{ "VDI", "virtual_size", "1024", 1, NULL },
		{ "VDI", "virtual_size", "-5", 1, NULL },
		{ "VDI", "virtual_size", "12x", 0, "'12x' is not an integer" },
		{ "VDI", "virtual_size", "99999999999999999999", 0, "not an integer" },
		{ "VDI", "read_only", "true", 1, NULL },
		{ "VDI", "read_only", "True", 0, "expected true or false" },
		{ "VDI", "type", "suspend", 1, NULL },
		{ "VDI", "type", "Suspend", 0, "expected system | user | ephemeral | suspend" },
		{ "VDI", "SR", "OpaqueRef:NULL", 1, NULL },
		{ "VDI", "SR", "NULL", 0, "expected OpaqueRef:" },
		{ "VDI", "other_config", "(('a' 'b'))", 1, NULL },
		{ "VDI", "other_config", "(('' 'b'))", 0, "map key must not be empty" },
		{ "VDI", "other_config", "(('a'))", 0, "VDI.other_config: not a map: offset 5" },
		{ "VDI", "tags", "('x' 'y')", 1, NULL },
		{ "VM", "power_state", "Suspended", 1, NULL },
		{ "VM", "power_state", "suspended", 0, "not a valid value" },
	};
	struct sif_ctx *ctx;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sif_field *f = sif_ctx_field(ctx, cases[i].cls, cases[i].name);
		int rc = sif_field_validate(f, cases[i].value, &err);

		if ((rc == 0) != cases[i].ok)
			fail_msg("%s.%s=%s: rc %d", cases[i].cls, cases[i].name, cases[i].value, rc);
		if (!cases[i].ok && !strstr(err.msg, cases[i].msg))
			fail_msg("%s: got '%s'", cases[i].value, err.msg);
	}
	sif_ctx_free(ctx);
}

static void cli_names(void **state)
{
	char buf[64];

	(void)state;
	sif_field_cli_name("name__label", buf, sizeof(buf));
	assert_string_equal(buf, "name-label");
	sif_field_cli_name("suspend_image_format", buf, sizeof(buf));
	assert_string_equal(buf, "suspend-image-format");
	sif_field_cli_name("memory__static_max", buf, sizeof(buf));
	assert_string_equal(buf, "memory-static-max");
}

/* Every registry field of the DB's classes has its column with the same
 * default, and the DB has no column the registry does not describe. */
static void check_schema(struct sif_ctx *ctx, struct sif_db *db)
{
	struct sif_err err;

	for (size_t c = 0; c < sif_ctx_nclasses(ctx); c++) {
		const char *cls = sif_ctx_class_at(ctx, c)->name;
		struct sif_stmt *st;
		size_t ncols = 0;
		int s;

		assert_int_equal(sif_db_prepare(db, "SELECT name, dflt_value FROM pragma_table_info(?1)",
						&st, &err), 0);
		assert_int_equal(sif_stmt_bind_text(st, 1, cls, &err), 0);
		while ((s = sif_stmt_step(st, &err)) == SIF_ROW) {
			const char *col = sif_stmt_text(st, 0), *dflt = sif_stmt_text(st, 1);
			const struct sif_field *f;
			char want[256];

			if (!strcmp(col, "_ref"))
				continue;
			ncols++;
			f = sif_ctx_field(ctx, cls, col);
			if (!f)
				fail_msg("column %s.%s is not in the registry", cls, col);
			if (f->default_value) {
				snprintf(want, sizeof(want), "'%s'", f->default_value);
				if (!dflt || strcmp(dflt, want))
					fail_msg("%s.%s: SQL default %s, registry %s", cls, col,
						 dflt ? dflt : "(none)", want);
			} else if (dflt) {
				fail_msg("%s.%s: SQL default %s, registry has none", cls, col, dflt);
			}
		}
		assert_int_equal(s, SIF_DONE);
		sif_stmt_finalize(st);
		assert_int_equal(ncols, sif_ctx_nfields(ctx, cls));
	}
}

static void schema_matches_registry(void **state)
{
	char *dir = tu_mkdtemp(), *path = tu_strf("%s/pool.db", dir);
	char *pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_db_open(path, SIF_DB_CREATE, &db, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), 0);
	check_schema(ctx, db);
	/* and with the plugin's field once its migration ran */
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, pdir, &err), 0);
	assert_int_equal(sif_migrate(ctx, db, false, NULL, NULL, NULL, &err), 0);
	check_schema(ctx, db);
	sif_db_close(db);
	sif_ctx_free(ctx);
	tu_rmrf(dir);
	tu_rmrf(pdir);
	free(dir);
	free(pdir);
	free(path);
}

static void plugin_field(void **state)
{
	char *pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	const struct sif_field *f;
	struct sif_ctx *ctx;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, pdir, &err), 0);
	f = sif_ctx_field_cli(ctx, "VDI", "suspend-image-format");
	assert_non_null(f);
	assert_int_equal(f->type, SIF_FT_ENUM);
	assert_string_equal(f->default_value, "legacy");
	assert_string_equal(f->enum_values[0], "legacy");
	assert_string_equal(f->enum_values[1], "structured");
	assert_string_equal(f->enum_values[2], "raw");
	assert_null(f->enum_values[3]);
	assert_false(f->flags & SIF_FIELD_ADMIN_SETTABLE);
	assert_string_equal(f->introduced, "suspend_image_format/0001_add_field");
	assert_string_equal(sif_ctx_field_owner(ctx, f), "suspend_image_format");
	assert_int_equal(sif_field_validate(f, "raw", &err), 0);
	assert_int_equal(sif_field_validate(f, "RAW", &err), -1);
	/* the migration that introduces it is the last one */
	assert_string_equal(sif_ctx_migration_at(ctx, sif_ctx_nmigrations(ctx) - 1)->id,
			    "suspend_image_format/0001_add_field");
	sif_ctx_free(ctx);
	tu_rmrf(pdir);
	free(pdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(required_fields_exist),
		cmocka_unit_test(validation),
		cmocka_unit_test(cli_names),
		cmocka_unit_test(schema_matches_registry),
		cmocka_unit_test(plugin_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
