/* Test plugin: two migrations with down steps, where order matters: the
 * second indexes the first's column, and SQLite refuses to drop an indexed
 * column, so removing works only newest first. */
#include "sif/plugin.h"

static const char *const levels[] = { "low", "high", NULL };

static const struct sif_field fields[] = {
	{ .cls = "VM", .name = "tier", .type = SIF_FT_ENUM, .enum_values = levels,
	  .default_value = "low", .introduced = "0001_add_tier", .doc = "A tier for tests" },
};
static const struct sif_migration migrations[] = {
	{ .id = "0001_add_tier", .doc = "add VM.tier",
	  .sql = "ALTER TABLE VM ADD COLUMN tier TEXT NOT NULL DEFAULT 'low';",
	  .down = "ALTER TABLE VM DROP COLUMN tier;" },
	{ .id = "0002_index_tier", .doc = "index VM.tier",
	  .sql = "CREATE INDEX VM_tier ON VM (tier);",
	  .down = "DROP INDEX VM_tier;" },
};

static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION, .name = "two_steps", .version = "1",
	.description = "test plugin", .fields = fields, .nfields = 1,
	.migrations = migrations, .nmigrations = 2,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	return host_abi_version == SIF_PLUGIN_ABI_VERSION ? &plugin : NULL;
}
