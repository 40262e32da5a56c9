/*
 * The Xenops record: records as xenopsd prints them (sexplib machine
 * format) parse; our printing is byte-exact sexplib output, round-trips
 * binary vm_str values; every malformed body is refused with its offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sif/xenops.h"

static void parse_ok(const char *s, struct sif_xenops_record *x)
{
	struct sif_err err = { 0 };

	if (sif_xenops_parse(s, strlen(s), x, &err) < 0)
		fail_msg("parse of %s failed: %s", s, err.msg);
}

static void parses_xenopsd_output(void **state)
{
	struct sif_xenops_record x;

	(void)state;
	parse_ok("((time 20240229T12:34:56Z)(word_size 64)(vm_str\"{\\\"id\\\": \\\"a b\\\"}\")(xs_subtree()))", &x);
	assert_string_equal(x.time.p, "20240229T12:34:56Z");
	assert_int_equal(x.word_size, 64);
	assert_true(x.has_vm_str);
	assert_string_equal(x.vm_str.p, "{\"id\": \"a b\"}");
	assert_true(x.has_xs_subtree);
	assert_int_equal(x.n_xs, 0);
	sif_xenops_free(&x);

	/* optional fields absent, any order, blanks and comments */
	parse_ok(" ( (word_size 32) ; the dom0 was 32-bit\n (time \"t\") ) \n", &x);
	assert_int_equal(x.word_size, 32);
	assert_string_equal(x.time.p, "t");
	assert_false(x.has_vm_str);
	assert_false(x.has_xs_subtree);
	sif_xenops_free(&x);

	parse_ok("((time x)(word_size 64)(xs_subtree((a b)(\"c d\"\"\\n\\t\\\\\"))))", &x);
	assert_int_equal(x.n_xs, 2);
	assert_string_equal(x.xs[0].key.p, "a");
	assert_string_equal(x.xs[1].key.p, "c d");
	assert_string_equal(x.xs[1].val.p, "\n\t\\");
	sif_xenops_free(&x);
}

static void escapes(void **state)
{
	struct sif_xenops_record x;

	(void)state;
	/* \DDD decimal, \xHH, \' \space, backslash-newline skipping indentation */
	parse_ok("((time \"\\065\\x42\\'\\ \\\n     C\\000\")(word_size 64))", &x);
	assert_int_equal(x.time.len, 6);
	assert_memory_equal(x.time.p, "AB' C\0", 6);
	sif_xenops_free(&x);
}

/* Found by fuzz_xenops: a bare atom holding a NUL byte. */
static void nul_in_bare_atom(void **state)
{
	static const char body[] = "((time a\0b)(word_si\0e 64))";
	struct sif_xenops_record x;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_xenops_parse(body, sizeof(body) - 1, &x, &err), -1);
	assert_non_null(strstr(err.msg, "unknown field"));
	assert_int_equal(sif_xenops_parse(body, 12, &x, &err), -1);
	assert_int_equal(sif_xenops_parse("((time a\0b)(word_size 64))", 26, &x, &err), 0);
	assert_int_equal(x.time.len, 3);
	assert_memory_equal(x.time.p, "a\0b", 3);
	sif_xenops_free(&x);
}

static void format_is_sexplib_mach(void **state)
{
	struct sif_xenops_kv kv[2] = {
		{ { "a b", 3 }, { "c", 1 } },
		{ { "k", 1 }, { "", 0 } },
	};
	struct sif_xenops_record x = {
		.time = { "20240101T00:00:00Z", 18 }, .word_size = 64,
		.has_vm_str = true, .vm_str = { "q\"\\\n\x01\xff", 6 },
		.has_xs_subtree = true, .n_xs = 2, .xs = kv,
	};
	struct sif_err err;
	size_t len;
	char *s;

	(void)state;
	s = sif_xenops_format(&x, &len, &err);
	assert_non_null(s);
	/* a space only between two bare atoms; quoted atoms need none */
	assert_string_equal(s, "((time 20240101T00:00:00Z)(word_size 64)"
			    "(vm_str\"q\\\"\\\\\\n\\001\\255\")"
			    "(xs_subtree((\"a b\"c)(k\"\"))))");
	assert_int_equal(len, strlen(s));
	free(s);
	x.has_vm_str = x.has_xs_subtree = false;
	s = sif_xenops_format(&x, &len, &err);
	assert_string_equal(s, "((time 20240101T00:00:00Z)(word_size 64))");
	free(s);
	x.word_size = 16;
	assert_null(sif_xenops_format(&x, &len, &err));
}

static void round_trip_binary(void **state)
{
	struct sif_xenops_record x = { .time = { "T", 1 }, .word_size = 32, .has_vm_str = true },
				 y;
	struct sif_err err;
	char bytes[512];
	size_t len, i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (char)(i * 7);
	x.vm_str.p = bytes;
	x.vm_str.len = sizeof(bytes);
	s = sif_xenops_format(&x, &len, &err);
	assert_non_null(s);
	assert_int_equal(sif_xenops_parse(s, len, &y, &err), 0);
	assert_int_equal(y.vm_str.len, sizeof(bytes));
	assert_memory_equal(y.vm_str.p, bytes, sizeof(bytes));
	assert_int_equal(y.word_size, 32);
	sif_xenops_free(&y);
	free(s);
}

/* Each bad body fails with "offset N" and the words expected. */
static void refuses(const char *body, size_t off, const char *words)
{
	struct sif_xenops_record x;
	struct sif_err err = { 0 };
	char want[32];

	if (sif_xenops_parse(body, strlen(body), &x, &err) == 0)
		fail_msg("accepted: %s", body);
	snprintf(want, sizeof(want), "offset %zu:", off);
	if (!strstr(err.msg, want) || !strstr(err.msg, words))
		fail_msg("for %s: got \"%s\", want \"%s\" and \"%s\"", body, err.msg, want, words);
}

static void malformed(void **state)
{
	(void)state;
	refuses("", 0, "empty Xenops record");
	refuses("  ", 2, "empty");
	refuses("()", 0, "missing field time");
	refuses("((time t))", 0, "missing field word_size");
	refuses("((time t)(word_size 64)(size 3))", 24, "unknown field 'size'");
	refuses("((time t)(word_size 64)(time u))", 24, "duplicate field time");
	refuses("((time t)(word_size 48))", 20, "expected 32 or 64");
	refuses("((time t)(word_size (64)))", 20, "expected an atom");
	refuses("((time t)(word_size 64)(vm_str \"abc))", 31, "unterminated quoted atom");
	refuses("((time \"\\q\")(word_size 64))", 8, "unknown escape");
	refuses("((time \"\\256\")(word_size 64))", 8, "above 255");
	refuses("((time \"\\x4\")(word_size 64))", 8, "two hex digits");
	refuses("((time t)(word_size 64)) x", 25, "trailing bytes");
	refuses("((time t)(word_size 64)", 0, "unclosed '('");
	refuses("((time t)(word_size 64)))", 24, "trailing bytes");
	refuses(")", 0, "unexpected ')'");
	refuses("time", 0, "expected a list");
	refuses("((time t u)(word_size 64))", 1, "(field value) pair");
	refuses("((time t)(word_size 64)(xs_subtree x))", 35, "list of (key value) pairs");
	refuses("((time t)(word_size 64)(xs_subtree((a b c))))", 35, "pair of two atoms");
	refuses("((((((((((((x))))))))))))", 9, "nesting deeper");
	refuses("#|c|# ((time t)(word_size 64))", 0, "not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_xenopsd_output),
		cmocka_unit_test(escapes),
		cmocka_unit_test(nul_in_bare_atom),
		cmocka_unit_test(format_is_sexplib_mach),
		cmocka_unit_test(round_trip_binary),
		cmocka_unit_test(malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
