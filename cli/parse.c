/*
 * The one argument parser every command goes through, so that --help,
 * unknown options, missing values and key=value parameters behave the same
 * everywhere (the role of git's parse-options.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int nopts(const struct cli_cmd *cmd)
{
	int n = 0;

	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n;
}

static int find_opt(const struct cli_cmd *cmd, const char *name, size_t len)
{
	int i;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (strlen(cmd->opts[i].name) == len &&
		    !strncmp(cmd->opts[i].name, name, len))
			return i;
	return -1;
}

void cli_print_cmd_usage(const struct cli_cmd *cmd, FILE *to)
{
	int i;

	fprintf(to, "usage: sif %s%s%s\n", cmd->name, cmd->usage ? " " : "",
		cmd->usage ? cmd->usage : "");
	fprintf(to, "  %s\n", cmd->summary);
	for (i = 0; cmd->opts && cmd->opts[i].name; i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "--%s%s", cmd->opts[i].name,
			 cmd->opts[i].takes_value ? " VALUE" : "");
		fprintf(to, "    %-24s %s\n", buf, cmd->opts[i].help);
	}
}

int cli_usage_error(struct cli *cli, const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	fprintf(stderr, "sif: %s: ", cmd ? cmd->name : "usage");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		cli_print_cmd_usage(cmd, stderr);
	return EXIT_USAGE;
}

static int add_pos(struct cli_args *a, char *arg)
{
	char **p = realloc(a->pos, sizeof(*p) * (size_t)(a->npos + 1));

	if (!p)
		return -1;
	a->pos = p;
	a->pos[a->npos++] = arg;
	return 0;
}

static int add_kv(struct cli_args *a, char *arg, char *eq)
{
	char **k = realloc(a->keys, sizeof(*k) * (size_t)(a->nkv + 1));
	char **v;

	if (!k)
		return -1;
	a->keys = k;
	v = realloc(a->vals, sizeof(*v) * (size_t)(a->nkv + 1));
	if (!v)
		return -1;
	a->vals = v;
	a->keys[a->nkv] = strndup(arg, (size_t)(eq - arg));
	a->vals[a->nkv] = eq + 1;
	if (!a->keys[a->nkv])
		return -1;
	a->nkv++;
	return 0;
}

int cli_parse(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv,
	      struct cli_args *a)
{
	bool only_pos = false;
	int i;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->optval = calloc((size_t)nopts(cmd) + 1, sizeof(*a->optval));
	if (!a->optval)
		return cli_fail(cli, "out of memory");
	for (i = 0; i < argc; i++) {
		char *arg = argv[i], *eq;

		if (!only_pos && !strcmp(arg, "--")) {
			only_pos = true;
		} else if (!only_pos && arg[0] == '-' && arg[1] == '-' && arg[2]) {
			char *name = arg + 2;
			size_t len = strcspn(name, "=");
			int o = find_opt(cmd, name, len);

			if (o < 0)
				return cli_usage_error(cli, cmd, "unknown option '--%.*s'",
						       (int)len, name);
			if (!cmd->opts[o].takes_value) {
				if (name[len] == '=')
					return cli_usage_error(cli, cmd,
						"option '--%s' takes no value", cmd->opts[o].name);
				a->optval[o] = "";
			} else if (name[len] == '=') {
				a->optval[o] = name + len + 1;
			} else if (i + 1 < argc) {
				a->optval[o] = argv[++i];
			} else {
				return cli_usage_error(cli, cmd,
					"option '--%s' needs a value", cmd->opts[o].name);
			}
		} else if (!only_pos && arg[0] == '-' && arg[1] && strcmp(arg, "-")) {
			return cli_usage_error(cli, cmd, "unknown option '%s'", arg);
		} else if (!only_pos && (cmd->flags & CMD_KV) &&
			   (eq = strchr(arg, '=')) && eq != arg) {
			if (add_kv(a, arg, eq) < 0)
				return cli_fail(cli, "out of memory");
		} else if (add_pos(a, arg) < 0) {
			return cli_fail(cli, "out of memory");
		}
	}
	if (a->npos < cmd->min_pos)
		return cli_usage_error(cli, cmd, "missing argument");
	if (cmd->max_pos >= 0 && a->npos > cmd->max_pos)
		return cli_usage_error(cli, cmd, "unexpected argument '%s'",
				       a->pos[cmd->max_pos]);
	return EXIT_OK;
}

void cli_args_free(struct cli_args *a)
{
	int i;

	for (i = 0; i < a->nkv; i++)
		free(a->keys[i]);
	free(a->keys);
	free(a->vals);
	free(a->pos);
	free(a->optval);
	memset(a, 0, sizeof(*a));
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_optval(a, name) != NULL;
}

const char *cli_optval(const struct cli_args *a, const char *name)
{
	int o = find_opt(a->cmd, name, strlen(name));

	return o < 0 ? NULL : a->optval[o];
}

const char *cli_kv(const struct cli_args *a, const char *key)
{
	int i;

	for (i = 0; i < a->nkv; i++)
		if (!strcmp(a->keys[i], key))
			return a->vals[i];
	return NULL;
}

int cli_fail(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	fputs("sif: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int cli_fail_err(struct cli *cli)
{
	fprintf(stderr, "sif: %s\n", cli->err.msg[0] ? cli->err.msg : "failed");
	return cli->err.code == SIF_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
}

bool cli_progress_enabled(void)
{
	return isatty(2);
}
