/*
 * db upgrade STATE.DB [--output OUT] [--dry-run] [--backup] [--target-has-field |
 * --xapi-schema VERSION|FILE]: give every row
 * of a xapi state.db the fields that plugins add to the datamodel (today
 * VDI.suspend_image_format, default legacy), where xapi would write them,
 * changing no other byte; the file is replaced atomically.  The fields,
 * their defaults and allowed values come from the registry, so a plugin
 * adding a field needs nothing here.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "sif/ctx.h"
#include "sif/statedb.h"
#include "xapi_target.h"

#define MAX_UPGRADE_FIELDS 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The column kinds xapi's schema gives the fields the registry knows. */
static enum sif_xapi_kind registry_kind(void *u, const char *table, const char *column)
{
	const struct sif_field *f = sif_ctx_field(u, table, column);

	if (!f)
		return SIF_XAPI_STRING;
	return f->type == SIF_FT_SET ? SIF_XAPI_SET :
	       f->type == SIF_FT_MAP ? SIF_XAPI_MAP : SIF_XAPI_STRING;
}

static void progress(void *u, uint64_t done, uint64_t total)
{
	int *last = u, pct = total ? (int)(done * 100 / total) : 100;

	if (pct != *last) {
		fprintf(stderr, "\rsif: db upgrade: %3d%%", pct);
		*last = pct;
	}
}

static void print_summary(const char *path, const struct sif_statedb_upgrade_opts *o,
			  const struct sif_statedb_upgrade_stats *st, double secs)
{
	char fields[512] = "";
	size_t i, n = 0;

	for (i = 0; i < o->nfields && n < sizeof(fields); i++)
		n += (size_t)snprintf(fields + n, sizeof(fields) - n, "%s%s.%s",
				      i ? ", " : "", o->fields[i].table, o->fields[i].column);
	printf("%s: %llu rows in %llu tables, %llu rows to carry %s: %llu %s, "
	       "%llu already set; %.2f s", path, (unsigned long long)st->rows,
	       (unsigned long long)st->tables, (unsigned long long)st->target_rows, fields,
	       (unsigned long long)st->added, o->dry_run ? "to add" : "added",
	       (unsigned long long)st->kept, secs);
	if (o->dry_run)
		printf(" (dry run: nothing written)");
	else if (!st->added && !o->output)
		printf(" (already up to date, file not rewritten)");
	else if (o->output)
		printf(" -> %s", o->output);
	if (st->backup_path[0])
		printf("; original kept as %s", st->backup_path);
	putchar('\n');
	if (!o->dry_run && !st->added)
		printf("%s: already up to date\n", path);
}

int cmd_db_upgrade(struct cli *cli, struct cli_args *a)
{
	struct sif_statedb_field fields[MAX_UPGRADE_FIELDS];
	struct sif_statedb_upgrade_opts o = {
		.fields = fields,
		.output = cli_optval(a, "output"),
		.dry_run = cli_flag(a, "dry-run"),
		.backup = cli_flag(a, "backup"),
		.kind = registry_kind,
	};
	struct sif_statedb_upgrade_stats st;
	const char *path = a->pos[0];
	struct sif_ctx *ctx;
	int last = -1;
	double t0 = now();

	if (o.backup && o.output)
		return cli_usage_error(cli, a->cmd, "--backup keeps the original of an "
				       "in-place upgrade; with --output the original is not touched");
	if (o.dry_run && (o.backup || o.output))
		return cli_usage_error(cli, a->cmd, "--dry-run writes nothing: no --output "
				       "or --backup with it");
	if (o.output && !*o.output)
		return cli_usage_error(cli, a->cmd, "--output needs a file name");
	if (!(ctx = cli_ctx(cli)))
		return cli_fail_err(cli);
	o.kind_u = ctx;
	o.nfields = cli_plugin_fields(ctx, fields, MAX_UPGRADE_FIELDS);
	if (!o.nfields)
		return cli_fail(cli, "db upgrade: no loaded plugin adds a field, so there is "
				"nothing to add (plugin directory: %s)", cli_plugin_dir(cli));
	if (!cli_flag(a, "target-has-field")) {
		int rc = cli_xapi_target_has_fields(cli, path, cli_optval(a, "xapi-schema"),
						    fields, o.nfields);

		if (rc)
			return rc;
	}
	if (cli_progress_enabled()) {
		o.progress = progress;
		o.progress_u = &last;
	}
	if (sif_statedb_upgrade(path, &o, &st, &cli->err) < 0) {
		if (last >= 0)
			fputc('\n', stderr);
		return cli_fail_err(cli);
	}
	if (last >= 0)
		fputc('\n', stderr);
	print_summary(path, &o, &st, now() - t0);
	return EXIT_OK;
}

const struct cli_opt db_upgrade_opts[] = {
	{ "output", true, "write the upgraded file here; leave STATE.DB as it is" },
	{ "dry-run", false, "check the file and count what would change; write nothing" },
	{ "backup", false, "keep the original as STATE.DB.bak (in-place upgrade)" },
	{ "target-has-field", false, "the xapi that will read the file has the plugins' fields "
	  "(else its schema must show them)" },
	{ "xapi-schema", true, "the schema of the xapi that will read the file: a version or a "
	  "schema file (default: the file's own version, built in)" },
	{ NULL, false, NULL },
};
