/*
 * The sif command end to end: every foundation command, their output and
 * exit codes (0 ok, 1 failure, 2 usage), JSON that parses, read-only
 * refusals, unknown uuids named, refusal of a DB a plugin-less sif cannot read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>
#include <cmocka.h>

#include "expect.h"
#include "testutil.h"

struct fx {
	char *dir, *db, *dbarg, *pdir, *pdirarg;
	char *vdi;      /* uuid of a suspend VDI */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct run_result r;

	fx->dir = tu_mkdtemp();
	fx->db = tu_strf("%s/pool.db", fx->dir);
	fx->dbarg = tu_strf("--db=%s", fx->db);
	fx->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	fx->pdirarg = tu_strf("--plugin-dir=%s", fx->pdir);
	assert_int_equal(tu_gen_pool(fx->db, "--vms 4 --vdis 9 --suspended 2 --seed 7"), 0);
	tu_sif(&r, fx->dbarg, fx->pdirarg, "vdi-list", "type=suspend", "--minimal", NULL);
	assert_int_equal(r.status, 0);
	fx->vdi = strndup(r.out, 36);
	tu_run_free(&r);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir); free(fx->db); free(fx->dbarg); free(fx->pdir); free(fx->pdirarg);
	free(fx->vdi);
	free(fx);
	return 0;
}

#define SIF(r, ...) tu_sif(r, fx->dbarg, fx->pdirarg, __VA_ARGS__, NULL)

static void migrate_then_list(void **state)
{
	struct fx *fx = *state;
	struct run_result r;

	SIF(&r, "vdi-list", "params=uuid,suspend-image-format");
	tu_expect(&r, 1, NULL, "field VDI.suspend_image_format is not in this database yet");
	SIF(&r, "db", "migrate", "--dry-run");
	tu_expect(&r, 0, "would apply suspend_image_format/0001_add_field", NULL);
	SIF(&r, "db", "migrate");
	tu_expect(&r, 0, "1 migration applied", NULL);
	SIF(&r, "db", "migrate");
	tu_expect(&r, 0, "already up to date", NULL);
	SIF(&r, "vdi-list", "params=uuid,name-label,type,suspend-image-format", "type=suspend");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "suspend-image-format ( RO): legacy"));
	assert_non_null(strstr(r.out, fx->vdi));
	/* two suspend VDIs, each one record */
	assert_non_null(strstr(strstr(r.out, "Suspend image") + 1, "Suspend image"));
	tu_run_free(&r);
	SIF(&r, "db", "version");
	tu_expect(&r, 0, "schema up to date", NULL);
}

static void json_listing_parses(void **state)
{
	struct fx *fx = *state;
	struct run_result r;
	struct json_object *o, *rec, *v;

	SIF(&r, "db", "migrate");
	tu_run_free(&r);
	SIF(&r, "vdi-list", "params=uuid,virtual-size,read-only,suspend-image-format,other-config",
	    "--json");
	assert_int_equal(r.status, 0);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	assert_int_equal(json_object_array_length(o), 9);
	rec = json_object_array_get_idx(o, 0);
	assert_true(json_object_object_get_ex(rec, "virtual-size", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_object_get_ex(rec, "read-only", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_object_get_ex(rec, "other-config", &v));
	assert_true(json_object_is_type(v, json_type_object));
	assert_true(json_object_object_get_ex(rec, "suspend-image-format", &v));
	assert_string_equal(json_object_get_string(v), "legacy");
	json_object_put(o);
	tu_run_free(&r);
}

static void param_get_and_set(void **state)
{
	struct fx *fx = *state;
	struct run_result r;
	char *uuid = tu_strf("uuid=%s", fx->vdi);

	SIF(&r, "db", "migrate");
	tu_run_free(&r);
	SIF(&r, "vdi-param-get", uuid, "param-name=suspend-image-format");
	tu_expect(&r, 0, "legacy\n", NULL);
	SIF(&r, "vdi-param-set", uuid, "name-label=resume me", "other-config:note=a b");
	tu_expect(&r, 0, NULL, NULL);
	SIF(&r, "vdi-param-get", uuid, "param-name=name-label");
	tu_expect(&r, 0, "resume me\n", NULL);
	SIF(&r, "vdi-param-get", uuid, "param-name=other-config", "param-key=note");
	tu_expect(&r, 0, "a b\n", NULL);
	SIF(&r, "vdi-param-get", uuid, "param-name=sm-config");
	tu_expect(&r, 0, "vmhint: x\n", NULL);
	/* read-only: refused, and nothing of the command applied */
	SIF(&r, "vdi-param-set", uuid, "name-label=changed", "suspend-image-format=raw");
	tu_expect(&r, 1, NULL, "field suspend-image-format of VDI is read-only");
	SIF(&r, "vdi-param-get", uuid, "param-name=name-label");
	tu_expect(&r, 0, "resume me\n", NULL);
	/* invalid value for the type: refused with the expectation */
	SIF(&r, "vdi-param-set", uuid, "other-config=(('k'))");
	tu_expect(&r, 1, NULL, "VDI.other_config: not a map");
	free(uuid);
}

static void unknown_uuid_is_named(void **state)
{
	struct fx *fx = *state;
	struct run_result r;

	SIF(&r, "vdi-param-get", "uuid=00000000-1111-2222-3333-444444444444",
	    "param-name=name-label");
	tu_expect(&r, 1, NULL, "no VDI with uuid 00000000-1111-2222-3333-444444444444");
	SIF(&r, "vm-param-get", "uuid=00000000-1111-2222-3333-444444444444",
	    "param-name=power-state");
	tu_expect(&r, 1, NULL, "no VM with uuid 00000000-1111-2222-3333-444444444444");
	SIF(&r, "vdi-param-set", "uuid=00000000-1111-2222-3333-444444444444", "name-label=x");
	tu_expect(&r, 1, NULL, "no VDI with uuid 00000000-1111-2222-3333-444444444444");
}

static void usage_errors_exit_2(void **state)
{
	struct fx *fx = *state;
	struct run_result r;

	SIF(&r, "no-such-command");
	tu_expect(&r, 2, NULL, "unknown command 'no-such-command'");
	SIF(&r, "vdi-list", "--bogus");
	tu_expect(&r, 2, NULL, "unknown option '--bogus'");
	SIF(&r, "vdi-param-get", "param-name=uuid");
	tu_expect(&r, 2, NULL, "missing uuid=<uuid>");
	SIF(&r, "vdi-param-get", "uuid=x");
	tu_expect(&r, 2, NULL, "missing param-name=<field>");
	SIF(&r, "vdi-param-get", "uuid=x", "param-name=no-such-field");
	tu_expect(&r, 2, NULL, "VDI has no field 'no-such-field'");
	SIF(&r, "vdi-list", "params=uuid,bogus");
	tu_expect(&r, 2, NULL, "VDI has no field 'bogus'");
	SIF(&r, "db", "migrate", "extra");
	tu_expect(&r, 2, NULL, "unexpected argument 'extra'");
	tu_sif(&r, "--db", NULL);
	tu_expect(&r, 2, NULL, "option '--db' needs a value");
	tu_sif(&r, NULL);
	tu_expect(&r, 2, NULL, "usage: sif");
}

static void help_everywhere(void **state)
{
	static const char *const cmds[][2] = {
		{ "datamodel", NULL }, { "db", "init" }, { "db", "migrate" }, { "db", "version" },
		{ "host-list", NULL }, { "plugin-list", NULL }, { "vdi-list", NULL },
		{ "vdi-param-get", NULL }, { "vdi-param-set", NULL }, { "vm-list", NULL },
		{ "vm-param-get", NULL },
	};
	struct fx *fx = *state;
	struct run_result r;

	(void)fx;
	tu_sif(&r, "--help", NULL);
	tu_expect(&r, 0, "commands:", NULL);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *want = tu_strf("usage: sif %s%s%s", cmds[i][0], cmds[i][1] ? " " : "",
				     cmds[i][1] ? cmds[i][1] : "");

		if (cmds[i][1])
			tu_sif(&r, cmds[i][0], cmds[i][1], "--help", NULL);
		else
			tu_sif(&r, cmds[i][0], "--help", NULL);
		tu_expect(&r, 0, want, NULL);
		/* and `sif --help` lists it */
		tu_sif(&r, "--help", NULL);
		tu_expect(&r, 0, want + strlen("usage: sif "), NULL);
		free(want);
	}
}

static void other_commands(void **state)
{
	struct fx *fx = *state;
	struct run_result r;

	SIF(&r, "db", "migrate");
	tu_run_free(&r);
	SIF(&r, "vm-list", "power-state=Suspended", "--minimal");
	assert_int_equal(r.status, 0);
	assert_int_equal(strlen(r.out), 36 * 2 + 2);    /* two uuids, a comma, a newline */
	tu_run_free(&r);
	SIF(&r, "host-list", "params=name-label,software-version");
	tu_expect(&r, 0, "xen: 4.4.1-xs131111", NULL);
	SIF(&r, "plugin-list");
	tu_expect(&r, 0, "suspend_image_format 1.0", NULL);
	SIF(&r, "datamodel", "VDI");
	tu_expect(&r, 0, "suspend_image_format    RO enum legacy | structured | raw", NULL);
	SIF(&r, "datamodel", "Nope");
	tu_expect(&r, 2, NULL, "unknown class 'Nope'");
	/* without the plugin, the migrated DB is refused, untouched */
	tu_sif(&r, fx->dbarg, "--no-plugins", "vdi-list", NULL);
	tu_expect(&r, 1, NULL, "is plugin 'suspend_image_format' installed?");
	/* no DB yet */
	tu_sif(&r, "--db=/nonexistent/dir/pool.db", "vdi-list", NULL);
	tu_expect(&r, 1, NULL, "no pool database at /nonexistent/dir/pool.db");
}

static void db_init_creates_current_schema(void **state)
{
	struct fx *fx = *state;
	char *db = tu_strf("--db=%s/new/sub/pool.db", fx->dir);
	struct run_result r;

	tu_sif(&r, db, fx->pdirarg, "db", "init", NULL);
	tu_expect(&r, 0, "4 migrations applied", NULL);
	tu_sif(&r, db, fx->pdirarg, "db", "init", NULL);
	tu_expect(&r, 1, NULL, "already exists");
	tu_sif(&r, db, fx->pdirarg, "db", "version", "--json", NULL);
	tu_expect(&r, 0, "\"pending\": 0", NULL);
	free(db);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(migrate_then_list), T(json_listing_parses), T(param_get_and_set),
		T(unknown_uuid_is_named), T(usage_errors_exit_2), T(help_everywhere),
		T(other_commands), T(db_init_creates_current_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
