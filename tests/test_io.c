/*
 * Atomic file replacement and exact writes, including injected failures of
 * write, fsync and rename: the target must always stay the old file.
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

static void replace_keeps_mode_and_content(void **state)
{
	struct sif_atomic_file af;
	struct sif_err err;
	char *path = tu_strf("%s/target", dir), *got;
	struct stat st;

	(void)state;
	assert_int_equal(tu_write_file(path, "old", 3), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sif_atomic_open(&af, path, 0644, &err), 0);
	assert_int_equal(sif_write_exact(af.fd, "new content", 11, "t", &err), 0);
	assert_int_equal(sif_atomic_commit(&af, &err), 0);
	got = tu_read_file(path, NULL);
	assert_string_equal(got, "new content");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tu_count_entries(dir), 1);
	free(got);
	free(path);
}

static int fail_after;
static ssize_t failing_write(int fd, const void *buf, size_t n)
{
	if (fail_after-- <= 0) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, buf, n);
}
static int failing_fsync(int fd) { (void)fd; errno = EIO; return -1; }
static int failing_rename(const char *a, const char *b)
{
	(void)a; (void)b;
	errno = EXDEV;
	return -1;
}

static void injected_failures_leave_target(void **state)
{
	static const struct sif_fs_ops bad_write = { failing_write, fsync, rename, NULL };
	static const struct sif_fs_ops bad_fsync = { failing_write, failing_fsync, rename, NULL };
	static const struct sif_fs_ops bad_rename = { failing_write, fsync, failing_rename, NULL };
	const struct sif_fs_ops *cases[] = { &bad_write, &bad_fsync, &bad_rename };
	char *path = tu_strf("%s/target", dir), *got;
	size_t i;

	(void)state;
	assert_int_equal(tu_write_file(path, "old", 3), 0);
	for (i = 0; i < 3; i++) {
		struct sif_atomic_file af;
		struct sif_err err;
		int rc;

		fail_after = i == 0 ? 1 : 100;
		sif_fs_set_ops(cases[i]);
		assert_int_equal(sif_atomic_open(&af, path, 0644, &err), 0);
		rc = sif_write_exact(af.fd, "aaaa", 4, "target", &err);
		if (rc == 0)
			rc = sif_write_exact(af.fd, "bbbb", 4, "target", &err);
		if (rc == 0)
			rc = sif_atomic_commit(&af, &err);
		else
			sif_atomic_abort(&af);
		assert_int_equal(rc, -1);
		assert_int_equal(err.code, SIF_EIO);
		assert_non_null(strstr(err.msg, i == 0 ? "No space" :
				       i == 1 ? "fsync" : "renaming"));
		sif_fs_set_ops(NULL);
		got = tu_read_file(path, NULL);
		assert_string_equal(got, "old");
		free(got);
		assert_int_equal(tu_count_entries(dir), 1);
	}
	free(path);
}

/* Under any umask: the temp file 0600 while written; a new target the
 * mode asked for, limited; a replaced one keeps its mode and owner. */
static void modes_and_owner(void **state)
{
	static const mode_t umasks[] = { 0, 022, 0277 };
	char *path = tu_strf("%s/target", dir);
	struct sif_atomic_file af;
	struct sif_err err;
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(umasks) / sizeof(umasks[0]); i++) {
		mode_t old = umask(umasks[i]);

		unlink(path);
		assert_int_equal(sif_atomic_open(&af, path, 0644, &err), 0);
		assert_int_equal(fstat(af.fd, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		sif_atomic_limit_mode(&af, 0640);
		assert_int_equal(sif_atomic_commit(&af, &err), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0640);

		/* replaced: mode and owner stay (another owner only as root) */
		assert_int_equal(chmod(path, 0604), 0);
		if (geteuid() == 0)
			assert_int_equal(chown(path, 4242, 4343), 0);
		assert_int_equal(sif_atomic_open(&af, path, 0600, &err), 0);
		assert_int_equal(fstat(af.fd, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(sif_atomic_commit(&af, &err), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0604);
		if (geteuid() == 0) {
			assert_int_equal(st.st_uid, 4242);
			assert_int_equal(st.st_gid, 4343);
		}
		umask(old);
	}
	free(path);
}

static void stale_temp_of_dead_process_is_removed(void **state)
{
	char *path = tu_strf("%s/state.db", dir);
	/* pid 2^22+1 is above the default pid_max: never alive */
	char *stale = tu_strf("%s/.state.db.sif-tmp.4194305.0", dir);
	char *live = tu_strf("%s/.state.db.sif-tmp.%ld.0", dir, (long)getpid());
	struct sif_err err;

	(void)state;
	assert_int_equal(tu_write_file(stale, "x", 1), 0);
	assert_int_equal(tu_write_file(live, "x", 1), 0);
	assert_int_equal(sif_atomic_clean_stale(path, &err), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	free(path);
	free(stale);
	free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replace_keeps_mode_and_content, setup, teardown),
		cmocka_unit_test_setup_teardown(injected_failures_leave_target, setup, teardown),
		cmocka_unit_test_setup_teardown(modes_and_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_temp_of_dead_process_is_removed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
