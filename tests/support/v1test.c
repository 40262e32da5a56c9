/*
 * v1 test helpers (see v1test.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "v1test.h"

#define PEER_DIR "/usr/lib/xen-4.17"

static void add_mark(void *ctx, uint64_t off, const char *what)
{
	struct v1t_marks *m = ctx;

	if (m->n < V1T_MAX_MARKS) {
		m->off[m->n] = off;
		m->what[m->n] = what;
		m->n++;
	}
}

char *v1t_gen(const char *dir, const char *name, const struct v1gen_opts *o,
	      struct v1gen_result *res, struct v1t_marks *marks)
{
	struct v1gen_opts oo = *o;
	char *path = tu_strf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		perror(path);
		abort();
	}
	if (marks) {
		marks->n = 0;
		oo.mark = add_mark;
		oo.mark_ctx = marks;
	}
	if (v1gen_write(fd, &oo, res) < 0 || close(fd) < 0) {
		perror(path);
		abort();
	}
	return path;
}

uint64_t v1t_mark(const struct v1t_marks *m, const char *what)
{
	for (unsigned i = 0; i < m->n; i++)
		if (!strcmp(m->what[i], what))
			return m->off[i];
	return UINT64_MAX;
}

void v1t_patch(const char *path, uint64_t off, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || pwrite(fd, bytes, len, (off_t)off) != (ssize_t)len || close(fd) < 0) {
		perror(path);
		abort();
	}
}

void v1t_truncate(const char *path, uint64_t len)
{
	if (truncate(path, (off_t)len) < 0) {
		perror(path);
		abort();
	}
}

char *v1t_copy(const char *path, const char *suffix)
{
	char *to = tu_strf("%s.%s", path, suffix);
	struct run_result r;

	if (tu_sh(&r, "cp '%s' '%s'", path, to) != 0) {
		fprintf(stderr, "cp failed: %s\n", r.err);
		abort();
	}
	tu_run_free(&r);
	return to;
}

int v1t_have_peer(void)
{
	return access(PEER_DIR "/bin/convert-legacy-stream", X_OK) == 0 &&
	       access(PEER_DIR "/bin/verify-stream-v2", X_OK) == 0;
}

int v1t_peer_convert(const char *in, const char *out, const char *args)
{
	struct run_result r;
	int st = tu_sh(&r, "PYTHONPATH=" PEER_DIR "/lib/python " PEER_DIR
		       "/bin/convert-legacy-stream -i '%s' -o '%s' %s", in, out, args);

	if (st)
		fprintf(stderr, "convert-legacy-stream %s: exit %d: %s\n", args, st, r.err);
	tu_run_free(&r);
	return st;
}

int v1t_peer_verify(const char *in, const char *fmt)
{
	struct run_result r;
	int st = tu_sh(&r, "PYTHONPATH=" PEER_DIR "/lib/python " PEER_DIR
		       "/bin/verify-stream-v2 -i '%s' -f %s", in, fmt);

	if (st)
		fprintf(stderr, "verify-stream-v2 %s: exit %d: %s\n", in, st, r.err);
	tu_run_free(&r);
	return st;
}
