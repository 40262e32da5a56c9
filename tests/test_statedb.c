/*
 * The state.db codec: the reader's structure and value checks (every
 * bad-input case names the file, the byte and the row), the writer's bytes
 * against a file written by hand to xapi's rules, read-then-write byte
 * identity, independence from how the input is cut into blocks, and the
 * in-place upgrade (placement, idempotence, dry run, backup, refusals and
 * injected write failures leaving the target untouched).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/strbuf.h"
#include "sdbtest.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sif_fs_set_ops(NULL);
	tu_rmrf(dir);
	free(dir);
	return 0;
}

static char *path_in_dir(const char *name)
{
	return tu_strf("%s/%s", dir, name);
}

static char *write_tmp(const char *name, const char *text)
{
	char *p = path_in_dir(name);

	assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
	return p;
}

static void copy_file(const char *from, const char *to)
{
	struct run_result r;

	if (tu_sh(&r, "cp '%s' '%s'", from, to) != 0 || r.status)
		fail_msg("cp %s %s failed", from, to);
	tu_run_free(&r);
}

/* --- re-serialising visitor: what export does, minus the database ------- */

struct rt {
	struct sif_statedb_writer *w;
	struct sif_strbuf vals[160];
	int rows;
};

static int rt_manifest(void *u, const struct sif_statedb_manifest *m, struct sif_err *err)
{
	struct rt *rt = u;

	return sif_statedb_write_begin(rt->w, m->pairs, m->npairs, err);
}

static int rt_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	return sif_statedb_write_table_begin(((struct rt *)u)->w, t->name, err);
}

static int rt_table_end(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	(void)t;
	return sif_statedb_write_table_end(((struct rt *)u)->w, err);
}

static int rt_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct rt *rt = u;
	struct sif_statedb_attr a[160];
	size_t i;

	assert_true(r->nattrs <= 160);
	for (i = 0; i < r->nattrs; i++) {
		const char *nm = r->attrs[i].name;

		sif_strbuf_reset(&rt->vals[i]);
		a[i].name = nm;
		if (!strcmp(nm, "ref") || !strcmp(nm, "__ctime") || !strcmp(nm, "__mtime")) {
			assert_int_equal(sif_strbuf_add(&rt->vals[i], r->attrs[i].value,
							r->attrs[i].len), 0);
		} else if (sif_xapi_unprotect(r->attrs[i].value, r->attrs[i].len,
					      &rt->vals[i], NULL) < 0) {
			return sif_errf(err, SIF_EFORMAT, "unprotect");
		}
		a[i].value = rt->vals[i].p ? rt->vals[i].p : "";
		a[i].len = rt->vals[i].len;
	}
	rt->rows++;
	return sif_statedb_write_row(rt->w, a, r->nattrs, err);
}

static const struct sif_statedb_visitor rt_visitor = {
	.manifest = rt_manifest, .table_begin = rt_table_begin, .row = rt_row,
	.table_end = rt_table_end,
};

/* Read `in` (fed `chunk` bytes at a time) and write it back; returns the bytes. */
static char *round_trip(const char *in, size_t len, size_t chunk, size_t *out_len)
{
	char *out_path = path_in_dir("rt.out"), *got;
	struct rt rt = { 0 };
	struct sif_err err = { 0 };
	FILE *f = fopen(out_path, "w");
	int i;

	assert_non_null(f);
	assert_int_equal(sif_statedb_writer_new(&rt.w, fileno(f), "rt.out", &err), 0);
	if (sif_statedb_read_mem("mem", in, len, chunk, &rt_visitor, &rt, &err) < 0)
		fail_msg("round trip read: %s", err.msg);
	assert_int_equal(sif_statedb_write_end(rt.w, &err), 0);
	sif_statedb_writer_free(rt.w);
	fclose(f);
	for (i = 0; i < 160; i++)
		sif_strbuf_free(&rt.vals[i]);
	got = tu_read_file(out_path, out_len);
	free(out_path);
	return got;
}

static void writer_reproduces_handwritten_file(void **state)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 7, 64, 100, 4096 };
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *got = round_trip(tu_statedb_canonical, strlen(tu_statedb_canonical), chunks[i], &n);

		assert_int_equal(n, strlen(tu_statedb_canonical));
		assert_memory_equal(got, tu_statedb_canonical, n);
		free(got);
	}
}

/* What the reader hands over: decoded entities, protected whitespace. */
struct seen {
	char name_label[128];
	size_t rows, tables;
	long long gen;
	uint64_t tag_end;
	char ref[64];
};

static int seen_manifest(void *u, const struct sif_statedb_manifest *m, struct sif_err *err)
{
	(void)err;
	((struct seen *)u)->gen = m->generation;
	return 0;
}

static int seen_table(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	(void)t; (void)err;
	((struct seen *)u)->tables++;
	return 0;
}

static int seen_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct seen *s = u;
	size_t i;

	(void)err;
	s->rows++;
	if (strcmp(r->table->name, "VDI") || r->index != 0)
		return 0;
	snprintf(s->ref, sizeof(s->ref), "%s", r->ref);
	s->tag_end = r->tag_end;
	for (i = 0; i < r->nattrs; i++)
		if (!strcmp(r->attrs[i].name, "name__label"))
			snprintf(s->name_label, sizeof(s->name_label), "%.*s",
				 (int)r->attrs[i].len, r->attrs[i].value);
	return 0;
}

static void reader_reports_values_and_offsets(void **state)
{
	struct sif_statedb_visitor v = { .manifest = seen_manifest, .table_begin = seen_table,
					 .row = seen_row };
	struct seen s = { 0 };
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_statedb_read_mem("mem", tu_statedb_canonical,
					      strlen(tu_statedb_canonical), 5, &v, &s, &err), 0);
	assert_int_equal(s.gen, 42);
	assert_int_equal(s.tables, 4);
	assert_int_equal(s.rows, 3);
	assert_string_equal(s.ref, "OpaqueRef:b1");
	assert_string_equal(s.name_label, "<x>%.&%.\"q\"%.'s'%t%n%r");
	/* tag_end is the '/' of that row's "/>" */
	assert_int_equal(tu_statedb_canonical[s.tag_end], '/');
	assert_int_equal(tu_statedb_canonical[s.tag_end + 1], '>');
	assert_memory_equal(tu_statedb_canonical + s.tag_end - 9, "uuid=\"u2\"", 9);
}

static enum sif_xapi_kind test_kind(void *u, const char *table, const char *column)
{
	(void)u; (void)table;
	if (!strcmp(column, "other_config") || !strcmp(column, "sm_config"))
		return SIF_XAPI_MAP;
	if (!strcmp(column, "tags"))
		return SIF_XAPI_SET;
	return SIF_XAPI_STRING;
}


/* Every bad input: an error naming the file and where, never a crash. */
static void reader_refuses_bad_input(void **state)
{
	static const struct { const char *doc; int with_head; const char *msg[3]; } bad[] = {
		{ "hello", 0, { "bad.db: ", "not valid XML", NULL } },
		{ "", 0, { "bad.db", "not valid XML", NULL } },
		{ "<db/>", 0, { "bad.db: line 1, byte", "root element is <db>, expected <database>" } },
		{ "<database></database>", 0, { "has no <manifest>" } },
		{ "<database><table name=\"VDI\"/></database>", 0,
		  { "<table> before <manifest>" } },
		{ "<database><manifest><pair key=\"schema_minor_vsn\" value=\"909\"/>"
		  "<pair key=\"generation_count\" value=\"1\"/></manifest></database>", 0,
		  { "manifest: missing pair schema_major_vsn" } },
		{ "<database><manifest><pair key=\"schema_major_vsn\" value=\"6\"/>"
		  "<pair key=\"schema_minor_vsn\" value=\"0\"/><pair key=\"generation_count\" "
		  "value=\"1\"/></manifest></database>", 0,
		  { "schema_major_vsn 6 is not supported (sif reads 5)" } },
		{ "<database><manifest><pair key=\"schema_major_vsn\" value=\"five\"/>"
		  "<pair key=\"schema_minor_vsn\" value=\"0\"/><pair key=\"generation_count\" "
		  "value=\"1\"/></manifest></database>", 0,
		  { "schema_major_vsn=\"five\" is not an integer" } },
		{ "<database><manifest><pair value=\"5\" key=\"schema_major_vsn\"/>"
		  "</manifest></database>", 0, { "exactly the attributes key and value" } },
		{ "<table name=\"VDI\"><row ref=\"r1\" a=\"x%y\"/></table></database>", 1,
		  { "bad.db: line 2, byte", "table VDI, row 0 (ref r1)",
		    "column a: invalid whitespace escape at value offset 1" } },
		{ "<table name=\"VDI\"><row ref=\"r1\" a=\"lone%\"/></table></database>", 1,
		  { "table VDI, row 0 (ref r1)", "column a", "value offset 4" } },
		{ "<table name=\"VDI\"><row ref=\"r1\" other_config=\"(('k'%.'v')\"/></table>"
		  "</database>", 1,
		  { "table VDI, row 0 (ref r1)", "column other_config (a map)",
		    "expected '(' opening a map pair or ')', found end of value" } },
		{ "<table name=\"VDI\"><row ref=\"r1\" tags=\"(t)\"/></table></database>", 1,
		  { "column tags (a set)", "unquoted symbol" } },
		{ "<table name=\"VDI\"><row ref=\"r1\"/><row ref=\"r1\"/></table></database>", 1,
		  { "table VDI, row 1 (ref r1)", "duplicate row ref r1" } },
		{ "<table name=\"VDI\"><row ref=\"r2\"/><row ref=\"r1\"/><row ref=\"r3\"/>"
		  "<row ref=\"r2\"/></table></database>", 1,
		  { "table VDI, row 3 (ref r2)", "duplicate row ref r2" } },
		{ "<table name=\"VDI\"><row __ctime=\"1\"/></table></database>", 1,
		  { "table VDI, row 0", "row has no ref attribute" } },
		{ "<table name=\"VDI\"><row ref=\"r\" __mtime=\"12a\"/></table></database>", 1,
		  { "__mtime=\"12a\" is not an integer" } },
		{ "<table name=\"VDI\"/><table name=\"VDI\"/></database>", 1,
		  { "table VDI appears twice" } },
		{ "<table nom=\"VDI\"/></database>", 1, { "exactly one attribute, name" } },
		{ "<table name=\"VDI\"><cell/></table></database>", 1,
		  { "unexpected element <cell> in <table>" } },
		{ "<table name=\"VDI\"><row ref=\"r\"><row ref=\"s\"/></row></table></database>", 1,
		  { "unexpected element <row> inside <row>" } },
		{ "<blob/></database>", 1, { "unexpected element <blob> in <database>" } },
		{ "text</database>", 1, { "unexpected text between elements" } },
		{ "<table name=\"VDI\"><row ref=\"r\" a=\"&bogus;\"/></table></database>", 1,
		  { "not valid XML", "bogus" } },
		{ "<table name=\"VDI\"></table>", 1, { "bad.db", "not valid XML" } },
		{ "<!DOCTYPE database [<!ENTITY x \"y\">]><database/>", 0,
		  { "DOCTYPE is not part of state.db" } },
		{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><database/>", 0,
		  { "encoding", "state.db is UTF-8" } },
		{ "<database xmlns=\"urn:x\"/>", 0, { "namespaces" } },
		{ "<table name=\"VDI\"><row ref=\"r\" x:a=\"1\"/></table></database>", 1,
		  { "not valid XML" } },
		{ "<table name=\"VDI\"><row ref=\"r\" a=\"1\" a=\"2\"/></table></database>", 1,
		  { "not valid XML", "redefined" } },
		{ "<table name=\"VDI\"/></database><extra/>", 1, { "not valid XML" } },
		/* libxml2 reports this row before it notices the tag never ends */
		{ "<table name=\"VDI\"><row ref=\"r1\" \x01 a=\"1\"/></table></database>", 1,
		  { "bad.db: line 2, byte", "<row>: start tag not closed by '>' or '/>'" } },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *doc = bad[i].with_head ? tu_strf("%s%s", tu_statedb_head, bad[i].doc) :
			strdup(bad[i].doc);
		struct sif_statedb_visitor v = { .kind = test_kind };
		struct sif_err err = { 0 };
		size_t chunk;

		for (chunk = 0; chunk <= 3; chunk += 3) {
			int rc = sif_statedb_read_mem("bad.db", doc, strlen(doc), chunk, &v, NULL, &err);

			if (rc != -1)
				fail_msg("case %zu accepted: %s", i, doc);
			assert_int_equal(err.code, SIF_EFORMAT);
			for (k = 0; k < 3 && bad[i].msg[k]; k++)
				if (!strstr(err.msg, bad[i].msg[k]))
					fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg[k]);
			if (strncmp(err.msg, "bad.db", 6))
				fail_msg("case %zu: '%s' does not name the file", i, err.msg);
		}
		free(doc);
	}
}

/* A file cut anywhere is refused, never half read. */
static void truncated_anywhere_is_refused(void **state)
{
	size_t len = strlen(tu_statedb_canonical), cut;

	(void)state;
	for (cut = 0; cut < len; cut++) {
		struct sif_err err = { 0 };
		struct sif_statedb_visitor v = { 0 };

		if (sif_statedb_read_mem("cut.db", tu_statedb_canonical, cut, cut % 7, &v, NULL, &err) != -1)
			fail_msg("prefix of %zu bytes accepted", cut);
		assert_non_null(strstr(err.msg, "cut.db"));
	}
}

/* Rows out of ref order: allowed (xapi's reader does not care), and a
 * duplicate far from its twin is still found (the table is re-read). */
static void unsorted_tables(void **state)
{
	char *ok = tu_strf("%s<table name=\"A\"><row ref=\"r1\"/></table><table name=\"B\">"
			   "<row ref=\"r5\"/><row ref=\"r3\"/><row ref=\"r9\"/><row ref=\"r1\"/>"
			   "</table><table name=\"C\"><row ref=\"r1\"/><row ref=\"r0\"/></table>"
			   "</database>", tu_statedb_head);
	char *dup = tu_strf("%s<table name=\"A\"><row ref=\"r1\"/></table><table name=\"B\">"
			    "<row ref=\"r5\"/><row ref=\"r6\"/><row ref=\"r3\"/><row ref=\"r7\"/>"
			    "<row ref=\"r5\"/></table></database>", tu_statedb_head);
	char *path = write_tmp("dup.db", dup);
	struct sif_err err = { 0 };
	struct seen s = { 0 };
	struct sif_statedb_visitor v = { .row = seen_row };

	(void)state;
	assert_int_equal(sif_statedb_read_mem("ok.db", ok, strlen(ok), 0, &v, &s, &err), 0);
	assert_int_equal(s.rows, 7);
	assert_int_equal(sif_statedb_read_mem("dup.db", dup, strlen(dup), 4, &v, &s, &err), -1);
	assert_non_null(strstr(err.msg, "table B, row 4 (ref r5): duplicate row ref r5"));
	/* the same from a file (the re-read opens it again) */
	assert_int_equal(sif_statedb_read_file(path, &v, &s, &err), -1);
	assert_non_null(strstr(err.msg, "duplicate row ref r5"));
	free(ok);
	free(dup);
	free(path);
}

/* --- upgrade ------------------------------------------------------------ */

static int upgrade(const char *path, const char *output, bool dry, bool backup,
		   struct sif_statedb_upgrade_stats *st, struct sif_err *err)
{
	struct sif_statedb_upgrade_opts o = {
		.fields = &tu_sif_field, .nfields = 1, .output = output, .dry_run = dry,
		.backup = backup, .kind = test_kind,
	};

	return sif_statedb_upgrade(path, &o, st, err);
}

static char *upgraded_text(const char *in)
{
	char *p = write_tmp("place.db", in), *got;
	struct sif_statedb_upgrade_stats st;
	struct sif_err err = { 0 };

	if (upgrade(p, NULL, false, false, &st, &err) < 0)
		fail_msg("%s", err.msg);
	got = tu_read_file(p, NULL);
	unlink(p);
	free(p);
	return got;
}

/* The new column goes where xapi puts it: byte order among the columns. */
static void upgrade_places_the_column(void **state)
{
	static const struct { const char *row, *want; } cases[] = {
		{ "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" storage_lock=\"false\" tags=\"()\"/>",
		  "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" storage_lock=\"false\" "
		  "suspend_image_format=\"legacy\" tags=\"()\"/>" },
		{ "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" zzz=\"1\"/>",
		  "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" suspend_image_format=\"legacy\" "
		  "zzz=\"1\"/>" },
		{ "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" aaa=\"1\"/>",
		  "<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" aaa=\"1\" "
		  "suspend_image_format=\"legacy\"/>" },
		{ "<row ref=\"r\"/>", "<row ref=\"r\" suspend_image_format=\"legacy\"/>" },
		{ "<row zzz=\"1\" ref=\"r\"/>",
		  "<row suspend_image_format=\"legacy\" zzz=\"1\" ref=\"r\"/>" },
		/* odd but well-formed spacing and quoting survive untouched */
		{ "<row  ref = 'r'\n\tsm_x=\"&gt;'>\"   type='a\"b'   ></row>",
		  "<row  ref = 'r'\n\tsm_x=\"&gt;'>\" suspend_image_format=\"legacy\"   "
		  "type='a\"b'   ></row>" },
		{ "<row ref=\"r\" suspend_image_format=\"raw\" a=\"b\"/>",
		  "<row ref=\"r\" suspend_image_format=\"raw\" a=\"b\"/>" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *in = tu_strf("%s<table name=\"VDI\">%s</table><table name=\"VM\">"
				   "<row ref=\"v\" a=\"1\"/></table></database>", tu_statedb_head, cases[i].row);
		char *want = tu_strf("%s<table name=\"VDI\">%s</table><table name=\"VM\">"
				     "<row ref=\"v\" a=\"1\"/></table></database>", tu_statedb_head,
				     cases[i].want);
		char *got = upgraded_text(in);

		if (strcmp(got, want))
			fail_msg("case %zu:\n got %s\nwant %s", i, got, want);
		free(in);
		free(want);
		free(got);
	}
}

/*
 * The reader feeds the parser 1 MiB at a time: a row cut by that boundary
 * at any byte (raw '>' and both quote styles in its values) is upgraded
 * like any other.
 */
static void upgrade_across_block_boundaries(void **state)
{
	static const char tricky[] = "<row ref=\"b\" a='a>b\"c' b=\"d&gt;'e\"  zz=\"1\" />";
	static const char tricky_want[] = "<row ref=\"b\" a='a>b\"c' b=\"d&gt;'e\" "
		"suspend_image_format=\"legacy\"  zz=\"1\" />";
	size_t base = strlen(tu_statedb_head) + strlen("<table name=\"VDI\"><row ref=\"a\" pad=\"") +
		strlen("\"/>"), cut;

	(void)state;
	for (cut = 0; cut <= sizeof(tricky); cut++) {
		size_t padlen = (1u << 20) - base - cut;
		char *pad = malloc(padlen + 1), *in, *want, *got;

		memset(pad, 'p', padlen);
		pad[padlen] = '\0';
		in = tu_strf("%s<table name=\"VDI\"><row ref=\"a\" pad=\"%s\"/>%s</table>"
			     "</database>", tu_statedb_head, pad, tricky);
		want = tu_strf("%s<table name=\"VDI\"><row ref=\"a\" pad=\"%s\" "
			       "suspend_image_format=\"legacy\"/>%s</table></database>", tu_statedb_head, pad,
			       tricky_want);
		assert_int_equal(in[(1u << 20) - cut], tricky[0]);
		got = upgraded_text(in);
		if (strcmp(got, want))
			fail_msg("row cut %zu bytes into it: wrong output", cut);
		free(pad);
		free(in);
		free(want);
		free(got);
	}
}

static void upgrade_two_fields_in_one_row(void **state)
{
	static const char *const yn[] = { "yes", "no", NULL };
	const struct sif_statedb_field fields[] = {
		tu_sif_field,
		{ .table = "VDI", .column = "suspend_zz", .default_value = "no", .allowed = yn },
		{ .table = "VM", .column = "b", .default_value = "x y" },
	};
	struct sif_statedb_upgrade_opts o = { .fields = fields, .nfields = 3 };
	char *in = tu_strf("%s<table name=\"VDI\"><row ref=\"r\" a=\"1\" z=\"2\"/></table>"
			   "<table name=\"VM\"><row ref=\"v\" a=\"1\"/></table></database>", tu_statedb_head);
	char *want = tu_strf("%s<table name=\"VDI\"><row ref=\"r\" a=\"1\" "
			     "suspend_image_format=\"legacy\" suspend_zz=\"no\" z=\"2\"/></table>"
			     "<table name=\"VM\"><row ref=\"v\" a=\"1\" b=\"x%%.y\"/></table>"
			     "</database>", tu_statedb_head);
	char *p = write_tmp("two.db", in), *got;
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_statedb_upgrade(p, &o, &st, &err), 0);
	assert_int_equal(st.added, 3);
	got = tu_read_file(p, NULL);
	assert_string_equal(got, want);
	free(got);
	free(in);
	free(want);
	free(p);
}


static void upgrade_generated_files(void **state)
{
	char *plain = tu_gen_statedb(dir, "plain.db", 300, "none");
	char *want = tu_gen_statedb(dir, "want.db", 300, "legacy");
	char *mixed = tu_gen_statedb(dir, "mixed.db", 300, "mixed");
	char *mwant = tu_gen_statedb(dir, "mwant.db", 300, "mixed-legacy");
	char *out = path_in_dir("out.db"), *orig = path_in_dir("orig.db");
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;
	struct stat before, after;
	char *text;
	size_t n;

	(void)state;
	/* read and written back unchanged: byte-identical */
	text = tu_read_file(plain, &n);
	{
		size_t m;
		char *again = round_trip(text, n, 0, &m);

		assert_int_equal(m, n);
		assert_memory_equal(again, text, n);
		free(again);
	}
	free(text);
	copy_file(plain, orig);

	/* dry run: counts, no write */
	assert_int_equal(stat(plain, &before), 0);
	assert_int_equal(upgrade(plain, NULL, true, false, &st, &err), 0);
	assert_int_equal(st.target_rows, 300);
	assert_int_equal(st.added, 300);
	assert_false(st.written);
	assert_true(tu_files_equal(plain, orig));

	/* in place: exactly the file generated with the field */
	assert_int_equal(upgrade(plain, NULL, false, false, &st, &err), 0);
	assert_int_equal(st.added, 300);
	assert_int_equal(st.kept, 0);
	assert_true(st.written);
	assert_true(tu_files_equal(plain, want));
	assert_int_equal(stat(plain, &before), 0);
	assert_int_equal(before.st_mode & 0777, 0600);

	/* again: nothing to do, the file is not even rewritten */
	assert_int_equal(upgrade(plain, NULL, false, false, &st, &err), 0);
	assert_int_equal(st.added, 0);
	assert_int_equal(st.kept, 300);
	assert_false(st.written);
	assert_int_equal(stat(plain, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_true(tu_files_equal(plain, want));

	/* mixed values are kept, missing ones added; --output leaves the input */
	assert_int_equal(upgrade(mixed, out, false, false, &st, &err), 0);
	assert_int_equal(st.added, 100);
	assert_int_equal(st.kept, 200);
	assert_true(tu_files_equal(out, mwant));
	/* an up-to-date file with --output is still written there */
	unlink(out);
	assert_int_equal(upgrade(mwant, out, false, false, &st, &err), 0);
	assert_int_equal(st.added, 0);
	assert_true(tu_files_equal(out, mwant));
	free(plain); free(want); free(mixed); free(mwant); free(out); free(orig);
}

static void upgrade_backup(void **state)
{
	char *p = tu_gen_statedb(dir, "b.db", 20, "none"), *orig = path_in_dir("orig.db");
	char *bak = tu_strf("%s.bak", p);
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;

	(void)state;
	copy_file(p, orig);
	assert_int_equal(upgrade(p, NULL, false, true, &st, &err), 0);
	assert_string_equal(st.backup_path, bak);
	assert_true(tu_files_equal(bak, orig));
	assert_false(tu_files_equal(p, orig));
	/* a backup is never overwritten */
	copy_file(orig, p);
	assert_int_equal(upgrade(p, NULL, false, true, &st, &err), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	assert_non_null(strstr(err.msg, "exists"));
	assert_true(tu_files_equal(p, orig));
	/* --backup with --output is a usage error */
	assert_int_equal(upgrade(p, orig, false, true, &st, &err), -1);
	assert_int_equal(err.code, SIF_EUSAGE);
	free(p); free(orig); free(bak);
}

static void upgrade_refuses_invalid_value(void **state)
{
	char *in = tu_strf("%s<table name=\"VDI\"><row ref=\"OpaqueRef:ok\" x=\"1\"/>"
			   "<row ref=\"OpaqueRef:bad\" suspend_image_format=\"Legacy\"/></table>"
			   "</database>", tu_statedb_head);
	char *p = write_tmp("inv.db", in), *copy = path_in_dir("inv.copy");
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;
	int entries;

	(void)state;
	copy_file(p, copy);
	entries = tu_count_entries(dir);
	assert_int_equal(upgrade(p, NULL, false, false, &st, &err), -1);
	assert_int_equal(err.code, SIF_EFORMAT);
	assert_non_null(strstr(err.msg, "inv.db: line 2, byte"));
	assert_non_null(strstr(err.msg, "table VDI, row 1 (ref OpaqueRef:bad)"));
	assert_non_null(strstr(err.msg, "suspend_image_format=\"Legacy\" is not a valid value "
				       "(expected one of: legacy, structured, raw)"));
	assert_true(tu_files_equal(p, copy));
	assert_int_equal(tu_count_entries(dir), entries);     /* no temp file left */
	free(in); free(p); free(copy);
}


/* A failing write, fsync or rename anywhere leaves the target as it was. */
static void upgrade_write_failures(void **state)
{
	char *p = tu_gen_statedb(dir, "f.db", 400, "none"), *copy = path_in_dir("f.copy");
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;
	int entries, i;

	(void)state;
	copy_file(p, copy);
	entries = tu_count_entries(dir);
	for (i = 0; i < 8; i++) {
		tu_which_fails = i < 6 ? 0 : i - 5;
		tu_fail_countdown = i * 50;
		sif_fs_set_ops(&tu_flaky_rename_ops);
		assert_int_equal(upgrade(p, NULL, false, i == 3, &st, &err), -1);
		sif_fs_set_ops(NULL);
		assert_int_equal(err.code, SIF_EIO);
		assert_true(tu_files_equal(p, copy));
		assert_int_equal(tu_count_entries(dir), entries);
	}
	assert_non_null(strstr(err.msg, "renam"));
	/* and then it works */
	assert_int_equal(upgrade(p, NULL, false, false, &st, &err), 0);
	assert_false(tu_files_equal(p, copy));
	free(p); free(copy);
}

/* A temp file of a killed run is removed by the next one. */
static void upgrade_cleans_stale_temp(void **state)
{
	char *p = tu_gen_statedb(dir, "s.db", 10, "none");
	char *stale = tu_strf("%s/.s.db.sif-tmp.999999999.0", dir);
	struct sif_statedb_upgrade_stats st;
	struct sif_err err;

	(void)state;
	assert_int_equal(tu_write_file(stale, "half", 4), 0);
	assert_int_equal(upgrade(p, NULL, true, false, &st, &err), 0);
	assert_int_equal(access(stale, F_OK), 0);       /* a dry run writes nothing */
	assert_int_equal(upgrade(p, NULL, false, false, &st, &err), 0);
	assert_int_equal(access(stale, F_OK), -1);
	free(p);
	free(stale);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writer_reproduces_handwritten_file, setup, teardown),
		cmocka_unit_test_setup_teardown(reader_reports_values_and_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(reader_refuses_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_anywhere_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(unsorted_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_places_the_column, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_across_block_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_two_fields_in_one_row, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_generated_files, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_refuses_invalid_value, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_write_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrade_cleans_stale_temp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
