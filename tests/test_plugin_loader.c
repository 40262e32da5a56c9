/*
 * The plugin loader: every refusal (with the file named) using deliberately
 * bad plugins built from tests/plugins/, and the checks on descriptions.
 * A refused plugin registers nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sif/ctx.h"
#include "testutil.h"

/* Load a directory holding the named plugins; returns rc, fills err. */
static int load(const char *const *names, struct sif_err *err, struct sif_ctx **out,
		char **dir_out)
{
	char *dir = tu_plugin_dir(names);
	struct sif_ctx *ctx;
	int rc;

	assert_int_equal(sif_ctx_new(&ctx, err), 0);
	rc = sif_ctx_load_plugin_dir(ctx, dir, err);
	if (out)
		*out = ctx;
	else
		sif_ctx_free(ctx);
	if (dir_out) {
		*dir_out = dir;
	} else {
		tu_rmrf(dir);
		free(dir);
	}
	return rc;
}

static void expect_refusal(const char *const *names, const char *file, const char *msg)
{
	struct sif_err err;

	assert_int_equal(load(names, &err, NULL, NULL), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	if (!strstr(err.msg, file) || !strstr(err.msg, msg))
		fail_msg("got '%s', want file %s and '%s'", err.msg, file, msg);
}

static void good_plugins_load(void **state)
{
	struct sif_ctx *ctx;
	struct sif_err err;

	(void)state;
	assert_int_equal(load((const char *[]){ "suspend_image_format", "vm_note", NULL },
			      &err, &ctx, NULL), 0);
	assert_int_equal(sif_ctx_nplugins(ctx), 2);
	assert_string_equal(sif_ctx_plugin_at(ctx, 0)->plugin->name, "suspend_image_format");
	assert_string_equal(sif_ctx_plugin_at(ctx, 1)->plugin->name, "vm_note");
	assert_non_null(sif_ctx_field(ctx, "VM", "note"));
	sif_ctx_free(ctx);
}

static void refuses_wrong_abi(void **state)
{
	(void)state;
	expect_refusal((const char *[]){ "bad_abi", NULL }, "bad_abi.so",
		       "built for plugin ABI 99, this sif speaks ABI 2 (and loads 1)");
}

/* ABI 1 (migrations without `down`, a shorter element) still loads, read
 * with its own layout; its migrations have no down step. */
static void loads_abi1_plugin(void **state)
{
	struct sif_ctx *ctx;
	struct sif_err err;
	size_t i, found = 0;

	(void)state;
	assert_int_equal(load((const char *[]){ "abi1_note", "suspend_image_format", NULL },
			      &err, &ctx, NULL), 0);
	assert_int_equal(sif_ctx_nplugins(ctx), 2);
	assert_non_null(sif_ctx_field(ctx, "VM", "note1"));
	for (i = 0; i < sif_ctx_nmigrations(ctx); i++) {
		const struct sif_migration *m = sif_ctx_migration_at(ctx, i);

		if (!strcmp(m->id, "abi1_note/0002_add_note1")) {
			assert_non_null(strstr(m->sql, "ADD COLUMN note1"));
			assert_string_equal(m->doc, "add VM.note1");
			assert_null(m->down);
			found++;
		} else if (!strcmp(m->id, "abi1_note/0001_nothing")) {
			assert_string_equal(m->sql, "SELECT 1;");
			found++;
		} else if (!strcmp(m->id, "suspend_image_format/0001_add_field")) {
			assert_non_null(m->down);
			found++;
		}
	}
	assert_int_equal(found, 3);
	sif_ctx_free(ctx);
}

static void refuses_missing_entry(void **state)
{
	(void)state;
	expect_refusal((const char *[]){ "no_entry", NULL }, "no_entry.so",
		       "no entry point sif_plugin_entry()");
}

static void refuses_null_description(void **state)
{
	(void)state;
	expect_refusal((const char *[]){ "returns_null", NULL }, "returns_null.so",
		       "returned nothing");
}

static void refuses_core_clash(void **state)
{
	(void)state;
	expect_refusal((const char *[]){ "clash_core", NULL }, "clash_core.so",
		       "field VDI.type clashes with the one registered by core");
}

static void refuses_plugin_clash(void **state)
{
	struct sif_ctx *ctx;
	struct sif_err err;
	char *dir;

	(void)state;
	expect_refusal((const char *[]){ "suspend_image_format", "zz_clash_plugin", NULL },
		       "zz_clash_plugin.so",
		       "field VDI.suspend_image_format clashes with the one registered by "
		       "suspend_image_format");
	/* the refused plugin left nothing behind in the context */
	assert_int_equal(load((const char *[]){ "suspend_image_format", "zz_clash_plugin", NULL },
			      &err, &ctx, &dir), -1);
	assert_int_equal(sif_ctx_nplugins(ctx), 1);
	assert_string_equal(sif_ctx_migration_at(ctx, sif_ctx_nmigrations(ctx) - 1)->id,
			    "suspend_image_format/0001_add_field");
	sif_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
}

static void refuses_world_writable_file_and_dir(void **state)
{
	char *dir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	char *file = tu_strf("%s/suspend_image_format.so", dir);
	struct sif_ctx *ctx;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(chmod(file, 0757), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, dir, &err), -1);
	assert_non_null(strstr(err.msg, "file"));
	assert_non_null(strstr(err.msg, "suspend_image_format.so is writable by others (mode 0757)"));
	assert_int_equal(chmod(file, 0755), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, dir, &err), -1);
	assert_non_null(strstr(err.msg, "directory"));
	assert_non_null(strstr(err.msg, "is writable by others (mode 0777)"));
	/* a single file in such a directory is refused as well */
	assert_int_equal(sif_ctx_load_plugin(ctx, file, &err), -1);
	assert_non_null(strstr(err.msg, "writable by others"));
	assert_int_equal(sif_ctx_nplugins(ctx), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(sif_ctx_load_plugin(ctx, file, &err), 0);
	sif_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
	free(file);
}

static void refuses_missing_dir_and_non_plugin_file(void **state)
{
	char *dir = tu_mkdtemp(), *junk = tu_strf("%s/junk.so", dir);
	struct sif_ctx *ctx;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, "/nonexistent/sif-plugins", &err), -1);
	assert_non_null(strstr(err.msg, "plugin directory /nonexistent/sif-plugins"));
	assert_int_equal(tu_write_file(junk, "not an ELF file", 15), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(ctx, dir, &err), -1);
	assert_non_null(strstr(err.msg, "junk.so: cannot load"));
	sif_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
	free(junk);
}

/* Descriptions handed over directly: the checks of lib/datamodel/ctx.c. */
static const char *const no_values[] = { NULL };
static const char *const ab[] = { "a", "b", NULL };
static const struct sif_migration one_mig[] = { { .id = "0001_m", .sql = "SELECT 1;" } };

static void check_description(const struct sif_field *f, const char *name, const char *msg)
{
	struct sif_plugin p = {
		.abi_version = SIF_PLUGIN_ABI_VERSION, .name = name, .fields = f,
		.nfields = f ? 1 : 0, .migrations = one_mig, .nmigrations = 1,
	};
	struct sif_ctx *ctx;
	struct sif_err err;
	size_t nvdi, nmig;

	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	nvdi = sif_ctx_nfields(ctx, "VDI");
	nmig = sif_ctx_nmigrations(ctx);
	assert_int_equal(sif_ctx_add_plugin(ctx, &p, "desc", &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("got '%s', want '%s'", err.msg, msg);
	assert_int_equal(sif_ctx_nplugins(ctx), 0);
	assert_int_equal(sif_ctx_nfields(ctx, "VDI"), nvdi);
	assert_int_equal(sif_ctx_nmigrations(ctx), nmig);
	sif_ctx_free(ctx);
}

static void description_checks(void **state)
{
	(void)state;
	check_description(NULL, "Bad-Name", "plugin name 'Bad-Name' is not [a-z0-9_]+");
	check_description(&(struct sif_field){ .cls = "Nope", .name = "x", .type = SIF_FT_STRING,
			  .default_value = "", .introduced = "0001_m" }, "p",
			  "names unknown class 'Nope'");
	check_description(&(struct sif_field){ .cls = "VDI", .name = "e", .type = SIF_FT_ENUM,
			  .enum_values = no_values, .default_value = "a", .introduced = "0001_m" },
			  "p", "enum field VDI.e has no values");
	check_description(&(struct sif_field){ .cls = "VDI", .name = "e", .type = SIF_FT_ENUM,
			  .enum_values = ab, .default_value = "c", .introduced = "0001_m" },
			  "p", "default of field VDI.e: VDI.e: 'c' is not a valid value");
	check_description(&(struct sif_field){ .cls = "VDI", .name = "s", .type = SIF_FT_STRING,
			  .default_value = NULL, .introduced = "0001_m" }, "p",
			  "needs a default (existing rows get it)");
	check_description(&(struct sif_field){ .cls = "VDI", .name = "s", .type = SIF_FT_STRING,
			  .default_value = "", .introduced = "0002_other" }, "p",
			  "must name the plugin migration that adds it");
	check_description(&(struct sif_field){ .cls = "VDI", .name = "bad name",
			  .type = SIF_FT_STRING, .default_value = "", .introduced = "0001_m" },
			  "p", "has a bad name or type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plugins_load),
		cmocka_unit_test(refuses_wrong_abi),
		cmocka_unit_test(loads_abi1_plugin),
		cmocka_unit_test(refuses_missing_entry),
		cmocka_unit_test(refuses_null_description),
		cmocka_unit_test(refuses_core_clash),
		cmocka_unit_test(refuses_plugin_clash),
		cmocka_unit_test(refuses_world_writable_file_and_dir),
		cmocka_unit_test(refuses_missing_dir_and_non_plugin_file),
		cmocka_unit_test(description_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
