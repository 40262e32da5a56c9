/*
 * plugin remove NAME [--dry-run] [--force] (also `db migrate --down NAME`):
 * undo a plugin's migrations in the pool DB, newest first, in one
 * transaction, so that the DB opens once the plugin is uninstalled.  The
 * plugin must still be installed: its down steps come from it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sif/ctx.h"
#include "sif/migrate.h"

#define MAX_LISTED 100

struct remove_state {
	bool dry, force;
	unsigned long long losses;
};

static void on_revert(const struct sif_migration_status *st, void *u)
{
	const struct remove_state *rs = u;

	printf("%s %-40s %s\n", rs->dry ? "would revert" : "reverted", st->id,
	       st->doc ? st->doc : "");
}

static void on_loss(const struct sif_removal_loss *l, void *u)
{
	struct remove_state *rs = u;

	if (rs->losses++ < MAX_LISTED)
		fprintf(stderr, "sif: %s %s (ref %s): %s='%s' is not the default '%s'%s\n",
			l->cls, l->uuid ? l->uuid : "?", l->ref ? l->ref : "?", l->field, l->value,
			l->default_value, rs->force ? ": lost (--force)" : "");
}

static const char *plugin_path(struct sif_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < sif_ctx_nplugins(ctx); i++)
		if (!strcmp(sif_ctx_plugin_at(ctx, i)->plugin->name, name))
			return sif_ctx_plugin_at(ctx, i)->path;
	return "?";
}

int plugin_remove_run(struct cli *cli, const char *name, bool dry, bool force)
{
	struct remove_state rs = { .dry = dry, .force = force };
	struct sif_plugin_remove_opts o = {
		.dry_run = dry, .force = force, .on_revert = on_revert, .on_loss = on_loss,
		.u = &rs,
	};
	struct sif_db *db;
	size_t n;
	int rc;

	if (!(db = cli_db(cli, CLI_DB_WRITE))) {
		/* the plugin's records name it: a removal needs it installed */
		return cli_fail_err(cli);
	}
	rc = sif_plugin_remove(cli->ctx, db, name, &o, &n, &cli->err);
	if (rs.losses > MAX_LISTED)
		fprintf(stderr, "sif: ... and %llu more values that are not the default\n",
			rs.losses - MAX_LISTED);
	if (rc < 0) {
		rc = cli_fail_err(cli);
		if (rs.losses && !force && cli->err.code == SIF_EREFUSED)
			fprintf(stderr, "sif: --force removes the plugin all the same\n");
		return rc;
	}
	if (!n)
		printf("%s: plugin '%s' has no migration applied: nothing to undo\n",
		       cli->db_path, name);
	else if (dry)
		printf("%s: %zu migration%s of plugin '%s' would be reverted (dry run: rolled "
		       "back, nothing changed)\n", cli->db_path, n, n == 1 ? "" : "s", name);
	else
		printf("%s: %zu migration%s of plugin '%s' reverted; uninstall %s now (while it "
		       "is installed, 'sif db migrate' applies it again)\n", cli->db_path, n,
		       n == 1 ? "" : "s", name, plugin_path(cli->ctx, name));
	return EXIT_OK;
}

int cmd_plugin_remove(struct cli *cli, struct cli_args *a)
{
	return plugin_remove_run(cli, a->pos[0], cli_flag(a, "dry-run"), cli_flag(a, "force"));
}

const struct cli_opt plugin_remove_opts[] = {
	{ "dry-run", false, "run the down steps and roll back: list what would be undone" },
	{ "force", false, "remove even when fields hold values other than their default" },
	{ NULL, false, NULL },
};
