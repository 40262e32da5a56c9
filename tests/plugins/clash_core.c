/* Test plugin: adds VDI.type, which the core datamodel already has. */
#include "sif/plugin.h"

static const struct sif_field fields[] = {
	{ .cls = "VDI", .name = "type", .type = SIF_FT_STRING, .default_value = "",
	  .introduced = "0001_x", .doc = "clashes" },
};
static const struct sif_migration migrations[] = {
	{ .id = "0001_x", .sql = "SELECT 1;" },
};
static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION, .name = "clash_core", .version = "1",
	.fields = fields, .nfields = 1, .migrations = migrations, .nmigrations = 1,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
