/* Test plugin: a shared object without the entry point. */
int sif_plugin_entry_misspelt(void);
int sif_plugin_entry_misspelt(void)
{
	return 1;
}
