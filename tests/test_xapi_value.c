/*
 * xapi's value encodings in state.db: whitespace protection (xml_spaces.ml),
 * Xmlm's attribute escaping, and the S-expressions of sets and maps
 * (libs/sexpr) with the lexer's longest-match rule.  Expected strings are
 * written out by hand from xapi's sources, not produced by sif.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sif/xapi_value.h"

static char *unprotect(const char *in, int *rc, size_t *bad)
{
	struct sif_strbuf b = SIF_STRBUF_INIT;

	*rc = sif_xapi_unprotect(in, strlen(in), &b, bad);
	if (!b.p)
		return strdup("");
	return b.p;
}

static void unprotect_cases(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "a%.b", "a b" },
		{ "%t%n%r%%", "\t\n\r%" },
		{ "%.%.lead%.and%.trail%.", "  lead and trail " },
		{ "%_", "  " },                 /* pre-2017 xapi: two spaces */
		{ "a%_%.b", "a   b" },
		{ "%%.", "%." },                /* pairs are read left to right */
		{ "raw space kept", "raw space kept" },
		{ "(('k'%.'v'))", "(('k' 'v'))" },
	};
	static const struct { const char *in; size_t bad; } bad[] = {
		{ "%", 0 }, { "abc%", 3 }, { "%x", 0 }, { "ok%.then%q", 8 }, { "%%%", 2 },
		{ "100%", 3 }, { "%T", 0 },
	};
	size_t i, off;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *got = unprotect(ok[i].in, &rc, &off);

		assert_int_equal(rc, 0);
		assert_string_equal(got, ok[i].out);
		assert_true(sif_xapi_protected_equals(ok[i].in, strlen(ok[i].in), ok[i].out,
						      strlen(ok[i].out)));
		free(got);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *got = unprotect(bad[i].in, &rc, &off);

		assert_int_equal(rc, -1);
		assert_int_equal(off, bad[i].bad);
		assert_int_equal(sif_xapi_check_protected(bad[i].in, strlen(bad[i].in), &off), -1);
		assert_false(sif_xapi_protected_equals(bad[i].in, strlen(bad[i].in), "", 0));
		free(got);
	}
	assert_false(sif_xapi_protected_equals("legacy", 6, "legac", 5));
	assert_false(sif_xapi_protected_equals("a%.b", 4, "a_b", 3));
	assert_false(sif_xapi_protected_equals("%_", 2, " ", 1));
}

static char *encode(const char *in, size_t n, int *rc, size_t *bad)
{
	struct sif_strbuf b = SIF_STRBUF_INIT;

	*rc = sif_xapi_encode_attr(in, n, &b, bad);
	return b.p ? b.p : strdup("");
}

static void encode_cases(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "", "" },
		{ "a b", "a%.b" },
		{ "100% <b>&\"q\"'s'", "100%%%.&lt;b&gt;&amp;&quot;q&quot;'s'" },
		{ "\t\n\r", "%t%n%r" },
		{ "  x  ", "%.%.x%.%." },
		{ "]]>", "]]&gt;" },
		{ "\x01\x1f", "\xef\xbf\xbd\xef\xbf\xbd" },     /* Xmlm: U+FFFD */
		{ "caf\xc3\xa9 \xf0\x9f\x99\x82", "caf\xc3\xa9%.\xf0\x9f\x99\x82" },
		{ "\x7f", "\x7f" },
		{ "(('it\\'s'%.'x'))", "(('it\\'s'%%.'x'))" },
	};
	static const struct { const char *in; size_t bad; } bad[] = {
		{ "\xff", 0 },                  /* not UTF-8 */
		{ "ab\xc3", 2 },                /* truncated sequence */
		{ "\xc0\xaf", 0 },              /* overlong */
		{ "x\xed\xa0\x80", 1 },         /* surrogate */
		{ "\xef\xbf\xbe", 0 },          /* U+FFFE */
		{ "\xf4\x90\x80\x80", 0 },      /* beyond U+10FFFF */
	};
	size_t i, off;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *got = encode(ok[i].in, strlen(ok[i].in), &rc, &off);

		assert_int_equal(rc, 0);
		assert_string_equal(got, ok[i].out);
		free(got);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *got = encode(bad[i].in, strlen(bad[i].in), &rc, &off);

		assert_int_equal(rc, -1);
		assert_int_equal(off, bad[i].bad);
		assert_int_equal(sif_xml_check_chars(bad[i].in, strlen(bad[i].in), &off), -1);
		free(got);
	}
}

struct collected {
	int n;
	char items[8][2][64];
};

static int collect(void *u, const char *k, size_t kl, const char *v, size_t vl)
{
	struct collected *c = u;

	if (c->n == 8 || kl >= 64 || vl >= 64)
		return -1;
	memcpy(c->items[c->n][0], k, kl);
	c->items[c->n][0][kl] = '\0';
	if (v)
		memcpy(c->items[c->n][1], v, vl);
	c->items[c->n][1][v ? vl : 0] = '\0';
	c->n++;
	return 0;
}

static void sexpr_reads_like_xapi(void **state)
{
	struct collected c = { 0 };
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_sexpr_parse("('a' 'b c')", 11, SIF_XAPI_SET, collect, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[1][0], "b c");
	memset(&c, 0, sizeof(c));
	assert_int_equal(sif_sexpr_parse("()", 2, SIF_XAPI_MAP, collect, &c, &err), 0);
	assert_int_equal(c.n, 0);
	/* escapes: \x is x; a double-quoted atom; comments and odd whitespace */
	{
		const char *s = " ( ('it\\'s' \"d\\\"q\") ; note\n\t('back\\\\slash' '') )\r\n";

		memset(&c, 0, sizeof(c));
		assert_int_equal(sif_sexpr_parse(s, strlen(s), SIF_XAPI_MAP, collect, &c, &err), 0);
		assert_int_equal(c.n, 2);
		assert_string_equal(c.items[0][0], "it's");
		assert_string_equal(c.items[0][1], "d\"q");
		assert_string_equal(c.items[1][0], "back\\slash");
		assert_string_equal(c.items[1][1], "");
	}
	/* a final lone backslash of an atom stays (SExpr.unescape) */
	memset(&c, 0, sizeof(c));
	assert_int_equal(sif_sexpr_parse("('a\\\\\\b')", 9, SIF_XAPI_SET, collect, &c, &err), 0);
	assert_string_equal(c.items[0][0], "a\\b");
}

static void sexpr_refuses(void **state)
{
	static const struct { const char *in; enum sif_xapi_kind k; const char *msg; } bad[] = {
		{ "", SIF_XAPI_SET, "offset 0: expected '(' opening the set or map, found end of value" },
		{ "('a'", SIF_XAPI_SET, "offset 4: expected a quoted set element or ')'" },
		{ "('a) ", SIF_XAPI_SET, "found an unquoted symbol" },
		/* a quote inside a symbol makes 'a''b' one symbol, as ocamllex does */
		{ "('a''b')", SIF_XAPI_SET, "offset 1: expected a quoted set element or ')', found an unquoted symbol" },
		{ "(a)", SIF_XAPI_SET, "found an unquoted symbol" },
		{ "(('k'))", SIF_XAPI_MAP, "offset 5: expected a quoted map value, found ')'" },
		{ "(('k' 'v' 'w'))", SIF_XAPI_MAP, "offset 10: expected ')' closing the map pair" },
		{ "('a') x", SIF_XAPI_SET, "offset 6: expected nothing after the closing ')'" },
		{ "(('k' 'v'))", SIF_XAPI_SET, "offset 1: expected a quoted set element or ')', found '('" },
		{ "('a' 'b'", SIF_XAPI_MAP, "offset 1: expected '(' opening a map pair" },
		{ "(\"unterminated)", SIF_XAPI_SET, "a character no token starts with" },
		{ "('x'; no newline)", SIF_XAPI_SET, "found an unquoted symbol" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sif_err err = { 0 };
		int rc = sif_sexpr_parse(bad[i].in, strlen(bad[i].in), bad[i].k, NULL, NULL, &err);

		assert_int_equal(rc, -1);
		assert_int_equal(err.code, SIF_EFORMAT);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("input %s: got '%s', want '%s'", bad[i].in, err.msg, bad[i].msg);
	}
}

static void sexpr_writes_like_xapi(void **state)
{
	static const char *const set[] = { "a", "it's", "back\\slash", "\"dq\"", "" };
	static const char *const keys[] = { "k", "x y" }, *const vals[] = { "v", "(z)" };
	struct sif_strbuf b = SIF_STRBUF_INIT;
	struct collected c = { 0 };
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_sexpr_set(&b, set, 5), 0);
	/* SExpr.escape_buf escapes \ and ' only; " stays */
	assert_string_equal(b.p, "('a' 'it\\'s' 'back\\\\slash' '\"dq\"' '')");
	assert_int_equal(sif_sexpr_parse(b.p, b.len, SIF_XAPI_SET, collect, &c, &err), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.items[1][0], "it's");
	assert_string_equal(c.items[2][0], "back\\slash");
	assert_string_equal(c.items[3][0], "\"dq\"");
	sif_strbuf_reset(&b);
	assert_int_equal(sif_sexpr_set(&b, set, 0), 0);
	assert_string_equal(b.p, "()");
	sif_strbuf_reset(&b);
	assert_int_equal(sif_sexpr_map(&b, keys, vals, 2), 0);
	assert_string_equal(b.p, "(('k' 'v') ('x y' '(z)'))");
	sif_strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unprotect_cases),
		cmocka_unit_test(encode_cases),
		cmocka_unit_test(sexpr_reads_like_xapi),
		cmocka_unit_test(sexpr_refuses),
		cmocka_unit_test(sexpr_writes_like_xapi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
