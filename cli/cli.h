/*
 * The sif command line: the command table, the shared argument parser, and
 * the state a command gets (database path, plugin directory, loaded
 * plugins).  One command, one file: cli/<command>.c holds cmd_<command>.
 */
#ifndef SIF_CLI_H
#define SIF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sif/err.h"

/* Exit codes, as xe uses them. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct sif_ctx;    /* registry + plugins, lib/ */
struct sif_db;

struct cli_opt {
	const char *name;       /* long option without dashes: "dry-run" */
	bool takes_value;       /* --name VALUE or --name=VALUE */
	const char *help;
};

struct cli_cmd;

struct cli_args {
	const struct cli_cmd *cmd;
	int npos;
	char **pos;             /* positional arguments */
	int nkv;
	char **keys, **vals;    /* xe-style key=value parameters, in order */
	const char **optval;    /* per cmd->opts entry: NULL, "" for a set flag, or the value */
};

struct cli {
	const char *argv0;
	const char *db_path;     /* --db, $SIF_DB, default */
	const char *plugin_dir;  /* --plugin-dir, $SIF_PLUGIN_DIR, default */
	bool no_plugins;
	struct sif_ctx *ctx;     /* loaded by cli_ctx() */
	struct sif_db *db;       /* opened by cli_db() */
	struct sif_err err;
};

enum cli_cmd_flags {
	CMD_KV = 1 << 0,        /* accepts key=value parameters */
	CMD_RAW_ARGS = 1 << 1,  /* parses its own arguments: all of them in args->pos */
};

struct cli_cmd {
	const char *name;       /* "vdi-list", "db upgrade" */
	int (*fn)(struct cli *cli, struct cli_args *args);
	unsigned flags;
	int min_pos, max_pos;   /* positional argument counts (-1: unbounded) */
	const struct cli_opt *opts;   /* NULL-name terminated, may be NULL */
	const char *usage;      /* arguments after the name */
	const char *summary;    /* one line for `sif --help` */
};

extern const struct cli_cmd cli_commands[];

/* Option and parameter access for commands. */
bool cli_flag(const struct cli_args *a, const char *name);
const char *cli_optval(const struct cli_args *a, const char *name);
const char *cli_kv(const struct cli_args *a, const char *key);

/* Print "sif: <cmd>: msg" to stderr and return the exit code. */
int cli_fail(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_error(struct cli *cli, const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print cli->err and return EXIT_FAIL (EXIT_USAGE for SIF_EUSAGE). */
int cli_fail_err(struct cli *cli);

/* Parse argv for cmd; on error prints usage and returns EXIT_USAGE. */
int cli_parse(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv,
	      struct cli_args *out);
void cli_args_free(struct cli_args *a);
void cli_print_cmd_usage(const struct cli_cmd *cmd, FILE *to);

/* The datamodel with the plugins loaded (NULL with cli->err filled). */
struct sif_ctx *cli_ctx(struct cli *cli);
/* The plugin directory in use (option, environment or default). */
const char *cli_plugin_dir(struct cli *cli);

enum cli_db_mode {
	CLI_DB_READ = 0,
	CLI_DB_WRITE = 1u << 0,
	CLI_DB_CREATE = 1u << 1,
};
/* The pool DB, opened and checked against the known migrations. */
struct sif_db *cli_db(struct cli *cli, unsigned mode);

/* Release what cli_ctx()/cli_db() opened. */
void cli_done(struct cli *cli);

/* Progress on stderr, only when stderr is a terminal. */
bool cli_progress_enabled(void);

#endif
