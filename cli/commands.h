/* Handlers of the command table (cli/commands.c), one file each. */
#ifndef SIF_CLI_COMMANDS_H
#define SIF_CLI_COMMANDS_H

#include "cli.h"

#endif
