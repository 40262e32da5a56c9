/*
 * xapi's S-expressions for set and map values (ocaml/libs/sexpr): the
 * lexer's longest-match rules, the unescaping of atoms, and SExpr.string_of.
 *
 * The lexer matters to the byte: ocamllex takes the longest token and, on a
 * tie, the earlier rule.  So `'a' 'b'` is two strings but `'a''b'` is one
 * symbol (quotes may occur in symbols), which a set or map refuses.
 * Stricter than xapi: text after the closing `)` is an error, not ignored.
 */
#include <string.h>

#include "sif/xapi_value.h"

enum tok { T_EOF, T_WS, T_DQ, T_SQ, T_SYM, T_OPEN, T_CLOSE, T_BAD };

struct lexer {
	const char *s;
	size_t n, pos;
	size_t start, len;      /* of the last token */
};

static size_t quoted_len(const char *s, size_t n, char q)
{
	size_t i = 1;

	while (i < n) {
		if (s[i] == q)
			return i + 1;
		i += s[i] == '\\' ? 2 : 1;
	}
	return 0;       /* unterminated: the rule does not match */
}

static size_t ws_len(const char *s, size_t n)
{
	size_t i = 0;

	if (s[0] == ';') {
		const char *nl = memchr(s, '\n', n);

		return nl ? (size_t)(nl - s) + 1 : 0;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

static size_t sym_len(const char *s, size_t n)
{
	size_t i = 0;

	for (; i < n; i++) {
		char c = s[i];

		if (c == '"' || c == ' ' || c == '\t' || c == '\n' || c == '(' || c == ')')
			break;
	}
	return i;
}

static enum tok lex(struct lexer *lx)
{
	const char *s = lx->s + lx->pos;
	size_t n = lx->n - lx->pos, best = 0, l;
	enum tok t = T_BAD;

	lx->start = lx->pos;
	if (!n)
		return T_EOF;
	/* Candidates in rule order; a later rule wins only if strictly longer. */
	if ((l = ws_len(s, n)) > best)
		best = l, t = T_WS;
	if (s[0] == '"' && (l = quoted_len(s, n, '"')) > best)
		best = l, t = T_DQ;
	if (s[0] == '\'' && (l = quoted_len(s, n, '\'')) > best)
		best = l, t = T_SQ;
	if ((l = sym_len(s, n)) > best)
		best = l, t = T_SYM;
	if (!best && (s[0] == '(' || s[0] == ')'))
		best = 1, t = s[0] == '(' ? T_OPEN : T_CLOSE;
	if (!best)
		return T_BAD;
	lx->len = best;
	lx->pos += best;
	return t;
}

static enum tok next(struct lexer *lx)
{
	enum tok t;

	while ((t = lex(lx)) == T_WS)
		;
	return t;
}

/* SExpr.unescape: a backslash takes the next byte literally; a final lone
 * backslash stays. */
static int unescape(const char *s, size_t n, struct sif_strbuf *out)
{
	size_t i;
	int esc = 0;

	sif_strbuf_reset(out);
	if (sif_strbuf_grow(out, n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && !esc) {
			esc = 1;
			continue;
		}
		esc = 0;
		out->p[out->len++] = s[i];
	}
	if (esc)
		out->p[out->len++] = '\\';
	out->p[out->len] = '\0';
	return 0;
}

static const char *tok_name(enum tok t)
{
	switch (t) {
	case T_EOF: return "end of value";
	case T_DQ: case T_SQ: return "a quoted string";
	case T_SYM: return "an unquoted symbol";
	case T_OPEN: return "'('";
	case T_CLOSE: return "')'";
	default: return "a character no token starts with";
	}
}

static int expected(struct lexer *lx, enum tok got, const char *what,
		    struct sif_err *err)
{
	return sif_errf(err, SIF_EFORMAT,
			"offset %zu: expected %s, found %s",
			lx->start, what, tok_name(got));
}

/* Read one quoted atom into buf. */
static int atom(struct lexer *lx, struct sif_strbuf *buf, const char *what,
		struct sif_err *err)
{
	enum tok t = next(lx);

	if (t != T_DQ && t != T_SQ)
		return expected(lx, t, what, err);
	if (unescape(lx->s + lx->start + 1, lx->len - 2, buf) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	return 0;
}

int sif_sexpr_parse(const char *s, size_t n, enum sif_xapi_kind kind,
		    sif_sexpr_elem_fn elem, void *u, struct sif_err *err)
{
	struct sif_strbuf k = SIF_STRBUF_INIT, v = SIF_STRBUF_INIT;
	struct lexer lx = { .s = s, .n = n };
	enum tok t;
	int rc = -1;

	if (kind != SIF_XAPI_SET && kind != SIF_XAPI_MAP) {
		sif_errf(err, SIF_EUSAGE, "sif_sexpr_parse: not a set or map kind");
		goto out;
	}
	if ((t = next(&lx)) != T_OPEN) {
		expected(&lx, t, "'(' opening the set or map", err);
		goto out;
	}
	for (;;) {
		struct lexer save = lx;

		t = next(&lx);
		if (t == T_CLOSE)
			break;
		if (kind == SIF_XAPI_SET) {
			lx = save;
			if (atom(&lx, &k, "a quoted set element or ')'", err) < 0)
				goto out;
			if (elem && elem(u, k.p, k.len, NULL, 0) < 0) {
				sif_errf(err, SIF_EFORMAT, "S-expression: element refused");
				goto out;
			}
			continue;
		}
		if (t != T_OPEN) {
			expected(&lx, t, "'(' opening a map pair or ')'", err);
			goto out;
		}
		if (atom(&lx, &k, "a quoted map key", err) < 0 ||
		    atom(&lx, &v, "a quoted map value", err) < 0)
			goto out;
		if ((t = next(&lx)) != T_CLOSE) {
			expected(&lx, t, "')' closing the map pair", err);
			goto out;
		}
		if (elem && elem(u, k.p, k.len, v.p, v.len) < 0) {
			sif_errf(err, SIF_EFORMAT, "S-expression: pair refused");
			goto out;
		}
	}
	if ((t = next(&lx)) != T_EOF) {
		expected(&lx, t, "nothing after the closing ')'", err);
		goto out;
	}
	rc = 0;
out:
	sif_strbuf_free(&k);
	sif_strbuf_free(&v);
	return rc;
}

int sif_sexpr_atom(struct sif_strbuf *out, const char *s, size_t n)
{
	size_t i;

	if (sif_strbuf_addc(out, '\'') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((s[i] == '\\' || s[i] == '\'') && sif_strbuf_addc(out, '\\') < 0)
			return -1;
		if (sif_strbuf_addc(out, s[i]) < 0)
			return -1;
	}
	return sif_strbuf_addc(out, '\'');
}

int sif_sexpr_set(struct sif_strbuf *out, const char *const *elems, size_t n)
{
	size_t i;

	if (sif_strbuf_addc(out, '(') < 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((i && sif_strbuf_addc(out, ' ') < 0) ||
		    sif_sexpr_atom(out, elems[i], strlen(elems[i])) < 0)
			return -1;
	return sif_strbuf_addc(out, ')');
}

int sif_sexpr_map(struct sif_strbuf *out, const char *const *keys,
		  const char *const *vals, size_t n)
{
	size_t i;

	if (sif_strbuf_addc(out, '(') < 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((i && sif_strbuf_addc(out, ' ') < 0) ||
		    sif_strbuf_addc(out, '(') < 0 ||
		    sif_sexpr_atom(out, keys[i], strlen(keys[i])) < 0 ||
		    sif_strbuf_addc(out, ' ') < 0 ||
		    sif_sexpr_atom(out, vals[i], strlen(vals[i])) < 0 ||
		    sif_strbuf_addc(out, ')') < 0)
			return -1;
	return sif_strbuf_addc(out, ')');
}
