/* Test plugin: adds VDI.suspend_image_format again (loads after the real one). */
#include "sif/plugin.h"

static const char *const vals[] = { "a", NULL };
static const struct sif_field fields[] = {
	{ .cls = "VDI", .name = "suspend_image_format", .type = SIF_FT_ENUM,
	  .enum_values = vals, .default_value = "a", .introduced = "0001_x", .doc = "clashes" },
};
static const struct sif_migration migrations[] = {
	{ .id = "0001_x", .sql = "SELECT 1;" },
};
static const struct sif_plugin plugin = {
	.abi_version = SIF_PLUGIN_ABI_VERSION, .name = "zz_clash_plugin", .version = "1",
	.fields = fields, .nfields = 1, .migrations = migrations, .nmigrations = 1,
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
