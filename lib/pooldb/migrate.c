/*
 * The migrations runner.  The DB records each applied migration in
 * sif_migrations (id, checksum of its SQL, time, sif version).  Before
 * anything is read or changed the record is checked against what this
 * build knows: an unknown id means a newer sif (or a missing plugin) wrote
 * the DB, a different checksum means a migration was edited after release;
 * both are refused with the DB untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"
#include "migrate_int.h"


void mig_checksum(const struct sif_migration *m, char out[16])
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, (const Bytef *)m->sql, (uInt)strlen(m->sql));
	snprintf(out, 16, "%08lx", (unsigned long)c);
}

void mig_free_recorded(struct mig_recorded *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].sum);
		free(r[i].at);
	}
	free(r);
}

/* The DB's record, or none for a DB sif never touched (must then be empty). */
int mig_read_recorded(struct sif_db *db, struct mig_recorded **out, size_t *n,
			 struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	struct mig_recorded *r = NULL;
	bool has;
	int rc = -1, s;

	*out = NULL;
	*n = 0;
	if (sif_db_has_table(db, RECORD_TABLE, &has, err) < 0)
		return -1;
	if (!has) {
		if (sif_db_prepare(db, "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
				   &st, err) < 0)
			return -1;
		s = sif_stmt_step(st, err);
		if (s == SIF_ROW)
			sif_errf(err, SIF_EREFUSED,
				 "%s: not a sif pool database (it has table '%s' but no %s)",
				 sif_db_path(db), sif_stmt_text(st, 0), RECORD_TABLE);
		sif_stmt_finalize(st);
		return s == SIF_DONE ? 0 : -1;
	}
	if (sif_db_prepare(db, "SELECT id, checksum, applied_at FROM " RECORD_TABLE
			   " ORDER BY rowid", &st, err) < 0)
		return -1;
	while ((s = sif_stmt_step(st, err)) == SIF_ROW) {
		struct mig_recorded *nr = realloc(r, (*n + 1) * sizeof(*r));

		if (!nr) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		r = nr;
		r[*n].id = strdup(sif_stmt_text(st, 0) ? sif_stmt_text(st, 0) : "");
		r[*n].sum = strdup(sif_stmt_text(st, 1) ? sif_stmt_text(st, 1) : "");
		r[*n].at = strdup(sif_stmt_text(st, 2) ? sif_stmt_text(st, 2) : "");
		(*n)++;
		if (!r[*n - 1].id || !r[*n - 1].sum || !r[*n - 1].at) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (s < 0)
		goto out;
	rc = 0;
out:
	sif_stmt_finalize(st);
	if (rc < 0) {
		mig_free_recorded(r, *n);
		*n = 0;
		r = NULL;
	}
	*out = r;
	return rc;
}

static long find_known(struct sif_ctx *ctx, const char *id)
{
	for (size_t i = 0; i < sif_ctx_nmigrations(ctx); i++)
		if (!strcmp(sif_ctx_migration_at(ctx, i)->id, id))
			return (long)i;
	return -1;
}

static const struct mig_recorded *find_recorded(const struct mig_recorded *r, size_t n,
					    const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].id, id))
			return &r[i];
	return NULL;
}

int mig_check_recorded(struct sif_ctx *ctx, struct sif_db *db,
			  const struct mig_recorded *r, size_t n, struct sif_err *err)
{
	char sum[16];

	for (size_t i = 0; i < n; i++) {
		long k = find_known(ctx, r[i].id);

		if (k < 0) {
			const char *slash = strchr(r[i].id, '/');

			return sif_errf(err, SIF_ENEWER,
					"%s: written by a newer sif: migration %s unknown%s%.*s%s; "
					"the database is left untouched", sif_db_path(db), r[i].id,
					slash ? " (is plugin '" : "",
					slash ? (int)(slash - r[i].id) : 0, r[i].id,
					slash ? "' installed?)" : "");
		}
		mig_checksum(sif_ctx_migration_at(ctx, (size_t)k), sum);
		if (strcmp(sum, r[i].sum))
			return sif_errf(err, SIF_EREFUSED,
					"%s: migration %s was applied with checksum %s but this "
					"build has %s: it was changed after release; refusing",
					sif_db_path(db), r[i].id, r[i].sum, sum);
	}
	return 0;
}

int sif_migrate_check(struct sif_ctx *ctx, struct sif_db *db, size_t *pending,
		      struct sif_err *err)
{
	struct mig_recorded *r;
	size_t n, i;
	int rc;

	if (mig_read_recorded(db, &r, &n, err) < 0)
		return -1;
	rc = mig_check_recorded(ctx, db, r, n, err);
	if (pending) {
		*pending = 0;
		for (i = 0; i < sif_ctx_nmigrations(ctx); i++)
			*pending += !find_recorded(r, n, sif_ctx_migration_at(ctx, i)->id);
	}
	mig_free_recorded(r, n);
	return rc;
}

static void fill_status(struct sif_ctx *ctx, size_t i, const struct mig_recorded *rec,
			struct sif_migration_status *st)
{
	const struct sif_migration *m = sif_ctx_migration_at(ctx, i);

	memset(st, 0, sizeof(*st));
	st->id = m->id;
	st->owner = sif_ctx_migration_owner(ctx, i);
	st->doc = m->doc;
	st->state = rec ? SIF_MIG_APPLIED : SIF_MIG_PENDING;
	mig_checksum(m, st->checksum);
	if (rec)
		snprintf(st->applied_at, sizeof(st->applied_at), "%s", rec->at);
}

int sif_migrate_status(struct sif_ctx *ctx, struct sif_db *db,
		       struct sif_migration_status **out, size_t *n,
		       struct sif_err *err)
{
	struct mig_recorded *r;
	size_t nr, i, total = sif_ctx_nmigrations(ctx);
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (mig_read_recorded(db, &r, &nr, err) < 0)
		return -1;
	if (mig_check_recorded(ctx, db, r, nr, err) < 0)
		goto out;
	*out = calloc(total ? total : 1, sizeof(**out));
	if (!*out) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < total; i++)
		fill_status(ctx, i, find_recorded(r, nr, sif_ctx_migration_at(ctx, i)->id),
			    &(*out)[i]);
	*n = total;
	rc = 0;
out:
	mig_free_recorded(r, nr);
	return rc;
}

static void now_utc(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One migration, one transaction: its SQL and its record commit together. */
static int apply_one(struct sif_db *db, const struct sif_migration *m,
		     struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	char sum[16], at[32];
	int rc = -1;

	mig_checksum(m, sum);
	now_utc(at, sizeof(at));
	if (sif_db_begin(db, err) < 0)
		return -1;
	if (sif_db_exec(db, "CREATE TABLE IF NOT EXISTS " RECORD_TABLE " ("
			"id TEXT PRIMARY KEY NOT NULL, checksum TEXT NOT NULL, "
			"applied_at TEXT NOT NULL, sif_version TEXT NOT NULL)", err) < 0)
		goto out;
	if (sif_db_exec(db, m->sql, err) < 0)
		goto out;
	if (sif_db_prepare(db, "INSERT INTO " RECORD_TABLE
			   " (id, checksum, applied_at, sif_version) VALUES (?1, ?2, ?3, ?4)",
			   &st, err) < 0 ||
	    sif_stmt_bind_text(st, 1, m->id, err) < 0 ||
	    sif_stmt_bind_text(st, 2, sum, err) < 0 ||
	    sif_stmt_bind_text(st, 3, at, err) < 0 ||
	    sif_stmt_bind_text(st, 4, SIF_VERSION, err) < 0 ||
	    sif_stmt_step(st, err) < 0)
		goto out;
	if (sif_db_commit(db, err) < 0)
		goto out;
	rc = 0;
out:
	sif_stmt_finalize(st);
	if (rc < 0) {
		sif_db_rollback(db);
		sif_err_prefix(err, "migration %s failed and was rolled back", m->id);
	}
	return rc;
}

int sif_migrate(struct sif_ctx *ctx, struct sif_db *db, bool dry_run,
		sif_migrate_cb cb, void *arg, size_t *applied, struct sif_err *err)
{
	struct mig_recorded *r;
	size_t nr, i;
	int rc = -1;

	if (applied)
		*applied = 0;
	if (mig_read_recorded(db, &r, &nr, err) < 0)
		return -1;
	if (mig_check_recorded(ctx, db, r, nr, err) < 0)
		goto out;
	for (i = 0; i < sif_ctx_nmigrations(ctx); i++) {
		const struct sif_migration *m = sif_ctx_migration_at(ctx, i);
		struct sif_migration_status st;

		if (find_recorded(r, nr, m->id))
			continue;
		if (!dry_run && apply_one(db, m, err) < 0)
			goto out;
		fill_status(ctx, i, NULL, &st);
		if (!dry_run) {
			st.state = SIF_MIG_APPLIED;
			now_utc(st.applied_at, sizeof(st.applied_at));
		}
		if (cb)
			cb(&st, arg);
		if (applied)
			(*applied)++;
	}
	rc = 0;
out:
	mig_free_recorded(r, nr);
	return rc;
}

int sif_migration_applied(struct sif_db *db, const char *id, bool *applied,
			  struct sif_err *err)
{
	struct mig_recorded *r;
	size_t n;

	if (mig_read_recorded(db, &r, &n, err) < 0)
		return -1;
	*applied = find_recorded(r, n, id) != NULL;
	mig_free_recorded(r, n);
	return 0;
}
