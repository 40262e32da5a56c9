/*
 * db downgrade STATE.DB [--output OUT] [--dry-run] [--backup] [--force]
 * [--ignore-xapi]: remove from a xapi state.db every column the loaded
 * plugins add, the exact inverse of `db upgrade`, so that a xapi without
 * those fields loads it again.  A value other than the column's default
 * would be lost: each is listed and the file is left alone, unless --force.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
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

int cmd_db_downgrade(struct cli *cli, struct cli_args *a)
{
	struct edit_cli ec;
	struct losses ls = { .path = a->pos[0], .force = cli_flag(a, "force") };
	struct sif_statedb_downgrade_opts o;
	struct sif_statedb_downgrade_stats st;
	char fields[512];
	int rc = edit_cli_begin(&ec, cli, a, "db downgrade");

	if (rc)
		return rc;
	o = (struct sif_statedb_downgrade_opts){
		.fields = ec.fields, .nfields = ec.nfields, .output = ec.output,
		.dry_run = ec.dry_run, .backup = ec.backup, .force = ls.force,
		.ignore_xapi = ec.ignore_xapi, .kind = registry_kind, .kind_u = ec.ctx,
		.on_loss = on_loss, .on_loss_u = &ls,
		.progress = ec.show_progress ? edit_progress : NULL, .progress_u = &ec.pr,
	};
	rc = sif_statedb_downgrade(ec.path, &o, &st, &cli->err);
	edit_progress_end(&ec.pr);
	if (ls.n > MAX_LISTED)
		fprintf(stderr, "sif: %s: ... and %llu more values that are not the default\n",
			ec.path, ls.n - MAX_LISTED);
	if (rc < 0) {
		rc = cli_fail_err(cli);
		if (st.lost && !o.force && cli->err.code == SIF_EREFUSED)
			fprintf(stderr, "sif: %s: --force removes them all the same\n", ec.path);
		return rc;
	}
	plugin_fields_text(ec.fields, ec.nfields, fields, sizeof(fields));
	printf("%s: %llu rows in %llu tables, %llu in the tables of %s: %llu values %s, "
	       "%llu of them not the default", ec.path, (unsigned long long)st.rows,
	       (unsigned long long)st.tables, (unsigned long long)st.target_rows, fields,
	       (unsigned long long)st.removed, ec.dry_run ? "to remove" : "removed",
	       (unsigned long long)st.lost);
	edit_cli_summary_end(&ec, st.removed != 0, st.backup_path, "already down");
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
