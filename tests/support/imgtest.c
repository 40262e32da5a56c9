/*
 * Image-format test helpers (see imgtest.h).  Uses cmocka's fail_msg: link
 * only into tests.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "imgtest.h"
#include "testutil.h"

#define PEER_DIR "/usr/lib/xen-4.17"

void it_mark(void *ctx, uint64_t off, const char *what)
{
	struct it_marks *m = ctx;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->off = realloc(m->off, m->cap * sizeof(*m->off));
		m->what = realloc(m->what, m->cap * sizeof(*m->what));
		if (!m->off || !m->what)
			abort();
	}
	m->off[m->n] = off;
	m->what[m->n] = strdup(what);
	m->n++;
}

uint64_t it_mark_at(const struct it_marks *m, const char *what, unsigned nth)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->what[i], what) && nth-- == 0)
			return m->off[i];
	fail_msg("no mark '%s'", what);
	return 0;
}

void it_marks_free(struct it_marks *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->what[i]);
	free(m->off);
	free(m->what);
	memset(m, 0, sizeof(*m));
}

char *it_gen_v2(const char *dir, const char *name, const struct v2gen_opts *o,
		struct it_marks *m)
{
	struct v2gen_opts g = *o;
	char *path = tu_strf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		fail_msg("create %s", path);
	if (m) {
		g.mark = it_mark;
		g.mark_ctx = m;
	}
	if (v2gen_write(fd, &g) < 0 || close(fd) < 0)
		fail_msg("generating %s", path);
	return path;
}

void it_patch(const char *path, uint64_t off, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || pwrite(fd, p, n, (off_t)off) != (ssize_t)n || close(fd) < 0)
		fail_msg("patching %s at %llu", path, (unsigned long long)off);
}

void it_patch_le32(const char *path, uint64_t off, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	it_patch(path, off, b, 4);
}

void it_patch_le64(const char *path, uint64_t off, uint64_t v)
{
	it_patch_le32(path, off, (uint32_t)v);
	it_patch_le32(path, off + 4, (uint32_t)(v >> 32));
}

void it_patch_be32(const char *path, uint64_t off, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	it_patch(path, off, b, 4);
}

uint32_t it_read_le32(const char *path, uint64_t off)
{
	unsigned char b[4];
	int fd = open(path, O_RDONLY);

	if (fd < 0 || pread(fd, b, 4, (off_t)off) != 4)
		fail_msg("reading %s", path);
	close(fd);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

void it_truncate(const char *path, uint64_t len)
{
	if (truncate(path, (off_t)len) < 0)
		fail_msg("truncating %s", path);
}

void it_copy(const char *from, const char *to)
{
	struct run_result r;

	if (tu_sh(&r, "cp '%s' '%s'", from, to) != 0)
		fail_msg("cp %s %s", from, to);
	tu_run_free(&r);
}

uint64_t it_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fail_msg("stat %s", path);
	return (uint64_t)st.st_size;
}

int it_scan(const char *path, struct sif_image_summary *sum, struct sif_err *err)
{
	struct sif_image_scan_opts o = { .read_all = true };
	struct sif_image_summary local;
	struct sif_image img;
	int rc;

	memset(err, 0, sizeof(*err));
	if (sif_image_open(&img, path, 0, err) < 0)
		return -1;
	rc = sif_image_scan(&img, &o, sum ? sum : &local, err);
	sif_image_close(&img);
	return rc;
}

int it_verify_v2(const char *path, bool libxl, struct sif_err *err)
{
	struct sif_v2_opts o = { .read_all = true };
	struct sif_v2_summary s;
	struct sif_v2_libxl_summary x;
	struct sif_src src;
	int rc;

	memset(err, 0, sizeof(*err));
	if (sif_src_open_path(&src, path, 0, err) < 0)
		return -1;
	rc = libxl ? sif_v2_verify_libxl(&src, &o, &x, err) : sif_v2_verify_libxc(&src, &o, &s, err);
	if (rc == 0 && sif_src_remaining(&src))
		rc = sif_errf(err, SIF_EFORMAT, "%llu bytes after the stream",
			      (unsigned long long)sif_src_remaining(&src));
	sif_src_close(&src);
	return rc;
}

int it_peer_verify(const char *path, bool libxl)
{
	struct run_result r;
	int rc;

	if (access(PEER_DIR "/bin/verify-stream-v2", X_OK) < 0)
		return -1;
	rc = tu_sh(&r, "PYTHONPATH=" PEER_DIR "/lib/python " PEER_DIR
		   "/bin/verify-stream-v2 -q -f %s -i '%s'", libxl ? "libxl" : "libxc", path);
	tu_run_free(&r);
	return rc;
}

void it_expect_fail_(const char *file, int line, int rc, const struct sif_err *err, ...)
{
	const char *w;
	va_list ap;

	if (rc == 0)
		fail_msg("%s:%d: accepted, expected a failure", file, line);
	va_start(ap, err);
	while ((w = va_arg(ap, const char *)))
		if (!strstr(err->msg, w)) {
			va_end(ap);
			fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line, err->msg, w);
		}
	va_end(ap);
}
