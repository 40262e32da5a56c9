/* Test plugin: built for plugin ABI 1, whose struct sif_migration had no
 * `down`: it answers only ABI 1, with migrations of the old, shorter
 * layout.  sif loads it; its migrations cannot be undone. */
#include "sif/plugin.h"

struct migration_abi1 {
	const char *id, *sql, *doc;
};

static const struct sif_field fields[] = {
	{ .cls = "VM", .name = "note1", .type = SIF_FT_STRING, .default_value = "none",
	  .introduced = "0002_add_note1", .doc = "A note for tests" },
};
static const struct migration_abi1 migrations[] = {
	{ "0001_nothing", "SELECT 1;", "does nothing" },
	{ "0002_add_note1", "ALTER TABLE VM ADD COLUMN note1 TEXT NOT NULL DEFAULT 'none';",
	  "add VM.note1" },
};

static const struct sif_plugin plugin = {
	.abi_version = 1, .name = "abi1_note", .version = "1", .description = "test plugin",
	.fields = fields, .nfields = 1,
	.migrations = (const void *)migrations, .nmigrations = 2,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	return host_abi_version == 1 ? &plugin : NULL;
}
