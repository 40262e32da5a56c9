/*
 * db export STATE.DB: write the pool DB as a xapi state.db, replacing the
 * file atomically; after `db import` of a file xapi wrote, the same bytes
 * (lib/statedb/statedb_pool.c).
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "sif/statedb_pool.h"

int cmd_db_export(struct cli *cli, struct cli_args *a)
{
	struct sif_statedb_pool_stats st;
	struct timespec t0, t1;
	struct sif_db *db;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!(db = cli_db(cli, CLI_DB_READ)))
		return cli_fail_err(cli);
	if (sif_statedb_export(cli->ctx, db, a->pos[0], &st, &cli->err) < 0)
		return cli_fail_err(cli);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: exported %llu rows of %llu tables from %s (%llu bytes", a->pos[0],
	       (unsigned long long)st.rows, (unsigned long long)st.tables, cli->db_path,
	       (unsigned long long)st.bytes);
	if (st.new_rows || st.deleted_rows)
		printf("; %llu objects added and %llu deleted since the import",
		       (unsigned long long)st.new_rows, (unsigned long long)st.deleted_rows);
	printf("); %.2f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return EXIT_OK;
}
