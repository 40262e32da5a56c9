/*
 * The state.db reader: libxml2's SAX2 push parser fed block by block, a
 * small state machine for xapi's element structure (db_xml.ml From), and
 * per-row validation.  Memory is bounded by the largest row, not the file.
 *
 * What it checks beyond well-formed XML (libxml2's part): root <database>;
 * <manifest> first, once, with pair elements of exactly (key, value) and the
 * three keys xapi needs, schema_major_vsn 5; <table> with exactly `name`,
 * each name once; <row> with a `ref`, integer __ctime/__mtime, a valid
 * whitespace escaping in every value, a valid S-expression in every column
 * the caller's `kind` names a set or map, and a ref not seen before in its
 * table.  No DTD, no namespaces, no text other than whitespace.
 *
 * Duplicate refs cost no memory on files xapi wrote: xapi writes a table's
 * rows in ref order, so each ref need only be compared with the previous
 * one.  A table found out of order is re-read from its start up to that
 * row to collect its refs, which are then kept until its end.
 *
 * Not here: what to do with rows (visitors), writing (statedb_writer.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/strbuf.h"
#include "libxml2_load.h"

#define READ_CHUNK (1u << 20)
#define MAX_PAIRS 1024

/* A set of strings (refs of one out-of-order table). */
struct refset {
	char **slot;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* 1 if added, 0 if already there, -1 out of memory. */
static int refset_add(struct refset *rs, const char *s)
{
	size_t i;

	if ((rs->n + 1) * 2 > rs->cap) {
		struct refset big = { .cap = rs->cap ? rs->cap * 2 : 1024 };

		big.slot = calloc(big.cap, sizeof(*big.slot));
		if (!big.slot)
			return -1;
		for (i = 0; i < rs->cap; i++) {
			size_t j;

			if (!rs->slot[i])
				continue;
			j = hash_str(rs->slot[i]) & (big.cap - 1);
			while (big.slot[j])
				j = (j + 1) & (big.cap - 1);
			big.slot[j] = rs->slot[i];
		}
		big.n = rs->n;
		free(rs->slot);
		*rs = big;
	}
	for (i = hash_str(s) & (rs->cap - 1); rs->slot[i]; i = (i + 1) & (rs->cap - 1))
		if (!strcmp(rs->slot[i], s))
			return 0;
	if (!(rs->slot[i] = strdup(s)))
		return -1;
	rs->n++;
	return 1;
}

static void refset_free(struct refset *rs)
{
	size_t i;

	for (i = 0; i < rs->cap; i++)
		free(rs->slot[i]);
	free(rs->slot);
	memset(rs, 0, sizeof(*rs));
}

/* Column kinds of the current table, cached by the parser's interned name. */
#define KIND_CACHE 512
struct kind_cache {
	const char *name[KIND_CACHE];
	unsigned char kind[KIND_CACHE];
};

enum where { W_OUTSIDE, W_DATABASE, W_MANIFEST, W_TABLE, W_PAIR, W_ROW, W_DONE };

struct reader {
	const struct sif_statedb_visitor *v;
	void *u;
	const char *name;
	/* the source, kept to re-read it for an out-of-order table: the same
	 * open file, never the path again (it may name another file by then) */
	const char *path;
	bool have_fd;
	int fd;
	const char *mem;
	size_t mem_len, chunk;
	uint64_t start;                 /* re-read: from here, after feeding `prefix` */
	const char *prefix;

	xmlParserCtxtPtr ctxt;
	const struct sif_libxml2 *xml;   /* libxml2, loaded with the first block */
	enum where where;
	bool failed, stopped;
	struct sif_err *err;

	/* manifest */
	bool have_manifest;
	struct sif_strbuf pair_text;
	size_t pair_off[MAX_PAIRS][2];
	struct sif_statedb_attr pairs[MAX_PAIRS];
	size_t npairs;

	/* tables */
	struct sif_statedb_table table;
	struct sif_strbuf table_name;
	uint64_t ntables;
	struct refset seen_tables;

	/* rows */
	const char *n_ref, *n_ctime, *n_mtime;  /* interned names: compared by pointer */
	struct sif_strbuf ref;
	struct sif_statedb_attr *attrs;
	size_t attrs_cap;
	struct sif_strbuf prev_ref, scratch;
	struct refset refs;
	bool exact;                     /* this table is out of order: refs holds them */
	struct kind_cache kinds;

	/* a re-read collecting refs: stop after this row of this table */
	bool collecting;
	uint64_t collect_table, collect_rows;
	struct refset *collect_into;
};

static uint64_t offset_now(struct reader *r)
{
	long c = r->xml->ByteConsumed(r->ctxt);

	return c < 0 ? 0 : (uint64_t)c;
}

static void stop(struct reader *r)
{
	r->failed = true;
	r->xml->StopParser(r->ctxt);
}

/* A structural error at the current position. */
static void __attribute__((format(printf, 2, 3)))
fail(struct reader *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (r->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sif_errf(r->err, SIF_EFORMAT, "%s: line %d, byte %llu: %s", r->name,
		 r->ctxt->input->line, (unsigned long long)offset_now(r), msg);
	stop(r);
}

/* A visitor's (or a row check's) error: add where it happened.  Errors
 * that are not about the file's content (a failed write of an output) get
 * the file name only: the row is no part of them. */
static void fail_row(struct reader *r, const char *ref)
{
	if (r->err->code == SIF_OK)
		sif_errf(r->err, SIF_EFORMAT, "refused");
	if (r->err->code != SIF_EFORMAT) {
		sif_err_prefix(r->err, "%s", r->name);
		stop(r);
		return;
	}
	sif_err_prefix(r->err, "%s: line %d, byte %llu: table %s, row %llu%s%s%s",
		       r->name, r->ctxt->input->line,
		       (unsigned long long)offset_now(r), r->table.name,
		       (unsigned long long)r->table.nrows, ref ? " (ref " : "",
		       ref ? ref : "", ref ? ")" : "");
	stop(r);
}

static void fail_visitor(struct reader *r)
{
	if (r->err->code == SIF_OK)
		sif_errf(r->err, SIF_EFORMAT, "refused");
	if (r->err->code != SIF_EFORMAT) {
		sif_err_prefix(r->err, "%s", r->name);
		stop(r);
		return;
	}
	sif_err_prefix(r->err, "%s: line %d, byte %llu", r->name,
		       r->ctxt->input->line, (unsigned long long)offset_now(r));
	stop(r);
}

/* Point r->attrs at the SAX attributes (values stay in libxml2's buffer). */
static int take_attrs(struct reader *r, int n, const xmlChar **a)
{
	int i;

	if ((size_t)n > r->attrs_cap) {
		size_t cap = (size_t)n * 2;
		struct sif_statedb_attr *p = realloc(r->attrs, cap * sizeof(*p));

		if (!p)
			return -1;
		r->attrs = p;
		r->attrs_cap = cap;
	}
	for (i = 0; i < n; i++) {
		r->attrs[i].name = (const char *)a[5 * i];
		r->attrs[i].value = (const char *)a[5 * i + 3];
		r->attrs[i].len = (size_t)(a[5 * i + 4] - a[5 * i + 3]);
	}
	return 0;
}

/* A decimal Int64 as xapi's Int64.of_string reads the generation counts. */
static bool is_int64_n(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '-')
		i = 1;
	if (i == n || n - i > 19)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (n - (s[0] == '-') == 19) {
		/* beyond +-9223372036854775807(8)? */
		const char *d = s + (s[0] == '-');

		return memcmp(d, s[0] == '-' ? "9223372036854775808" :
			      "9223372036854775807", 19) <= 0;
	}
	return true;
}

static enum sif_xapi_kind column_kind(struct reader *r, const char *col)
{
	size_t h = ((uintptr_t)col >> 4) & (KIND_CACHE - 1), i = h;

	do {
		if (r->kinds.name[i] == col)
			return (enum sif_xapi_kind)r->kinds.kind[i];
		if (!r->kinds.name[i]) {
			enum sif_xapi_kind k = r->v->kind(r->v->kind_u, r->table.name, col);

			r->kinds.name[i] = col;
			r->kinds.kind[i] = (unsigned char)k;
			return k;
		}
		i = (i + 1) & (KIND_CACHE - 1);
	} while (i != h);
	return r->v->kind(r->v->kind_u, r->table.name, col);
}

static int check_value(struct reader *r, const struct sif_statedb_attr *a)
{
	enum sif_xapi_kind kind;
	size_t bad;
	int rc;

	if (memchr(a->value, '%', a->len) &&
	    sif_xapi_check_protected(a->value, a->len, &bad) < 0)
		return sif_errf(r->err, SIF_EFORMAT,
				"column %s: invalid whitespace escape at value offset %zu "
				"(a '%%' must be followed by one of . t n r %% _)",
				a->name, bad);
	if (!r->v->kind)
		return 0;
	kind = column_kind(r, a->name);
	if (kind != SIF_XAPI_SET && kind != SIF_XAPI_MAP)
		return 0;
	sif_strbuf_reset(&r->scratch);
	if ((rc = sif_xapi_unprotect(a->value, a->len, &r->scratch, NULL)) < 0)
		return sif_errf(r->err, SIF_ENOMEM, "out of memory");
	if (sif_sexpr_parse(r->scratch.p ? r->scratch.p : "", r->scratch.len, kind,
			    NULL, NULL, r->err) < 0) {
		sif_err_prefix(r->err, "column %s (a %s)", a->name,
			       kind == SIF_XAPI_SET ? "set" : "map");
		return -1;
	}
	return 0;
}

static int collect_refs(struct reader *r, uint64_t rows, struct refset *into);

/* Unique refs: see the file comment. */
static int check_ref(struct reader *r, const char *ref)
{
	int added;

	if (r->collecting)
		return 0;
	if (!r->exact) {
		if (r->table.nrows == 0 || strcmp(ref, r->prev_ref.p) > 0) {
			sif_strbuf_reset(&r->prev_ref);
			return sif_strbuf_adds(&r->prev_ref, ref) < 0 ?
				sif_errf(r->err, SIF_ENOMEM, "out of memory") : 0;
		}
		if (!strcmp(ref, r->prev_ref.p))
			return sif_errf(r->err, SIF_EFORMAT, "duplicate row ref %s", ref);
		if (collect_refs(r, r->table.nrows, &r->refs) < 0)
			return -1;
		r->exact = true;
	}
	added = refset_add(&r->refs, ref);
	if (added < 0)
		return sif_errf(r->err, SIF_ENOMEM, "out of memory");
	if (!added)
		return sif_errf(r->err, SIF_EFORMAT, "duplicate row ref %s", ref);
	return 0;
}

static void on_row(struct reader *r, int n, const xmlChar **a)
{
	struct sif_statedb_row row = { .table = &r->table, .index = r->table.nrows };
	const struct sif_statedb_attr *ref = NULL, *ctime = NULL, *mtime = NULL;
	int i;

	if (take_attrs(r, n, a) < 0) {
		fail(r, "out of memory");
		return;
	}
	row.attrs = r->attrs;
	row.nattrs = (size_t)n;
	row.tag_end = offset_now(r);
	for (i = 0; i < n; i++) {
		const char *nm = r->attrs[i].name;

		if (nm == r->n_ref)
			ref = &r->attrs[i];
		else if (nm == r->n_ctime)
			ctime = &r->attrs[i];
		else if (nm == r->n_mtime)
			mtime = &r->attrs[i];
	}
	sif_err_clear(r->err);
	if (ref) {
		sif_strbuf_reset(&r->ref);
		if (sif_strbuf_add(&r->ref, ref->value, ref->len) < 0) {
			fail(r, "out of memory");
			return;
		}
		row.ref = r->ref.p;
	}
	if (!row.ref) {
		sif_errf(r->err, SIF_EFORMAT, "row has no ref attribute");
		goto bad;
	}
	if (ctime && !is_int64_n(ctime->value, ctime->len))
		mtime = ctime;
	if (mtime && !is_int64_n(mtime->value, mtime->len)) {
		sif_errf(r->err, SIF_EFORMAT, "%s=\"%.*s\" is not an integer", mtime->name,
			 (int)mtime->len, mtime->value);
		goto bad;
	}
	if (r->collecting) {
		if (r->table.index == r->collect_table) {
			if (r->table.nrows >= r->collect_rows) {
				r->stopped = true;
				r->xml->StopParser(r->ctxt);
				return;
			}
			if (refset_add(r->collect_into, row.ref) < 0) {
				sif_errf(r->err, SIF_ENOMEM, "out of memory");
				goto bad;
			}
		}
		r->table.nrows++;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct sif_statedb_attr *at = &r->attrs[i];

		/* xapi writes these three unprotected (db_xml.ml, the row preamble) */
		if (at == ref || at == ctime || at == mtime)
			continue;
		if (check_value(r, at) < 0)
			goto bad;
	}
	if (check_ref(r, row.ref) < 0)
		goto bad;
	if (r->v->row && r->v->row(r->u, &row, r->err) < 0)
		goto bad;
	r->table.nrows++;
	return;
bad:
	fail_row(r, row.ref);
}

static void on_pair(struct reader *r, int n, const xmlChar **a)
{
	size_t k, v;

	if (n != 2 || strcmp((const char *)a[0], "key") ||
	    strcmp((const char *)a[5], "value")) {
		fail(r, "<pair> must have exactly the attributes key and value, in that order");
		return;
	}
	if (r->npairs == MAX_PAIRS) {
		fail(r, "more than %d manifest pairs", MAX_PAIRS);
		return;
	}
	k = r->pair_text.len;
	if (sif_strbuf_add(&r->pair_text, a[3], (size_t)(a[4] - a[3])) < 0 ||
	    sif_strbuf_addc(&r->pair_text, '\0') < 0) {
		fail(r, "out of memory");
		return;
	}
	v = r->pair_text.len;
	if (sif_strbuf_add(&r->pair_text, a[8], (size_t)(a[9] - a[8])) < 0 ||
	    sif_strbuf_addc(&r->pair_text, '\0') < 0) {
		fail(r, "out of memory");
		return;
	}
	r->pair_off[r->npairs][0] = k;
	r->pair_off[r->npairs][1] = v;
	r->npairs++;
}

static int manifest_int(struct reader *r, const char *key, long long *out)
{
	const char *val = NULL;
	size_t i;
	char *end;

	for (i = 0; i < r->npairs; i++) {
		if (strcmp(r->pairs[i].name, key))
			continue;
		if (val) {
			fail(r, "manifest: duplicate pair %s", key);
			return -1;
		}
		val = r->pairs[i].value;
	}
	if (!val) {
		fail(r, "manifest: missing pair %s", key);
		return -1;
	}
	errno = 0;
	*out = strtoll(val, &end, 10);
	if (!is_int64_n(val, strlen(val)) || *end) {
		fail(r, "manifest: %s=\"%s\" is not an integer", key, val);
		return -1;
	}
	return 0;
}

static void end_manifest(struct reader *r)
{
	struct sif_statedb_manifest m = { .pairs = r->pairs, .npairs = r->npairs };
	size_t i;

	for (i = 0; i < r->npairs; i++) {
		r->pairs[i].name = r->pair_text.p + r->pair_off[i][0];
		r->pairs[i].value = r->pair_text.p + r->pair_off[i][1];
		r->pairs[i].len = strlen(r->pairs[i].value);
	}
	if (manifest_int(r, "schema_major_vsn", &m.schema_major) < 0 ||
	    manifest_int(r, "schema_minor_vsn", &m.schema_minor) < 0 ||
	    manifest_int(r, "generation_count", &m.generation) < 0)
		return;
	if (m.schema_major != SIF_STATEDB_SCHEMA_MAJOR) {
		fail(r, "manifest: schema_major_vsn %lld is not supported (sif reads %d)",
		     m.schema_major, SIF_STATEDB_SCHEMA_MAJOR);
		return;
	}
	r->have_manifest = true;
	sif_err_clear(r->err);
	if (!r->collecting && r->v->manifest && r->v->manifest(r->u, &m, r->err) < 0)
		fail_visitor(r);
}

/* A table name, once per file. */
static void begin_table(struct reader *r, int n, const xmlChar **a)
{
	const char *name;

	if (n != 1 || strcmp((const char *)a[0], "name")) {
		fail(r, "<table> must have exactly one attribute, name");
		return;
	}
	sif_strbuf_reset(&r->table_name);
	if (sif_strbuf_add(&r->table_name, a[3], (size_t)(a[4] - a[3])) < 0) {
		fail(r, "out of memory");
		return;
	}
	name = r->table_name.p;
	switch (refset_add(&r->seen_tables, name)) {
	case 0:
		fail(r, "table %s appears twice", name);
		return;
	case -1:
		fail(r, "out of memory");
		return;
	}
	memset(&r->table, 0, sizeof(r->table));
	r->table.name = name;
	r->table.index = r->ntables++;
	r->table.tag_end = offset_now(r);
	r->exact = false;
	refset_free(&r->refs);
	memset(&r->kinds, 0, sizeof(r->kinds));
	sif_err_clear(r->err);
	if (!r->collecting && r->v->table_begin && r->v->table_begin(r->u, &r->table, r->err) < 0)
		fail_visitor(r);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
		     const xmlChar *uri, int nns, const xmlChar **ns, int n,
		     int ndefaulted, const xmlChar **a)
{
	struct reader *r = ctx;
	const char *el = (const char *)local;

	(void)uri; (void)ns;
	if (r->failed || r->stopped)
		return;
	if (prefix || nns) {
		fail(r, "<%s>: XML namespaces are not part of state.db", el);
		return;
	}
	if (ndefaulted) {
		fail(r, "<%s>: defaulted attributes", el);
		return;
	}
	/* libxml2 reports a start tag before checking that it ends (a byte no
	 * attribute may hold stops it early): callers rely on tag_end being
	 * the tag's '>' or "/>", so refuse here what libxml2 refuses next. */
	{
		const xmlChar *cur = r->ctxt->input->cur;

		if (!cur || !(cur[0] == '>' || (cur[0] == '/' && cur[1] == '>'))) {
			fail(r, "<%s>: start tag not closed by '>' or '/>'", el);
			return;
		}
	}
	switch (r->where) {
	case W_OUTSIDE:
		if (strcmp(el, "database")) {
			fail(r, "root element is <%s>, expected <database>", el);
			return;
		}
		if (r->ctxt->input->buf && r->ctxt->input->buf->encoder) {
			fail(r, "encoding %s: state.db is UTF-8",
			     r->ctxt->encoding ? (const char *)r->ctxt->encoding : "(other)");
			return;
		}
		if (n) {
			fail(r, "<database> takes no attributes");
			return;
		}
		r->where = W_DATABASE;
		return;
	case W_DATABASE:
		if (!strcmp(el, "manifest")) {
			if (r->have_manifest || r->ntables) {
				fail(r, "<manifest> must come once, before the tables");
				return;
			}
			if (n) {
				fail(r, "<manifest> takes no attributes");
				return;
			}
			r->where = W_MANIFEST;
		} else if (!strcmp(el, "table")) {
			if (!r->have_manifest) {
				fail(r, "<table> before <manifest>: the manifest (schema version) "
				     "must come first");
				return;
			}
			r->where = W_TABLE;
			begin_table(r, n, a);
		} else {
			fail(r, "unexpected element <%s> in <database> (expected <manifest> "
			     "or <table>)", el);
		}
		return;
	case W_MANIFEST:
		if (strcmp(el, "pair")) {
			fail(r, "unexpected element <%s> in <manifest> (expected <pair>)", el);
			return;
		}
		r->where = W_PAIR;
		on_pair(r, n, a);
		return;
	case W_TABLE:
		if (strcmp(el, "row")) {
			fail(r, "unexpected element <%s> in <table> (expected <row>)", el);
			return;
		}
		r->where = W_ROW;
		on_row(r, n, a);
		return;
	default:
		fail(r, "unexpected element <%s> inside <%s>", el,
		     r->where == W_PAIR ? "pair" : r->where == W_ROW ? "row" : "database");
	}
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct reader *r = ctx;

	(void)local; (void)prefix; (void)uri;
	if (r->failed || r->stopped)
		return;
	switch (r->where) {
	case W_PAIR:
		r->where = W_MANIFEST;
		return;
	case W_ROW:
		r->where = W_TABLE;
		return;
	case W_MANIFEST:
		r->where = W_DATABASE;
		end_manifest(r);
		return;
	case W_TABLE:
		r->where = W_DATABASE;
		sif_err_clear(r->err);
		if (!r->collecting && r->v->table_end &&
		    r->v->table_end(r->u, &r->table, r->err) < 0)
			fail_visitor(r);
		refset_free(&r->refs);
		r->exact = false;
		return;
	case W_DATABASE:
		if (!r->have_manifest) {
			fail(r, "<database> has no <manifest> (schema version missing)");
			return;
		}
		r->where = W_DONE;
		return;
	default:
		return;
	}
}

static void on_text(void *ctx, const xmlChar *s, int len)
{
	struct reader *r = ctx;
	int i;

	if (r->failed || r->stopped)
		return;
	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
			fail(r, "unexpected text between elements");
			return;
		}
}

static void on_cdata(void *ctx, const xmlChar *s, int len)
{
	(void)s; (void)len;
	fail(ctx, "unexpected CDATA section");
}

static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name; (void)ext; (void)sys;
	fail(ctx, "a DOCTYPE is not part of state.db (refused: no DTD is processed)");
}

static void on_entity_ref(void *ctx, const xmlChar *name)
{
	(void)name;
	fail(ctx, "entity reference in content");
}

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct reader *r = ctx;
	char msg[512];
	size_t l;

	if (r->failed || r->stopped || !e || e->level < XML_ERR_ERROR)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "XML error");
	l = strlen(msg);
	while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
		msg[--l] = '\0';
	sif_errf(r->err, SIF_EFORMAT, "%s: line %d, column %d, byte %llu: not valid XML: %s",
		 r->name, e->line, e->int2, (unsigned long long)offset_now(r), msg);
	stop(r);
}

static void init_sax(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_text;
	sax->ignorableWhitespace = on_text;
	sax->cdataBlock = on_cdata;
	sax->internalSubset = on_dtd;
	sax->reference = on_entity_ref;
	sax->serror = on_xml_error;
}

static void reader_free(struct reader *r)
{
	if (r->ctxt)
		r->xml->FreeParserCtxt(r->ctxt);
	sif_strbuf_free(&r->pair_text);
	sif_strbuf_free(&r->table_name);
	refset_free(&r->seen_tables);
	sif_strbuf_free(&r->ref);
	sif_strbuf_free(&r->prev_ref);
	sif_strbuf_free(&r->scratch);
	refset_free(&r->refs);
	free(r->attrs);
}

static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx; (void)msg;
}

/* Hand one block to the parser (terminate: it is the last). */
static int feed(struct reader *r, const char *buf, size_t n, bool terminate)
{
	int rc;

	if (n && r->v->input && !r->collecting) {
		sif_err_clear(r->err);
		if (r->v->input(r->u, buf, n, r->err) < 0) {
			sif_err_prefix(r->err, "%s", r->name);
			return -1;
		}
	}
	if (n > INT32_MAX)
		return sif_errf(r->err, SIF_EUSAGE, "%s: block too large", r->name);
	if (!r->ctxt) {
		xmlSAXHandler sax;

		if (!(r->xml = sif_libxml2(r->err)))
			return -1;
		init_sax(&sax);
		r->ctxt = r->xml->CreatePushParserCtxt(&sax, r, NULL, 0, r->name);
		if (!r->ctxt)
			return sif_errf(r->err, SIF_ENOMEM, "%s: cannot create XML parser", r->name);
		/* HUGE lifts libxml2's 10 MB cap on an attribute value: xapi has
		 * none (SR.VDIs of a large SR); no DTD is read, so no entity
		 * expansion can abuse it. */
		/* NOENT: without it libxml2 hands `&amp;` over as `&#38;`.  Only
		 * the predefined entities and character references exist here. */
		r->xml->CtxtUseOptions(r->ctxt, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOENT);
		r->n_ref = (const char *)r->xml->DictLookup(r->ctxt->dict, BAD_CAST "ref", -1);
		r->n_ctime = (const char *)r->xml->DictLookup(r->ctxt->dict, BAD_CAST "__ctime", -1);
		r->n_mtime = (const char *)r->xml->DictLookup(r->ctxt->dict, BAD_CAST "__mtime", -1);
		if (!r->n_ref || !r->n_ctime || !r->n_mtime)
			return sif_errf(r->err, SIF_ENOMEM, "out of memory");
	}
	/* Some libxml2 errors (encoding conversion) bypass the parser's error
	 * handler and go to its generic one, which prints: the library does not. */
	{
		xmlGenericErrorFunc old = *r->xml->GenericError();
		void *old_ctx = *r->xml->GenericErrorContext();

		r->xml->SetGenericErrorFunc(NULL, silent);
		rc = r->xml->ParseChunk(r->ctxt, buf, (int)n, terminate);
		r->xml->SetGenericErrorFunc(old_ctx, old);
	}
	if (r->stopped)
		return 0;
	if (r->failed)
		return -1;
	if (rc != 0 || !r->ctxt->wellFormed)
		return sif_errf(r->err, SIF_EFORMAT, "%s: byte %llu: not valid XML",
				r->name, (unsigned long long)offset_now(r));
	if (terminate && r->where != W_DONE)
		return sif_errf(r->err, SIF_EFORMAT, "%s: ends before </database>", r->name);
	if (r->v->consumed && !r->collecting) {
		sif_err_clear(r->err);
		if (r->v->consumed(r->u, terminate ? UINT64_MAX : offset_now(r), r->err) < 0) {
			sif_err_prefix(r->err, "%s", r->name);
			return -1;
		}
	}
	return 0;
}

/* A re-read must not move the offset the main read goes on from. */
static ssize_t pread_full(int fd, char *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t got = pread(fd, buf + done, n - done, (off_t)(off + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		done += (size_t)got;
	}
	return (ssize_t)done;
}

/* The main read goes on from the fd's offset (a pipe works); a re-read
 * (collect_refs) reads from r->start with pread. */
static int run_fd(struct reader *r, bool reread)
{
	char *buf = malloc(READ_CHUNK);
	uint64_t off = r->start;
	int rc = -1;

	if (!buf)
		return sif_errf(r->err, SIF_ENOMEM, "out of memory");
	for (;;) {
		ssize_t got = reread ? pread_full(r->fd, buf, READ_CHUNK, off) :
				       sif_read_full(r->fd, buf, READ_CHUNK);

		if (got < 0) {
			sif_errno(r->err, SIF_EIO, "reading %s", r->name);
			goto out;
		}
		off += (uint64_t)got;
		if (feed(r, buf, (size_t)got, (size_t)got < READ_CHUNK) < 0)
			goto out;
		if (r->stopped || (size_t)got < READ_CHUNK)
			break;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int run_mem(struct reader *r)
{
	size_t off = r->start < r->mem_len ? (size_t)r->start : r->mem_len;
	size_t chunk = r->chunk ? r->chunk : READ_CHUNK;

	do {
		size_t n = r->mem_len - off < chunk ? r->mem_len - off : chunk;

		if (feed(r, r->mem + off, n, off + n == r->mem_len) < 0)
			return -1;
		off += n;
	} while (off < r->mem_len && !r->stopped);
	return 0;
}

static int run(struct reader *r)
{
	int rc;

	if (r->prefix && feed(r, r->prefix, strlen(r->prefix), false) < 0)
		return -1;
	if (r->have_fd)
		return run_fd(r, r->collecting);
	if (!r->path)
		return run_mem(r);
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return sif_errno(r->err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO,
				 "opening %s", r->path);
	r->have_fd = true;
	rc = run_fd(r, false);
	close(r->fd);
	r->have_fd = false;
	return rc;
}

static const struct sif_statedb_visitor no_visitor;

/*
 * Collect the refs of the first `rows` rows of the current table by reading
 * it again from its start: the parser is handed a stand-in for what comes
 * before (root, manifest, the table's start tag), then the file's bytes
 * from just after that start tag.  So each table found out of order costs
 * one more read of itself, not of the file.
 */
static int collect_refs(struct reader *r, uint64_t rows, struct refset *into)
{
	struct sif_strbuf prefix = SIF_STRBUF_INIT;
	struct reader sub = {
		.v = &no_visitor, .name = r->name, .have_fd = r->have_fd, .fd = r->fd,
		.mem = r->mem, .mem_len = r->mem_len, .chunk = r->chunk, .err = r->err,
		.start = r->table.tag_end + 1, .collecting = true, .collect_table = 0,
		.collect_rows = rows, .collect_into = into,
	};
	const char *p;
	int rc = -1;

	if (sif_strbuf_adds(&prefix, "<database><manifest><pair key=\"schema_major_vsn\" "
			    "value=\"5\"/><pair key=\"schema_minor_vsn\" value=\"0\"/><pair "
			    "key=\"generation_count\" value=\"0\"/></manifest><table name=\"") < 0)
		goto nomem;
	for (p = r->table.name; *p; p++) {
		const char *esc = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '"' ? "&quot;" :
				  NULL;

		if (esc ? sif_strbuf_adds(&prefix, esc) < 0 : sif_strbuf_addc(&prefix, *p) < 0)
			goto nomem;
	}
	if (sif_strbuf_adds(&prefix, "\">") < 0)
		goto nomem;
	sub.prefix = prefix.p;
	rc = run(&sub);
	if (rc == 0 && !sub.stopped)
		rc = sif_errf(r->err, SIF_EIO, "%s: changed while being read", r->name);
	reader_free(&sub);
	sif_strbuf_free(&prefix);
	return rc;
nomem:
	sif_strbuf_free(&prefix);
	return sif_errf(r->err, SIF_ENOMEM, "out of memory");
}

static int read_any(struct reader *r)
{
	int rc = run(r);

	reader_free(r);
	return rc;
}

int sif_statedb_read_file(const char *path, const struct sif_statedb_visitor *v,
			  void *u, struct sif_err *err)
{
	struct reader r = { .v = v ? v : &no_visitor, .u = u, .name = path,
			    .path = path, .err = err };

	return read_any(&r);
}

int sif_statedb_read_fd(int fd, const char *name, const struct sif_statedb_visitor *v,
			void *u, struct sif_err *err)
{
	struct reader r = { .v = v ? v : &no_visitor, .u = u, .name = name,
			    .have_fd = true, .fd = fd, .err = err };

	return read_any(&r);
}

int sif_statedb_read_mem(const char *name, const void *buf, size_t len, size_t chunk,
			 const struct sif_statedb_visitor *v, void *u,
			 struct sif_err *err)
{
	struct reader r = { .v = v ? v : &no_visitor, .u = u, .name = name,
			    .mem = buf, .mem_len = len, .chunk = chunk, .err = err };

	return read_any(&r);
}
