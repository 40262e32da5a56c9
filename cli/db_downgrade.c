/*
 * db downgrade STATE.DB [--output OUT] [--dry-run] [--backup] [--force]
 * [--ignore-xapi]: remove from a xapi state.db every column the loaded
 * plugins add, the exact inverse of `db upgrade`, so that a xapi without
 * those fields loads it again.  A value other than the column's default
 * would be lost: each is listed and the file is left alone, unless --force.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sif/ctx.h"
#include "sif/statedb_downgrade.h"
#include "statedb_fields.h"

/* Lines of lost values printed; the count says how many more there are. */
#define MAX_LISTED 100

struct losses {
	const char *path;
	bool force;
	unsigned long long n;
};

static void on_loss(void *u, const struct sif_statedb_loss *l)
{
	struct losses *ls = u;

	if (ls->n++ < MAX_LISTED)
		fprintf(stderr, "sif: %s: table %s, row %llu (ref %s): %s=\"%.*s\" is not "
			"the default %s%s\n", ls->path, l->table, (unsigned long long)l->row,
			l->ref, l->column, (int)(l->len > 256 ? 256 : l->len), l->value,
			l->default_value, ls->force ? ": removed (--force)" : "");
}

static void print_summary(const char *path, const struct sif_statedb_downgrade_opts *o,
			  const struct sif_statedb_downgrade_stats *st, double secs)
{
	char fields[512];

	plugin_fields_text(o->fields, o->nfields, fields, sizeof(fields));
	printf("%s: %llu rows in %llu tables, %llu in the tables of %s: %llu values %s, "
	       "%llu of them not the default; %.2f s", path, (unsigned long long)st->rows,
	       (unsigned long long)st->tables, (unsigned long long)st->target_rows, fields,
	       (unsigned long long)st->removed, o->dry_run ? "to remove" : "removed",
	       (unsigned long long)st->lost, secs);
	if (o->dry_run)
		printf(" (dry run: nothing written)");
	else if (!st->removed && !o->output)
		printf(" (already down, file not rewritten)");
	else if (o->output)
		printf(" -> %s", o->output);
	if (st->backup_path[0])
		printf("; original kept as %s", st->backup_path);
	putchar('\n');
	if (!o->dry_run && !st->removed)
		printf("%s: already down\n", path);
}

int cmd_db_downgrade(struct cli *cli, struct cli_args *a)
{
	struct sif_statedb_field fields[MAX_PLUGIN_FIELDS];
	struct losses ls = { .path = a->pos[0], .force = cli_flag(a, "force") };
	struct sif_statedb_downgrade_opts o = {
		.fields = fields,
		.output = cli_optval(a, "output"),
		.dry_run = cli_flag(a, "dry-run"),
		.backup = cli_flag(a, "backup"),
		.force = ls.force,
		.ignore_xapi = cli_flag(a, "ignore-xapi"),
		.kind = registry_kind,
		.on_loss = on_loss, .on_loss_u = &ls,
	};
	struct edit_progress pr = { "db downgrade", -1 };
	struct sif_statedb_downgrade_stats st;
	struct sif_ctx *ctx;
	double t0 = monotonic_seconds();
	int rc;

	if (o.backup && o.output)
		return cli_usage_error(cli, a->cmd, "--backup keeps the original of an "
				       "in-place downgrade; with --output the original is not touched");
	if (o.dry_run && (o.backup || o.output))
		return cli_usage_error(cli, a->cmd, "--dry-run writes nothing: no --output "
				       "or --backup with it");
	if (o.output && !*o.output)
		return cli_usage_error(cli, a->cmd, "--output needs a file name");
	if (!(ctx = cli_ctx(cli)))
		return cli_fail_err(cli);
	o.kind_u = ctx;
	o.nfields = plugin_fields(ctx, fields, MAX_PLUGIN_FIELDS);
	if (!o.nfields)
		return cli_fail(cli, "db downgrade: no loaded plugin adds a field, so sif does "
				"not know which columns to remove (plugin directory: %s)",
				cli_plugin_dir(cli));
	if (cli_progress_enabled()) {
		o.progress = edit_progress;
		o.progress_u = &pr;
	}
	rc = sif_statedb_downgrade(ls.path, &o, &st, &cli->err);
	edit_progress_end(&pr);
	if (ls.n > MAX_LISTED)
		fprintf(stderr, "sif: %s: ... and %llu more values that are not the default\n",
			ls.path, ls.n - MAX_LISTED);
	if (rc < 0) {
		rc = cli_fail_err(cli);
		if (st.lost && !o.force && cli->err.code == SIF_EREFUSED)
			fprintf(stderr, "sif: %s: --force removes them all the same\n", ls.path);
		return rc;
	}
	print_summary(ls.path, &o, &st, monotonic_seconds() - t0);
	return EXIT_OK;
}

const struct cli_opt db_downgrade_opts[] = {
	{ "output", true, "write the downgraded file here; leave STATE.DB as it is" },
	{ "dry-run", false, "check the file and list what would be removed; write nothing" },
	{ "backup", false, "keep the original as STATE.DB.bak (in-place downgrade)" },
	{ "force", false, "remove values other than the default too (they are lost)" },
	{ "ignore-xapi", false, "downgrade in place even while a xapi process uses the directory" },
	{ NULL, false, NULL },
};
