/*
 * db migrate [--dry-run]: apply the pending migrations of the core and of
 * the loaded plugins, each in its own transaction.  Running it again
 * changes nothing.
 */
#include "cli.h"
#include "commands.h"
#include "sif/migrate.h"

static void report(const struct sif_migration_status *st, void *arg)
{
	const bool *dry = arg;

	printf("%s %-40s %s\n", *dry ? "would apply" : "applied", st->id,
	       st->doc ? st->doc : "");
}

int cmd_db_migrate(struct cli *cli, struct cli_args *a)
{
	bool dry = cli_flag(a, "dry-run");
	struct sif_db *db;
	size_t n;

	if (!(db = cli_db(cli, dry ? CLI_DB_READ : CLI_DB_WRITE)))
		return cli_fail_err(cli);
	if (sif_migrate(cli->ctx, db, dry, report, &dry, &n, &cli->err) < 0)
		return cli_fail_err(cli);
	if (n == 0)
		printf("%s: already up to date\n", cli->db_path);
	else
		printf("%s: %zu migration%s %s\n", cli->db_path, n, n == 1 ? "" : "s",
		       dry ? "pending (dry run: nothing changed)" : "applied");
	return EXIT_OK;
}

const struct cli_opt db_migrate_opts[] = {
	{ "dry-run", false, "list what would be applied; change nothing" },
	{ NULL, false, NULL },
};
