/* The restore decision: resume and receive cases, versions, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sif/restore.h"

static void resume_follows_the_field(void **state)
{
	static const struct { const char *field, *format; int legacy; } cases[] = {
		{ "legacy", "legacy", 1 }, { "structured", "structured", 0 },
		{ "raw", "raw", 0 }, { NULL, "legacy", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sif_restore_input in = { .context = SIF_RESTORE_RESUME, .vm_uuid = "vm",
						.vdi_uuid = "vdi-1", .vdi_format = cases[i].field };
		struct sif_restore_decision d;
		struct sif_err err;

		assert_int_equal(sif_restore_decide(&in, &d, &err), 0);
		assert_string_equal(d.format, cases[i].format);
		assert_int_equal(d.legacy, cases[i].legacy);
		assert_non_null(strstr(d.reason, "vdi-1"));
		assert_string_equal(d.ignored, "");
	}
}

static void unknown_value_is_an_error(void **state)
{
	struct sif_restore_input in = { .context = SIF_RESTORE_RESUME, .vdi_uuid = "vdi-1",
					.vdi_format = "Legacy" };
	struct sif_restore_decision d;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_restore_decide(&in, &d, &err), -1);
	assert_int_equal(err.code, SIF_EFORMAT);
	assert_string_equal(err.msg, "VDI vdi-1: suspend_image_format 'Legacy' is not one of "
			    "legacy, structured, raw");
}

static void receive_follows_the_sender(void **state)
{
	static const struct { const char *xen, *format; } cases[] = {
		{ "4.4.1-xs131111", "legacy" }, { "4.4", "legacy" }, { "4.1.5", "legacy" },
		{ "3.4.3", "legacy" }, { "4.5.0", "structured" }, { "4.5", "structured" },
		{ "4.17.3-4", "structured" }, { "4.10.0+xs1", "structured" },
		{ "5.0.0", "structured" }, { "4.4.4~rc1", "legacy" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char sv[128];
		struct sif_restore_input in = { .context = SIF_RESTORE_MIGRATE_RECEIVE,
						.host_uuid = "h1", .host_software_version = sv,
						/* a resume-only input is not consulted */
						.vdi_format = "raw" };
		struct sif_restore_decision d;
		struct sif_err err;

		snprintf(sv, sizeof(sv), "(('product_version' '6.5.0') ('xen' '%s'))", cases[i].xen);
		if (sif_restore_decide(&in, &d, &err) < 0)
			fail_msg("%s: %s", cases[i].xen, err.msg);
		if (strcmp(d.format, cases[i].format))
			fail_msg("xen %s: got %s", cases[i].xen, d.format);
		assert_int_equal(d.legacy, !strcmp(cases[i].format, "legacy"));
		assert_non_null(strstr(d.reason, cases[i].xen));
	}
}

static void unparseable_versions_are_errors(void **state)
{
	static const struct { const char *sv, *msg; } cases[] = {
		{ "(('xen' '4'))", "host h1: software_version xen: '4' is not a Xen version" },
		{ "(('xen' 'four.five'))", "'four.five' is not a Xen version" },
		{ "(('xen' '4.x'))", "'4.x' is not a Xen version" },
		{ "(('xen' ''))", "'' is not a Xen version" },
		{ "(('xen' '4.4a'))", "'4.4a' is not a Xen version" },
		{ "(('xen' '99999999.1'))", "is not a Xen version" },
		{ "(('product_version' '6.5.0'))", "software_version has no 'xen' key" },
		{ "(('xen' '4.4'", "host h1: software_version: offset" },
		{ NULL, "host h1: no software_version" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sif_restore_input in = { .context = SIF_RESTORE_MIGRATE_RECEIVE,
						.host_uuid = "h1",
						.host_software_version = cases[i].sv };
		struct sif_restore_decision d;
		struct sif_err err;

		assert_int_equal(sif_restore_decide(&in, &d, &err), -1);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("%s: got '%s'", cases[i].sv ? cases[i].sv : "NULL", err.msg);
	}
}

static void platform_key_is_reported_not_obeyed(void **state)
{
	struct sif_restore_input in = {
		.context = SIF_RESTORE_RESUME, .vm_uuid = "vm-7", .vdi_uuid = "vdi-1",
		.vdi_format = "legacy",
		.vm_platform = "(('acpi' '1') ('suspend-image-format' 'raw'))",
	};
	struct sif_restore_decision d;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_restore_decide(&in, &d, &err), 0);
	assert_string_equal(d.format, "legacy");
	assert_true(d.legacy);
	assert_string_equal(d.ignored, "VM vm-7: platform:suspend-image-format=raw ignored: "
			    "the system decides the restore path");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resume_follows_the_field),
		cmocka_unit_test(unknown_value_is_an_error),
		cmocka_unit_test(receive_follows_the_sender),
		cmocka_unit_test(unparseable_versions_are_errors),
		cmocka_unit_test(platform_key_is_reported_not_obeyed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
