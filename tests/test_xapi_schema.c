/*
 * xapi's schemas as sif reads them (sif/xapi_schema.h): the built-in facts
 * against what xen-api's datamodel says (checked by hand in
 * ocaml/idl/datamodel.ml and datamodel_values.ml, see shared facts/xapi.md
 * §3), version selection and ranges, and every refusal of a bad schema
 * file with its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sif/xapi_schema.h"

static const struct sif_xs_column *col(const struct sif_xapi_schema *s, const char *t,
				       const char *c)
{
	const struct sif_xs_table *tt = sif_xapi_schema_table(s, t);

	return tt ? sif_xapi_schema_column(tt, c) : NULL;
}

static void builtin_909_vdi(void **state)
{
	struct sif_xapi_schema *s;
	const struct sif_xs_column *c;
	struct sif_err err;
	long major, minor;

	(void)state;
	assert_int_equal(sif_xapi_schema_builtin(&s, 5, 909, &err), 0);
	sif_xapi_schema_version(s, &major, &minor);
	assert_int_equal(major, 5);
	assert_int_equal(minor, 909);
	assert_non_null(strstr(sif_xapi_schema_source(s), "e2ee48d6"));
	/* 32 datamodel fields plus _ref (facts/xapi.md §3) */
	assert_int_equal(sif_xapi_schema_table(s, "VDI")->ncols, 33);
	assert_true(sif_xapi_schema_table(s, "VDI")->persist);
	assert_false(sif_xapi_schema_table(s, "session")->persist);
	assert_false(sif_xapi_schema_table(s, "task")->persist);
	c = col(s, "VDI", "type");
	assert_int_equal(c->type->kind, SIF_XS_ENUM);
	assert_string_equal(c->type->en->name, "vdi_type");
	assert_string_equal(c->type->en->values[0], "system");
	assert_string_equal(c->type->en->values[c->type->en->n - 1], "cbt_metadata");
	assert_null(c->default_value);
	c = col(s, "VDI", "snapshot_of");
	assert_int_equal(c->type->kind, SIF_XS_REF);
	assert_string_equal(c->type->target, "VDI");
	assert_string_equal(c->default_value, "");
	assert_string_equal(col(s, "VDI", "on_boot")->default_value, "persist");
	assert_string_equal(col(s, "VDI", "snapshot_time")->default_value, "19700101T00:00:00Z");
	assert_string_equal(col(s, "VDI", "metadata_of_pool")->default_value, "OpaqueRef:NULL");
	assert_string_equal(col(s, "VDI", "VBDs")->default_value, "()");
	assert_string_equal(col(s, "VDI", "VBDs")->type_text, "set(ref(VBD))");
	assert_string_equal(col(s, "VDI", "current_operations")->type_text,
			    "map(string,enum(vdi_operations))");
	assert_false(col(s, "VDI", "current_operations")->persist);
	assert_int_equal(col(s, "VDI", "parent")->lifecycle, SIF_XS_DEPRECATED);
	assert_int_equal(col(s, "VBD", "metrics")->lifecycle, SIF_XS_REMOVED);
	assert_int_equal(col(s, "VM", "is_snapshot_from_vmpp")->lifecycle, SIF_XS_REMOVED);
	assert_non_null(col(s, "VM", "name__label"));
	assert_non_null(col(s, "VM", "HVM__boot_policy"));
	assert_null(col(s, "VDI", "suspend_image_format"));
	sif_xapi_schema_free(s);
}

static void builtin_versions(void **state)
{
	struct sif_xapi_schema *s;
	struct sif_err err;

	(void)state;
	assert_non_null(strstr(sif_xapi_schema_builtin_versions(), "5.603"));
	assert_non_null(strstr(sif_xapi_schema_builtin_versions(), "5.791"));
	/* XCP-ng 8.2's xapi: no Certificate.name (added later), no Caller table */
	assert_int_equal(sif_xapi_schema_builtin(&s, 5, 603, &err), 0);
	assert_non_null(sif_xapi_schema_table(s, "Certificate"));
	assert_null(col(s, "Certificate", "name"));
	assert_null(sif_xapi_schema_table(s, "Caller"));
	assert_non_null(strstr(sif_xapi_schema_source(s), "1.249-lcm"));
	sif_xapi_schema_free(s);
	assert_int_equal(sif_xapi_schema_builtin(&s, 5, 700, &err), -1);
	assert_int_equal(err.code, SIF_ENOTFOUND);
	assert_non_null(strstr(err.msg, "sif knows no xapi schema 5.700 (built in: 5.602"));
	assert_null(s);
}

static const char ranged[] =
	"# two versions\n"
	"version 5.1 old\n"
	"version 5.2 new one\n"
	"enum e a b\n"
	"enum e a b c @5.2\n"
	"table T persist\n"
	"column T _ref string - published\n"
	"column T gone int =0 removed @5.1\n"
	"column T x enum(e) =a published\n"
	"column T y map(string,set(ref(T))) =(('k'%.'v')) published nopersist @5.2-5.2\n";

static void ranges_pick_lines(void **state)
{
	struct sif_xapi_schema *s;
	struct sif_err err;

	(void)state;
	/* "enum e" twice for 5.2 is refused; for 5.1 only one holds */
	assert_int_equal(sif_xapi_schema_parse(&s, "r", ranged, strlen(ranged), 5, 1, &err), 0);
	assert_int_equal(sif_xapi_schema_table(s, "T")->ncols, 3);
	assert_int_equal(col(s, "T", "gone")->lifecycle, SIF_XS_REMOVED);
	assert_int_equal(col(s, "T", "x")->type->en->n, 2);
	assert_string_equal(sif_xapi_schema_source(s), "old");
	sif_xapi_schema_free(s);
	assert_int_equal(sif_xapi_schema_parse(&s, "r", ranged, strlen(ranged), 5, 2, &err), -1);
	assert_non_null(strstr(err.msg, "r: line 5: enum declared twice for this version: 'e'"));
	assert_null(s);
}

static void one_version_file(void **state)
{
	static const char one[] =
		"version 5.2 mine\n"
		"table T persist\n"
		"column T y map(string,set(ref(T))) =(('k'%.'v')) published nopersist\n";
	struct sif_xapi_schema *s;
	const struct sif_xs_column *c;
	struct sif_err err;
	long major, minor;

	(void)state;
	/* a file of one version answers for any version asked */
	assert_int_equal(sif_xapi_schema_parse(&s, "one", one, strlen(one), 5, 909, &err), 0);
	sif_xapi_schema_version(s, &major, &minor);
	assert_int_equal(minor, 2);
	c = col(s, "T", "y");
	assert_int_equal(c->type->kind, SIF_XS_MAP);
	assert_int_equal(c->type->b->kind, SIF_XS_SET);
	assert_int_equal(c->type->b->a->kind, SIF_XS_REF);
	assert_string_equal(c->default_value, "(('k' 'v'))");
	assert_false(c->persist);
	sif_xapi_schema_free(s);
}

static void refuses_bad_files(void **state)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "table T persist\n", "no 'version' line" },
		{ "version 5.1\nbogus T\n", "line 2: unknown line 'bogus'" },
		{ "version 5.1\ncolumn T a string - published\n", "line 2: column outside its table: 'T'" },
		{ "version 5.1\ntable T persist\ncolumn T a strang - published\n",
		  "line 3: unknown type 'strang'" },
		{ "version 5.1\ntable T persist\ncolumn T a set(int - published\n",
		  "line 3: ')' expected at 'end of type'" },
		{ "version 5.1\ntable T persist\ncolumn T a enum(nope) - published\n",
		  "line 3: enum not declared before use: 'nope'" },
		{ "version 5.1\ntable T persist\ncolumn T b int - published\ncolumn T a int - published\n",
		  "line 4: column out of byte order or twice for this version: 'a'" },
		{ "version 5.1\ntable T persist\ncolumn T a int 0 published\n",
		  "line 3: default must be =VALUE or -, not '0'" },
		{ "version 5.1\ntable T persist\ncolumn T a int =50% published\n",
		  "line 3: default is not a protected value: '50%'" },
		{ "version 5.1\ntable T persist\ncolumn T a int - alive\n",
		  "line 3: unknown lifecycle 'alive'" },
		{ "version 5.1\ntable T persist @5.x\n", "line 2: bad version ranges '@5.x'" },
		{ "version 5.1\ntable T sometimes\n", "line 2: expected: table NAME persist|nopersist" },
		{ "version 5.1\n", "no table for xapi 5.1" },
		{ "version five\n", "line 1: expected: version MAJOR.MINOR" },
	};
	struct sif_xapi_schema *s;
	struct sif_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sif_xapi_schema_parse(&s, "f", bad[i].text, strlen(bad[i].text),
						       -1, -1, &err), -1);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
		assert_null(s);
	}
}

static void add_plugin_column(void **state)
{
	static const char *const formats[] = { "legacy", "structured", "raw", NULL };
	struct sif_xapi_schema *s;
	const struct sif_xs_column *c;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_xapi_schema_builtin(&s, 5, 909, &err), 0);
	assert_int_equal(sif_xapi_schema_add_column(s, "VDI", "suspend_image_format", formats,
						    "legacy", &err), 0);
	c = col(s, "VDI", "suspend_image_format");
	assert_non_null(c);
	assert_true(c->from_plugin);
	assert_int_equal(c->type->en->n, 3);
	/* still in byte order: lookups of the neighbours work */
	assert_non_null(col(s, "VDI", "storage_lock"));
	assert_non_null(col(s, "VDI", "tags"));
	assert_int_equal(sif_xapi_schema_add_column(s, "VDI", "type", NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "already has VDI.type"));
	assert_int_equal(sif_xapi_schema_add_column(s, "NOPE", "x", NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "has no table NOPE"));
	sif_xapi_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_909_vdi),
		cmocka_unit_test(builtin_versions),
		cmocka_unit_test(ranges_pick_lines),
		cmocka_unit_test(one_version_file),
		cmocka_unit_test(refuses_bad_files),
		cmocka_unit_test(add_plugin_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
