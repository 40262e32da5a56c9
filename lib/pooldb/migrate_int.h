/* What migrate.c lends plugin_remove.c (lib-internal). */
#ifndef SIF_MIGRATE_INT_H
#define SIF_MIGRATE_INT_H

#include <stddef.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"

#define RECORD_TABLE "sif_migrations"

/* A row of sif_migrations. */
struct mig_recorded {
	char *id, *sum, *at;
};

/* CRC-32 of the migration's SQL, as recorded: 8 hex digits. */
void mig_checksum(const struct sif_migration *m, char out[16]);
/* The DB's record in the order applied, or none for a DB sif never touched
 * (which must then be empty). */
int mig_read_recorded(struct sif_db *db, struct mig_recorded **out, size_t *n,
		      struct sif_err *err);
void mig_free_recorded(struct mig_recorded *r, size_t n);
/* Every recorded migration known to ctx, with the same checksum. */
int mig_check_recorded(struct sif_ctx *ctx, struct sif_db *db, const struct mig_recorded *r,
		       size_t n, struct sif_err *err);

#endif
