/*
 * db migrate [--dry-run]: apply the pending migrations of the core and of
 * the loaded plugins, each in its own transaction.  Running it again
 * changes nothing.  --down PLUGIN undoes a plugin's instead (plugin
 * remove, cli/plugin_remove.c).
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
	const char *down = cli_optval(a, "down");
	struct sif_db *db;
	size_t n;

	if (down)
		return plugin_remove_run(cli, down, dry, cli_flag(a, "force"));
	if (cli_flag(a, "force"))
		return cli_usage_error(cli, a->cmd, "--force goes with --down PLUGIN");
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
	{ "down", true, "undo the migrations of plugin VALUE instead (= sif plugin remove)" },
	{ "force", false, "with --down: even when its fields hold values other than the default" },
	{ NULL, false, NULL },
};
