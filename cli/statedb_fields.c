/*
 * Shared by cli/db_upgrade.c and cli/db_downgrade.c (statedb_fields.h).
 * The fields, their defaults and allowed values come from the registry
 * (cli_plugin_fields), so a plugin adding a field needs nothing here.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "statedb_fields.h"
#include "xapi_target.h"

enum sif_xapi_kind registry_kind(void *u, const char *table, const char *column)
{
	const struct sif_field *f = sif_ctx_field(u, table, column);

	if (!f)
		return SIF_XAPI_STRING;
	return f->type == SIF_FT_SET ? SIF_XAPI_SET :
	       f->type == SIF_FT_MAP ? SIF_XAPI_MAP : SIF_XAPI_STRING;
}

void plugin_fields_text(const struct sif_statedb_field *f, size_t n, char *out, size_t size)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s.%s", i ? ", " : "",
					 f[i].table, f[i].column);
}

void edit_progress(void *u, uint64_t done, uint64_t total)
{
	struct edit_progress *p = u;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (pct != p->last) {
		fprintf(stderr, "\rsif: %s: %3d%%", p->what, pct);
		p->last = pct;
	}
}

void edit_progress_end(struct edit_progress *p)
{
	if (p->last >= 0)
		fputc('\n', stderr);
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int edit_cli_begin(struct edit_cli *ec, struct cli *cli, struct cli_args *a, const char *what)
{
	*ec = (struct edit_cli){
		.what = what, .path = a->pos[0], .output = cli_optval(a, "output"),
		.dry_run = cli_flag(a, "dry-run"), .backup = cli_flag(a, "backup"),
		.ignore_xapi = cli_flag(a, "ignore-xapi"), .pr = { what, -1 },
		.show_progress = cli_progress_enabled(), .t0 = monotonic_seconds(),
	};
	if (ec->backup && ec->output)
		return cli_usage_error(cli, a->cmd, "--backup keeps the original of an "
				       "in-place run; with --output the original is not touched");
	if (ec->dry_run && (ec->backup || ec->output))
		return cli_usage_error(cli, a->cmd, "--dry-run writes nothing: no --output "
				       "or --backup with it");
	if (ec->output && !*ec->output)
		return cli_usage_error(cli, a->cmd, "--output needs a file name");
	if (!(ec->ctx = cli_ctx(cli)))
		return cli_fail_err(cli);
	ec->nfields = cli_plugin_fields(ec->ctx, ec->fields, MAX_PLUGIN_FIELDS);
	if (!ec->nfields)
		return cli_fail(cli, "%s: no loaded plugin adds a field, so there are no "
				"columns to work on (plugin directory: %s)", what, cli_plugin_dir(cli));
	return 0;
}

void edit_cli_summary_end(const struct edit_cli *ec, bool changed, const char *backup,
			  const char *already)
{
	printf("; %.2f s", monotonic_seconds() - ec->t0);
	if (ec->dry_run)
		printf(" (dry run: nothing written)");
	else if (!changed && !ec->output)
		printf(" (%s, file not rewritten)", already);
	else if (ec->output)
		printf(" -> %s", ec->output);
	if (backup[0])
		printf("; original kept as %s", backup);
	putchar('\n');
	if (!ec->dry_run && !changed)
		printf("%s: %s\n", ec->path, already);
}
