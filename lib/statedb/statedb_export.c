/*
 * pool DB -> state.db (sif/statedb_pool.h, migrations/0002_statedb.sql).
 *
 * Walks statedb_row in file order joined with the class tables and hands
 * the rows to the state.db writer, which protects and escapes the stored
 * values again: a file xapi wrote comes back to the byte.  Objects sif
 * created after the import are merged in by ref with xapi's layout; a
 * registry field a row did not have appears once it differs from its
 * default.  A file with pre-2017 `%_` escapes or hand-made entities comes
 * back in xapi's current spelling.  Not here: import (statedb_import.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/statedb_pool.h"
#include "statedb_pool_internal.h"

struct token {
	char src;                   /* R M X */
	const char *name;
	int col;                    /* M: result column */
};

struct parsed_layout {
	int64_t id;
	char *text;                 /* tokens point into it */
	struct token *tok;
	size_t ntok;
	/* registry fields the layout lacks: added when not at their default */
	const struct sif_field **missing;
	int *missing_col;
	size_t nmissing;
};

struct exporter {
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_statedb_pool_stats *st;
	struct sif_statedb_writer *w;
	struct sif_stmt *get_layout;
	char generation[32];

	/* current table */
	const char *cls;
	struct sif_stmt *q;         /* pos, ref, layout, extra, class columns... */
	int ref_col;                /* the class's _ref in q: NULL when the object is gone */
	struct parsed_layout *layouts;
	size_t nlayouts;
	struct sif_statedb_attr *attrs;
	size_t attrs_cap;
};

static void free_layouts(struct exporter *x)
{
	size_t i;

	for (i = 0; i < x->nlayouts; i++) {
		free(x->layouts[i].text);
		free(x->layouts[i].tok);
		free(x->layouts[i].missing);
		free(x->layouts[i].missing_col);
	}
	free(x->layouts);
	x->layouts = NULL;
	x->nlayouts = 0;
}

static int result_col(struct sif_stmt *q, int from, const char *name)
{
	int i, n = sif_stmt_ncols(q);

	for (i = from; i < n; i++)
		if (!strcmp(sif_stmt_col_name(q, i), name))
			return i;
	return -1;
}

static int parse_layout(struct exporter *x, int64_t id, struct parsed_layout **out,
			struct sif_err *err)
{
	struct parsed_layout *pl, *ls;
	size_t i, nf = x->cls ? sif_ctx_nfields(x->ctx, x->cls) : 0, n = 1;
	char *p;
	int rc;

	for (i = 0; i < x->nlayouts; i++)
		if (x->layouts[i].id == id) {
			*out = &x->layouts[i];
			return 0;
		}
	if (!(ls = realloc(x->layouts, (x->nlayouts + 1) * sizeof(*ls))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	x->layouts = ls;
	pl = &ls[x->nlayouts++];
	memset(pl, 0, sizeof(*pl));
	pl->id = id;
	if (sif_stmt_reset(x->get_layout, err) < 0 ||
	    sif_stmt_bind_int(x->get_layout, 1, id, err) < 0)
		return -1;
	rc = sif_stmt_step(x->get_layout, err);
	if (rc < 0)
		return -1;
	if (rc != SIF_ROW)
		return sif_errf(err, SIF_EFORMAT, "statedb_layout %lld is missing", (long long)id);
	if (!(pl->text = strdup(sif_stmt_text(x->get_layout, 0))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	for (p = pl->text; *p; p++)
		n += *p == ' ';
	pl->tok = calloc(n, sizeof(*pl->tok));
	pl->missing = calloc(nf + 1, sizeof(*pl->missing));
	pl->missing_col = calloc(nf + 1, sizeof(*pl->missing_col));
	if (!pl->tok || !pl->missing || !pl->missing_col)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	for (p = strtok(pl->text, " "); p; p = strtok(NULL, " ")) {
		struct token *t = &pl->tok[pl->ntok++];

		t->src = p[0];
		t->name = p + 1;
		t->col = -1;
		if (t->src == 'M' && (!x->cls || (t->col = result_col(x->q, 4, t->name)) < 0))
			return sif_errf(err, SIF_EFORMAT,
					"layout %lld: column %s is not in the %s table",
					(long long)id, t->name, x->cls ? x->cls : "(unmodelled)");
		if (t->src != 'M' && t->src != 'R' && t->src != 'X')
			return sif_errf(err, SIF_EFORMAT, "layout %lld: bad entry %s",
					(long long)id, p);
	}
	for (i = 0; i < nf; i++) {
		const struct sif_field *f = sif_ctx_field_at(x->ctx, x->cls, i);
		size_t k;

		for (k = 0; k < pl->ntok; k++)
			if (pl->tok[k].src == 'M' && !strcmp(pl->tok[k].name, f->name))
				break;
		if (k < pl->ntok || !f->default_value)
			continue;
		pl->missing_col[pl->nmissing] = result_col(x->q, 4, f->name);
		if (pl->missing_col[pl->nmissing] >= 0)
			pl->missing[pl->nmissing++] = f;
	}
	*out = pl;
	return 0;
}

static int room(struct exporter *x, size_t n, struct sif_err *err)
{
	struct sif_statedb_attr *a;

	if (n <= x->attrs_cap)
		return 0;
	if (!(a = realloc(x->attrs, n * sizeof(*a))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	x->attrs = a;
	x->attrs_cap = n;
	return 0;
}

/* Insert attribute `a` before the first column that sorts after it. */
static void place_attr(struct sif_statedb_attr *attrs, size_t *n, struct sif_statedb_attr a)
{
	size_t k;

	for (k = 0; k < *n; k++)
		if (!statedb_pool_preamble(attrs[k].name) && strcmp(attrs[k].name, a.name) > 0)
			break;
	memmove(attrs + k + 1, attrs + k, (*n - k) * sizeof(*attrs));
	attrs[k] = a;
	(*n)++;
}

/* One imported row (the current row of x->q). */
static int write_imported(struct exporter *x, struct sif_err *err)
{
	struct parsed_layout *pl = NULL;
	const char *ref = sif_stmt_text(x->q, 1), *extra = sif_stmt_text(x->q, 3);
	size_t k, n = 0;

	if (x->cls && !sif_stmt_text(x->q, x->ref_col)) {
		x->st->deleted_rows++;  /* the object is gone from the pool DB */
		return 0;
	}
	if (parse_layout(x, sif_stmt_int(x->q, 2), &pl, err) < 0 ||
	    room(x, pl->ntok + pl->nmissing, err) < 0)
		return -1;
	if (!extra)
		extra = "";
	for (k = 0; k < pl->ntok; k++) {
		struct sif_statedb_attr *a = &x->attrs[n++];
		const struct token *t = &pl->tok[k];

		a->name = t->name;
		if (t->src == 'R') {
			a->value = ref;
		} else if (t->src == 'M') {
			a->value = sif_stmt_text(x->q, t->col);
			if (!a->value)
				return sif_errf(err, SIF_EFORMAT, "%s %s: %s is NULL", x->cls,
						ref, t->name);
		} else {
			const char *end = strchr(extra, STATEDB_SEP);

			if (!end)
				return sif_errf(err, SIF_EFORMAT,
						"row %s: fewer stored values than its layout needs",
						ref);
			a->value = extra;
			a->len = (size_t)(end - extra);
			extra = end + 1;
			continue;
		}
		a->len = strlen(a->value);
	}
	for (k = 0; k < pl->nmissing; k++) {
		const char *v = sif_stmt_text(x->q, pl->missing_col[k]);

		if (v && strcmp(v, pl->missing[k]->default_value))
			place_attr(x->attrs, &n, (struct sif_statedb_attr){
				pl->missing[k]->name, v, strlen(v) });
	}
	x->st->rows++;
	x->st->modelled_rows += x->cls != NULL;
	return sif_statedb_write_row(x->w, x->attrs, n, err);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sif_statedb_attr *)a)->name,
		      ((const struct sif_statedb_attr *)b)->name);
}

/* An object sif created after the import: xapi's layout from the registry. */
static int write_new(struct exporter *x, struct sif_stmt *q, struct sif_err *err)
{
	size_t nf = sif_ctx_nfields(x->ctx, x->cls), i, n = 3;
	const char *ref = sif_stmt_text(q, 0);

	if (room(x, nf + 4, err) < 0)
		return -1;
	x->attrs[0] = (struct sif_statedb_attr){ "ref", ref, strlen(ref) };
	x->attrs[1] = (struct sif_statedb_attr){ "__ctime", x->generation, strlen(x->generation) };
	x->attrs[2] = (struct sif_statedb_attr){ "__mtime", x->generation, strlen(x->generation) };
	x->attrs[n++] = (struct sif_statedb_attr){ "_ref", ref, strlen(ref) };
	for (i = 0; i < nf; i++) {
		const struct sif_field *f = sif_ctx_field_at(x->ctx, x->cls, i);
		int col = result_col(q, 0, f->name);
		const char *v = col >= 0 ? sif_stmt_text(q, col) : NULL;

		if (v)
			x->attrs[n++] = (struct sif_statedb_attr){ f->name, v, strlen(v) };
	}
	qsort(x->attrs + 3, n - 3, sizeof(*x->attrs), by_name);
	x->st->rows++;
	x->st->new_rows++;
	x->st->modelled_rows++;
	return sif_statedb_write_row(x->w, x->attrs, n, err);
}

static int export_table(struct exporter *x, int64_t tpos, const char *name, struct sif_err *err)
{
	struct sif_stmt *fresh = NULL;
	char *sql = NULL;
	int ra, rb = SIF_DONE, rc = -1;

	free_layouts(x);
	x->cls = statedb_pool_class(x->ctx, x->db, name, err, &rc);
	if (rc < 0)
		return -1;
	rc = -1;
	if (x->cls) {
		if (asprintf(&sql, "SELECT r.pos, r.ref, r.layout, r.extra, m.* FROM statedb_row r "
			     "LEFT JOIN \"%s\" m ON m._ref = r.ref WHERE r.tbl = ?1 ORDER BY r.pos",
			     x->cls) < 0)
			goto nomem;
	} else if (!(sql = strdup("SELECT pos, ref, layout, extra FROM statedb_row "
				  "WHERE tbl = ?1 ORDER BY pos"))) {
		goto nomem;
	}
	if (sif_db_prepare(x->db, sql, &x->q, err) < 0 ||
	    sif_stmt_bind_int(x->q, 1, tpos, err) < 0)
		goto out;
	if (x->cls && (x->ref_col = result_col(x->q, 4, "_ref")) < 0) {
		sif_errf(err, SIF_EFORMAT, "table %s has no _ref column", x->cls);
		goto out;
	}
	free(sql);
	sql = NULL;
	if (x->cls) {
		if (asprintf(&sql, "SELECT m.* FROM \"%s\" m WHERE NOT EXISTS (SELECT 1 FROM "
			     "statedb_row r WHERE r.tbl = ?1 AND r.ref = m._ref) ORDER BY m._ref",
			     x->cls) < 0)
			goto nomem;
		if (sif_db_prepare(x->db, sql, &fresh, err) < 0 ||
		    sif_stmt_bind_int(fresh, 1, tpos, err) < 0 ||
		    (rb = sif_stmt_step(fresh, err)) < 0)
			goto out;
	}
	if (sif_statedb_write_table_begin(x->w, name, err) < 0 ||
	    (ra = sif_stmt_step(x->q, err)) < 0)
		goto out;
	/* merge: new objects go where their ref sorts among the imported rows */
	while (ra == SIF_ROW || rb == SIF_ROW) {
		if (rb == SIF_ROW && (ra != SIF_ROW ||
				      strcmp(sif_stmt_text(fresh, 0), sif_stmt_text(x->q, 1)) < 0)) {
			if (write_new(x, fresh, err) < 0 || (rb = sif_stmt_step(fresh, err)) < 0)
				goto out;
		} else if (write_imported(x, err) < 0 || (ra = sif_stmt_step(x->q, err)) < 0) {
			goto out;
		}
	}
	if (sif_statedb_write_table_end(x->w, err) < 0)
		goto out;
	x->st->tables++;
	rc = 0;
	goto out;
nomem:
	sif_errf(err, SIF_ENOMEM, "out of memory");
out:
	free(sql);
	sif_stmt_finalize(fresh);
	sif_stmt_finalize(x->q);
	x->q = NULL;
	return rc;
}

/* The manifest pairs as imported, else schema 5.909 at generation 0. */
static int write_manifest(struct exporter *x, struct sif_err *err)
{
	struct sif_statedb_attr pairs[1024];
	char *text[1024][2];
	struct sif_stmt *q;
	size_t n = 0, i;
	int rc;

	if (sif_db_prepare(x->db, "SELECT key, value FROM statedb_manifest ORDER BY pos", &q,
			   err) < 0)
		return -1;
	while ((rc = sif_stmt_step(q, err)) == SIF_ROW && n < 1024) {
		text[n][0] = strdup(sif_stmt_text(q, 0));
		text[n][1] = strdup(sif_stmt_text(q, 1));
		if (!text[n][0] || !text[n][1]) {
			free(text[n][0]);
			free(text[n][1]);
			rc = sif_errf(err, SIF_ENOMEM, "out of memory");
			break;
		}
		pairs[n] = (struct sif_statedb_attr){ text[n][0], text[n][1], strlen(text[n][1]) };
		if (!strcmp(text[n][0], "generation_count"))
			snprintf(x->generation, sizeof(x->generation), "%s", text[n][1]);
		n++;
	}
	sif_stmt_finalize(q);
	if (rc >= 0 && !n) {
		static const struct sif_statedb_attr dflt[] = {
			{ "schema_major_vsn", "5", 1 }, { "schema_minor_vsn", "909", 3 },
			{ "generation_count", "0", 1 },
		};

		rc = sif_statedb_write_begin(x->w, dflt, 3, err);
	} else if (rc >= 0) {
		rc = sif_statedb_write_begin(x->w, pairs, n, err);
	}
	for (i = 0; i < n; i++) {
		free(text[i][0]);
		free(text[i][1]);
	}
	return rc < 0 ? -1 : 0;
}

/* Tables as imported; a DB never imported has only the modelled classes. */
static int export_tables(struct exporter *x, struct sif_err *err)
{
	struct sif_stmt *q;
	char **names = NULL;
	int64_t *pos = NULL;
	size_t n = 0, i;
	int rc;

	if (sif_db_prepare(x->db, "SELECT pos, name FROM statedb_table ORDER BY pos", &q, err) < 0)
		return -1;
	while ((rc = sif_stmt_step(q, err)) == SIF_ROW) {
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		int64_t *np = realloc(pos, (n + 1) * sizeof(*np));

		if (nn)
			names = nn;
		if (np)
			pos = np;
		if (!nn || !np || !(names[n] = strdup(sif_stmt_text(q, 1)))) {
			rc = sif_errf(err, SIF_ENOMEM, "out of memory");
			break;
		}
		pos[n++] = sif_stmt_int(q, 0);
	}
	sif_stmt_finalize(q);
	if (rc >= 0 && !n) {
		/* xapi writes tables in byte order of their names */
		for (i = 0; i < sif_ctx_nclasses(x->ctx) && rc >= 0; i++) {
			char **nn = realloc(names, (n + 1) * sizeof(*nn));

			if (!nn || !(nn[n] = strdup(sif_ctx_class_at(x->ctx, i)->name))) {
				names = nn ? nn : names;
				rc = sif_errf(err, SIF_ENOMEM, "out of memory");
				break;
			}
			names = nn;
			n++;
		}
		if (rc >= 0)
			qsort(names, n, sizeof(*names), by_string);
		for (i = 0; rc >= 0 && i < n; i++)
			rc = export_table(x, -1, names[i], err);
	} else {
		for (i = 0; rc >= 0 && i < n; i++)
			rc = export_table(x, pos[i], names[i], err);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(pos);
	return rc < 0 ? -1 : 0;
}

int sif_statedb_export(struct sif_ctx *ctx, struct sif_db *db, const char *path,
		       struct sif_statedb_pool_stats *st, struct sif_err *err)
{
	struct exporter x = { .ctx = ctx, .db = db, .st = st, .generation = "0" };
	struct sif_atomic_file af = { .fd = -1 };
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (statedb_pool_require_migrated(ctx, db, err) < 0)
		return -1;
	/* one read transaction: a consistent snapshot while we write */
	if (sif_db_exec(db, "BEGIN", err) < 0)
		return -1;
	if (sif_atomic_open(&af, path, 0600, err) < 0)
		goto out;
	if (sif_statedb_writer_new(&x.w, af.fd, af.tmp, err) < 0 ||
	    sif_db_prepare(db, "SELECT columns FROM statedb_layout WHERE id = ?1",
			   &x.get_layout, err) < 0)
		goto out;
	if (write_manifest(&x, err) < 0 || export_tables(&x, err) < 0 ||
	    sif_statedb_write_end(x.w, err) < 0)
		goto out;
	st->bytes = sif_statedb_writer_bytes(x.w);
	if (sif_atomic_commit(&af, err) < 0)
		goto out;
	rc = 0;
out:
	sif_db_rollback(db);    /* ends the read transaction */
	sif_atomic_abort(&af);
	sif_stmt_finalize(x.get_layout);
	sif_statedb_writer_free(x.w);
	free_layouts(&x);
	free(x.attrs);
	if (rc < 0 && !strstr(err->msg, path))
		sif_err_prefix(err, "%s", path);
	return rc;
}
