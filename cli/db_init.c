/*
 * db init: create a pool database at the current schema (base schema, core
 * migrations and those of the loaded plugins).  An existing file is never
 * touched: `db migrate` is for that.  The pool DB will hold a state.db's
 * secrets: a directory made for it is 0700, the file 0600 (sif_db_open).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "sif/migrate.h"

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	if (stat(buf, &st) == 0)
		return 0;
	{
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", buf);
		if (strcmp(dirname(parent), buf) && mkdir_parents(parent) < 0)
			return -1;
	}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

int cmd_db_init(struct cli *cli, struct cli_args *a)
{
	char dir[PATH_MAX];
	struct stat st;
	size_t applied;
	struct sif_db *db;

	(void)a;
	if (stat(cli->db_path, &st) == 0)
		return cli_fail(cli, "db init: %s already exists (use 'sif db migrate' "
				"to bring it up to date)", cli->db_path);
	snprintf(dir, sizeof(dir), "%s", cli->db_path);
	if (mkdir_parents(dirname(dir)) < 0)
		return cli_fail(cli, "db init: cannot create directory %s: %s", dir,
				strerror(errno));
	if (!(db = cli_db(cli, CLI_DB_WRITE | CLI_DB_CREATE)))
		return cli_fail_err(cli);
	if (sif_migrate(cli->ctx, db, false, NULL, NULL, &applied, &cli->err) < 0)
		return cli_fail_err(cli);
	printf("created %s (%zu migrations applied)\n", cli->db_path, applied);
	return EXIT_OK;
}
