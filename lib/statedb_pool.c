/*
 * state.db <-> pool DB (see sif/statedb_pool.h and migrations/0002_statedb.sql).
 *
 * Import streams the file once: each row goes to statedb_row (its place,
 * its layout, the values of unmodelled columns) and, for a modelled class,
 * to the class's table through one prepared INSERT per (table, layout).
 * Export walks statedb_row in file order joined with the class tables and
 * hands the rows to the state.db writer, merging in (by ref) objects that
 * sif created after the import.
 *
 * Values are stored unprotected (as xapi marshals them: S-expressions for
 * sets and maps) and protected again by the writer; a file xapi wrote
 * therefore round-trips to the byte, and a file with pre-2017 `%_` escapes
 * or hand-made entities comes back in xapi's current spelling.
 * Not here: the XML itself (statedb_reader.c, statedb_writer.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/io.h"
#include "sif/migrate.h"
#include "sif/statedb.h"
#include "sif/statedb_pool.h"
#include "sif/strbuf.h"

#define SEP '\x1f'              /* ends each stored X value: no XML value holds it */
#define MAX_ATTRS 4096
#define NAME_CACHE 1024

/* --- shared ------------------------------------------------------------- */

static bool is_preamble(const char *n)
{
	return !strcmp(n, "ref") || !strcmp(n, "__ctime") || !strcmp(n, "__mtime");
}

/* The registry class a state.db table is, if sif models it and the DB has it. */
static const char *modelled_class(struct sif_ctx *ctx, struct sif_db *db,
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

static int exec_fmt(struct sif_db *db, struct sif_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int exec_fmt(struct sif_db *db, struct sif_err *err, const char *fmt, ...)
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

static int count_rows(struct sif_db *db, const char *table, int64_t *n, struct sif_err *err)
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

/* --- import ------------------------------------------------------------- */

struct insert_plan {            /* one INSERT per (table, layout) */
	int64_t layout;
	struct sif_stmt *st;
	size_t nparams;
	int *attr;                  /* per parameter: attribute index, -1 ref, -2 default */
	const char **dflt;
};

struct name_slot {
	const char *name;           /* the reader's interned pointer */
	const struct sif_field *f;  /* modelled field, or NULL */
	bool is_ref, is_underscore_ref, preamble;
};

struct layout_slot {
	char *text;
	int64_t id;
};

struct importer {
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_statedb_pool_stats *st;
	struct sif_stmt *ins_manifest, *ins_table, *ins_layout, *ins_row;

	/* current table */
	uint64_t table_pos;
	const char *cls;
	struct insert_plan *plans;
	size_t nplans;
	struct name_slot names[NAME_CACHE];

	/* layouts, interned for the whole import */
	struct layout_slot *layouts;
	size_t nlayouts, layouts_cap;

	struct sif_strbuf layout, extra, *vals;
	size_t nvals;
	char *srcs;                 /* per attribute: R M X */
	size_t srcs_cap;
};

static const struct name_slot *name_slot(struct importer *im, const char *name)
{
	size_t h = ((uintptr_t)name >> 4) % NAME_CACHE, i = h;
	struct name_slot *s;

	while (im->names[i].name && im->names[i].name != name) {
		i = (i + 1) % NAME_CACHE;
		if (i == h)
			break;
	}
	s = &im->names[i];
	if (s->name == name)
		return s;
	s->name = name;
	s->preamble = is_preamble(name);
	s->is_ref = !strcmp(name, "ref");
	s->is_underscore_ref = !strcmp(name, "_ref");
	s->f = im->cls && !s->preamble && !s->is_underscore_ref ?
		sif_ctx_field(im->ctx, im->cls, name) : NULL;
	if (s->f && strcmp(s->f->name, name))
		s->f = NULL;    /* only the exact column */
	return s;
}

static int im_manifest(void *u, const struct sif_statedb_manifest *m, struct sif_err *err)
{
	struct importer *im = u;
	size_t i;

	for (i = 0; i < m->npairs; i++) {
		if (sif_stmt_reset(im->ins_manifest, err) < 0 ||
		    sif_stmt_bind_int(im->ins_manifest, 1, (int64_t)i, err) < 0 ||
		    sif_stmt_bind_text(im->ins_manifest, 2, m->pairs[i].name, err) < 0 ||
		    sif_stmt_bind_text(im->ins_manifest, 3, m->pairs[i].value, err) < 0 ||
		    sif_stmt_step(im->ins_manifest, err) < 0)
			return -1;
	}
	return 0;
}

static void free_plans(struct importer *im)
{
	size_t i;

	for (i = 0; i < im->nplans; i++) {
		sif_stmt_finalize(im->plans[i].st);
		free(im->plans[i].attr);
		free(im->plans[i].dflt);
	}
	free(im->plans);
	im->plans = NULL;
	im->nplans = 0;
}

static int im_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	struct importer *im = u;
	int rc;

	free_plans(im);
	memset(im->names, 0, sizeof(im->names));
	im->table_pos = t->index;
	im->cls = modelled_class(im->ctx, im->db, t->name, err, &rc);
	if (rc < 0)
		return -1;
	im->st->tables++;
	if (sif_stmt_reset(im->ins_table, err) < 0 ||
	    sif_stmt_bind_int(im->ins_table, 1, (int64_t)t->index, err) < 0 ||
	    sif_stmt_bind_text(im->ins_table, 2, t->name, err) < 0 ||
	    sif_stmt_step(im->ins_table, err) < 0)
		return -1;
	return 0;
}

/* The id of a layout, inserting it the first time it is seen. */
static int layout_id(struct importer *im, const char *text, int64_t *id, struct sif_err *err)
{
	size_t i;

	/* few distinct layouts: a table's rows nearly always share one */
	for (i = im->nlayouts; i-- > 0;)
		if (!strcmp(im->layouts[i].text, text)) {
			*id = im->layouts[i].id;
			return 0;
		}
	if (im->nlayouts == im->layouts_cap) {
		size_t cap = im->layouts_cap ? im->layouts_cap * 2 : 16;
		struct layout_slot *p = realloc(im->layouts, cap * sizeof(*p));

		if (!p)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		im->layouts = p;
		im->layouts_cap = cap;
	}
	if (!(im->layouts[im->nlayouts].text = strdup(text)))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	*id = im->layouts[im->nlayouts].id = (int64_t)im->nlayouts + 1;
	im->nlayouts++;
	im->st->layouts++;
	if (sif_stmt_reset(im->ins_layout, err) < 0 ||
	    sif_stmt_bind_int(im->ins_layout, 1, *id, err) < 0 ||
	    sif_stmt_bind_text(im->ins_layout, 2, text, err) < 0 ||
	    sif_stmt_step(im->ins_layout, err) < 0)
		return -1;
	return 0;
}

/* INSERT for the class table: _ref, the file's modelled columns, then the
 * registry's other fields with their defaults. */
static int make_plan(struct importer *im, int64_t layout, const struct sif_statedb_row *r,
		     struct insert_plan **out, struct sif_err *err)
{
	struct insert_plan *p, *plans;
	struct sif_strbuf sql = SIF_STRBUF_INIT, qs = SIF_STRBUF_INIT;
	size_t nf = sif_ctx_nfields(im->ctx, im->cls), i, k, n = 0;
	int rc = -1;

	plans = realloc(im->plans, (im->nplans + 1) * sizeof(*plans));
	if (!plans)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	im->plans = plans;
	p = &plans[im->nplans];
	memset(p, 0, sizeof(*p));
	p->layout = layout;
	p->attr = calloc(r->nattrs + nf + 1, sizeof(*p->attr));
	p->dflt = calloc(r->nattrs + nf + 1, sizeof(*p->dflt));
	if (!p->attr || !p->dflt) {
		free(p->attr);
		free(p->dflt);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	im->nplans++;
	sif_strbuf_adds(&sql, "INSERT INTO \"");
	sif_strbuf_adds(&sql, im->cls);
	sif_strbuf_adds(&sql, "\" (_ref");
	p->attr[n++] = -1;
	for (k = 0; k < r->nattrs; k++) {
		if (im->srcs[k] != 'M')
			continue;
		sif_strbuf_adds(&sql, ", \"");
		sif_strbuf_adds(&sql, r->attrs[k].name);
		sif_strbuf_adds(&sql, "\"");
		p->attr[n++] = (int)k;
	}
	for (i = 0; i < nf; i++) {
		const struct sif_field *f = sif_ctx_field_at(im->ctx, im->cls, i);

		for (k = 0; k < r->nattrs; k++)
			if (im->srcs[k] == 'M' && !strcmp(r->attrs[k].name, f->name))
				break;
		if (k < r->nattrs)
			continue;
		if (!f->default_value) {
			sif_errf(err, SIF_EFORMAT, "no %s column, and %s.%s has no default",
				 f->name, f->cls, f->name);
			goto out;
		}
		sif_strbuf_adds(&sql, ", \"");
		sif_strbuf_adds(&sql, f->name);
		sif_strbuf_adds(&sql, "\"");
		p->attr[n] = -2;
		p->dflt[n++] = f->default_value;
	}
	for (i = 0; i < n; i++)
		sif_strbuf_adds(&qs, i ? ", ?" : "?");
	sif_strbuf_adds(&sql, ") VALUES (");
	sif_strbuf_adds(&sql, qs.p);
	if (sif_strbuf_adds(&sql, ")") < 0) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	p->nparams = n;
	if (sif_db_prepare(im->db, sql.p, &p->st, err) < 0)
		goto out;
	*out = p;
	rc = 0;
out:
	sif_strbuf_free(&sql);
	sif_strbuf_free(&qs);
	return rc;
}

static int insert_modelled(struct importer *im, int64_t layout, const struct sif_statedb_row *r,
			   struct sif_err *err)
{
	struct insert_plan *p = NULL;
	size_t i;

	for (i = 0; i < im->nplans; i++)
		if (im->plans[i].layout == layout)
			p = &im->plans[i];
	if (!p && make_plan(im, layout, r, &p, err) < 0)
		return -1;
	if (sif_stmt_reset(p->st, err) < 0)
		return -1;
	for (i = 0; i < p->nparams; i++) {
		const char *v = p->attr[i] == -1 ? r->ref : p->attr[i] == -2 ? p->dflt[i] :
			im->vals[p->attr[i]].p ? im->vals[p->attr[i]].p : "";

		if (sif_stmt_bind_text(p->st, (int)i + 1, v, err) < 0)
			return -1;
	}
	if (sif_stmt_step(p->st, err) < 0)
		return -1;
	im->st->modelled_rows++;
	return 0;
}

static int grow_row_buffers(struct importer *im, size_t n, struct sif_err *err)
{
	if (n > MAX_ATTRS)
		return sif_errf(err, SIF_EFORMAT, "%zu attributes in one row (at most %d)", n,
				MAX_ATTRS);
	if (n > im->nvals) {
		struct sif_strbuf *v = realloc(im->vals, n * sizeof(*v));

		if (!v)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		memset(v + im->nvals, 0, (n - im->nvals) * sizeof(*v));
		im->vals = v;
		im->nvals = n;
	}
	if (n > im->srcs_cap) {
		char *s = realloc(im->srcs, n);

		if (!s)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		im->srcs = s;
		im->srcs_cap = n;
	}
	return 0;
}

static int im_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct importer *im = u;
	int64_t layout = 0;
	size_t k;

	if (grow_row_buffers(im, r->nattrs, err) < 0)
		return -1;
	sif_strbuf_reset(&im->layout);
	sif_strbuf_reset(&im->extra);
	for (k = 0; k < r->nattrs; k++) {
		const struct sif_statedb_attr *a = &r->attrs[k];
		const struct name_slot *s = name_slot(im, a->name);
		struct sif_strbuf *v = &im->vals[k];
		char src;

		sif_strbuf_reset(v);
		if (s->preamble) {
			if (sif_strbuf_add(v, a->value, a->len) < 0)
				goto nomem;
		} else if (sif_xapi_unprotect(a->value, a->len, v, NULL) < 0) {
			goto nomem;     /* the reader checked the escaping */
		}
		if (s->is_ref || (s->is_underscore_ref && !strcmp(v->p ? v->p : "", r->ref)))
			src = 'R';
		else if (s->f)
			src = 'M';
		else
			src = 'X';
		im->srcs[k] = src;
		if ((k && sif_strbuf_addc(&im->layout, ' ') < 0) ||
		    sif_strbuf_addc(&im->layout, src) < 0 ||
		    sif_strbuf_adds(&im->layout, a->name) < 0)
			goto nomem;
		if (src == 'M' && sif_field_validate(s->f, v->p ? v->p : "", err) < 0)
			return -1;
		if (src == 'X' && (sif_strbuf_add(&im->extra, v->p ? v->p : "", v->len) < 0 ||
				   sif_strbuf_addc(&im->extra, SEP) < 0))
			goto nomem;
	}
	if (layout_id(im, im->layout.p ? im->layout.p : "", &layout, err) < 0)
		return -1;
	if (sif_stmt_reset(im->ins_row, err) < 0 ||
	    sif_stmt_bind_int(im->ins_row, 1, (int64_t)im->table_pos, err) < 0 ||
	    sif_stmt_bind_int(im->ins_row, 2, (int64_t)r->index, err) < 0 ||
	    sif_stmt_bind_text(im->ins_row, 3, r->ref, err) < 0 ||
	    sif_stmt_bind_int(im->ins_row, 4, layout, err) < 0 ||
	    sif_stmt_bind_text(im->ins_row, 5, im->extra.p ? im->extra.p : "", err) < 0 ||
	    sif_stmt_step(im->ins_row, err) < 0)
		return -1;
	im->st->rows++;
	if (im->cls && insert_modelled(im, layout, r, err) < 0)
		return -1;
	return 0;
nomem:
	return sif_errf(err, SIF_ENOMEM, "out of memory");
}

static const char *const statedb_tables[] = {
	"statedb_row", "statedb_layout", "statedb_table", "statedb_manifest", NULL,
};

/* Empty (replace) or check empty: the registry's tables and ours. */
static int prepare_target(struct sif_ctx *ctx, struct sif_db *db, bool replace,
			  struct sif_err *err)
{
	size_t c;
	int64_t n;
	int i;

	for (i = 0; statedb_tables[i]; i++) {
		if (replace && exec_fmt(db, err, "DELETE FROM %s", statedb_tables[i]) < 0)
			return -1;
		if (!replace) {
			if (count_rows(db, statedb_tables[i], &n, err) < 0)
				return -1;
			if (n)
				return sif_errf(err, SIF_EREFUSED,
						"%s already holds an imported state.db (use --replace "
						"to import over it)", sif_db_path(db));
		}
	}
	for (c = 0; c < sif_ctx_nclasses(ctx); c++) {
		const char *cls = sif_ctx_class_at(ctx, c)->name;
		bool has;

		if (sif_db_has_table(db, cls, &has, err) < 0)
			return -1;
		if (!has)
			continue;
		if (replace) {
			if (exec_fmt(db, err, "DELETE FROM \"%s\"", cls) < 0)
				return -1;
			continue;
		}
		if (count_rows(db, cls, &n, err) < 0)
			return -1;
		if (n)
			return sif_errf(err, SIF_EREFUSED,
					"%s already holds %lld %s object%s (import into a new "
					"database, or use --replace to empty it first)",
					sif_db_path(db), (long long)n, cls, n == 1 ? "" : "s");
	}
	return 0;
}

static int require_migrated(struct sif_ctx *ctx, struct sif_db *db, struct sif_err *err)
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

static enum sif_xapi_kind registry_kind(void *u, const char *table, const char *column)
{
	const struct sif_field *f = sif_ctx_field(u, table, column);

	if (!f || strcmp(f->cls, table) || strcmp(f->name, column))
		return SIF_XAPI_STRING;
	return f->type == SIF_FT_SET ? SIF_XAPI_SET :
	       f->type == SIF_FT_MAP ? SIF_XAPI_MAP : SIF_XAPI_STRING;
}

int sif_statedb_import(struct sif_ctx *ctx, struct sif_db *db, const char *path,
		       bool replace, struct sif_statedb_pool_stats *st, struct sif_err *err)
{
	struct sif_statedb_visitor v = {
		.manifest = im_manifest, .table_begin = im_table_begin, .row = im_row,
		.kind = registry_kind, .kind_u = ctx,
	};
	struct importer im = { .ctx = ctx, .db = db, .st = st };
	bool began = false;
	size_t i;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (require_migrated(ctx, db, err) < 0)
		return -1;
	if (sif_db_begin(db, err) < 0)
		return -1;
	began = true;
	if (prepare_target(ctx, db, replace, err) < 0)
		goto out;
	if (sif_db_prepare(db, "INSERT INTO statedb_manifest (pos, key, value) VALUES (?, ?, ?)",
			   &im.ins_manifest, err) < 0 ||
	    sif_db_prepare(db, "INSERT INTO statedb_table (pos, name) VALUES (?, ?)",
			   &im.ins_table, err) < 0 ||
	    sif_db_prepare(db, "INSERT INTO statedb_layout (id, columns) VALUES (?, ?)",
			   &im.ins_layout, err) < 0 ||
	    sif_db_prepare(db, "INSERT INTO statedb_row (tbl, pos, ref, layout, extra) "
			   "VALUES (?, ?, ?, ?, ?)", &im.ins_row, err) < 0)
		goto out;
	if (sif_statedb_read_file(path, &v, &im, err) < 0)
		goto out;
	if (sif_db_commit(db, err) < 0)
		goto out;
	began = false;
	rc = 0;
out:
	if (began)
		sif_db_rollback(db);
	free_plans(&im);
	sif_stmt_finalize(im.ins_manifest);
	sif_stmt_finalize(im.ins_table);
	sif_stmt_finalize(im.ins_layout);
	sif_stmt_finalize(im.ins_row);
	for (i = 0; i < im.nlayouts; i++)
		free(im.layouts[i].text);
	free(im.layouts);
	for (i = 0; i < im.nvals; i++)
		sif_strbuf_free(&im.vals[i]);
	free(im.vals);
	free(im.srcs);
	sif_strbuf_free(&im.layout);
	sif_strbuf_free(&im.extra);
	return rc;
}

/* --- export ------------------------------------------------------------- */

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
		if (!is_preamble(attrs[k].name) && strcmp(attrs[k].name, a.name) > 0)
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
			const char *end = strchr(extra, SEP);

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
	x->cls = modelled_class(x->ctx, x->db, name, err, &rc);
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
	if (require_migrated(ctx, db, err) < 0)
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
