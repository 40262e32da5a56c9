/*
 * Restore plans on a real pool DB through the real plugin: the hooks add
 * suspend-image-format after the VM's own platform map, an admin's key is
 * dropped and reported, the sending host's version decides migrations.
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
#include "sif/objects.h"
#include "sif/restore.h"
#include "dbutil.h"
#include "testutil.h"

struct fx {
	char *dir, *pdir;
	struct sif_ctx *ctx;
	struct sif_db *db;
	char vm[64], halted_vm[64], old_host[64], new_host[64];
};

static int setup_with(void **state, const char *const *plugins)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char *db;
	struct sif_err err;

	fx->dir = tu_mkdtemp();
	db = tu_strf("%s/pool.db", fx->dir);
	assert_int_equal(tu_gen_pool(db, "--vms 3 --vdis 6 --suspended 2"), 0);
	fx->pdir = tu_plugin_dir(plugins);
	assert_int_equal(sif_ctx_new(&fx->ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(fx->ctx, fx->pdir, &err), 0);
	assert_int_equal(sif_db_open(db, 0, &fx->db, &err), 0);
	assert_int_equal(sif_migrate(fx->ctx, fx->db, false, NULL, NULL, NULL, &err), 0);
	tu_db_text(fx->db, "SELECT uuid FROM VM WHERE power_state = 'Suspended' ORDER BY rowid", fx->vm);
	tu_db_text(fx->db, "SELECT uuid FROM VM WHERE power_state != 'Suspended'", fx->halted_vm);
	tu_db_text(fx->db, "SELECT uuid FROM host WHERE software_version LIKE '%4.4.1-xs%'", fx->old_host);
	tu_db_text(fx->db, "SELECT uuid FROM host WHERE software_version LIKE '%4.17%'", fx->new_host);
	free(db);
	*state = fx;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, (const char *[]){ "suspend_image_format", "vm_note", NULL });
}

static int setup_no_plugin(void **state)
{
	return setup_with(state, (const char *[]){ NULL });
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sif_db_close(fx->db);
	sif_ctx_free(fx->ctx);
	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir);
	free(fx->pdir);
	free(fx);
	return 0;
}

static void resume_of_a_migrated_vdi_is_legacy(void **state)
{
	struct fx *fx = *state;
	struct sif_restore_plan p;
	struct sif_err err;

	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm,
					       NULL, &p, &err), 0);
	assert_true(p.decided);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "suspend-image-format"), "legacy");
	assert_true(p.decision.legacy);
	assert_string_equal(p.vdi_format, "legacy");
	/* both plugins' hooks ran, in name order */
	assert_string_equal(sif_platformdata_get(&p.platformdata, "vm-note"), "none");
	assert_int_equal(p.platformdata.n, 2);
	sif_restore_plan_free(&p);
}

static void field_value_decides_and_admin_key_is_dropped(void **state)
{
	struct fx *fx = *state;
	struct sif_restore_plan p;
	struct sif_err err;

	tu_db_exec(fx->db, "UPDATE VDI SET suspend_image_format = 'raw' WHERE _ref = "
		"(SELECT suspend_VDI FROM VM WHERE uuid = '%s')", fx->vm);
	tu_db_exec(fx->db, "UPDATE VM SET platform = '((''acpi'' ''1'') (''suspend-image-format'' ''legacy''))' "
		"WHERE uuid = '%s'", fx->vm);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm,
					       NULL, &p, &err), 0);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "suspend-image-format"), "raw");
	assert_false(p.decision.legacy);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "acpi"), "1");
	assert_string_equal(p.platformdata.keys[0], "acpi");      /* the VM's own keys first */
	assert_non_null(strstr(p.decision.ignored, "platform:suspend-image-format=legacy ignored"));
	sif_restore_plan_free(&p);
}

static void receive_depends_on_sender(void **state)
{
	struct fx *fx = *state;
	struct sif_restore_plan p;
	struct sif_err err;

	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_MIGRATE_RECEIVE,
					       NULL, fx->old_host, &p, &err), 0);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "suspend-image-format"), "legacy");
	assert_non_null(strstr(p.decision.reason, "4.4.1-xs131111"));
	sif_restore_plan_free(&p);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_MIGRATE_RECEIVE,
					       fx->vm, fx->new_host, &p, &err), 0);
	assert_string_equal(sif_platformdata_get(&p.platformdata, "suspend-image-format"),
			    "structured");
	sif_restore_plan_free(&p);
	/* a sending host with a version nobody can read */
	tu_db_exec(fx->db, "UPDATE host SET software_version = '((''xen'' ''unknown''))' WHERE uuid = '%s'",
	    fx->old_host);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_MIGRATE_RECEIVE,
					       NULL, fx->old_host, &p, &err), -1);
	assert_non_null(strstr(err.msg, "plugin suspend_image_format"));
	assert_non_null(strstr(err.msg, "'unknown' is not a Xen version"));
}

static void refusals(void **state)
{
	struct fx *fx = *state;
	struct sif_restore_plan p;
	struct sif_err err;

	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME,
					       fx->halted_vm, NULL, &p, &err), -1);
	assert_non_null(strstr(err.msg, "not Suspended: nothing to resume"));
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME,
					       "0000-no-such-vm", NULL, &p, &err), -1);
	assert_string_equal(err.msg, "no VM with uuid 0000-no-such-vm");
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_MIGRATE_RECEIVE,
					       NULL, "0000-no-such-host", &p, &err), -1);
	assert_string_equal(err.msg, "no host with uuid 0000-no-such-host");
	tu_db_exec(fx->db, "UPDATE VM SET suspend_VDI = 'OpaqueRef:NULL' WHERE uuid = '%s'", fx->vm);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm,
					       NULL, &p, &err), -1);
	assert_non_null(strstr(err.msg, "has no suspend VDI"));
	tu_db_exec(fx->db, "UPDATE VM SET suspend_VDI = 'OpaqueRef:gone' WHERE uuid = '%s'", fx->vm);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm,
					       NULL, &p, &err), -1);
	assert_non_null(strstr(err.msg, "its suspend VDI OpaqueRef:gone is not in the database"));
}

static void without_the_plugin_no_key(void **state)
{
	struct fx *fx = *state;
	struct sif_restore_plan p;
	struct sif_err err;

	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm,
					       NULL, &p, &err), 0);
	assert_false(p.decided);
	assert_null(sif_platformdata_get(&p.platformdata, "suspend-image-format"));
	assert_null(p.vdi_format);
	sif_restore_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(resume_of_a_migrated_vdi_is_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(field_value_decides_and_admin_key_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(receive_depends_on_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(without_the_plugin_no_key, setup_no_plugin, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
