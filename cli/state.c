/*
 * What commands share beyond argument parsing: the loaded datamodel and
 * plugins, and the open pool database, created on first use.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"

/*
 * The plugin directory when none is named: next to the binary
 * (<bin>/../lib/sif/plugins, true of the build tree and of an install),
 * else PREFIX's.
 */
static const char *default_plugin_dir(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, size, "%s/../lib/sif/plugins", dirname(exe));
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, size, "%s/lib/sif/plugins", SIF_PREFIX);
	return buf;
}

const char *cli_plugin_dir(struct cli *cli)
{
	static char buf[PATH_MAX];

	if (cli->plugin_dir && *cli->plugin_dir)
		return cli->plugin_dir;
	return default_plugin_dir(buf, sizeof(buf));
}

struct sif_ctx *cli_ctx(struct cli *cli)
{
	const char *dir;
	struct stat st;

	if (cli->ctx)
		return cli->ctx;
	if (sif_ctx_new(&cli->ctx, &cli->err) < 0)
		return NULL;
	if (cli->no_plugins)
		return cli->ctx;
	dir = cli_plugin_dir(cli);
	/* An unnamed default directory may be absent: no plugins installed. */
	if (!(cli->plugin_dir && *cli->plugin_dir) && stat(dir, &st) < 0 && errno == ENOENT)
		return cli->ctx;
	if (sif_ctx_load_plugin_dir(cli->ctx, dir, &cli->err) < 0) {
		sif_ctx_free(cli->ctx);
		cli->ctx = NULL;
	}
	return cli->ctx;
}

struct sif_db *cli_db(struct cli *cli, unsigned mode)
{
	struct stat st;

	if (cli->db)
		return cli->db;
	if (!cli_ctx(cli))
		return NULL;
	if (!(mode & CLI_DB_CREATE) && stat(cli->db_path, &st) < 0) {
		sif_errf(&cli->err, SIF_ENOTFOUND,
			 "no pool database at %s (create one with 'sif db init', or "
			 "name another with --db or $SIF_DB)", cli->db_path);
		return NULL;
	}
	if (sif_db_open(cli->db_path,
			((mode & CLI_DB_WRITE) ? 0 : SIF_DB_READONLY) |
			((mode & CLI_DB_CREATE) ? SIF_DB_CREATE : 0),
			&cli->db, &cli->err) < 0)
		return NULL;
	/* Nothing is read from a DB that a newer sif or a missing plugin wrote. */
	if (sif_migrate_check(cli->ctx, cli->db, NULL, &cli->err) < 0) {
		sif_db_close(cli->db);
		cli->db = NULL;
	}
	return cli->db;
}

void cli_done(struct cli *cli)
{
	sif_db_close(cli->db);
	sif_ctx_free(cli->ctx);
	cli->db = NULL;
	cli->ctx = NULL;
}
