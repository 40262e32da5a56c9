/*
 * Removing a plugin from a pool DB (sif/migrate.h, sif_plugin_remove): the
 * inverse of applying its migrations.  Everything that can refuse is
 * checked before the first change (the plugin is loaded, the record
 * matches this build, every recorded migration has a down step, no value
 * would be lost); then one transaction forgets the plugin's columns in the
 * imported state.db layouts, runs the down steps newest first and deletes
 * their records.  A dry run does the same and rolls back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"
#include "sif/statedb_pool.h"
#include "migrate_int.h"

/* How many values the refusal's count goes up to before it stops looking. */
#define MAX_LOSSES_COUNTED 1000000

static const struct sif_plugin *loaded(struct sif_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < sif_ctx_nplugins(ctx); i++)
		if (!strcmp(sif_ctx_plugin_at(ctx, i)->plugin->name, name))
			return sif_ctx_plugin_at(ctx, i)->plugin;
	return NULL;
}

static bool owned_by(const char *id, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(id, name, n) && id[n] == '/';
}

static long known_index(struct sif_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < sif_ctx_nmigrations(ctx); i++)
		if (!strcmp(sif_ctx_migration_at(ctx, i)->id, id))
			return (long)i;
	return -1;
}

static bool recorded(const struct mig_recorded *r, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].id, id))
			return true;
	return false;
}

/* The refusals that need no look at the data. */
static int check_removable(struct sif_ctx *ctx, struct sif_db *db, const char *name,
			   const struct mig_recorded *r, size_t n, struct sif_err *err)
{
	size_t i, mine = 0;

	if (!strcmp(name, "core"))
		return sif_errf(err, SIF_EREFUSED, "%s: core migrations are forward-only: "
				"only a plugin's migrations can be undone", sif_db_path(db));
	for (i = 0; i < n; i++)
		mine += owned_by(r[i].id, name);
	if (!loaded(ctx, name))
		return sif_errf(err, SIF_ENOTFOUND, mine ?
				"%s: plugin '%s' is not loaded: its down steps come from the "
				"plugin, so it must be installed to be removed" :
				"%s: no plugin '%s' is loaded, and the database records none of "
				"its migrations", sif_db_path(db), name);
	if (mig_check_recorded(ctx, db, r, n, err) < 0)
		return -1;
	for (i = n; i-- > 0;) {         /* in the order the removal would run */
		const struct sif_migration *m;

		if (!owned_by(r[i].id, name))
			continue;
		m = sif_ctx_migration_at(ctx, (size_t)known_index(ctx, r[i].id));
		if (!m->down)
			return sif_errf(err, SIF_EREFUSED,
					"%s: migration %s has no down step (the plugin was built for "
					"plugin ABI 1, or gives none): plugin '%s' cannot be removed; "
					"the database is left untouched", sif_db_path(db), r[i].id, name);
	}
	return 0;
}

/* Values of one field other than its default: reported, counted. */
static int field_losses(struct sif_db *db, const struct sif_field *f,
			const struct sif_plugin_remove_opts *o, long *lost, char *first,
			size_t first_size, struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	char sql[512];
	int rc = -1, s = SIF_DONE;

	snprintf(sql, sizeof(sql), "SELECT _ref, uuid, \"%s\" FROM \"%s\" WHERE \"%s\" IS NOT ?1 "
		 "ORDER BY rowid", f->name, f->cls, f->name);
	if (sif_db_prepare(db, sql, &st, err) < 0 ||
	    sif_stmt_bind_text(st, 1, f->default_value, err) < 0)
		goto out;
	while (*lost < MAX_LOSSES_COUNTED && (s = sif_stmt_step(st, err)) == SIF_ROW) {
		struct sif_removal_loss l = {
			.cls = f->cls, .ref = sif_stmt_text(st, 0), .uuid = sif_stmt_text(st, 1),
			.field = f->name, .value = sif_stmt_text(st, 2),
			.default_value = f->default_value,
		};

		if (!l.value)
			l.value = "(NULL)";
		if (!(*lost)++)
			snprintf(first, first_size, "%s %s (ref %s): %s='%s', not the default '%s'",
				 l.cls, l.uuid ? l.uuid : "?", l.ref ? l.ref : "?", l.field, l.value,
				 l.default_value);
		if (o->on_loss)
			o->on_loss(&l, o->u);
	}
	if (*lost < MAX_LOSSES_COUNTED && s < 0)
		goto out;
	rc = 0;
out:
	sif_stmt_finalize(st);
	return rc;
}

static int check_losses(struct sif_ctx *ctx, struct sif_db *db, const char *name,
			const struct mig_recorded *r, size_t n,
			const struct sif_plugin_remove_opts *o, struct sif_err *err)
{
	char first[512] = "";
	long lost = 0;

	for (size_t c = 0; c < sif_ctx_nclasses(ctx); c++) {
		const char *cls = sif_ctx_class_at(ctx, c)->name;

		for (size_t i = 0; i < sif_ctx_nfields(ctx, cls); i++) {
			const struct sif_field *f = sif_ctx_field_at(ctx, cls, i);

			if (strcmp(sif_ctx_field_owner(ctx, f), name) || !recorded(r, n, f->introduced))
				continue;
			if (field_losses(db, f, o, &lost, first, sizeof(first), err) < 0)
				return -1;
		}
	}
	if (lost && !o->force)
		return sif_errf(err, SIF_EREFUSED,
				"%s: %ld value%s of plugin '%s' fields other than the field's default "
				"would be lost (first: %s); the database is left untouched",
				sif_db_path(db), lost, lost == 1 ? "" : "s", name, first);
	return 0;
}

/* Inside the transaction: layouts, down steps newest first, records. */
static int undo(struct sif_ctx *ctx, struct sif_db *db, const char *name,
		const struct mig_recorded *r, size_t n, const struct sif_plugin_remove_opts *o,
		size_t *reverted, struct sif_err *err)
{
	bool imported;
	size_t i, c;

	if (sif_db_has_table(db, "statedb_row", &imported, err) < 0)
		return -1;
	for (c = 0; imported && c < sif_ctx_nclasses(ctx); c++) {
		const char *cls = sif_ctx_class_at(ctx, c)->name;

		for (i = 0; i < sif_ctx_nfields(ctx, cls); i++) {
			const struct sif_field *f = sif_ctx_field_at(ctx, cls, i);

			if (!strcmp(sif_ctx_field_owner(ctx, f), name) && recorded(r, n, f->introduced) &&
			    sif_statedb_pool_drop_column(db, f->cls, f->name, err) < 0)
				return -1;
		}
	}
	for (i = n; i-- > 0;) {
		long k = owned_by(r[i].id, name) ? known_index(ctx, r[i].id) : -1;
		struct sif_migration_status st = { 0 };
		struct sif_stmt *del = NULL;

		if (k < 0)
			continue;
		if (sif_db_exec(db, sif_ctx_migration_at(ctx, (size_t)k)->down, err) < 0) {
			sif_err_prefix(err, "down step of %s", r[i].id);
			return -1;
		}
		if (sif_db_prepare(db, "DELETE FROM " RECORD_TABLE " WHERE id = ?1", &del, err) < 0 ||
		    sif_stmt_bind_text(del, 1, r[i].id, err) < 0 || sif_stmt_step(del, err) < 0) {
			sif_stmt_finalize(del);
			return -1;
		}
		sif_stmt_finalize(del);
		st.id = r[i].id;
		st.owner = name;
		st.doc = sif_ctx_migration_at(ctx, (size_t)k)->doc;
		st.state = o->dry_run ? SIF_MIG_APPLIED : SIF_MIG_PENDING;
		snprintf(st.checksum, sizeof(st.checksum), "%s", r[i].sum);
		snprintf(st.applied_at, sizeof(st.applied_at), "%s", r[i].at);
		if (o->on_revert)
			o->on_revert(&st, o->u);
		(*reverted)++;
	}
	return 0;
}

int sif_plugin_remove(struct sif_ctx *ctx, struct sif_db *db, const char *name,
		      const struct sif_plugin_remove_opts *o, size_t *reverted,
		      struct sif_err *err)
{
	struct mig_recorded *r = NULL;
	size_t n = 0;
	int rc = -1;

	*reverted = 0;
	if (mig_read_recorded(db, &r, &n, err) < 0)
		return -1;
	if (check_removable(ctx, db, name, r, n, err) < 0 ||
	    check_losses(ctx, db, name, r, n, o, err) < 0)
		goto out;
	if (sif_db_begin(db, err) < 0)
		goto out;
	if (undo(ctx, db, name, r, n, o, reverted, err) < 0) {
		sif_db_rollback(db);
		sif_err_prefix(err, "removing plugin '%s' failed and was rolled back", name);
		*reverted = 0;
		goto out;
	}
	if (o->dry_run)
		sif_db_rollback(db);
	else if (sif_db_commit(db, err) < 0) {
		sif_db_rollback(db);
		*reverted = 0;
		goto out;
	}
	rc = 0;
out:
	mig_free_recorded(r, n);
	return rc;
}
