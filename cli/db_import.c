/*
 * db import STATE.DB [--replace]: load a xapi state.db into the pool DB:
 * the classes sif models into their tables (so vdi-list shows the VDIs),
 * everything else kept for `db export` (lib/statedb/statedb_pool.c).
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "sif/statedb_pool.h"

int cmd_db_import(struct cli *cli, struct cli_args *a)
{
	struct sif_statedb_pool_stats st;
	struct timespec t0, t1;
	struct sif_db *db;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(db = cli_db(cli, CLI_DB_WRITE)))
		return cli_fail_err(cli);
	rc = sif_statedb_import(cli->ctx, db, a->pos[0], cli_flag(a, "replace"), &st,
				&cli->err);
	if (st.made_private_from)
		fprintf(stderr, "sif: db import: %s was readable by group or others (mode %04o): "
			"made it 0600 before writing the state.db's secret table into it\n",
			cli->db_path, st.made_private_from);
	if (rc < 0)
		return cli_fail_err(cli);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: imported %llu rows of %llu tables into %s (%llu into modelled classes, "
	       "%llu layouts); %.2f s\n", a->pos[0], (unsigned long long)st.rows,
	       (unsigned long long)st.tables, cli->db_path,
	       (unsigned long long)st.modelled_rows, (unsigned long long)st.layouts,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return EXIT_OK;
}

const struct cli_opt db_import_opts[] = {
	{ "replace", false, "empty the pool DB's objects and an earlier import first" },
	{ NULL, false, NULL },
};
