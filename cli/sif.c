/*
 * main() of the sif command: global options, command lookup in the table of
 * cli/commands.c, `--help` at every level.  Commands live one per file.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DEFAULT_DB "/var/lib/sif/pool.db"

static const char global_usage[] =
	"usage: sif [--db PATH] [--plugin-dir DIR] [--no-plugins] COMMAND [ARGS]\n"
	"       sif COMMAND --help | sif --help | sif --version\n";

static void print_help(FILE *to)
{
	const struct cli_cmd *c;

	fputs(global_usage, to);
	fputs("\nsif marks and checks the format of Xen suspend images "
	      "(legacy, structured, raw)\nin a xapi-style pool database and "
	      "restores them on the right path.\n\n"
	      "global options:\n"
	      "  --db PATH          pool database (else $SIF_DB, else " DEFAULT_DB ")\n"
	      "  --plugin-dir DIR   plugins (else $SIF_PLUGIN_DIR, else the build's "
	      "or PREFIX/lib/sif/plugins)\n"
	      "  --no-plugins       load no plugin (the datamodel before any plugin)\n"
	      "\ncommands:\n", to);
	for (c = cli_commands; c->name; c++) {
		char head[256];

		snprintf(head, sizeof(head), "%s %s", c->name, c->usage ? c->usage : "");
		fprintf(to, "  %s\n      %s\n", head, c->summary);
	}
	fputs("\nexit status: 0 ok, 1 failure, 2 usage error.\n"
	      "`sif COMMAND --help` shows a command's options.\n", to);
}

/* Match "db init" against argv[0], argv[1]; returns words consumed or 0. */
static int match(const struct cli_cmd *c, int argc, char **argv)
{
	const char *sp = strchr(c->name, ' ');

	if (!sp)
		return !strcmp(c->name, argv[0]) ? 1 : 0;
	if (argc < 2 || strncmp(c->name, argv[0], (size_t)(sp - c->name)) ||
	    argv[0][sp - c->name] || strcmp(sp + 1, argv[1]))
		return 0;
	return 2;
}

static const struct cli_cmd *lookup(int argc, char **argv, int *used)
{
	const struct cli_cmd *c;

	for (c = cli_commands; c->name; c++)
		if ((*used = match(c, argc, argv)))
			return c;
	return NULL;
}

static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	}
	return false;
}

/* A command that parses its own arguments gets them all, untouched. */
static int run_raw(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_args args = { .cmd = cmd, .npos = argc, .pos = argv };
	int rc = cmd->fn(cli, &args);

	cli_done(cli);
	return rc;
}

/* Called by another name (a link): that command, e.g. convert-legacy-stream. */
static const struct cli_cmd *by_program_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	const struct cli_cmd *c;

	base = base ? base + 1 : argv0;
	for (c = cli_commands; c->name; c++)
		if ((c->flags & CMD_RAW_ARGS) && !strcmp(c->name, base))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	struct cli cli = { .argv0 = argv[0] };
	const struct cli_cmd *cmd;
	struct cli_args args;
	int i = 1, used, rc;

	if ((cmd = by_program_name(argv[0])))
		return run_raw(&cli, cmd, argc - 1, argv + 1);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			print_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			printf("sif %s\n", SIF_VERSION);
			return EXIT_OK;
		} else if (!strcmp(a, "--no-plugins")) {
			cli.no_plugins = true;
		} else if (!strcmp(a, "--db") || !strcmp(a, "--plugin-dir")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sif: option '%s' needs a value\n%s", a,
					global_usage);
				return EXIT_USAGE;
			}
			*(a[2] == 'd' ? &cli.db_path : &cli.plugin_dir) = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			cli.db_path = a + 5;
		} else if (!strncmp(a, "--plugin-dir=", 13)) {
			cli.plugin_dir = a + 13;
		} else {
			fprintf(stderr, "sif: unknown option '%s'\n%s", a, global_usage);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(global_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc && (cmd = lookup(argc - i - 1, argv + i + 1, &used))) {
			cli_print_cmd_usage(cmd, stdout);
			return EXIT_OK;
		}
		print_help(stdout);
		return EXIT_OK;
	}
	if (!cli.db_path)
		cli.db_path = getenv("SIF_DB");
	if (!cli.db_path || !*cli.db_path)
		cli.db_path = DEFAULT_DB;
	if (!cli.plugin_dir)
		cli.plugin_dir = getenv("SIF_PLUGIN_DIR");
	cmd = lookup(argc - i, argv + i, &used);
	if (!cmd) {
		fprintf(stderr, "sif: unknown command '%s' (see sif --help)\n", argv[i]);
		return EXIT_USAGE;
	}
	i += used;
	if (cmd->flags & CMD_RAW_ARGS)
		return run_raw(&cli, cmd, argc - i, argv + i);
	if (wants_help(argc - i, argv + i)) {
		cli_print_cmd_usage(cmd, stdout);
		return EXIT_OK;
	}
	rc = cli_parse(&cli, cmd, argc - i, argv + i, &args);
	if (rc == EXIT_OK)
		rc = cmd->fn(&cli, &args);
	cli_args_free(&args);
	cli_done(&cli);
	return rc;
}
