/* Handlers of the command table (cli/commands.c), one file each. */
#ifndef SIF_CLI_COMMANDS_H
#define SIF_CLI_COMMANDS_H

#include "cli.h"

extern const struct cli_opt image_convert_opts[];
int cmd_image_convert(struct cli *cli, struct cli_args *args);

#endif
