/*
 * state.db -> pool DB (sif/statedb_pool.h, migrations/0002_statedb.sql).
 *
 * One streaming pass: each row goes to statedb_row (its place, its layout,
 * the values of unmodelled columns) and, for a modelled class, to the
 * class's table through one prepared INSERT per (table, layout), every
 * modelled value checked against its registry field.  Values are stored
 * unprotected, as xapi marshals them (S-expressions for sets and maps).
 * One transaction: all or nothing.  Not here: export (statedb_export.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/statedb.h"
#include "sif/statedb_pool.h"
#include "sif/strbuf.h"
#include "statedb_pool_internal.h"

#define MAX_ATTRS 4096
/* xapi's table of passwords and vTPM contents, in plain text */
#define SECRET_TABLE "secret"
#define NAME_CACHE 1024

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
	bool secrets;                   /* it is xapi's secret table */
	bool private_checked;
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
	s->preamble = statedb_pool_preamble(name);
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
	im->secrets = !strcmp(t->name, SECRET_TABLE);
	im->cls = statedb_pool_class(im->ctx, im->db, t->name, err, &rc);
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
	if (im->secrets && !im->private_checked) {
		if (sif_db_make_private(im->db, &im->st->made_private_from, err) < 0)
			return -1;
		im->private_checked = true;
	}
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
				   sif_strbuf_addc(&im->extra, STATEDB_SEP) < 0))
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
		if (replace && statedb_pool_exec(db, err, "DELETE FROM %s", statedb_tables[i]) < 0)
			return -1;
		if (!replace) {
			if (statedb_pool_count(db, statedb_tables[i], &n, err) < 0)
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
			if (statedb_pool_exec(db, err, "DELETE FROM \"%s\"", cls) < 0)
				return -1;
			continue;
		}
		if (statedb_pool_count(db, cls, &n, err) < 0)
			return -1;
		if (n)
			return sif_errf(err, SIF_EREFUSED,
					"%s already holds %lld %s object%s (import into a new "
					"database, or use --replace to empty it first)",
					sif_db_path(db), (long long)n, cls, n == 1 ? "" : "s");
	}
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
	if (statedb_pool_require_migrated(ctx, db, err) < 0)
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
