/*
 * Test helpers (see testutil.h).  Failures here abort the test run: they
 * mean the test machinery, not the code under test, is broken.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sif/io.h"
#include "testutil.h"

static void die(const char *what)
{
	perror(what);
	abort();
}

char *tu_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("vasprintf");
	va_end(ap);
	return s;
}

int tu_count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		die(dir);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

char *tu_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = tu_strf("%s/sif-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!mkdtemp(path))
		die("mkdtemp");
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st; (void)ftw;
	if (flag == FTW_DP)
		chmod(path, 0700);
	return remove(path);
}

void tu_rmrf(const char *path)
{
	char *cmd;

	if (!path)
		return;
	/* read-only directories made by tests must become removable */
	cmd = tu_strf("chmod -R u+rwx '%s' 2>/dev/null", path);
	if (system(cmd) < 0) { /* best effort */ }
	free(cmd);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *env_path(const char *var, const char *fallback, const char *rel)
{
	const char *base = getenv(var);

	return tu_strf("%s/%s", base && *base ? base : fallback, rel);
}

char *tu_build_path(const char *rel)
{
	return env_path("SIF_BUILD", "build", rel);
}

char *tu_top_path(const char *rel)
{
	return env_path("SIF_TOP", ".", rel);
}

static char *slurp_fd(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		die("malloc");
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			cap *= 2;
			if (!(buf = realloc(buf, cap)))
				die("realloc");
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int tu_run(struct run_result *r, const char *in_path, char *const argv[])
{
	char outt[] = "/tmp/sif-tu-out.XXXXXX", errt[] = "/tmp/sif-tu-err.XXXXXX";
	int ofd = mkstemp(outt), efd = mkstemp(errt), st;
	pid_t pid;

	if (ofd < 0 || efd < 0)
		die("mkstemp");
	unlink(outt);
	unlink(errt);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);

		if (in < 0)
			_exit(126);
		dup2(in, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		if (strchr(argv[0], '/'))
			execv(argv[0], argv);
		else
			execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	r->out = slurp_fd(ofd, &r->out_len);
	r->err = slurp_fd(efd, &r->err_len);
	close(ofd);
	close(efd);
	return r->status;
}

int tu_sif(struct run_result *r, ...)
{
	char *argv[64];
	char *sif = getenv("SIF");
	va_list ap;
	int n = 0;

	argv[n++] = sif && *sif ? sif : "build/bin/sif";
	va_start(ap, r);
	while (n < 63 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(r, NULL, argv);
}

int tu_sh(struct run_result *r, const char *fmt, ...)
{
	char *argv[4] = { "/bin/sh", "-c", NULL, NULL };
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&argv[2], fmt, ap) < 0)
		die("vasprintf");
	va_end(ap);
	rc = tu_run(r, NULL, argv);
	free(argv[2]);
	return rc;
}

void tu_run_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *tu_read_file(const char *path, size_t *len)
{
	size_t dummy;
	int fd = open(path, O_RDONLY);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = slurp_fd(fd, len ? len : &dummy);
	close(fd);
	return buf;
}

int tu_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

int tu_files_equal(const char *a, const char *b)
{
	size_t la, lb;
	char *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
	int eq = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return eq;
}

char *tu_plugin_dir(const char *const *names)
{
	char *dir = tu_mkdtemp();

	for (; names && *names; names++) {
		char *rel = tu_strf("lib/sif/plugins/%s.so", *names);
		char *src = tu_build_path(rel), *dst, *data;
		size_t len;

		free(rel);
		if (access(src, R_OK) < 0) {
			free(src);
			rel = tu_strf("tests/plugins/%s.so", *names);
			src = tu_build_path(rel);
			free(rel);
		}
		data = tu_read_file(src, &len);
		if (!data)
			die(src);
		dst = tu_strf("%s/%s.so", dir, *names);
		if (tu_write_file(dst, data, len) < 0 || chmod(dst, 0755) < 0)
			die(dst);
		free(data);
		free(src);
		free(dst);
	}
	return dir;
}

int tu_gen_pool(const char *db, const char *args)
{
	struct run_result r;
	char *gen = tu_build_path("tests/gen_pool");
	int rc = tu_sh(&r, "'%s' %s '%s'", gen, args ? args : "", db);

	if (rc)
		fprintf(stderr, "gen_pool failed: %s", r.err);
	tu_run_free(&r);
	free(gen);
	return rc;
}

char *tu_dir;

int tu_dir_setup(void **state)
{
	(void)state;
	tu_dir = tu_mkdtemp();
	return 0;
}

int tu_dir_teardown(void **state)
{
	(void)state;
	sif_fs_set_ops(NULL);
	tu_rmrf(tu_dir);
	free(tu_dir);
	tu_dir = NULL;
	return 0;
}

char *tu_dir_file(const char *name, const char *text)
{
	char *p = tu_strf("%s/%s", tu_dir, name);

	if (tu_write_file(p, text, strlen(text)) < 0)
		die(p);
	return p;
}
