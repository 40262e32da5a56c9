/*
 * A xapi state.db in and out of the pool database.
 *
 * Import puts the rows of the classes the registry models (pool, host, SR,
 * VDI, VBD, VM) into their tables, so that `sif vdi-list` shows them, and
 * keeps everything else of the file (other tables, unmodelled columns, the
 * manifest, the order of tables, rows and attributes) in the statedb_*
 * tables of migration 0002_statedb.  Export writes the file back from both:
 * a file xapi wrote comes out byte-identical after import and export.
 * What changed in the pool DB in between shows in the export: a modelled
 * value as it is now, a registry field a row did not have (such as
 * VDI.suspend_image_format) added where xapi would put it once its value
 * differs from the field's default, deleted objects gone, new ones added in
 * ref order.
 */
#ifndef SIF_STATEDB_POOL_H
#define SIF_STATEDB_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/err.h"

struct sif_statedb_pool_stats {
	uint64_t tables, rows;
	uint64_t modelled_rows;         /* rows in the registry's tables */
	uint64_t layouts;               /* distinct attribute layouts */
	uint64_t new_rows, deleted_rows;        /* export: rows sif added / dropped */
	uint64_t bytes;                 /* export: size of the file written */
	unsigned made_private_from;     /* import: the DB's mode before it was made
					 * private for the secret table (0: it was) */
};

/*
 * Import a state.db into a pool DB whose migrations are all applied.  The
 * DB must hold no objects and no earlier import unless `replace`, which
 * empties them first.  All or nothing: one transaction.  xapi's `secret`
 * table holds passwords in plain text: before its first row goes in, a DB
 * that group or others can read is made private (sif_db_make_private).
 */
int sif_statedb_import(struct sif_ctx *ctx, struct sif_db *db, const char *path,
		       bool replace, struct sif_statedb_pool_stats *st, struct sif_err *err);

/*
 * Forget a modelled column in what the import kept of a state.db's rows
 * (their attribute layouts), as when the column itself is dropped from its
 * class's table: the export then writes those rows without it, as `sif db
 * downgrade` would.  Run inside the caller's transaction.
 */
int sif_statedb_pool_drop_column(struct sif_db *db, const char *table, const char *column,
				 struct sif_err *err);

/* Write the pool DB as a state.db at `path`, replaced atomically. */
int sif_statedb_export(struct sif_ctx *ctx, struct sif_db *db, const char *path,
		       struct sif_statedb_pool_stats *st, struct sif_err *err);

#endif
