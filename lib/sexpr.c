/*
 * Reader and writer of xapi's S-expression encoding of sets and maps.
 * Only the shapes the datamodel stores are accepted: a list of atoms (set)
 * or a list of two-atom lists (map); anything deeper is a format error.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/sexpr.h"

struct lexer {
	const char *s;
	size_t pos;
	struct sif_err *err;
};

static void skip_space(struct lexer *lx)
{
	for (;;) {
		char c = lx->s[lx->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			lx->pos++;
		} else if (c == ';') {
			while (lx->s[lx->pos] && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else {
			return;
		}
	}
}

static int expect(struct lexer *lx, char c, const char *what)
{
	skip_space(lx);
	if (lx->s[lx->pos] != c) {
		if (!lx->s[lx->pos])
			return sif_errf(lx->err, SIF_EFORMAT,
					"offset %zu: expected %s, found end of value",
					lx->pos, what);
		return sif_errf(lx->err, SIF_EFORMAT,
				"offset %zu: expected %s, found '%c'",
				lx->pos, what, lx->s[lx->pos]);
	}
	lx->pos++;
	return 0;
}

/* An atom: 'quoted', "quoted" (backslash escapes) or a bare symbol. */
static int atom(struct lexer *lx, char **out)
{
	size_t start, n = 0;
	char q, *buf;

	skip_space(lx);
	q = lx->s[lx->pos];
	if (q == '\'' || q == '"') {
		start = ++lx->pos;
		while (lx->s[lx->pos] && lx->s[lx->pos] != q) {
			if (lx->s[lx->pos] == '\\' && lx->s[lx->pos + 1])
				lx->pos++;
			lx->pos++;
		}
		if (!lx->s[lx->pos])
			return sif_errf(lx->err, SIF_EFORMAT,
					"offset %zu: unterminated atom starting at offset %zu",
					lx->pos, start - 1);
		buf = malloc(lx->pos - start + 1);
		if (!buf)
			return sif_errf(lx->err, SIF_ENOMEM, "out of memory");
		for (size_t i = start; i < lx->pos; i++) {
			if (lx->s[i] == '\\')
				i++;
			buf[n++] = lx->s[i];
		}
		lx->pos++;
	} else {
		start = lx->pos;
		while (lx->s[lx->pos] && !strchr("\" \t\r\n()", lx->s[lx->pos]))
			lx->pos++;
		if (lx->pos == start)
			return sif_errf(lx->err, SIF_EFORMAT,
					"offset %zu: expected an atom, found %s", lx->pos,
					lx->s[lx->pos] ? "a parenthesis" : "end of value");
		n = lx->pos - start;
		buf = malloc(n + 1);
		if (!buf)
			return sif_errf(lx->err, SIF_ENOMEM, "out of memory");
		memcpy(buf, lx->s + start, n);
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int parse(const char *text, int is_map, struct sif_strlist *out,
		 struct sif_err *err)
{
	struct lexer lx = { text, 0, err };
	char *k = NULL, *v = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (expect(&lx, '(', "'(' opening the list") < 0)
		goto out;
	for (;;) {
		skip_space(&lx);
		if (lx.s[lx.pos] == ')')
			break;
		if (is_map) {
			if (expect(&lx, '(', "'(' opening a key/value pair") < 0 ||
			    atom(&lx, &k) < 0 || atom(&lx, &v) < 0 ||
			    expect(&lx, ')', "')' closing the key/value pair") < 0)
				goto out;
		} else if (atom(&lx, &k) < 0) {
			goto out;
		}
		if (sif_strlist_add(out, k, v) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		free(k);
		free(v);
		k = v = NULL;
	}
	lx.pos++;
	skip_space(&lx);
	if (lx.s[lx.pos]) {
		sif_errf(err, SIF_EFORMAT, "offset %zu: trailing data after the list",
			 lx.pos);
		goto out;
	}
	if (is_map && !out->vals && !(out->vals = calloc(1, sizeof(char *)))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(k);
	free(v);
	if (rc < 0)
		sif_strlist_free(out);
	return rc;
}

int sif_sexpr_parse_set(const char *text, struct sif_strlist *out, struct sif_err *err)
{
	return parse(text, 0, out, err);
}

int sif_sexpr_parse_map(const char *text, struct sif_strlist *out, struct sif_err *err)
{
	return parse(text, 1, out, err);
}

static size_t escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += strchr("\\'\"", *s) ? 2 : 1;
	return n;
}

static char *put_atom(char *p, const char *s)
{
	*p++ = '\'';
	for (; *s; s++) {
		if (strchr("\\'\"", *s))
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '\'';
	return p;
}

static char *format(const struct sif_strlist *l, int is_map)
{
	size_t i, len = 3;
	char *buf, *p;

	for (i = 0; i < l->n; i++) {
		len += escaped_len(l->keys[i]) + 3;
		if (is_map)
			len += escaped_len(l->vals[i]) + 5;
	}
	if (!(buf = malloc(len)))
		return NULL;
	p = buf;
	*p++ = '(';
	for (i = 0; i < l->n; i++) {
		if (i)
			*p++ = ' ';
		if (is_map) {
			*p++ = '(';
			p = put_atom(p, l->keys[i]);
			*p++ = ' ';
			p = put_atom(p, l->vals[i]);
			*p++ = ')';
		} else {
			p = put_atom(p, l->keys[i]);
		}
	}
	*p++ = ')';
	*p = '\0';
	return buf;
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
