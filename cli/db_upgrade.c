/*
 * db upgrade STATE.DB [--output OUT] [--dry-run] [--backup] [--ignore-xapi]:
 * give every row of a xapi state.db the fields that plugins add to the
 * datamodel (today VDI.suspend_image_format, default legacy), where xapi
 * would write them, changing no other byte; the file is replaced
 * atomically, and only if it is still the file that was read.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sif/ctx.h"
#include "sif/statedb.h"
#include "statedb_fields.h"

static void print_summary(const char *path, const struct sif_statedb_upgrade_opts *o,
			  const struct sif_statedb_upgrade_stats *st, double secs)
{
	char fields[512];

	plugin_fields_text(o->fields, o->nfields, fields, sizeof(fields));
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
	struct sif_statedb_field fields[MAX_PLUGIN_FIELDS];
	struct sif_statedb_upgrade_opts o = {
		.fields = fields,
		.output = cli_optval(a, "output"),
		.dry_run = cli_flag(a, "dry-run"),
		.backup = cli_flag(a, "backup"),
		.ignore_xapi = cli_flag(a, "ignore-xapi"),
		.kind = registry_kind,
	};
	struct edit_progress pr = { "db upgrade", -1 };
	struct sif_statedb_upgrade_stats st;
	const char *path = a->pos[0];
	struct sif_ctx *ctx;
	double t0 = monotonic_seconds();

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
	o.nfields = plugin_fields(ctx, fields, MAX_PLUGIN_FIELDS);
	if (!o.nfields)
		return cli_fail(cli, "db upgrade: no loaded plugin adds a field, so there is "
				"nothing to add (plugin directory: %s)", cli_plugin_dir(cli));
	if (cli_progress_enabled()) {
		o.progress = edit_progress;
		o.progress_u = &pr;
	}
	if (sif_statedb_upgrade(path, &o, &st, &cli->err) < 0) {
		edit_progress_end(&pr);
		return cli_fail_err(cli);
	}
	edit_progress_end(&pr);
	print_summary(path, &o, &st, monotonic_seconds() - t0);
	return EXIT_OK;
}

const struct cli_opt db_upgrade_opts[] = {
	{ "output", true, "write the upgraded file here; leave STATE.DB as it is" },
	{ "dry-run", false, "check the file and count what would change; write nothing" },
	{ "backup", false, "keep the original as STATE.DB.bak (in-place upgrade)" },
	{ "ignore-xapi", false, "upgrade in place even while a xapi process uses the directory" },
	{ NULL, false, NULL },
};
