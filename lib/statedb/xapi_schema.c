/*
 * Reading schema/xapi/xapi.schema (the built-in copy compiled into libsif,
 * or an admin's file of the same format) into tables and columns for one
 * xapi schema version.
 *
 * The file is line based: `version`, `enum`, `table` and `column` lines,
 * each optionally ending in `@RANGES` (the versions it holds for); only the
 * lines that hold for the chosen version are kept.  Values are written as
 * xapi protects them (no whitespace inside), so a line splits on spaces.
 * Every line is checked: an unknown keyword, a bad type, a column before
 * its table or twice for one version is an error naming the line.
 *
 * Not here: using the schema (statedb_check.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/embedded.h"
#include "sif/io.h"
#include "sif/strbuf.h"
#include "sif/xapi_schema.h"
#include "sif/xapi_value.h"

#define BUILTIN_PATH "schema/xapi/xapi.schema"
#define MAX_WORDS 4096

struct sif_xapi_schema {
	long major, minor;
	char source[512];
	char *text;                     /* our copy, cut into words */
	void **allocs;                  /* everything else we allocated */
	size_t nallocs, allocs_cap;
	struct sif_xs_enum **enums;     /* each allocated alone: types point at them */
	size_t nenums, enums_cap;
	struct sif_xs_table *tables;
	size_t ntables, tables_cap;
	size_t *cols_cap;               /* per table */
};

struct parse {
	struct sif_xapi_schema *s;
	const char *name;
	unsigned line;
	struct sif_err *err;
};

static void *keep(struct sif_xapi_schema *s, void *p)
{
	if (!p)
		return NULL;
	if (s->nallocs == s->allocs_cap) {
		size_t cap = s->allocs_cap ? s->allocs_cap * 2 : 256;
		void **n = realloc(s->allocs, cap * sizeof(*n));

		if (!n) {
			free(p);
			return NULL;
		}
		s->allocs = n;
		s->allocs_cap = cap;
	}
	s->allocs[s->nallocs++] = p;
	return p;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if (!(p = realloc(*arr, c * size)))
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

static int bad(struct parse *p, const char *what, const char *word)
{
	return sif_errf(p->err, SIF_EFORMAT, "%s: line %u: %s%s%s%s", p->name, p->line, what,
			word ? " '" : "", word ? word : "", word ? "'" : "");
}

/* "5.909" -> (5, 909); the end of what was read in *end. */
static bool parse_vsn(const char *s, long *major, long *minor, const char **end)
{
	char *e;

	errno = 0;
	*major = strtol(s, &e, 10);
	if (e == s || *e != '.' || errno)
		return false;
	s = e + 1;
	*minor = strtol(s, &e, 10);
	if (e == s || errno || *major < 0 || *minor < 0)
		return false;
	*end = e;
	return true;
}

static int vsn_cmp(long a1, long a2, long b1, long b2)
{
	return a1 != b1 ? (a1 < b1 ? -1 : 1) : a2 != b2 ? (a2 < b2 ? -1 : 1) : 0;
}

/* Does "@5.1-5.3,5.9" hold for the chosen version? -1 on bad syntax. */
static int holds(const char *r, long major, long minor)
{
	const char *e;
	long a1, a2, b1, b2;
	int yes = 0;

	for (;;) {
		if (!parse_vsn(r, &a1, &a2, &e))
			return -1;
		b1 = a1, b2 = a2;
		if (*e == '-') {
			if (!parse_vsn(e + 1, &b1, &b2, &e))
				return -1;
		}
		if (vsn_cmp(major, minor, a1, a2) >= 0 && vsn_cmp(major, minor, b1, b2) <= 0)
			yes = 1;
		if (!*e)
			return yes;
		if (*e != ',')
			return -1;
		r = e + 1;
	}
}

static const struct sif_xs_enum *find_enum(const struct sif_xapi_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nenums; i++)
		if (!strcmp(s->enums[i]->name, name))
			return s->enums[i];
	return NULL;
}

/* One type from *pp: string, enum(E), ref(C), set(T), map(K,V), option(T), record(R). */
static const struct sif_xs_type *parse_type(struct parse *p, char **pp, int depth)
{
	static const struct { const char *w; enum sif_xs_kind k; } simple[] = {
		{ "string", SIF_XS_STRING }, { "secret", SIF_XS_SECRET }, { "int", SIF_XS_INT },
		{ "float", SIF_XS_FLOAT }, { "bool", SIF_XS_BOOL }, { "datetime", SIF_XS_DATETIME },
	};
	struct sif_xs_type *t;
	char *s = *pp, *open = strchr(s, '(');
	size_t i, wl;

	if (depth > 8) {
		bad(p, "type nested too deeply", NULL);
		return NULL;
	}
	if (!(t = keep(p->s, calloc(1, sizeof(*t))))) {
		sif_errf(p->err, SIF_ENOMEM, "out of memory");
		return NULL;
	}
	wl = strcspn(s, "(),");
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strlen(simple[i].w) == wl && !strncmp(s, simple[i].w, wl)) {
			t->kind = simple[i].k;
			*pp = s + wl;
			return t;
		}
	}
	if (!open || open != s + wl) {
		bad(p, "unknown type", s);
		return NULL;
	}
	*open = '\0';
	s = open + 1;
	if (!strcmp(*pp, "enum") || !strcmp(*pp, "ref") || !strcmp(*pp, "record")) {
		char *close = strchr(s, ')');

		if (!close || close == s) {
			bad(p, "type name expected in", *pp);
			return NULL;
		}
		*close = '\0';
		t->kind = !strcmp(*pp, "enum") ? SIF_XS_ENUM : !strcmp(*pp, "ref") ? SIF_XS_REF :
			  SIF_XS_RECORD;
		t->target = s;
		if (t->kind == SIF_XS_ENUM && !(t->en = find_enum(p->s, s))) {
			bad(p, "enum not declared before use:", s);
			return NULL;
		}
		*pp = close + 1;
		return t;
	}
	if (!strcmp(*pp, "set") || !strcmp(*pp, "option")) {
		t->kind = !strcmp(*pp, "set") ? SIF_XS_SET : SIF_XS_OPTION;
		if (!(t->a = parse_type(p, &s, depth + 1)))
			return NULL;
	} else if (!strcmp(*pp, "map")) {
		t->kind = SIF_XS_MAP;
		if (!(t->a = parse_type(p, &s, depth + 1)))
			return NULL;
		if (*s != ',') {
			bad(p, "',' expected in map type at", s);
			return NULL;
		}
		s++;
		if (!(t->b = parse_type(p, &s, depth + 1)))
			return NULL;
	} else {
		bad(p, "unknown type", *pp);
		return NULL;
	}
	if (*s != ')') {
		bad(p, "')' expected at", *s ? s : "end of type");
		return NULL;
	}
	*pp = s + 1;
	return t;
}

static struct sif_xs_table *last_table(struct sif_xapi_schema *s, const char *name)
{
	if (!s->ntables || strcmp(s->tables[s->ntables - 1].name, name))
		return NULL;
	return &s->tables[s->ntables - 1];
}

static const char *const lifecycles[] = {
	[SIF_XS_UNRELEASED] = "unreleased", [SIF_XS_PROTOTYPED] = "prototyped",
	[SIF_XS_PUBLISHED] = "published", [SIF_XS_DEPRECATED] = "deprecated",
	[SIF_XS_REMOVED] = "removed",
};

static char *unprotect_default(struct parse *p, const char *w)
{
	struct sif_strbuf b = SIF_STRBUF_INIT;
	size_t at;

	if (sif_xapi_unprotect(w, strlen(w), &b, &at) < 0 || sif_strbuf_addc(&b, '\0') < 0) {
		sif_strbuf_free(&b);
		bad(p, "default is not a protected value:", w);
		return NULL;
	}
	return keep(p->s, b.p);
}

static int add_column_line(struct parse *p, char **w, size_t n)
{
	struct sif_xapi_schema *s = p->s;
	struct sif_xs_table *t;
	struct sif_xs_column *c;
	size_t ti, i;
	char *tt;

	if (n < 6 || n > 7 || (n == 7 && strcmp(w[6], "nopersist")))
		return bad(p, "expected: column TABLE NAME TYPE =DEFAULT|- LIFECYCLE [nopersist]", NULL);
	if (!(t = last_table(s, w[1])))
		return bad(p, "column outside its table:", w[1]);
	ti = (size_t)(t - s->tables);
	if (grow((void **)&t->cols, &s->cols_cap[ti], t->ncols, sizeof(*t->cols)) < 0)
		return sif_errf(p->err, SIF_ENOMEM, "out of memory");
	if (t->ncols && strcmp(t->cols[t->ncols - 1].name, w[2]) >= 0)
		return bad(p, "column out of byte order or twice for this version:", w[2]);
	c = &t->cols[t->ncols];
	memset(c, 0, sizeof(*c));
	c->name = w[2];
	c->type_text = w[3];
	if (!(tt = keep(s, strdup(w[3]))))
		return sif_errf(p->err, SIF_ENOMEM, "out of memory");
	if (!(c->type = parse_type(p, &tt, 0)))
		return -1;
	if (*tt)
		return bad(p, "text after the type:", tt);
	if (w[4][0] == '=') {
		if (!(c->default_value = unprotect_default(p, w[4] + 1)))
			return -1;
	} else if (strcmp(w[4], "-")) {
		return bad(p, "default must be =VALUE or -, not", w[4]);
	}
	for (i = 0; i < sizeof(lifecycles) / sizeof(lifecycles[0]); i++)
		if (!strcmp(w[5], lifecycles[i]))
			break;
	if (i == sizeof(lifecycles) / sizeof(lifecycles[0]))
		return bad(p, "unknown lifecycle", w[5]);
	c->lifecycle = (enum sif_xs_lifecycle)i;
	c->persist = n == 6;
	t->ncols++;
	return 0;
}

static int add_line(struct parse *p, char **w, size_t n)
{
	struct sif_xapi_schema *s = p->s;

	if (!strcmp(w[0], "enum")) {
		struct sif_xs_enum *e;

		if (n < 3)
			return bad(p, "expected: enum NAME VALUE...", NULL);
		if (find_enum(s, w[1]))
			return bad(p, "enum declared twice for this version:", w[1]);
		if (grow((void **)&s->enums, &s->enums_cap, s->nenums, sizeof(*s->enums)) < 0 ||
		    !(e = keep(s, calloc(1, sizeof(*e)))))
			return sif_errf(p->err, SIF_ENOMEM, "out of memory");
		/* the words stay in place in our copy of the text: point at them */
		s->enums[s->nenums] = e;
		e->name = w[1];
		e->n = n - 2;
		if (!(e->values = keep(s, malloc(e->n * sizeof(char *)))))
			return sif_errf(p->err, SIF_ENOMEM, "out of memory");
		memcpy((void *)e->values, w + 2, e->n * sizeof(char *));
		s->nenums++;
		return 0;
	}
	if (!strcmp(w[0], "table")) {
		struct sif_xs_table *t;

		if (n != 3 || (strcmp(w[2], "persist") && strcmp(w[2], "nopersist")))
			return bad(p, "expected: table NAME persist|nopersist", NULL);
		if (s->ntables && strcmp(s->tables[s->ntables - 1].name, w[1]) >= 0)
			return bad(p, "table out of byte order or twice for this version:", w[1]);
		if (grow((void **)&s->tables, &s->tables_cap, s->ntables, sizeof(*s->tables)) < 0 ||
		    !(s->cols_cap = realloc(s->cols_cap, s->tables_cap * sizeof(size_t))))
			return sif_errf(p->err, SIF_ENOMEM, "out of memory");
		t = &s->tables[s->ntables];
		memset(t, 0, sizeof(*t));
		t->name = w[1];
		t->persist = !strcmp(w[2], "persist");
		s->cols_cap[s->ntables++] = 0;
		return 0;
	}
	if (!strcmp(w[0], "column"))
		return add_column_line(p, w, n);
	return bad(p, "unknown line", w[0]);
}

/* Split a line in place; returns the number of words or -1 when too many. */
static long split(char *line, char **w)
{
	long n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = tok;
	}
	return n;
}

/* First pass: the `version` lines; choose the version. */
static int choose_version(struct parse *p, const char *text, long major, long minor)
{
	const char *l = text, *nl, *e, *chosen = NULL;
	unsigned nv = 0, line = 0;
	long a, b;

	for (; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		line++;
		if (strncmp(l, "version ", 8))
			continue;
		p->line = line;
		if (!parse_vsn(l + 8, &a, &b, &e) || (*e != ' ' && *e != '\n' && *e))
			return bad(p, "expected: version MAJOR.MINOR [SOURCE...]", NULL);
		nv++;
		if ((major < 0 && nv == 1) || (a == major && b == minor)) {
			p->s->major = a, p->s->minor = b;
			chosen = l;
		}
	}
	if (!nv)
		return sif_errf(p->err, SIF_EFORMAT, "%s: no 'version' line", p->name);
	if (major >= 0 && !chosen && nv == 1)   /* the admin's file names one xapi: take it */
		return choose_version(p, text, -1, -1);
	if (!chosen || (major < 0 && nv > 1))
		return sif_errf(p->err, SIF_ENOTFOUND, "%s describes %u xapi schema versions%s%s",
				p->name, nv, major < 0 ? "; say which" : ", none of them ",
				major < 0 ? "" : "the one asked for");
	nl = strchr(chosen, '\n');
	e = strchr(chosen + 8, ' ');
	snprintf(p->s->source, sizeof(p->s->source), "%.*s",
		 e && (!nl || e < nl) ? (int)((nl ? nl : e + strlen(e)) - e - 1) : 0,
		 e ? e + 1 : "");
	return 0;
}

int sif_xapi_schema_parse(struct sif_xapi_schema **out, const char *name, const char *text,
			  size_t len, long major, long minor, struct sif_err *err)
{
	struct sif_xapi_schema *s = calloc(1, sizeof(*s));
	struct parse p = { .s = s, .name = name, .err = err };
	char **w = malloc(MAX_WORDS * sizeof(char *)), *l, *nl;
	int rc = -1;

	*out = NULL;
	if (!s || !w || !(s->text = malloc(len + 1))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	if (memchr(text, '\0', len)) {
		sif_errf(err, SIF_EFORMAT, "%s: a NUL byte in a text file", name);
		goto out;
	}
	if (choose_version(&p, s->text, major, minor) < 0)
		goto out;
	for (l = s->text, p.line = 1; l && *l; l = nl, p.line++) {
		char *end = strchr(l, '\n'), *at;
		long n;
		int h = 1;

		nl = end ? end + 1 : NULL;
		if (end)
			*end = '\0';
		if (end && end > l && end[-1] == '\r')
			end[-1] = '\0';
		if (*l == '#' || *l == '\0' || !strncmp(l, "version ", 8))
			continue;
		if ((at = strrchr(l, '@')) && at > l && at[-1] == ' ') {
			at[-1] = '\0';
			if ((h = holds(at + 1, s->major, s->minor)) < 0) {
				bad(&p, "bad version ranges", at);
				goto out;
			}
		}
		if (!h)
			continue;
		if ((n = split(l, w)) < 0) {
			bad(&p, "too many words", NULL);
			goto out;
		}
		if (n && add_line(&p, w, (size_t)n) < 0)
			goto out;
	}
	if (!s->ntables) {
		sif_errf(err, SIF_EFORMAT, "%s: no table for xapi %ld.%ld", name, s->major, s->minor);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	free(w);
	sif_xapi_schema_free(s);
	return rc;
}

static const char *builtin_text(void)
{
	const struct sif_embedded_sql *e;

	for (e = sif_embedded_sql; e->path; e++)
		if (!strcmp(e->path, BUILTIN_PATH))
			return e->text;
	return NULL;
}

const char *sif_xapi_schema_builtin_versions(void)
{
	static char list[2048];
	const char *t = builtin_text(), *l;
	size_t n = 0;

	if (list[0] || !t)
		return list;
	for (l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "version ", 8))
			continue;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%.*s", n ? " " : "",
				      (int)strcspn(l + 8, " \n"), l + 8);
		if (n >= sizeof(list))
			break;
	}
	return list;
}

int sif_xapi_schema_builtin(struct sif_xapi_schema **out, long major, long minor,
			    struct sif_err *err)
{
	const char *t = builtin_text();
	struct sif_xapi_schema *s;

	*out = NULL;
	if (!t)
		return sif_errf(err, SIF_EINTERNAL, "no built-in xapi schema (%s)", BUILTIN_PATH);
	if (sif_xapi_schema_parse(&s, BUILTIN_PATH, t, strlen(t), major, minor, err) < 0 &&
	    err->code != SIF_ENOTFOUND)
		return -1;
	if (!s || s->major != major || s->minor != minor) {
		sif_xapi_schema_free(s);
		return sif_errf(err, SIF_ENOTFOUND, "sif knows no xapi schema %ld.%ld (built in: %s)",
				major, minor, sif_xapi_schema_builtin_versions());
	}
	*out = s;
	return 0;
}

int sif_xapi_schema_file(struct sif_xapi_schema **out, const char *path, long major,
			 long minor, struct sif_err *err)
{
	struct sif_strbuf b = SIF_STRBUF_INIT;
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t got;

	*out = NULL;
	if (fd < 0)
		return sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO, "%s", path);
	while ((got = sif_read_full(fd, buf, sizeof(buf))) > 0) {
		if (sif_strbuf_add(&b, buf, (size_t)got) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		if ((size_t)got < sizeof(buf))
			break;
	}
	if (got < 0) {
		sif_errno(err, SIF_EIO, "reading %s", path);
		goto out;
	}
	rc = sif_xapi_schema_parse(out, path, b.p ? b.p : "", b.len, major, minor, err);
	if (rc == 0 && !(*out)->source[0])
		snprintf((*out)->source, sizeof((*out)->source), "%s", path);
out:
	close(fd);
	sif_strbuf_free(&b);
	return rc;
}

void sif_xapi_schema_version(const struct sif_xapi_schema *s, long *major, long *minor)
{
	*major = s->major;
	*minor = s->minor;
}

const char *sif_xapi_schema_source(const struct sif_xapi_schema *s)
{
	return s->source;
}

size_t sif_xapi_schema_ntables(const struct sif_xapi_schema *s)
{
	return s->ntables;
}

const struct sif_xs_table *sif_xapi_schema_table_at(const struct sif_xapi_schema *s, size_t i)
{
	return i < s->ntables ? &s->tables[i] : NULL;
}

const struct sif_xs_table *sif_xapi_schema_table(const struct sif_xapi_schema *s,
						 const char *name)
{
	size_t lo = 0, hi = s->ntables;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, s->tables[mid].name);

		if (!c)
			return &s->tables[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct sif_xs_column *sif_xapi_schema_column(const struct sif_xs_table *t,
						   const char *name)
{
	size_t lo = 0, hi = t->ncols;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, t->cols[mid].name);

		if (!c)
			return &t->cols[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int col_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sif_xs_column *)a)->name,
		      ((const struct sif_xs_column *)b)->name);
}

int sif_xapi_schema_add_column(struct sif_xapi_schema *s, const char *table,
			       const char *column, const char *const *values,
			       const char *default_value, struct sif_err *err)
{
	struct sif_xs_table *t = (struct sif_xs_table *)sif_xapi_schema_table(s, table);
	struct sif_xs_type *ty;
	struct sif_xs_column *c;
	size_t ti;

	if (!t)
		return sif_errf(err, SIF_ENOTFOUND, "xapi %ld.%ld has no table %s", s->major,
				s->minor, table);
	if (sif_xapi_schema_column(t, column))
		return sif_errf(err, SIF_EREFUSED, "xapi %ld.%ld already has %s.%s", s->major,
				s->minor, table, column);
	ti = (size_t)(t - s->tables);
	if (grow((void **)&t->cols, &s->cols_cap[ti], t->ncols, sizeof(*t->cols)) < 0 ||
	    !(ty = keep(s, calloc(1, sizeof(*ty)))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	ty->kind = SIF_XS_STRING;
	if (values) {
		struct sif_xs_enum *en = keep(s, calloc(1, sizeof(*en)));

		if (!en)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		while (values[en->n])
			en->n++;
		en->name = column;
		en->values = values;
		ty->kind = SIF_XS_ENUM;
		ty->en = en;
	}
	c = &t->cols[t->ncols++];
	memset(c, 0, sizeof(*c));
	c->name = column;
	c->type = ty;
	c->type_text = values ? "enum" : "string";
	c->default_value = default_value;
	c->lifecycle = SIF_XS_PUBLISHED;
	c->persist = true;
	c->from_plugin = true;
	qsort(t->cols, t->ncols, sizeof(*t->cols), col_cmp);
	return 0;
}

void sif_xapi_schema_free(struct sif_xapi_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nallocs; i++)
		free(s->allocs[i]);
	for (i = 0; i < s->ntables; i++)
		free(s->tables[i].cols);
	free(s->allocs);
	free(s->enums);
	free(s->tables);
	free(s->cols_cap);
	free(s->text);
	free(s);
}
