/*
 * sif_src: exact consumption of shared fds (file offset and pipe position
 * after each call), truncation messages, skip, peek, sub-ranges and the
 * copy to fd through every path (kernel copy to file, pipe and /dev/null,
 * and the read/write fallback).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sif/io.h"
#include "sif/src.h"
#include "testutil.h"

#define DATA_LEN (600u * 1024u + 77u)

static char *dir;
static unsigned char *data;
static char *data_path;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	data = malloc(DATA_LEN);
	for (size_t i = 0; i < DATA_LEN; i++)
		data[i] = (unsigned char)(i * 131u + (i >> 9));
	data_path = tu_strf("%s/data", dir);
	assert_int_equal(tu_write_file(data_path, data, DATA_LEN), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(data);
	free(data_path);
	return 0;
}

/* A pipe fed with data[0..len) by a child; returns the read end. */
static int feed_pipe(size_t len, pid_t *pid)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		close(p[0]);
		/* Small writes so the reader sees short reads. */
		for (size_t off = 0; off < len;) {
			size_t n = len - off < 1000 ? len - off : 1000;
			ssize_t w = write(p[1], data + off, n);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
}

static void test_file_shared_offset_exact(void **state)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	unsigned char buf[300000];
	int fd = open(data_path, O_RDONLY);

	(void)state;
	assert_true(lseek(fd, 10, SEEK_SET) == 10);
	assert_int_equal(sif_src_open_fd(&s, fd, "data", SIF_SRC_SHARED, &err), 0);
	assert_string_equal(s.ops->kind, "file");
	assert_int_equal(s.pos, 10);
	assert_int_equal(s.end, DATA_LEN);
	assert_int_equal(sif_src_read_exact(&s, buf, 5, "head", &err), 0);
	assert_memory_equal(buf, data + 10, 5);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 15);
	assert_int_equal(sif_src_skip(&s, 1000, "gap", &err), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 1015);
	assert_int_equal(sif_src_read_exact(&s, buf, sizeof(buf), "big", &err), 0);
	assert_memory_equal(buf, data + 1015, sizeof(buf));
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 1015 + sizeof(buf));
	sif_src_close(&s);
	assert_int_equal(fcntl(fd, F_GETFD), 0); /* not closed */
	close(fd);
}

static void test_truncation_message(void **state)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	unsigned char buf[64];

	(void)state;
	assert_int_equal(sif_src_open_path(&s, data_path, 0, &err), 0);
	assert_int_equal(sif_src_skip(&s, DATA_LEN - 10, "body", &err), 0);
	assert_int_equal(sif_src_read_exact(&s, buf, 16, "chunk id", &err), -1);
	assert_int_equal(err.code, SIF_EFORMAT);
	char *want = tu_strf("%s: offset %u: truncated reading chunk id: expected 16 bytes, got 10",
			     data_path, DATA_LEN - 10);
	assert_string_equal(err.msg, want);
	free(want);
	assert_int_equal(sif_src_skip(&s, 11, "tail", &err), -1);
	assert_non_null(strstr(err.msg, "expected 11 bytes, got 10"));
	sif_src_close(&s);
}

/* A shared pipe is read exactly: the bytes after the stop stay in the pipe. */
static void test_pipe_shared_exact(void **state)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	unsigned char buf[5000];
	const unsigned char *p;
	pid_t pid;
	int fd = feed_pipe(DATA_LEN, &pid);

	(void)state;
	assert_int_equal(sif_src_open_fd(&s, fd, "pipe", SIF_SRC_SHARED, &err), 0);
	assert_string_equal(s.ops->kind, "stream");
	assert_int_equal(s.end, SIF_SRC_SIZE_UNKNOWN);
	assert_int_equal(sif_src_peek(&s, 8, &p, "head", &err), 0);
	assert_memory_equal(p, data, 8);
	assert_int_equal(sif_src_read_exact(&s, buf, 3, "a", &err), 0);
	assert_memory_equal(buf, data, 3);
	assert_int_equal(sif_src_read_exact(&s, buf, 4000, "b", &err), 0);
	assert_memory_equal(buf, data + 3, 4000);
	assert_int_equal(sif_src_skip(&s, 200000, "c", &err), 0);
	assert_int_equal(s.pos, 204003);
	bool end, known;
	assert_int_equal(sif_src_at_end(&s, &end, &known, &err), 0);
	assert_false(known);
	sif_src_close(&s);
	/* The next reader of the fd starts exactly at 204003. */
	ssize_t r = sif_read_full(fd, buf, sizeof(buf));
	assert_int_equal(r, sizeof(buf));
	assert_memory_equal(buf, data + 204003, sizeof(buf));
	close(fd);
	reap(pid);
}

/* Not shared: read ahead is allowed, and the end is found. */
static void test_pipe_exclusive_at_end(void **state)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	unsigned char buf[100];
	bool end, known;
	pid_t pid;
	int fd = feed_pipe(300, &pid);

	(void)state;
	assert_int_equal(sif_src_open_fd(&s, fd, "pipe", SIF_SRC_CLOSE_FD, &err), 0);
	assert_int_equal(sif_src_read_exact(&s, buf, 100, "a", &err), 0);
	assert_int_equal(sif_src_at_end(&s, &end, &known, &err), 0);
	assert_true(known);
	assert_false(end);
	assert_int_equal(sif_src_skip(&s, 200, "b", &err), 0);
	assert_int_equal(sif_src_at_end(&s, &end, &known, &err), 0);
	assert_true(known);
	assert_true(end);
	assert_int_equal(sif_src_read_exact(&s, buf, 1, "c", &err), -1);
	assert_string_equal(err.msg, "pipe: offset 300: truncated reading c: expected 1 bytes, got 0");
	sif_src_close(&s);
	reap(pid);
}

/*
 * Copy 500 KiB from offset `skip` to an output of the given kind (0 file,
 * 1 /dev/null, 2 pipe); check the bytes and which path moved them.
 */
static void copy_case(int in_kind, int out_kind, unsigned flags, size_t skip)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	unsigned char head[4096];
	char *out_path = tu_strf("%s/out", dir);
	const uint64_t n = 500u * 1024u;
	pid_t pid = -1, rpid = -1;
	int in, out, rp[2] = { -1, -1 };

	in = in_kind == 0 ? open(data_path, O_RDONLY) : feed_pipe(DATA_LEN, &pid);
	assert_int_equal(sif_src_open_fd(&s, in, "in", flags | SIF_SRC_CLOSE_FD, &err), 0);
	assert_int_equal(sif_src_read_exact(&s, head, skip, "head", &err), 0);
	if (out_kind == 0) {
		out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	} else if (out_kind == 1) {
		out = open("/dev/null", O_WRONLY);
	} else {
		assert_int_equal(pipe(rp), 0);
		rpid = fork();
		if (rpid == 0) {
			/* Drain the pipe into out_path. */
			int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			char b[65536];
			ssize_t r;

			close(rp[1]);
			while ((r = read(rp[0], b, sizeof(b))) > 0)
				if (write(o, b, (size_t)r) != r)
					_exit(1);
			_exit(0);
		}
		close(rp[0]);
		out = rp[1];
	}
	assert_true(out >= 0);
	assert_int_equal(sif_src_copy_to_fd(&s, out, "out", n, "pages", &err), 0);
	assert_int_equal(s.pos, skip + n);
	/* File to file at offsets of different alignment: read/write is faster. */
	if ((flags & SIF_SRC_NO_KCOPY) || (in_kind == 0 && out_kind == 0 && skip % 4096))
		assert_int_equal(s.bytes_kcopied, 0);
	else
		assert_true(s.bytes_kcopied > 0);
	assert_int_equal(s.bytes_kcopied + s.bytes_ucopied, n);
	/* The source continues right after the copied bytes. */
	assert_int_equal(sif_src_read_exact(&s, head, 7, "after", &err), 0);
	assert_memory_equal(head, data + skip + n, 7);
	close(out);
	if (rpid > 0)
		reap(rpid);
	if (out_kind != 1) {
		size_t len;
		char *got = tu_read_file(out_path, &len);

		assert_int_equal(len, n);
		assert_memory_equal(got, data + skip, n);
		free(got);
	}
	sif_src_close(&s);
	if (pid > 0) {
		reap(pid);
	}
	free(out_path);
}

static void test_copy_paths(void **state)
{
	(void)state;
	for (int in = 0; in < 2; in++)
		for (int out = 0; out < 3; out++) {
			copy_case(in, out, 0, 7);
			copy_case(in, out, 0, 4096);
			copy_case(in, out, SIF_SRC_NO_KCOPY, 7);
			copy_case(in, out, SIF_SRC_SHARED, 7);
		}
}

static void test_copy_truncated(void **state)
{
	struct sif_src s;
	struct sif_err err = { 0 };
	pid_t pid;
	int fd = feed_pipe(1000, &pid);
	int out = open("/dev/null", O_WRONLY);

	(void)state;
	assert_int_equal(sif_src_open_fd(&s, fd, "in", SIF_SRC_CLOSE_FD, &err), 0);
	assert_int_equal(sif_src_copy_to_fd(&s, out, "null", 4096, "page data", &err), -1);
	assert_string_equal(err.msg,
			    "in: offset 0: truncated reading page data: expected 4096 bytes, got 1000");
	sif_src_close(&s);
	close(out);
	reap(pid);
}

static void test_sub_range(void **state)
{
	struct sif_src s, sub;
	struct sif_err err = { 0 };
	unsigned char buf[64];
	pid_t pid;
	int fd = feed_pipe(DATA_LEN, &pid);
	int out = open("/dev/null", O_WRONLY);

	(void)state;
	for (int kind = 0; kind < 2; kind++) {
		if (kind == 0)
			assert_int_equal(sif_src_open_path(&s, data_path, 0, &err), 0);
		else
			assert_int_equal(sif_src_open_fd(&s, fd, "in", SIF_SRC_SHARED, &err), 0);
		assert_int_equal(sif_src_skip(&s, 100, "x", &err), 0);
		assert_int_equal(sif_src_open_sub(&sub, &s, 50000, &err), 0);
		assert_int_equal(sif_src_remaining(&sub), 50000);
		assert_int_equal(sif_src_read_exact(&sub, buf, 10, "rec head", &err), 0);
		assert_memory_equal(buf, data + 100, 10);
		assert_int_equal(sif_src_copy_to_fd(&sub, out, "null", 40000, "body", &err), 0);
		assert_int_equal(sif_src_read_exact(&sub, buf, 64, "more", &err), 0);
		assert_memory_equal(buf, data + 40110, 64);
		assert_int_equal(sif_src_read_exact(&sub, buf, 64, "qemu data", &err), 0);
		assert_int_equal(sif_src_skip(&sub, 9863, "rest", &err), -1);
		assert_non_null(strstr(err.msg, ": offset 40238: truncated reading rest: expected 9863 bytes, got 9862"));
		sif_src_close(&sub);
		/* The parent consumed exactly what the sub did. */
		assert_int_equal(s.pos, 40238);
		assert_int_equal(sif_src_read_exact(&s, buf, 8, "next", &err), 0);
		assert_memory_equal(buf, data + 40238, 8);
		sif_src_close(&s);
	}
	close(fd);
	close(out);
	reap(pid);
}

/* Kernel copies would bypass injected write failures: they are off then. */
static ssize_t fail_write(int fd, const void *b, size_t n)
{
	(void)fd; (void)b; (void)n;
	errno = ENOSPC;
	return -1;
}

static void test_copy_respects_injected_ops(void **state)
{
	struct sif_fs_ops ops = *sif_fs_ops();
	struct sif_src s;
	struct sif_err err = { 0 };
	int out = open("/dev/null", O_WRONLY);

	(void)state;
	ops.write = fail_write;
	sif_fs_set_ops(&ops);
	assert_int_equal(sif_src_open_path(&s, data_path, 0, &err), 0);
	assert_int_equal(sif_src_copy_to_fd(&s, out, "out", 10000, "pages", &err), -1);
	assert_int_equal(err.code, SIF_EIO);
	assert_non_null(strstr(err.msg, "No space left"));
	sif_fs_set_ops(NULL);
	sif_src_close(&s);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_shared_offset_exact),
		cmocka_unit_test(test_truncation_message),
		cmocka_unit_test(test_pipe_shared_exact),
		cmocka_unit_test(test_pipe_exclusive_at_end),
		cmocka_unit_test(test_copy_paths),
		cmocka_unit_test(test_copy_truncated),
		cmocka_unit_test(test_sub_range),
		cmocka_unit_test(test_copy_respects_injected_ops),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
