/*
 * The pool DB is private whatever the umask: a new one is 0600 and so is
 * its rollback journal while a transaction writes (SQLite gives the
 * journal the database file's mode); a DB that group or others can read is
 * made private, journal included, by sif_db_make_private.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sif/db.h"
#include "testutil.h"

static unsigned mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("%s: missing", path);
	return st.st_mode & 07777;
}

static void new_db_and_journal_are_private(void **state)
{
	static const mode_t umasks[] = { 0, 022 };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		mode_t old = umask(umasks[i]);
		char *p = tu_strf("%s/pool-%zu.db", tu_dir, i), *j = tu_strf("%s-journal", p);
		struct sif_db *db;
		struct sif_err err;

		assert_int_equal(sif_db_open(p, SIF_DB_CREATE, &db, &err), 0);
		assert_int_equal(mode_of(p), 0600);
		assert_int_equal(sif_db_exec(db, "CREATE TABLE secret (value TEXT)", &err), 0);
		assert_int_equal(sif_db_begin(db, &err), 0);
		assert_int_equal(sif_db_exec(db, "INSERT INTO secret VALUES ('hunter2')", &err), 0);
		/* mid-transaction: the journal exists and is as private as the DB */
		assert_int_equal(mode_of(j), 0600);
		assert_int_equal(sif_db_commit(db, &err), 0);
		sif_db_close(db);
		assert_int_equal(mode_of(p), 0600);
		umask(old);
		free(p);
		free(j);
	}
}

static void readable_db_is_made_private(void **state)
{
	char *p = tu_strf("%s/open.db", tu_dir), *j = tu_strf("%s-journal", p);
	struct sif_db *db;
	struct sif_err err;
	unsigned was;

	(void)state;
	assert_int_equal(sif_db_open(p, SIF_DB_CREATE, &db, &err), 0);
	assert_int_equal(chmod(p, 0644), 0);
	/* a journal left beside it (as by a crash), as readable */
	assert_int_equal(tu_write_file(j, "", 0), 0);
	assert_int_equal(chmod(j, 0664), 0);
	assert_int_equal(sif_db_make_private(db, &was, &err), 0);
	assert_int_equal(was, 0644);
	assert_int_equal(mode_of(p), 0600);
	assert_int_equal(mode_of(j), 0600);
	/* already private: nothing to say */
	assert_int_equal(sif_db_make_private(db, &was, &err), 0);
	assert_int_equal(was, 0);
	sif_db_close(db);
	free(p);
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_db_and_journal_are_private, tu_dir_setup, tu_dir_teardown),
		cmocka_unit_test_setup_teardown(readable_db_is_made_private, tu_dir_setup, tu_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
