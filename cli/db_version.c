/*
 * db version: which sif wrote the DB and where each known migration
 * stands (applied when, or pending).
 */
#include <stdlib.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/migrate.h"

int cmd_db_version(struct cli *cli, struct cli_args *a)
{
	struct sif_migration_status *st = NULL;
	struct sif_db *db;
	size_t n, i, pending = 0;

	if (!(db = cli_db(cli, CLI_DB_READ)))
		return cli_fail_err(cli);
	if (sif_migrate_status(cli->ctx, db, &st, &n, &cli->err) < 0)
		return cli_fail_err(cli);
	for (i = 0; i < n; i++)
		pending += st[i].state == SIF_MIG_PENDING;
	if (cli_flag(a, "json")) {
		struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "sif_version", json_object_new_string(SIF_VERSION));
		json_object_object_add(o, "database", json_object_new_string(cli->db_path));
		json_object_object_add(o, "pending", json_object_new_int64((int64_t)pending));
		for (i = 0; i < n; i++) {
			struct json_object *m = json_object_new_object();

			json_object_object_add(m, "id", json_object_new_string(st[i].id));
			json_object_object_add(m, "owner", json_object_new_string(st[i].owner));
			json_object_object_add(m, "checksum", json_object_new_string(st[i].checksum));
			json_object_object_add(m, "applied_at", st[i].state == SIF_MIG_APPLIED ?
					       json_object_new_string(st[i].applied_at) : NULL);
			json_object_array_add(arr, m);
		}
		json_object_object_add(o, "migrations", arr);
		show_json_print(o);
		json_object_put(o);
	} else {
		printf("sif %s, database %s\n", SIF_VERSION, cli->db_path);
		for (i = 0; i < n; i++)
			printf("  %-40s %-22s %s\n", st[i].id,
			       st[i].state == SIF_MIG_APPLIED ? st[i].applied_at : "pending",
			       st[i].owner);
		if (pending)
			printf("%zu migration%s pending: run 'sif db migrate'\n", pending,
			       pending == 1 ? "" : "s");
		else
			printf("schema up to date\n");
	}
	free(st);
	return EXIT_OK;
}
