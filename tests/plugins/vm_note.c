/* Test plugin: a well-formed plugin adding VM.note, to test ordering and hooks. */
#include "sif/plugin.h"

static const struct sif_field fields[] = {
	{ .cls = "VM", .name = "note", .type = SIF_FT_STRING, .default_value = "none",
	  .introduced = "0001_add_note", .flags = SIF_FIELD_ADMIN_SETTABLE,
	  .doc = "A note for tests" },
};
static const struct sif_migration migrations[] = {
	{ .id = "0001_add_note", .doc = "add VM.note",
	  .sql = "ALTER TABLE VM ADD COLUMN note TEXT NOT NULL DEFAULT 'none';" },
};

static int on_resume(const struct sif_hook_env *env, struct sif_err *err)
{
	const char *note = env->get(env, "VM", "note");

	return env->platformdata_add(env, "vm-note", note ? note : "(absent)", err);
}

static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION, .name = "vm_note", .version = "1",
	.description = "test plugin",
	.fields = fields, .nfields = 1, .migrations = migrations, .nmigrations = 1,
	.on_resume = on_resume,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
