/* Test plugin: its migration fails half-way, after changing the schema. */
#include "sif/plugin.h"

static const struct sif_field fields[] = {
	{ .cls = "VDI", .name = "broken", .type = SIF_FT_STRING, .default_value = "",
	  .introduced = "0001_breaks", .doc = "never lands" },
};
static const struct sif_migration migrations[] = {
	{ .id = "0001_breaks", .doc = "fails after its first statement",
	  .sql = "ALTER TABLE VDI ADD COLUMN broken TEXT NOT NULL DEFAULT '';\n"
		 "UPDATE VDI SET name__label = 'changed';\n"
		 "INSERT INTO no_such_table VALUES (1);\n" },
};
static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION, .name = "broken_migration", .version = "1",
	.fields = fields, .nfields = 1, .migrations = migrations, .nmigrations = 1,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
