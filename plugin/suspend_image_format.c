/*
 * suspend_image_format: the plugin that teaches the datamodel which format
 * a suspend VDI holds (legacy | structured | raw), marks every VDI that
 * existed before it as legacy, and tells the domain-restore side which
 * path to take through the platformdata key suspend-image-format.
 *
 * Absence of a mark means legacy: VDIs written before this plugin existed
 * can only be legacy images, so that is the default a toolstack without
 * the value must assume.  The field is not admin-settable: sif sets it when
 * it writes an image, and `sif vdi-check --fix` re-derives it from the image.
 *
 * Removable (plugin ABI 2): `sif plugin remove suspend_image_format` drops
 * the column again; sif refuses while a VDI holds anything but legacy,
 * unless forced.  The migration's text is released: never edit it (even a
 * comment: tests/test_migration_pins.c), add a new migration instead.
 */
#include <stddef.h>

#include "sif/plugin.h"

#define FIELD "suspend_image_format"
#define PLATFORMDATA_KEY "suspend-image-format"

static const char *const formats[] = { "legacy", "structured", "raw", NULL };

static const struct sif_field fields[] = {
	{
		.cls = "VDI",
		.name = FIELD,
		.type = SIF_FT_ENUM,
		.enum_values = formats,
		.default_value = "legacy",
		.introduced = "0001_add_field",
		.flags = 0,             /* read-only for admins */
		.doc = "Format of the suspend image on this VDI: legacy (ext2 + libxc v1 "
		       "stream, needs conversion), structured (ext2 + framed v2 records) "
		       "or raw (framed records on the VDI itself)",
	},
};

static const struct sif_migration migrations[] = {
	{
		.id = "0001_add_field",
		.doc = "add VDI.suspend_image_format and mark every existing VDI legacy",
		/* The explicit UPDATE stores the value in each row, so that what
		 * existing VDIs mean does not hang on the column's default. */
		.sql = "ALTER TABLE VDI ADD COLUMN " FIELD " TEXT NOT NULL DEFAULT 'legacy' "
		       "CHECK (" FIELD " IN ('legacy', 'structured', 'raw'));\n"
		       "UPDATE VDI SET " FIELD " = 'legacy';\n",
		/* SQLite >= 3.35; the column's own CHECK goes with it */
		.down = "ALTER TABLE VDI DROP COLUMN " FIELD ";\n",
	},
};

/* resume and migrate-receive: the decision becomes a platformdata key */
static int add_decision(const struct sif_hook_env *env, struct sif_err *err)
{
	const char *value;

	if (env->decide_format(env, &value, err) < 0)
		return -1;
	return env->platformdata_add(env, PLATFORMDATA_KEY, value, err);
}

/* suspend: record the format the host wrote on the suspend VDI */
static int record_format(const struct sif_hook_env *env, struct sif_err *err)
{
	const char *written = env->get(env, "image", "format");

	if (!written)
		return env->errf(err, SIF_EUSAGE,
				 "suspend hook: the host did not say which format it wrote");
	return env->set(env, "VDI", FIELD, written, err);
}

static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION,
	.name = "suspend_image_format",
	.version = "1.0",
	.description = "VDI.suspend_image_format (legacy | structured | raw) and the "
		       "suspend-image-format platformdata key",
	.fields = fields,
	.nfields = sizeof(fields) / sizeof(fields[0]),
	.migrations = migrations,
	.nmigrations = sizeof(migrations) / sizeof(migrations[0]),
	.on_suspend = record_format,
	.on_resume = add_decision,
	.on_migrate_receive = add_decision,
};

__attribute__((visibility("default")))
const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	return host_abi_version == SIF_PLUGIN_ABI_VERSION ? &plugin : NULL;
}
