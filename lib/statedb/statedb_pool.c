/*
 * Helpers shared by state.db import and export (statedb_pool_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/migrate.h"
#include "sif/statedb_pool.h"
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

/* A layout (statedb_import.c) without the token "M<column>". */
static char *layout_without(const char *text, const char *column)
{
	size_t n = strlen(column), len = strlen(text);
	char *out = malloc(len + 1), *o = out;
	const char *p = text;

	if (!out)
		return NULL;
	while (*p) {
		const char *end = strchr(p, ' ');
		size_t tl = end ? (size_t)(end - p) : strlen(p);

		if (!(tl == n + 1 && p[0] == 'M' && !memcmp(p + 1, column, n))) {
			if (o != out)
				*o++ = ' ';
			memcpy(o, p, tl);
			o += tl;
		}
		p += tl + (end != NULL);
	}
	*o = '\0';
	return out;
}

/* The id of a layout's text, added when new. */
static int layout_id_of(struct sif_db *db, const char *text, int64_t *id, struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	int rc = -1, s;

	if (sif_db_prepare(db, "SELECT id FROM statedb_layout WHERE columns = ?1", &st, err) < 0 ||
	    sif_stmt_bind_text(st, 1, text, err) < 0 || (s = sif_stmt_step(st, err)) < 0)
		goto out;
	if (s == SIF_ROW) {
		*id = sif_stmt_int(st, 0);
		rc = 0;
		goto out;
	}
	sif_stmt_finalize(st);
	st = NULL;
	if (sif_db_prepare(db, "INSERT INTO statedb_layout (id, columns) VALUES "
			   "((SELECT coalesce(max(id), 0) + 1 FROM statedb_layout), ?1) RETURNING id",
			   &st, err) < 0 || sif_stmt_bind_text(st, 1, text, err) < 0 ||
	    sif_stmt_step(st, err) != SIF_ROW)
		goto out;
	*id = sif_stmt_int(st, 0);
	rc = 0;
out:
	sif_stmt_finalize(st);
	return rc;
}

struct layout_change {
	int64_t from, to;
	char *text;
};

int sif_statedb_pool_drop_column(struct sif_db *db, const char *table, const char *column,
				 struct sif_err *err)
{
	struct layout_change *ch = NULL;
	struct sif_stmt *st = NULL;
	size_t n = 0, i;
	int rc = -1, s;

	if (sif_db_prepare(db, "SELECT DISTINCT r.layout, l.columns FROM statedb_row r "
			   "JOIN statedb_table t ON t.pos = r.tbl "
			   "JOIN statedb_layout l ON l.id = r.layout "
			   "WHERE t.name = ?1 AND instr(' ' || l.columns || ' ', ' M' || ?2 || ' ') > 0",
			   &st, err) < 0 ||
	    sif_stmt_bind_text(st, 1, table, err) < 0 || sif_stmt_bind_text(st, 2, column, err) < 0)
		goto out;
	while ((s = sif_stmt_step(st, err)) == SIF_ROW) {
		struct layout_change *c = realloc(ch, (n + 1) * sizeof(*c));

		if (!c) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		ch = c;
		ch[n].from = sif_stmt_int(st, 0);
		if (!(ch[n].text = layout_without(sif_stmt_text(st, 1), column))) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (s < 0)
		goto out;
	sif_stmt_finalize(st);
	st = NULL;
	for (i = 0; i < n; i++) {
		if (layout_id_of(db, ch[i].text, &ch[i].to, err) < 0)
			goto out;
		if (sif_db_prepare(db, "UPDATE statedb_row SET layout = ?1 WHERE layout = ?2 AND "
				   "tbl = (SELECT pos FROM statedb_table WHERE name = ?3)", &st, err) < 0 ||
		    sif_stmt_bind_int(st, 1, ch[i].to, err) < 0 ||
		    sif_stmt_bind_int(st, 2, ch[i].from, err) < 0 ||
		    sif_stmt_bind_text(st, 3, table, err) < 0 || sif_stmt_step(st, err) < 0)
			goto out;
		sif_stmt_finalize(st);
		st = NULL;
	}
	if (n && sif_db_exec(db, "DELETE FROM statedb_layout WHERE id NOT IN "
			     "(SELECT DISTINCT layout FROM statedb_row)", err) < 0)
		goto out;
	rc = 0;
out:
	sif_stmt_finalize(st);
	for (i = 0; i < n; i++)
		free(ch[i].text);
	free(ch);
	return rc;
}
