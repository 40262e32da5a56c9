/* xapi's S-expression encoding of sets and maps: round trips, escapes, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sif/sexpr.h"

static void map_round_trip(void **state)
{
	struct sif_strlist l;
	struct sif_err err;
	char *s;

	(void)state;
	assert_int_equal(sif_sexpr_parse_map("(('k' 'v') ('k2' 'v 2'))", &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[1], "k2");
	assert_string_equal(l.vals[1], "v 2");
	s = sif_sexpr_format_map(&l);
	assert_string_equal(s, "(('k' 'v') ('k2' 'v 2'))");
	free(s);
	sif_strlist_free(&l);
}

static void escapes(void **state)
{
	struct sif_strlist l = { 0 };
	struct sif_err err;
	char *s;

	(void)state;
	assert_int_equal(sif_strlist_add(&l, "it's", NULL), 0);
	assert_int_equal(sif_strlist_add(&l, "back\\slash \"q\"", NULL), 0);
	s = sif_sexpr_format_set(&l);
	assert_string_equal(s, "('it\\'s' 'back\\\\slash \\\"q\\\"')");
	sif_strlist_free(&l);
	assert_int_equal(sif_sexpr_parse_set(s, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], "it's");
	assert_string_equal(l.keys[1], "back\\slash \"q\"");
	free(s);
	sif_strlist_free(&l);
}

static void reader_accepts_what_xapi_lexes(void **state)
{
	struct sif_strlist l;
	struct sif_err err;

	(void)state;
	/* bare symbols, double-quoted atoms, comments and odd whitespace */
	assert_int_equal(sif_sexpr_parse_map(" ( (key \"v\\\"x\") ; c\n\t('a' b) ) ", &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], "key");
	assert_string_equal(l.vals[0], "v\"x");
	assert_string_equal(l.vals[1], "b");
	sif_strlist_free(&l);
	assert_int_equal(sif_sexpr_parse_set("()", &l, &err), 0);
	assert_int_equal(l.n, 0);
	sif_strlist_free(&l);
}

static void errors_name_offsets(void **state)
{
	static const struct { const char *in; int map; const char *msg; } bad[] = {
		{ "", 0, "offset 0: expected '(' opening the list, found end of value" },
		{ "('a'", 0, "offset 4: expected an atom, found end of value" },
		{ "('a) ", 0, "unterminated atom starting at offset 1" },
		{ "(('k'))", 1, "offset 5: expected an atom, found a parenthesis" },
		{ "(('k' 'v' 'w'))", 1, "offset 10: expected ')' closing the key/value pair" },
		{ "('a') x", 0, "offset 6: trailing data after the list" },
		{ "(('k' 'v'))", 0, "offset 1: expected an atom, found a parenthesis" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sif_strlist l;
		struct sif_err err;
		int rc = bad[i].map ? sif_sexpr_parse_map(bad[i].in, &l, &err)
				    : sif_sexpr_parse_set(bad[i].in, &l, &err);

		assert_int_equal(rc, -1);
		assert_int_equal(err.code, SIF_EFORMAT);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("input %s: got '%s', want '%s'", bad[i].in, err.msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_round_trip),
		cmocka_unit_test(escapes),
		cmocka_unit_test(reader_accepts_what_xapi_lexes),
		cmocka_unit_test(errors_name_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
