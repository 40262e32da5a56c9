/*
 * What lib/statedb/statedb_import.c and lib/statedb/statedb_export.c share (lib-internal):
 * the class a state.db table is, and small SQL helpers.  The storage they
 * share is described in migrations/0002_statedb.sql.
 */
#ifndef SIF_STATEDB_POOL_INTERNAL_H
#define SIF_STATEDB_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/err.h"

/* Ends each stored unmodelled value: no XML attribute value can hold it. */
#define STATEDB_SEP '\x1f'

/* ref, __ctime, __mtime: written first and unprotected by xapi. */
bool statedb_pool_preamble(const char *name);
/* The registry class a table is, if sif models it (exact name) and the DB
 * has its table; NULL otherwise (*rc -1 on a DB error). */
const char *statedb_pool_class(struct sif_ctx *ctx, struct sif_db *db,
			       const char *table, struct sif_err *err, int *rc);
int statedb_pool_exec(struct sif_db *db, struct sif_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int statedb_pool_count(struct sif_db *db, const char *table, int64_t *n,
		       struct sif_err *err);
/* Refuse a DB with pending migrations: the tables must be complete. */
int statedb_pool_require_migrated(struct sif_ctx *ctx, struct sif_db *db,
				  struct sif_err *err);

#endif
