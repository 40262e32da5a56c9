/* Test plugin: claims an ABI version this sif does not speak. */
#include "sif/plugin.h"

static const struct sif_plugin plugin = {
	.abi_version = 99,
	.name = "bad_abi",
};

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return &plugin;
}
