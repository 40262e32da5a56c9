/*
 * The state.db downgrade, the exact inverse of the upgrade: upgrade then
 * downgrade gives back the original bytes (every placement the upgrade
 * makes, the hand-written xapi file, generated files, rows cut by the
 * reader's 1 MiB blocks); a value other than the default is listed with
 * its table, row and column and refused (file byte-identical) unless
 * forced; idempotence, dry run, --output, --backup, injected write
 * failures.  And for both upgrade and downgrade: the file replaced (temp +
 * rename, as xapi does) or rewritten in place at every block of the read,
 * or just before the final swap, is never overwritten: the newer file
 * stays and the run fails saying the file changed.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "sif/statedb_downgrade.h"
#include "dbutil.h"
#include "sdbtest.h"
#include "testutil.h"

struct losses {
	int n;
	char first[256];
};

static void count_loss(void *u, const struct sif_statedb_loss *l)
{
	struct losses *ls = u;

	if (!ls->n++)
		snprintf(ls->first, sizeof(ls->first), "%s/%llu/%s/%s=%.*s", l->table,
			 (unsigned long long)l->row, l->ref, l->column, (int)l->len, l->value);
}

static int downgrade_f(const char *path, const struct sif_statedb_field *f, size_t nf,
		       const char *output, bool dry, bool force, bool backup,
		       struct losses *ls, struct sif_statedb_downgrade_stats *st,
		       struct sif_err *err)
{
	struct sif_statedb_downgrade_opts o = {
		.fields = f, .nfields = nf, .output = output, .dry_run = dry, .force = force,
		.backup = backup, .on_loss = count_loss, .on_loss_u = ls,
	};

	return sif_statedb_downgrade(path, &o, st, err);
}

static int downgrade(const char *path, const char *output, bool dry, bool force,
		     struct losses *ls, struct sif_statedb_downgrade_stats *st,
		     struct sif_err *err)
{
	return downgrade_f(path, &tu_sif_field, 1, output, dry, force, false, ls, st, err);
}

static int upgrade_f(const char *path, const struct sif_statedb_field *f, size_t nf,
		     const char *output, struct sif_statedb_upgrade_stats *st,
		     struct sif_err *err)
{
	struct sif_statedb_upgrade_opts o = { .fields = f, .nfields = nf, .output = output };

	return sif_statedb_upgrade(path, &o, st, err);
}

/* Upgrade `in`, check the upgrade did add, downgrade, compare with `in`. */
static void round_trip_text(const char *in, const struct sif_statedb_field *f, size_t nf)
{
	char *p = tu_dir_file("rt.db", in), *got;
	struct sif_statedb_upgrade_stats us;
	struct sif_statedb_downgrade_stats ds;
	struct losses ls = { 0 };
	struct sif_err err;

	if (upgrade_f(p, f, nf, NULL, &us, &err) < 0)
		fail_msg("upgrade: %s", err.msg);
	assert_true(us.added > 0);
	got = tu_read_file(p, NULL);
	assert_string_not_equal(got, in);
	free(got);
	if (downgrade_f(p, f, nf, NULL, false, false, false, &ls, &ds, &err) < 0)
		fail_msg("downgrade: %s", err.msg);
	assert_int_equal(ds.removed, us.added);
	assert_int_equal(ls.n, 0);
	got = tu_read_file(p, NULL);
	if (strcmp(got, in))
		fail_msg("upgrade + downgrade changed the file:\n got %s\nwant %s", got, in);
	free(got);
	unlink(p);
	free(p);
}

/* Every placement of the upgrade (its own test's rows) comes back out. */
static void inverse_of_every_placement(void **state)
{
	static const char *const rows[] = {
		"<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" storage_lock=\"false\" tags=\"()\"/>",
		"<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" zzz=\"1\"/>",
		"<row ref=\"r\" __ctime=\"1\" __mtime=\"1\" aaa=\"1\"/>",
		"<row ref=\"r\"/>",
		"<row zzz=\"1\" ref=\"r\"/>",
		"<row  ref = 'r'\n\tsm_x=\"&gt;'>\"   type='a\"b'   ></row>",
		"<row ref=\"r\" a=\"1\" z=\"2\"/>",
	};
	static const char *const yn[] = { "yes", "no", NULL };
	const struct sif_statedb_field two[] = {
		tu_sif_field,
		{ .table = "VDI", .column = "suspend_zz", .default_value = "no", .allowed = yn },
		{ .table = "VM", .column = "b", .default_value = "x y" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *in = tu_strf("%s<table name=\"VDI\">%s</table><table name=\"VM\">"
				   "<row ref=\"v\" a=\"1\"/></table></database>",
				   tu_statedb_head, rows[i]);

		round_trip_text(in, &tu_sif_field, 1);
		/* two adjacent columns in one row, and one whose value needs escaping */
		round_trip_text(in, two, 3);
		free(in);
	}
}

static void inverse_on_the_handwritten_file(void **state)
{
	char *p = tu_dir_file("hand.db", tu_statedb_canonical), *out = tu_strf("%s/out.db", tu_dir);
	struct sif_statedb_upgrade_stats us;
	struct sif_statedb_downgrade_stats ds;
	struct losses ls = { 0 };
	struct sif_err err;

	(void)state;
	round_trip_text(tu_statedb_canonical, &tu_sif_field, 1);
	/* and through --output both ways */
	assert_int_equal(upgrade_f(p, &tu_sif_field, 1, out, &us, &err), 0);
	assert_int_equal(us.added, 2);
	assert_int_equal(downgrade(out, p, false, false, &ls, &ds, &err), 0);
	assert_int_equal(ds.removed, 2);
	assert_true(ds.written);
	{
		char *got = tu_read_file(p, NULL);

		assert_string_equal(got, tu_statedb_canonical);
		free(got);
	}
	free(p);
	free(out);
}

/* The reader feeds 1 MiB at a time: a removed column cut by the boundary
 * at any byte goes like any other. */
static void inverse_across_block_boundaries(void **state)
{
	static const char tricky[] = "<row ref=\"b\" a='a>b\"c' b=\"d&gt;'e\" "
		"suspend_image_format=\"legacy\"  zz=\"1\" />";
	static const char tricky_down[] = "<row ref=\"b\" a='a>b\"c' b=\"d&gt;'e\"  zz=\"1\" />";
	size_t base = strlen(tu_statedb_head) + strlen("<table name=\"VDI\"><row ref=\"a\" pad=\"") +
		strlen("\" suspend_image_format=\"legacy\"/>"), cut;

	(void)state;
	for (cut = 0; cut <= sizeof(tricky); cut++) {
		size_t padlen = (1u << 20) - base - cut;
		char *pad = malloc(padlen + 1), *in, *want, *p, *got;
		struct sif_statedb_downgrade_stats st;
		struct losses ls = { 0 };
		struct sif_err err;

		memset(pad, 'p', padlen);
		pad[padlen] = '\0';
		in = tu_strf("%s<table name=\"VDI\"><row ref=\"a\" pad=\"%s\" "
			     "suspend_image_format=\"legacy\"/>%s</table></database>",
			     tu_statedb_head, pad, tricky);
		want = tu_strf("%s<table name=\"VDI\"><row ref=\"a\" pad=\"%s\"/>%s</table>"
			       "</database>", tu_statedb_head, pad, tricky_down);
		assert_int_equal(in[(1u << 20) - cut], tricky[0]);
		p = tu_dir_file("cut.db", in);
		if (downgrade(p, NULL, false, false, &ls, &st, &err) < 0)
			fail_msg("cut %zu: %s", cut, err.msg);
		got = tu_read_file(p, NULL);
		if (strcmp(got, want))
			fail_msg("row cut %zu bytes into it: wrong output", cut);
		free(pad); free(in); free(want); free(p); free(got);
	}
}

static void generated_files(void **state)
{
	char *plain = tu_gen_statedb(tu_dir, "plain.db", 300, "none");
	char *legacy = tu_gen_statedb(tu_dir, "legacy.db", 300, "legacy");
	char *mixed = tu_gen_statedb(tu_dir, "mixed.db", 300, "mixed-legacy");
	char *copy = tu_strf("%s/copy.db", tu_dir), *out = tu_strf("%s/out.db", tu_dir);
	struct sif_statedb_downgrade_stats st;
	struct losses ls = { 0 };
	struct stat a, b;
	struct sif_err err;
	int entries;

	(void)state;
	/* dry run: counts, nothing written */
	tu_copy_file(legacy, copy);
	assert_int_equal(downgrade(copy, NULL, true, false, &ls, &st, &err), 0);
	assert_int_equal(st.removed, 300);
	assert_int_equal(st.lost, 0);
	assert_false(st.written);
	assert_true(tu_files_equal(copy, legacy));
	/* in place: exactly the file before the upgrade */
	assert_int_equal(downgrade(copy, NULL, false, false, &ls, &st, &err), 0);
	assert_int_equal(st.removed, 300);
	assert_true(st.written);
	assert_true(tu_files_equal(copy, plain));
	/* again: already down, not even rewritten */
	assert_int_equal(stat(copy, &a), 0);
	assert_int_equal(downgrade(copy, NULL, false, false, &ls, &st, &err), 0);
	assert_int_equal(st.removed, 0);
	assert_false(st.written);
	assert_int_equal(stat(copy, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);

	/* raw and structured values: each listed, the file left alone */
	tu_copy_file(mixed, copy);
	entries = tu_count_entries(tu_dir);
	assert_int_equal(downgrade(copy, NULL, false, false, &ls, &st, &err), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	assert_int_equal(st.lost, 200);
	assert_int_equal(ls.n, 200);
	assert_non_null(strstr(err.msg, "copy.db: 200 values other than the column's default "
				       "would be lost (first: table VDI, row 1 (ref OpaqueRef:"));
	assert_non_null(strstr(err.msg, "suspend_image_format=\"structured\""));
	assert_non_null(strstr(ls.first, "VDI/1/OpaqueRef:"));
	assert_true(tu_files_equal(copy, mixed));
	assert_int_equal(tu_count_entries(tu_dir), entries);
	/* a dry run lists them too, and succeeds */
	ls.n = 0;
	assert_int_equal(downgrade(copy, NULL, true, false, &ls, &st, &err), 0);
	assert_int_equal(ls.n, 200);
	/* forced: they go, and the result is the plain file */
	ls.n = 0;
	assert_int_equal(downgrade(copy, out, false, true, &ls, &st, &err), 0);
	assert_int_equal(st.removed, 300);
	assert_int_equal(ls.n, 200);
	assert_true(tu_files_equal(out, plain));
	assert_true(tu_files_equal(copy, mixed));
	free(plain); free(legacy); free(mixed); free(copy); free(out);
}

static void backup_keeps_the_file_read(void **state)
{
	char *legacy = tu_gen_statedb(tu_dir, "l.db", 30, "legacy");
	char *plain = tu_gen_statedb(tu_dir, "p.db", 30, "none");
	char *bak = tu_strf("%s.bak", legacy), *orig = tu_strf("%s/orig.db", tu_dir);
	struct sif_statedb_downgrade_stats st;
	struct losses ls = { 0 };
	struct sif_err err;
	struct stat before, after;

	(void)state;
	tu_copy_file(legacy, orig);
	assert_int_equal(stat(legacy, &before), 0);
	assert_int_equal(downgrade_f(legacy, &tu_sif_field, 1, NULL, false, false, true, &ls,
				     &st, &err), 0);
	assert_string_equal(st.backup_path, bak);
	/* the very file read: its inode, kept by a hard link */
	assert_int_equal(stat(bak, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_true(tu_files_equal(bak, orig));
	assert_true(tu_files_equal(legacy, plain));
	/* a backup is never overwritten */
	tu_copy_file(orig, legacy);
	assert_int_equal(downgrade_f(legacy, &tu_sif_field, 1, NULL, false, false, true, &ls,
				     &st, &err), -1);
	assert_int_equal(err.code, SIF_EREFUSED);
	assert_true(tu_files_equal(legacy, orig));
	free(legacy); free(plain); free(bak); free(orig);
}

static void write_failures_leave_the_file(void **state)
{
	char *p = tu_gen_statedb(tu_dir, "f.db", 400, "legacy"), *copy = tu_strf("%s/f.copy", tu_dir);
	struct sif_statedb_downgrade_stats st;
	struct losses ls = { 0 };
	struct sif_err err;
	int entries, i;

	(void)state;
	tu_copy_file(p, copy);
	entries = tu_count_entries(tu_dir);
	for (i = 0; i < 8; i++) {
		tu_which_fails = i < 6 ? 0 : i - 5;
		tu_fail_countdown = i * 50;
		sif_fs_set_ops(&tu_flaky_exchange_ops);
		assert_int_equal(downgrade_f(p, &tu_sif_field, 1, NULL, false, false, i == 3,
					     &ls, &st, &err), -1);
		sif_fs_set_ops(NULL);
		assert_int_equal(err.code, SIF_EIO);
		assert_true(tu_files_equal(p, copy));
		assert_int_equal(tu_count_entries(tu_dir), entries);
	}
	assert_non_null(strstr(err.msg, "renaming"));
	assert_int_equal(downgrade(p, NULL, false, false, &ls, &st, &err), 0);
	assert_false(tu_files_equal(p, copy));
	free(p); free(copy);
}

/* --- another writer meanwhile ------------------------------------------- */

struct intruder {
	const char *path, *newer;       /* the target and what the writer puts there */
	uint64_t at_block;              /* replace when this many bytes were read */
	bool in_place;                  /* rewrite the same inode instead of renaming */
	bool done;
};

static struct intruder *intr;

/* What xapi does: a temp file beside the target, renamed over it. */
static void replace_file(const char *path, const char *with, bool in_place)
{
	char *tmp = tu_strf("%s.xapi-tmp", path);

	if (in_place) {
		tu_copy_file(with, path);
	} else {
		tu_copy_file(with, tmp);
		assert_int_equal(rename(tmp, path), 0);
	}
	free(tmp);
}

static void progress_intrudes(void *u, uint64_t done, uint64_t total)
{
	(void)u; (void)total;
	if (!intr->done && done >= intr->at_block) {
		replace_file(intr->path, intr->newer, intr->in_place);
		intr->done = true;
	}
}

/* Replace at the instant before sif's own swap. */
static int exchange_after_intruder(const char *a, const char *b)
{
	if (!intr->done) {
		replace_file(intr->path, intr->newer, false);
		intr->done = true;
	}
	return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static int run_edit(bool up, const char *path, bool backup, struct sif_err *err)
{
	if (up) {
		struct sif_statedb_upgrade_opts o = {
			.fields = &tu_sif_field, .nfields = 1, .backup = backup,
			.progress = progress_intrudes,
		};
		struct sif_statedb_upgrade_stats st;

		return sif_statedb_upgrade(path, &o, &st, err);
	} else {
		struct sif_statedb_downgrade_opts o = {
			.fields = &tu_sif_field, .nfields = 1, .backup = backup,
			.progress = progress_intrudes,
		};
		struct sif_statedb_downgrade_stats st;

		return sif_statedb_downgrade(path, &o, &st, err);
	}
}

static void expect_refused_newer_intact(bool up, const char *p, const char *newer,
					int entries, const char *when)
{
	struct sif_err err;
	int rc = run_edit(up, p, up, &err);

	if (rc == 0)
		fail_msg("%s %s: succeeded over a newer file", up ? "upgrade" : "downgrade", when);
	assert_int_equal(err.code, SIF_ECHANGED);
	if (!strstr(err.msg, up ? "changed while it was being upgraded (is xapi running?)" :
			"changed while it was being downgraded (is xapi running?)"))
		fail_msg("%s: %s", when, err.msg);
	if (!tu_files_equal(p, newer))
		fail_msg("%s: the newer file was not left in place", when);
	/* no temp file, no backup of a file that was not replaced */
	assert_int_equal(tu_count_entries(tu_dir), entries);
}

/*
 * The file is replaced (rename) or rewritten in place after each block sif
 * reads, and once right before its final swap: every run fails saying so
 * and leaves the newer file as the writer made it.
 */
static void another_writer_is_never_overwritten(void **state)
{
	char *plain = tu_gen_statedb(tu_dir, "plain.db", 1500, "none");
	char *legacy = tu_gen_statedb(tu_dir, "legacy.db", 1500, "legacy");
	char *newer = tu_gen_statedb(tu_dir, "newer.db", 5, "none");
	char *p = tu_strf("%s/state.db", tu_dir);
	static const struct sif_fs_ops swap_race = { write, fsync, rename, exchange_after_intruder };
	struct intruder in = { .path = p, .newer = newer };
	struct stat sb;
	int up, entries, runs = 0;

	(void)state;
	intr = &in;
	assert_int_equal(stat(plain, &sb), 0);
	assert_true(sb.st_size > 4 * (1 << 20));
	for (up = 0; up < 2; up++) {
		const char *from = up ? plain : legacy;
		uint64_t at, size;

		assert_int_equal(stat(from, &sb), 0);
		size = (uint64_t)sb.st_size;
		/* after each block, the last one (the whole file read) included */
		for (at = 0; at <= size; at = at + (1 << 20) > size && at < size ? size :
		     at + (1 << 20)) {
			int inplace;

			for (inplace = 0; inplace < 2; inplace++) {
				char when[64];

				tu_copy_file(from, p);
				entries = tu_count_entries(tu_dir);
				in = (struct intruder){ .path = p, .newer = newer, .at_block = at,
							.in_place = inplace };
				snprintf(when, sizeof(when), "%s after %llu bytes",
					 inplace ? "rewritten" : "replaced", (unsigned long long)at);
				expect_refused_newer_intact(up, p, newer, entries, when);
				runs++;
			}
		}
		tu_copy_file(from, p);
		entries = tu_count_entries(tu_dir);
		in = (struct intruder){ .path = p, .newer = newer, .at_block = UINT64_MAX };
		sif_fs_set_ops(&swap_race);
		expect_refused_newer_intact(up, p, newer, entries, "replaced before the swap");
		sif_fs_set_ops(NULL);
	}
	assert_true(runs >= 20);
	free(plain); free(legacy); free(newer); free(p);
}

int main(void)
{
#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, tu_dir_setup, tu_dir_teardown)
	const struct CMUnitTest tests[] = {
		DIR_TEST(inverse_of_every_placement),
		DIR_TEST(inverse_on_the_handwritten_file),
		DIR_TEST(inverse_across_block_boundaries),
		DIR_TEST(generated_files),
		DIR_TEST(backup_keeps_the_file_read),
		DIR_TEST(write_failures_leave_the_file),
		DIR_TEST(another_writer_is_never_overwritten),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
