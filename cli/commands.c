/*
 * The command table: names, handlers, argument shapes and the one-line
 * summaries that `sif --help` prints.  Keep it sorted by name.
 */
#include "cli.h"
#include "commands.h"

const struct cli_cmd cli_commands[] = {
	{ 0 }
};
