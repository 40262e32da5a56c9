/*
 * Helpers shared by state.db import and export (statedb_pool_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/migrate.h"
#include "statedb_pool_internal.h"

bool statedb_pool_preamble(const char *n)
{
	return !strcmp(n, "ref") || !strcmp(n, "__ctime") || !strcmp(n, "__mtime");
}

/* The registry class a state.db table is, if sif models it and the DB has it. */
const char *statedb_pool_class(struct sif_ctx *ctx, struct sif_db *db,
			       const char *table, struct sif_err *err, int *rc)
{
	const struct sif_class *c = sif_ctx_class(ctx, table);
	bool has = false;

	*rc = 0;
	/* exact name only: sif_ctx_class also matches ignoring case */
	if (!c || strcmp(c->name, table))
		return NULL;
	if (sif_db_has_table(db, table, &has, err) < 0) {
		*rc = -1;
		return NULL;
	}
	return has ? c->name : NULL;
}

int statedb_pool_exec(struct sif_db *db, struct sif_err *err, const char *fmt, ...)
{
	char *sql;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&sql, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	rc = sif_db_exec(db, sql, err);
	free(sql);
	return rc;
}

int statedb_pool_count(struct sif_db *db, const char *table, int64_t *n,
		       struct sif_err *err)
{
	struct sif_stmt *st;
	char sql[256];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", table);
	if (sif_db_prepare(db, sql, &st, err) < 0)
		return -1;
	rc = sif_stmt_step(st, err);
	if (rc == SIF_ROW)
		*n = sif_stmt_int(st, 0);
	sif_stmt_finalize(st);
	return rc < 0 ? -1 : 0;
}

int statedb_pool_require_migrated(struct sif_ctx *ctx, struct sif_db *db,
				  struct sif_err *err)
{
	size_t pending;

	if (sif_migrate_check(ctx, db, &pending, err) < 0)
		return -1;
	if (pending)
		return sif_errf(err, SIF_EREFUSED,
				"%s: %zu migration%s pending: run 'sif db migrate' first",
				sif_db_path(db), pending, pending == 1 ? "" : "s");
	return 0;
}
