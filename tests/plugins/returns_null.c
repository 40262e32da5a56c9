/* Test plugin: an entry point that declines the host's ABI. */
#include "sif/plugin.h"

const struct sif_plugin *sif_plugin_entry(uint32_t host_abi_version)
{
	(void)host_abi_version;
	return NULL;
}
