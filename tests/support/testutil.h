/*
 * Helpers shared by the cmocka tests: scratch directories, running the sif
 * binary (or any command) with captured output, reading and comparing files.
 * Paths of the build come from the environment set by tests/run.sh
 * (SIF, SIF_BUILD, SIF_TOP, SIF_PLUGIN_DIR).
 */
#ifndef SIF_TESTUTIL_H
#define SIF_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

struct run_result {
	int status;     /* exit code, or 128+signal */
	char *out;      /* captured stdout, NUL terminated */
	size_t out_len;
	char *err;      /* captured stderr, NUL terminated */
	size_t err_len;
};

/* A fresh directory under $TMPDIR (removed by tu_rmrf). Caller frees. */
char *tu_mkdtemp(void);
void tu_rmrf(const char *path);

/* cmocka setup/teardown of a scratch directory in tu_dir; the teardown
 * also puts back the real file operations a test may have replaced. */
extern char *tu_dir;
int tu_dir_setup(void **state);
int tu_dir_teardown(void **state);
/* tu_dir/NAME holding `text`; caller frees the path. */
char *tu_dir_file(const char *name, const char *text);

/* "$SIF_BUILD/<rel>", or "$SIF_TOP/<rel>"; caller frees. */
char *tu_build_path(const char *rel);
char *tu_top_path(const char *rel);

/* Run argv (argv[0] is looked up in PATH unless it has a '/'), stdin from
 * /dev/null (or `in_path`), capturing both outputs. */
int tu_run(struct run_result *r, const char *in_path, char *const argv[]);
/* Run the sif binary with the given arguments (NULL terminated). */
int tu_sif(struct run_result *r, ...);
/* Run "sh -c cmd". */
int tu_sh(struct run_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tu_run_free(struct run_result *r);

/* Whole file into memory (NUL terminated); NULL if unreadable. */
char *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *buf, size_t len);
/* 1 if both files exist and are byte-identical. */
int tu_files_equal(const char *a, const char *b);

/* Entries of a directory (dot files included), e.g. to see that no temp file stayed. */
int tu_count_entries(const char *dir);

/* printf into a malloc'd string. */
char *tu_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A fresh directory (mode 0700) holding copies of the named plugins, looked
 * up in the build's plugin directory and then in build/tests/plugins
 * ("suspend_image_format", "vm_note", ...).  NULL-terminated list.
 */
char *tu_plugin_dir(const char *const *names);

/* Run build/tests/gen_pool with extra arguments into `db`; 0 on success. */
int tu_gen_pool(const char *db, const char *args);

#endif
