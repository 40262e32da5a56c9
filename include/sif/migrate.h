/*
 * Migrations of the pool database: ordered, each applied once in its own
 * transaction and recorded with its id and checksum.  A DB recording a
 * migration this build does not know, or one whose checksum changed, is
 * refused and left untouched.
 */
#ifndef SIF_MIGRATE_H
#define SIF_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/err.h"

struct sif_migration {
	const char *id;     /* "0001_indexes"; plugins: "<plugin>/<id>" once loaded */
	const char *sql;    /* statements run inside the migration's transaction */
	const char *doc;    /* one line: what it changes */
	/*
	 * Plugins only (plugin ABI 2): statements that undo `sql`, run when the
	 * plugin is removed from a DB.  NULL: the migration cannot be undone.
	 * Core migrations are forward-only and have none.  The recorded
	 * checksum is of `sql` alone.
	 */
	const char *down;
};

struct sif_ctx;
struct sif_db;

enum sif_migration_state {
	SIF_MIG_APPLIED,    /* recorded, checksum matches */
	SIF_MIG_PENDING,    /* known, not yet applied */
};

struct sif_migration_status {
	const char *id;
	const char *owner;          /* "core" or the plugin name */
	const char *doc;
	enum sif_migration_state state;
	char checksum[16];
	char applied_at[32];        /* "" when pending */
};

/* Called once per migration that was (or, dry run, would be) applied. */
typedef void (*sif_migrate_cb)(const struct sif_migration_status *st, void *arg);

/*
 * Check the DB's recorded migrations against the context: fails with
 * SIF_ENEWER naming an unknown migration, SIF_EREFUSED for a changed
 * checksum.  Fills *pending with the number still to apply.
 */
int sif_migrate_check(struct sif_ctx *ctx, struct sif_db *db, size_t *pending,
		      struct sif_err *err);

/* Apply pending migrations in order (or only report them with dry_run). */
int sif_migrate(struct sif_ctx *ctx, struct sif_db *db, bool dry_run,
		sif_migrate_cb cb, void *arg, size_t *applied, struct sif_err *err);

/* Status of every known migration, in order; caller frees *out. */
int sif_migrate_status(struct sif_ctx *ctx, struct sif_db *db,
		       struct sif_migration_status **out, size_t *n,
		       struct sif_err *err);

/*
 * Removing a plugin from a DB: its recorded migrations are undone by their
 * down steps, newest first, in one transaction, after which the DB opens
 * without the plugin.  The plugin must be loaded (its down steps come from
 * it) and every recorded migration must match this build (checksums);
 * core migrations are forward-only.  A value of one of the plugin's fields
 * other than the field's default is information the removal loses: each is
 * reported through on_loss and the removal is refused unless `force`.
 * Refusals change nothing.
 */
struct sif_removal_loss {
	const char *cls, *ref, *uuid;
	const char *field, *value, *default_value;
};

struct sif_plugin_remove_opts {
	bool dry_run;           /* run the down steps, then roll back */
	bool force;             /* lose values other than the defaults */
	/* Each migration undone (or, dry run, that would be), newest first. */
	void (*on_revert)(const struct sif_migration_status *st, void *u);
	void (*on_loss)(const struct sif_removal_loss *l, void *u);
	void *u;
};

int sif_plugin_remove(struct sif_ctx *ctx, struct sif_db *db, const char *name,
		      const struct sif_plugin_remove_opts *o, size_t *reverted,
		      struct sif_err *err);

/* Whether a migration (by id) is recorded in the DB. */
int sif_migration_applied(struct sif_db *db, const char *id, bool *applied,
			  struct sif_err *err);

#endif
