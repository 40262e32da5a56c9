/*
 * `db check`: judge a state.db against xapi's schema (sif/statedb_check.h).
 *
 * Two passes.  The first (statedb_refscan.c) reads the manifest's version,
 * so that the schema is known, and collects a hash of every row ref of the
 * tables that Ref columns point at.  The second is the state.db reader
 * (libxml2), which validates the file; per row, each column is looked up in
 * the schema and its value checked by type: enum membership, set and map
 * syntax (and their enum or ref elements), int and bool syntax, and each
 * non-null Ref against the first pass's hashes.  Both passes must agree on
 * the rows of every collected table, or the check says so and fails.
 *
 * Findings are kept per (kind, table, column) with the first row and a
 * count, so memory does not grow with the number of defects either.
 * A defect that stops the reader (not XML, bad manifest, duplicate ref, bad
 * whitespace escape) ends the check with that one finding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/statedb.h"
#include "sif/statedb_check.h"
#include "sif/strbuf.h"
#include "sif/xapi_value.h"
#include "statedb_refscan.h"

#define COL_CACHE 1024
#define MAX_FINDINGS 4096
#define DETAIL_MAX 200

struct col_slot {
	const char *name;               /* interned by the parser */
	bool preamble;                  /* ref, __ctime, __mtime: not columns */
	const struct sif_xs_column *col;        /* NULL: unknown */
	size_t idx;                     /* index in the table's columns */
};

struct checker {
	struct sif_statedb_check *res;
	struct sif_xapi_schema *owned;
	const struct sif_xapi_schema *schema;
	const struct sif_statedb_check_opts *o;
	const char *path;
	struct sif_refscan rs;
	long *ref_slot;                 /* per schema table: index in rs.tables or -1 */

	const struct sif_xs_table *table;       /* of the current <table>, NULL if unknown */
	const char *tname;
	uint64_t *seen;                 /* per column of table: rows that have it */
	size_t first_finding;           /* findings of the current table start here */
	struct col_slot cache[COL_CACHE];
	struct sif_strbuf scratch;
	/* for the S-expression element callback */
	const struct sif_xs_type *elem_a, *elem_b;
	const char *bad_elem;
	size_t bad_elem_len;
	bool bad_is_ref;
	const struct sif_statedb_row *row;
	bool *table_seen;               /* per schema table */
	bool overflow;
};

const char *sif_check_kind_name(enum sif_check_kind k)
{
	static const char *const names[] = {
		[SIF_CHECK_FILE] = "file", [SIF_CHECK_SCHEMA_VERSION] = "schema-version",
		[SIF_CHECK_MANIFEST_KEY] = "manifest-key", [SIF_CHECK_UNKNOWN_TABLE] = "unknown-table",
		[SIF_CHECK_MISSING_TABLE] = "missing-table",
		[SIF_CHECK_UNKNOWN_COLUMN] = "unknown-column",
		[SIF_CHECK_REMOVED_COLUMN] = "removed-column",
		[SIF_CHECK_MISSING_COLUMN] = "missing-column",
		[SIF_CHECK_DANGLING_REF] = "dangling-ref", [SIF_CHECK_BAD_ENUM] = "bad-enum",
		[SIF_CHECK_BAD_SET_MAP] = "bad-set-or-map", [SIF_CHECK_BAD_VALUE] = "bad-value",
	};
	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* --- findings --------------------------------------------------------- */

/*
 * Record one occurrence: a new finding, or one more row of an existing one
 * (same kind, table and column).  Strings are copied.  -1: out of memory.
 */
static int note(struct checker *c, enum sif_check_kind kind, bool error, const char *table,
		const char *column, const struct sif_statedb_row *row, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int note(struct checker *c, enum sif_check_kind kind, bool error, const char *table,
		const char *column, const struct sif_statedb_row *row, const char *fmt, ...)
{
	struct sif_statedb_check *r = c->res;
	struct sif_check_finding *f;
	char detail[DETAIL_MAX * 2];
	va_list ap;
	size_t i;

	for (i = table ? c->first_finding : 0; i < r->nfindings; i++) {
		f = &r->findings[i];
		if (f->kind == kind && !!f->table == !!table && (!table || !strcmp(f->table, table)) &&
		    !!f->column == !!column && (!column || !strcmp(f->column, column))) {
			f->count++;
			return 0;
		}
	}
	if (r->nfindings == MAX_FINDINGS) {
		c->overflow = true;
		return 0;
	}
	if (!(r->nfindings & 63)) {
		void *p = realloc(r->findings, (r->nfindings + 64) * sizeof(*f));

		if (!p)
			return -1;
		r->findings = p;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	f = &r->findings[r->nfindings];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->error = error;
	f->count = 1;
	if ((table && !(f->table = strdup(table))) || (column && !(f->column = strdup(column))) ||
	    !(f->detail = strdup(detail)))
		goto nomem;
	if (row) {
		f->has_row = true;
		f->row = row->index;
		if (!(f->ref = strdup(row->ref)))
			goto nomem;
	}
	r->nfindings++;
	if (error)
		r->errors++;
	return 0;
nomem:
	free((void *)f->table);
	free((void *)f->column);
	free((void *)f->detail);
	return -1;
}

#define NOTE(...) do { if (note(__VA_ARGS__) < 0) return sif_errf(err, SIF_ENOMEM, "out of memory"); } while (0)

/* A value shown in a message: at most DETAIL_MAX bytes of it. */
static int shown(size_t n)
{
	return (int)(n < DETAIL_MAX ? n : DETAIL_MAX);
}

/* --- schema choice ---------------------------------------------------- */

static int use_schema(struct checker *c, const struct sif_xapi_schema *s, struct sif_err *err)
{
	size_t i, n = sif_xapi_schema_ntables(s);

	c->schema = s;
	sif_xapi_schema_version(s, &c->res->major, &c->res->minor);
	snprintf(c->res->source, sizeof(c->res->source), "%s", sif_xapi_schema_source(s));
	if (!(c->ref_slot = malloc(n * sizeof(long))) ||
	    !(c->table_seen = calloc(n, sizeof(bool))) ||
	    !(c->rs.tables = calloc(n, sizeof(*c->rs.tables))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	/* the tables a scalar Ref (or Option Ref) column points at, if xapi keeps their rows */
	for (i = 0; i < n; i++)
		c->ref_slot[i] = -1;
	for (i = 0; i < n; i++) {
		const struct sif_xs_table *t = sif_xapi_schema_table_at(s, i);

		for (size_t j = 0; j < t->ncols; j++) {
			const struct sif_xs_type *ty = t->cols[j].type;
			const struct sif_xs_table *target;
			size_t ti;

			if (ty->kind == SIF_XS_OPTION)
				ty = ty->a;
			if (ty->kind != SIF_XS_REF ||
			    !(target = sif_xapi_schema_table(s, ty->target)) || !target->persist)
				continue;
			ti = (size_t)(target - sif_xapi_schema_table_at(s, 0));
			if (c->ref_slot[ti] < 0) {
				c->ref_slot[ti] = (long)c->rs.ntables;
				c->rs.tables[c->rs.ntables++].name = target->name;
			}
		}
	}
	return 0;
}

static int pick_schema(struct checker *c, struct sif_err *err)
{
	const struct sif_statedb_check_opts *o = c->o;
	struct sif_err e2;

	if (o && o->schema)
		return use_schema(c, o->schema, err);
	if (c->rs.major < 0 || c->rs.minor < 0) {
		/* the reader will say what is wrong with the manifest */
		return 0;
	}
	if (sif_xapi_schema_builtin(&c->owned, c->rs.major, c->rs.minor, &e2) < 0) {
		if (e2.code != SIF_ENOTFOUND) {
			*err = e2;
			return -1;
		}
		NOTE(c, SIF_CHECK_SCHEMA_VERSION, true, NULL, NULL, NULL,
		     "the manifest says xapi schema %ld.%ld, for which sif has no schema "
		     "(built in: %s); name one with --xapi-schema VERSION|FILE",
		     c->rs.major, c->rs.minor, sif_xapi_schema_builtin_versions());
		return 0;
	}
	if (o && o->prepare && o->prepare(o->prepare_u, c->owned, err) < 0)
		return -1;
	return use_schema(c, c->owned, err);
}

/* --- the visitor ------------------------------------------------------ */

static int on_manifest(void *u, const struct sif_statedb_manifest *m, struct sif_err *err)
{
	struct checker *c = u;
	size_t i;

	c->res->file_major = m->schema_major;
	c->res->file_minor = m->schema_minor;
	for (i = 0; i < m->npairs; i++) {
		const char *k = m->pairs[i].name;

		if (strcmp(k, "schema_major_vsn") && strcmp(k, "schema_minor_vsn") &&
		    strcmp(k, "generation_count"))
			NOTE(c, SIF_CHECK_MANIFEST_KEY, false, NULL, k, NULL,
			     "manifest pair %s=\"%s\": xapi drops it on load", k, m->pairs[i].value);
	}
	if (c->schema && (c->rs.major != m->schema_major || c->rs.minor != m->schema_minor) &&
	    !(c->o && c->o->schema))
		return sif_errf(err, SIF_EFORMAT, "the manifest changed between the two passes "
				"(is the file being written?)");
	return 0;
}

static int on_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	struct checker *c = u;

	(void)err;
	c->res->tables++;
	c->tname = t->name;
	c->first_finding = c->res->nfindings;
	memset(c->cache, 0, sizeof(c->cache));
	free(c->seen);
	c->seen = NULL;
	c->table = c->schema ? sif_xapi_schema_table(c->schema, t->name) : NULL;
	if (c->table) {
		c->table_seen[c->table - sif_xapi_schema_table_at(c->schema, 0)] = true;
		if (!(c->seen = calloc(c->table->ncols ? c->table->ncols : 1, sizeof(uint64_t))))
			return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	return 0;
}

static bool is_null_ref(const char *v, size_t n)
{
	return n == 0 || (n == 14 && !memcmp(v, "OpaqueRef:NULL", 14));
}

static bool in_enum(const struct sif_xs_enum *en, const char *v, size_t n)
{
	for (size_t i = 0; i < en->n; i++)
		if (strlen(en->values[i]) == n && !memcmp(en->values[i], v, n))
			return true;
	return false;
}

/* Does this Ref point at a row?  (true when it cannot be known) */
static bool ref_ok(struct checker *c, const struct sif_xs_type *ty, const char *v, size_t n)
{
	const struct sif_xs_table *target;
	long slot;

	if (is_null_ref(v, n) || !(target = sif_xapi_schema_table(c->schema, ty->target)))
		return true;
	slot = c->ref_slot[target - sif_xapi_schema_table_at(c->schema, 0)];
	if (slot < 0)
		return true;
	return sif_refscan_has(&c->rs.tables[slot], sif_ref_hash(v, n));
}

/* A scalar element of a set, map key or value, or the value itself. */
static bool scalar_ok(struct checker *c, const struct sif_xs_type *ty, const char *v, size_t n)
{
	if (ty->kind == SIF_XS_ENUM && !in_enum(ty->en, v, n))
		return false;
	if (ty->kind == SIF_XS_REF && !ref_ok(c, ty, v, n)) {
		c->bad_is_ref = true;
		return false;
	}
	return true;
}

static int on_elem(void *u, const char *k, size_t kl, const char *v, size_t vl)
{
	struct checker *c = u;

	if (c->bad_elem)
		return 0;
	if (!scalar_ok(c, c->elem_a, k, kl)) {
		c->bad_elem = k, c->bad_elem_len = kl;
		return 0;
	}
	if (v && c->elem_b && !scalar_ok(c, c->elem_b, v, vl))
		c->bad_elem = v, c->bad_elem_len = vl;
	return 0;
}

static bool is_int(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';

	if (i == n || n - i > 19)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int check_value(struct checker *c, const struct sif_statedb_row *r,
		       const struct sif_xs_column *col, const struct sif_statedb_attr *a,
		       struct sif_err *err)
{
	const struct sif_xs_type *ty = col->type;
	const char *v = a->value;
	size_t n = a->len, bad;

	if (ty->kind == SIF_XS_STRING || ty->kind == SIF_XS_SECRET || ty->kind == SIF_XS_FLOAT ||
	    ty->kind == SIF_XS_DATETIME || ty->kind == SIF_XS_RECORD)
		return 0;
	if (memchr(v, '%', n)) {
		sif_strbuf_reset(&c->scratch);
		if (sif_xapi_unprotect(v, n, &c->scratch, &bad) < 0)
			return 0;       /* the reader refuses it before we get here */
		v = c->scratch.p ? c->scratch.p : "";
		n = c->scratch.len;
	}
	switch (ty->kind) {
	case SIF_XS_INT:
		if (!is_int(v, n))
			NOTE(c, SIF_CHECK_BAD_VALUE, true, c->tname, col->name, r,
			     "\"%.*s\" is not an int (xapi fails when it reads it)", shown(n), v);
		return 0;
	case SIF_XS_BOOL:
		if (!(n == 4 && !memcmp(v, "true", 4)) && !(n == 5 && !memcmp(v, "false", 5)))
			NOTE(c, SIF_CHECK_BAD_VALUE, true, c->tname, col->name, r,
			     "\"%.*s\" is not a bool (true or false)", shown(n), v);
		return 0;
	case SIF_XS_ENUM:
		if (!in_enum(ty->en, v, n))
			NOTE(c, SIF_CHECK_BAD_ENUM, true, c->tname, col->name, r,
			     "\"%.*s\" is not a value of enum %s (xapi fails when it reads it)",
			     shown(n), v, ty->en->name);
		return 0;
	case SIF_XS_REF:
		if (!ref_ok(c, ty, v, n))
			NOTE(c, SIF_CHECK_DANGLING_REF, true, c->tname, col->name, r,
			     "%.*s is no row of table %s", shown(n), v, ty->target);
		return 0;
	default:
		break;
	}
	/* set, map, option: an S-expression, and its elements of their type */
	if (n == 2 && v[0] == '(' && v[1] == ')')
		return 0;       /* the empty one, most of them */
	{
		enum sif_xapi_kind k = ty->kind == SIF_XS_MAP ? SIF_XAPI_MAP : SIF_XAPI_SET;
		struct sif_err e2;

		c->elem_a = ty->a;
		c->elem_b = ty->kind == SIF_XS_MAP ? ty->b : NULL;
		c->bad_elem = NULL;
		c->bad_is_ref = false;
		c->row = r;
		if (sif_sexpr_parse(v, n, k, on_elem, c, &e2) < 0) {
			NOTE(c, SIF_CHECK_BAD_SET_MAP, true, c->tname, col->name, r,
			     "not a %s: %s", k == SIF_XAPI_MAP ? "map" : "set", e2.msg);
			return 0;
		}
		if (c->bad_elem && c->bad_is_ref)
			NOTE(c, SIF_CHECK_DANGLING_REF, true, c->tname, col->name, r,
			     "%s (%s) holds a ref that is no row of its table", col->name,
			     col->type_text);
		else if (c->bad_elem)
			NOTE(c, SIF_CHECK_BAD_ENUM, true, c->tname, col->name, r,
			     "an element is not a value of its enum (%s)", col->type_text);
	}
	return 0;
}

static const struct col_slot *column_of(struct checker *c, const char *name)
{
	size_t h = ((uintptr_t)name >> 4) & (COL_CACHE - 1), i = h;
	static struct col_slot miss;

	do {
		struct col_slot *s = &c->cache[i];

		if (s->name == name)
			return s;
		if (!s->name) {
			s->name = name;
			s->preamble = !strcmp(name, "ref") || !strcmp(name, "__ctime") ||
				      !strcmp(name, "__mtime");
			s->col = sif_xapi_schema_column(c->table, name);
			s->idx = s->col ? (size_t)(s->col - c->table->cols) : 0;
			return s;
		}
		i = (i + 1) & (COL_CACHE - 1);
	} while (i != h);
	miss.name = name;
	miss.preamble = !strcmp(name, "ref") || !strcmp(name, "__ctime") || !strcmp(name, "__mtime");
	miss.col = sif_xapi_schema_column(c->table, name);
	miss.idx = miss.col ? (size_t)(miss.col - c->table->cols) : 0;
	return &miss;
}

static int on_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct checker *c = u;
	size_t i;

	c->res->rows++;
	if (!c->schema)
		return 0;
	if (!c->table) {
		NOTE(c, SIF_CHECK_UNKNOWN_TABLE, true, c->tname, NULL, r,
		     "table %s is not in xapi %ld.%ld's schema and has rows: xapi refuses the file",
		     c->tname, c->res->major, c->res->minor);
		return 0;
	}
	{
		long slot = c->ref_slot[c->table - sif_xapi_schema_table_at(c->schema, 0)];

		if (slot >= 0 && !sif_refscan_has(&c->rs.tables[slot], sif_ref_hash(r->ref,
										  strlen(r->ref))))
			return sif_errf(err, SIF_EFORMAT, "the first pass did not see this row "
					"(a comment or declaration that hides rows from it?): "
					"refs cannot be checked");
	}
	for (i = 0; i < r->nattrs; i++) {
		const struct sif_statedb_attr *a = &r->attrs[i];
		const struct col_slot *s;

		s = column_of(c, a->name);
		if (s->preamble)
			continue;
		if (!s->col) {
			NOTE(c, SIF_CHECK_UNKNOWN_COLUMN, true, c->tname, a->name, r,
			     "xapi %ld.%ld has no column %s.%s: it refuses to load the file "
			     "(DBCache_NotFound \"missing column\")", c->res->major, c->res->minor,
			     c->tname, a->name);
			continue;
		}
		c->seen[s->idx]++;
		if (s->col->lifecycle == SIF_XS_REMOVED) {
			NOTE(c, SIF_CHECK_REMOVED_COLUMN, false, c->tname, a->name, r,
			     "lifecycle Removed in xapi %ld.%ld: xapi does not read it",
			     c->res->major, c->res->minor);
			continue;
		}
		if (check_value(c, r, s->col, a, err) < 0)
			return -1;
	}
	return 0;
}

static int on_table_end(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	struct checker *c = u;
	size_t i;

	if (!c->schema)
		return 0;
	if (!c->table) {
		if (!t->nrows)
			NOTE(c, SIF_CHECK_UNKNOWN_TABLE, false, t->name, NULL, NULL,
			     "table %s is not in xapi %ld.%ld's schema; empty, so xapi keeps it",
			     t->name, c->res->major, c->res->minor);
		return 0;
	}
	{
		long slot = c->ref_slot[c->table - sif_xapi_schema_table_at(c->schema, 0)];

		if (slot >= 0 && (c->rs.tables[slot].rows != t->nrows || c->rs.tables[slot].unhashed))
			return sif_errf(err, SIF_EFORMAT, "table %s: the first pass saw %llu rows, "
					"the parser %llu: refs cannot be checked", t->name,
					(unsigned long long)c->rs.tables[slot].rows,
					(unsigned long long)t->nrows);
	}
	for (i = 0; t->nrows && i < c->table->ncols; i++) {
		const struct sif_xs_column *col = &c->table->cols[i];
		uint64_t missing = t->nrows - c->seen[i];

		if (!missing)
			continue;
		if (col->default_value)
			NOTE(c, SIF_CHECK_MISSING_COLUMN, false, t->name, col->name, NULL,
			     "%llu of %llu rows lack it: xapi %ld.%ld fills in its default \"%.*s\"",
			     (unsigned long long)missing, (unsigned long long)t->nrows,
			     c->res->major, c->res->minor, shown(strlen(col->default_value)),
			     col->default_value);
		else
			NOTE(c, SIF_CHECK_MISSING_COLUMN, true, t->name, col->name, NULL,
			     "%llu of %llu rows lack it and it has no default: xapi %ld.%ld fails "
			     "to load the file (\"missing default value in datamodel for new field\")",
			     (unsigned long long)missing, (unsigned long long)t->nrows,
			     c->res->major, c->res->minor);
		/* the count is of rows, not of this one finding */
		c->res->findings[c->res->nfindings - 1].count = missing;
	}
	return 0;
}

static const struct sif_statedb_visitor check_visitor = {
	.manifest = on_manifest, .table_begin = on_table_begin, .row = on_row,
	.table_end = on_table_end,
};

static int missing_tables(struct checker *c, struct sif_err *err)
{
	size_t i, n = sif_xapi_schema_ntables(c->schema);

	c->first_finding = c->res->nfindings;
	for (i = 0; i < n; i++) {
		const struct sif_xs_table *t = sif_xapi_schema_table_at(c->schema, i);

		if (!c->table_seen[i])
			NOTE(c, SIF_CHECK_MISSING_TABLE, false, t->name, NULL, NULL,
			     "not in the file: xapi %ld.%ld adds it, empty", c->res->major,
			     c->res->minor);
	}
	return 0;
}

int sif_statedb_check(const char *path, const struct sif_statedb_check_opts *o,
		      struct sif_statedb_check **out, struct sif_err *err)
{
	struct checker c = { .o = o, .path = path };
	struct sif_err rerr;
	int rc = -1;

	*out = NULL;
	if (!(c.res = calloc(1, sizeof(*c.res))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	c.res->major = c.res->minor = c.res->file_major = c.res->file_minor = -1;
	/* the manifest's version picks the schema, which says whose refs to collect */
	if (!(o && o->schema) && sif_refscan_run(&c.rs, path, err) < 0)
		goto out;
	if (pick_schema(&c, err) < 0)
		goto out;
	if (c.schema && sif_refscan_run(&c.rs, path, err) < 0)
		goto out;
	sif_err_clear(&rerr);
	if (sif_statedb_read_file(path, &check_visitor, &c, &rerr) < 0) {
		if (rerr.code == SIF_ENOMEM || rerr.code == SIF_ENOTFOUND || rerr.code == SIF_EIO) {
			*err = rerr;
			goto out;
		}
		if (note(&c, SIF_CHECK_FILE, true, NULL, NULL, NULL, "%s", rerr.msg) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
	} else if (c.schema && missing_tables(&c, err) < 0) {
		goto out;
	}
	rc = 0;
out:
	free(c.seen);
	free(c.ref_slot);
	free(c.table_seen);
	sif_refscan_free(&c.rs);
	sif_strbuf_free(&c.scratch);
	sif_xapi_schema_free(c.owned);
	if (rc == 0)
		*out = c.res;
	else
		sif_statedb_check_free(c.res);
	return rc;
}

void sif_statedb_check_free(struct sif_statedb_check *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nfindings; i++) {
		free((void *)c->findings[i].table);
		free((void *)c->findings[i].column);
		free((void *)c->findings[i].ref);
		free((void *)c->findings[i].detail);
	}
	free(c->findings);
	free(c);
}

int sif_statedb_schema_version(const char *path, long *major, long *minor, struct sif_err *err)
{
	struct sif_refscan rs = { 0 };

	if (sif_refscan_run(&rs, path, err) < 0)
		return -1;
	*major = rs.major;
	*minor = rs.minor;
	if (rs.major < 0 || rs.minor < 0)
		return sif_errf(err, SIF_EFORMAT, "%s: no schema_major_vsn and schema_minor_vsn "
				"pairs at the start of the file", path);
	return 0;
}
