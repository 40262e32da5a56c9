/*
 * What commands share beyond argument parsing: the loaded datamodel and
 * plugins, and the open pool database, created on first use.
 */
#include "cli.h"

void cli_done(struct cli *cli)
{
	(void)cli;
}
