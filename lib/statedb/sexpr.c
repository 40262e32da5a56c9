/*
 * Sets and maps as lists of strings (sif/sexpr.h), on top of the one
 * S-expression reader and writer of lib/statedb/xapi_sexpr.c, which follow xapi's
 * lexer and SExpr.string_of to the byte: elements must be quoted atoms
 * (xapi's String_unmarshall_helper refuses bare symbols), and only `\` and
 * `'` are escaped when writing.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/sexpr.h"
#include "sif/strbuf.h"
#include "sif/xapi_value.h"

struct collect {
	struct sif_strlist *l;
	int is_map;
	int failed;
};

static int add_elem(void *u, const char *k, size_t kl, const char *v, size_t vl)
{
	struct collect *c = u;
	char *key = strndup(k, kl), *val = c->is_map ? strndup(v, vl) : NULL;
	int rc = -1;

	/* strlist holds C strings: an element with a NUL cannot be one */
	if (key && (!c->is_map || val) && strlen(key) == kl && (!val || strlen(val) == vl))
		rc = sif_strlist_add(c->l, key, val);
	free(key);
	free(val);
	if (rc < 0)
		c->failed = 1;
	return rc;
}

static int parse(const char *text, int is_map, struct sif_strlist *out,
		 struct sif_err *err)
{
	struct collect c = { out, is_map, 0 };

	memset(out, 0, sizeof(*out));
	if (sif_sexpr_parse(text, strlen(text), is_map ? SIF_XAPI_MAP : SIF_XAPI_SET,
			    add_elem, &c, err) < 0) {
		if (c.failed)
			sif_errf(err, SIF_ENOMEM, "out of memory");
		sif_strlist_free(out);
		return -1;
	}
	if (is_map && !out->vals && !(out->vals = calloc(1, sizeof(char *)))) {
		sif_strlist_free(out);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	return 0;
}

int sif_sexpr_parse_set(const char *text, struct sif_strlist *out, struct sif_err *err)
{
	return parse(text, 0, out, err);
}

int sif_sexpr_parse_map(const char *text, struct sif_strlist *out, struct sif_err *err)
{
	return parse(text, 1, out, err);
}

static char *format(const struct sif_strlist *l, int is_map)
{
	struct sif_strbuf b = SIF_STRBUF_INIT;
	int rc = is_map ? sif_sexpr_map(&b, (const char *const *)l->keys,
					(const char *const *)l->vals, l->n)
			: sif_sexpr_set(&b, (const char *const *)l->keys, l->n);

	if (rc < 0) {
		sif_strbuf_free(&b);
		return NULL;
	}
	return b.p;
}

char *sif_sexpr_format_set(const struct sif_strlist *l)
{
	return format(l, 0);
}

char *sif_sexpr_format_map(const struct sif_strlist *l)
{
	return format(l, 1);
}

void sif_strlist_free(struct sif_strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->keys[i]);
		if (l->vals)
			free(l->vals[i]);
	}
	free(l->keys);
	free(l->vals);
	memset(l, 0, sizeof(*l));
}

int sif_strlist_add(struct sif_strlist *l, const char *key, const char *val)
{
	char **k = realloc(l->keys, (l->n + 1) * sizeof(*k));

	if (!k)
		return -1;
	l->keys = k;
	if (val) {
		char **v = realloc(l->vals, (l->n + 1) * sizeof(*v));

		if (!v)
			return -1;
		l->vals = v;
		if (!(l->vals[l->n] = strdup(val)))
			return -1;
	}
	if (!(l->keys[l->n] = strdup(key))) {
		if (val)
			free(l->vals[l->n]);
		return -1;
	}
	l->n++;
	return 0;
}

long sif_strlist_find(const struct sif_strlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->keys[i], key))
			return (long)i;
	return -1;
}
