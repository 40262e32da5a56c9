/*
 * The v1 stream reader: width and guest-type detection and its refusals,
 * what it learns about a stream, every strictness check (each a patched
 * generated stream, with the offset and expectation in the message),
 * truncation at every chunk and tail boundary, and exact consumption of a
 * shared fd (file and pipe) that carries a qemu record after the stream.
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

#include "sif/io.h"
#include "sif/v1.h"
#include "testutil.h"
#include "v1test.h"

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
	tu_rmrf(dir);
	free(dir);
	return 0;
}

/* Read path with opts; returns rc and leaves the message in err. */
static int read_file(const char *path, const struct sif_v1_opts *o,
		     struct sif_v1_info *in, struct sif_err *err)
{
	struct sif_src s;
	int rc;

	memset(err, 0, sizeof(*err));
	if (sif_src_open_path(&s, path, 0, err) < 0)
		fail_msg("%s", err->msg);
	rc = sif_v1_read(&s, o, NULL, NULL, in, err);
	sif_src_close(&s);
	return rc;
}

static void expect_fail(const char *path, const struct sif_v1_opts *o,
			const char *needle)
{
	struct sif_v1_info in;
	struct sif_err err;

	if (read_file(path, o, &in, &err) == 0)
		fail_msg("%s read without error (expected \"%s\")", path, needle);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
	assert_non_null(strstr(err.msg, path));
}

static void test_detect_each_kind(void **state)
{
	static const struct { enum sif_v1_guest g; unsigned w, gw; } kinds[] = {
		{ SIF_V1_PV, 32, 32 }, { SIF_V1_PV, 32, 64 }, { SIF_V1_PV, 64, 64 },
		{ SIF_V1_PV, 64, 32 }, { SIF_V1_HVM, 32, 0 }, { SIF_V1_HVM, 64, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct v1gen_opts o = { .guest = kinds[i].g, .width = kinds[i].w,
					.guest_width = kinds[i].gw, .pages = 1500,
					.vcpus = 5, .offline_every = 2, .pt_types = true,
					.seed = i };
		struct v1gen_result res;
		struct sif_v1_opts vo = { 0 };
		struct sif_v1_info in;
		struct sif_err err;
		char *p = v1t_gen(dir, "s.v1", &o, &res, NULL);

		assert_int_equal(read_file(p, &vo, &in, &err), 0);
		assert_int_equal(in.guest, kinds[i].g);
		assert_int_equal(in.width * 8, kinds[i].w);
		assert_true(in.width_detected && in.guest_detected);
		assert_int_equal(in.p2m_size, 1516);
		assert_int_equal(in.end, res.total);
		assert_int_equal(in.pages * SIF_V1_PAGE_SIZE, res.page_bytes);
		assert_int_equal(in.max_vcpu_id, 4);
		assert_int_equal(in.online_vcpus, 3); /* 0, 2, 4 */
		assert_int_equal(in.batches, 2);
		if (kinds[i].g == SIF_V1_PV) {
			assert_int_equal(in.guest_width * 8, kinds[i].gw);
			assert_int_equal(in.levels, kinds[i].gw == 64 ? 4 : 3);
		}
		/* The same with both options given. */
		vo.width = kinds[i].w;
		vo.guest = kinds[i].g;
		assert_int_equal(read_file(p, &vo, &in, &err), 0);
		assert_false(in.width_detected || in.guest_detected);
		free(p);
	}
}

/* A width or guest type that contradicts the stream is refused. */
static void test_detect_contradictions(void **state)
{
	struct v1gen_opts pv64 = { .guest = SIF_V1_PV, .width = 64, .pages = 3 };
	struct v1gen_opts pv32 = { .guest = SIF_V1_PV, .width = 32, .pages = 3 };
	struct v1gen_opts hvm64 = { .guest = SIF_V1_HVM, .width = 64, .pages = 3 };
	char *a = v1t_gen(dir, "pv64", &pv64, NULL, NULL);
	char *b = v1t_gen(dir, "pv32", &pv32, NULL, NULL);
	char *c = v1t_gen(dir, "hvm64", &hvm64, NULL, NULL);
	struct sif_v1_opts o = { .width = 32, .guest = SIF_V1_PV };

	(void)state;
	expect_fail(a, &o, "offset 0: not a libxc v1 stream of the requested kind (width 32, guest pv): "
		    "32-bit PV: no extended-info marker 0xffffffff at offset 4 (found 0x00000000)");
	o.width = 64;
	expect_fail(b, &o, "64-bit PV: no extended-info marker 0xffffffffffffffff at offset 8");
	o.width = 0;
	expect_fail(c, &o, "32-bit PV: no extended-info marker");
	o.guest = SIF_V1_HVM;
	o.width = 64;
	expect_fail(b, &o, "offset 0: p2m_size 0xffffffff00000013 out of range: expected 1..0xfffffff");
	free(a); free(b); free(c);
}

static void test_detect_garbage(void **state)
{
	char *p = tu_strf("%s/garbage", dir);
	struct sif_v1_opts o = { 0 };

	(void)state;
	tu_write_file(p, "0123456789abcdefghijklmnopqrstuvwxyz", 36);
	expect_fail(p, &o, "offset 0: not a libxc v1 stream: 32-bit PV: no extended-info marker");
	tu_write_file(p, "0123456789", 10);
	expect_fail(p, &o, "offset 0: truncated reading v1 stream header: expected 16 bytes, got 10");
	free(p);
}

static uint32_t le(uint32_t v) { return v; } /* the test hosts are little-endian */

static void patch32(const char *p, uint64_t off, uint32_t v)
{
	v = le(v);
	v1t_patch(p, off, &v, 4);
}

static void patch64(const char *p, uint64_t off, uint64_t v)
{
	v1t_patch(p, off, &v, 8);
}

static void test_p2m_size_range(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_HVM, .width = 64, .pages = 10 };
	struct sif_v1_opts vo = { 0 };
	char *p = v1t_gen(dir, "h", &o, NULL, NULL);

	(void)state;
	patch32(p, 0, 0);
	expect_fail(p, &vo, "offset 0: p2m_size 0x0 out of range: expected 1..0xfffffff");
	patch32(p, 0, 0x7fffffff);
	expect_fail(p, &vo, "offset 0: p2m_size 0x7fffffff out of range");
	/* pfn 5 of the first batch is beyond a p2m_size of 5 */
	patch32(p, 0, 5);
	expect_fail(p, &vo, "offset 52: pfn_type[5] 0x5: pfn 0x5 beyond p2m_size 0x5");
	free(p);
}

static void test_batch_checks(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_HVM, .width = 32, .pages = 10, .vcpus = 2 };
	struct sif_v1_opts vo = { .width = 32, .guest = SIF_V1_HVM };
	struct v1t_marks m;
	char *p = v1t_gen(dir, "h", &o, NULL, &m), *q;
	uint64_t b = v1t_mark(&m, "page batch");
	char want[200];

	(void)state;
	q = v1t_copy(p, "a");
	patch32(q, b, 1025);
	snprintf(want, sizeof(want), "offset %llu: page batch count 1025 exceeds the v1 limit of 1024",
		 (unsigned long long)b);
	expect_fail(q, &vo, want);
	free(q);
	q = v1t_copy(p, "b");
	patch32(q, b + 4 + 4 * 3, 0x50000003); /* type 5 */
	snprintf(want, sizeof(want), "offset %llu: pfn_type[3] 0x50000003: page type 0x5 is not a v1 type",
		 (unsigned long long)b + 16);
	expect_fail(q, &vo, want);
	free(q);
	q = v1t_copy(p, "c");
	patch32(q, b + 4 + 4 * 7, 2);
	snprintf(want, sizeof(want), "offset %llu: page batch of 10: pfn 0x2 appears twice",
		 (unsigned long long)b);
	expect_fail(q, &vo, want);
	free(q);
	q = v1t_copy(p, "d");
	patch32(q, v1t_mark(&m, "vcpu_info chunk"), (uint32_t)-99);
	expect_fail(q, &vo, "unknown chunk id -99 (expected a page batch 1..1024, 0 or -1..-20)");
	free(q);
	q = v1t_copy(p, "e");
	patch32(q, v1t_mark(&m, "vcpu_info chunk"), (uint32_t)-5);
	expect_fail(q, &vo, "chunk -5 (tmem) is not supported");
	free(q);
	q = v1t_copy(p, "f");
	v1t_truncate(q, b + 4 + 40 + 4096 * 3 + 100);
	snprintf(want, sizeof(want), "offset %llu: truncated reading page data: expected 40960 bytes, got 12388",
		 (unsigned long long)b + 44);
	expect_fail(q, &vo, want);
	free(q);
	free(p);
}

static void test_vcpu_checks(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_PV, .width = 64, .pages = 4, .vcpus = 3,
				.xsave_size = 512 };
	struct sif_v1_opts vo = { 0 };
	struct v1t_marks m;
	char *p = v1t_gen(dir, "p", &o, NULL, &m), *q;
	uint64_t vi = v1t_mark(&m, "vcpu_info chunk");
	char want[200];

	(void)state;
	q = v1t_copy(p, "a");
	patch32(q, vi + 4, 1); /* vcpu 2 online, max id 1 */
	snprintf(want, sizeof(want), "offset %llu: vcpu_info: vcpu 2 online but max_vcpu_id is 1",
		 (unsigned long long)vi + 8);
	expect_fail(q, &vo, want);
	free(q);
	q = v1t_copy(p, "b");
	patch32(q, vi + 4, 4096);
	expect_fail(q, &vo, "vcpu_info max_vcpu_id 4096 out of range 0..4095");
	free(q);
	q = v1t_copy(p, "c");
	patch64(q, vi + 8, 0);
	expect_fail(q, &vo, "PV stream without an online vcpu before the tail");
	free(q);
	q = v1t_copy(p, "d");
	patch64(q, v1t_mark(&m, "xsave") + 8, 500);
	expect_fail(q, &vo, "vcpu 0 xsave size 500: expected 512 (\"xcnt\" 528 - 16)");
	free(q);
	q = v1t_copy(p, "e");
	v1t_patch(q, 28 + SIF_V1_VCPU64_SIZE, "abcd", 4);
	expect_fail(q, &vo, "unknown extended-info block \"abcd\" (expected \"vcpu\", \"extv\" or \"xcnt\")");
	free(q);
	q = v1t_copy(p, "f");
	patch32(q, 24, 0x1000);
	expect_fail(q, &vo, "\"vcpu\" extended-info block of 4096 bytes: expected 0x1430 (64-bit guest) or 0xaf0 (32-bit guest)");
	free(q);
	q = v1t_copy(p, "g");
	patch32(q, 16, 0x1430); /* ext_total too small for the blocks */
	expect_fail(q, &vo, "offset 20: extended-info block of 5168 bytes overruns the 5168 announced at offset 16");
	free(q);
	free(p);
}

static void test_hvm_param_checks(void **state)
{
	struct v1gen_opts h = { .guest = SIF_V1_HVM, .width = 64, .pages = 2, .hvm_params = true,
				.qemu = true, .qemu_len = 100 };
	struct v1gen_opts pv = { .guest = SIF_V1_PV, .width = 32, .pages = 2, .verify_mode = true };
	struct sif_v1_opts vo = { .qemu = true };
	struct v1t_marks m;
	char *p = v1t_gen(dir, "h", &h, NULL, &m), *q;
	uint64_t first = v1t_mark(&m, "HVM param chunk");

	(void)state;
	q = v1t_copy(p, "a");
	patch32(q, first + 16, (uint32_t)SIF_V1_CHUNK_HVM_IDENT_PT);
	expect_fail(q, &vo, "chunk -3 (hvm_ident_pt) repeated");
	free(q);
	q = v1t_copy(p, "b");
	v1t_patch(q, v1t_mark(&m, "qemu record"), "QemuDeviceModelRecord", 21);
	expect_fail(q, &vo, "expected qemu record signature \"DeviceModelRecord0002\", found \"QemuDeviceModelRecord\"");
	free(q);
	q = v1t_copy(p, "c");
	patch32(q, v1t_mark(&m, "qemu record") + 21, (1u << 20) + 1);
	expect_fail(q, &vo, "qemu record length 1048577 exceeds the limit of 1048576 bytes");
	free(q);
	free(p);
	p = v1t_gen(dir, "p", &pv, NULL, &m);
	patch32(p, v1t_mark(&m, "verify mode chunk"), (uint32_t)SIF_V1_CHUNK_HVM_IDENT_PT);
	vo.qemu = false;
	expect_fail(p, &vo, "HVM-only chunk -3 (hvm_ident_pt) in a PV stream");
	free(p);
}

/* Cut the stream at every chunk and tail boundary, and one byte after. */
static void truncate_everywhere(const struct v1gen_opts *o, bool qemu)
{
	struct sif_v1_opts vo = { .qemu = qemu };
	struct v1t_marks m;
	struct v1gen_result res;
	char *p = v1t_gen(dir, "t", o, &res, &m);

	for (unsigned i = 0; i < m.n; i++) {
		for (uint64_t cut = m.off[i]; cut <= m.off[i] + 1; cut++) {
			char *q = v1t_copy(p, "cut"), want[64];
			struct sif_v1_info in;
			struct sif_err err;

			v1t_truncate(q, cut);
			assert_int_equal(read_file(q, &vo, &in, &err), -1);
			if (!strstr(err.msg, "truncated reading"))
				fail_msg("cut at %llu (%s): %s", (unsigned long long)cut,
					 m.what[i], err.msg);
			snprintf(want, sizeof(want), "offset %llu: truncated", (unsigned long long)cut);
			if (cut == m.off[i] && cut >= 16 && !strstr(err.msg, want))
				fail_msg("cut at %s: \"%s\" lacks \"%s\"", m.what[i], err.msg, want);
			free(q);
		}
	}
	/* Whole, it reads. */
	{
		struct sif_v1_info in;
		struct sif_err err;

		assert_int_equal(read_file(p, &vo, &in, &err), 0);
		assert_int_equal(in.end, res.total);
	}
	free(p);
}

static void test_truncation_everywhere(void **state)
{
	struct v1gen_opts pv = { .guest = SIF_V1_PV, .width = 32, .guest_width = 64, .pages = 5,
				 .batch = 2, .vcpus = 3, .extv = true, .xsave_size = 64,
				 .tsc = true, .verify_mode = true, .last_checkpoint = true,
				 .unmapped = 2, .physmap_entries = 1, .xtab_every = 2 };
	struct v1gen_opts hvm = { .guest = SIF_V1_HVM, .width = 64, .pages = 3, .tsc = true,
				  .hvm_params = true, .qemu = true, .qemu_len = 64,
				  .hvm_ctx_len = 40 };

	(void)state;
	truncate_everywhere(&pv, false);
	truncate_everywhere(&hvm, true);
}

/* A legacy image: the reader stops on the qemu record, file and pipe alike. */
static void test_shared_fd_exact(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_HVM, .width = 32, .pages = 300, .qemu = true,
				.qemu_len = 5000, .wrap = V1GEN_LEGACY_IMAGE };
	struct v1gen_result res;
	struct sif_v1_opts vo = { 0 };
	struct sif_v1_info in;
	struct sif_err err = { 0 };
	struct sif_src s;
	char *p = v1t_gen(dir, "img", &o, &res, NULL), buf[22];
	int fd = open(p, O_RDONLY), pfd[2];
	pid_t pid;

	(void)state;
	assert_true(lseek(fd, 15, SEEK_SET) == 15);
	assert_int_equal(sif_src_open_fd(&s, fd, p, SIF_SRC_SHARED, &err), 0);
	assert_int_equal(sif_v1_read(&s, &vo, NULL, NULL, &in, &err), 0);
	sif_src_close(&s);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), res.v1_end);
	assert_int_equal(read(fd, buf, 22), 22);
	assert_memory_equal(buf, "QemuDeviceModelRecord\n", 22);
	close(fd);

	/* Through a pipe, after the 15-byte signature is taken by the caller. */
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 1);
		execl("/bin/cat", "cat", p, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	assert_int_equal(sif_read_full(pfd[0], buf, 15), 15);
	assert_int_equal(sif_src_open_fd(&s, pfd[0], "pipe", SIF_SRC_SHARED, &err), 0);
	s.pos = 15; /* report file offsets */
	s.buf_at = 15;
	assert_int_equal(sif_v1_read(&s, &vo, NULL, NULL, &in, &err), 0);
	assert_int_equal(s.pos, res.v1_end);
	sif_src_close(&s);
	assert_int_equal(sif_read_full(pfd[0], buf, 22), 22);
	assert_memory_equal(buf, "QemuDeviceModelRecord\n", 22);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_each_kind),
		cmocka_unit_test(test_detect_contradictions),
		cmocka_unit_test(test_detect_garbage),
		cmocka_unit_test(test_p2m_size_range),
		cmocka_unit_test(test_batch_checks),
		cmocka_unit_test(test_vcpu_checks),
		cmocka_unit_test(test_hvm_param_checks),
		cmocka_unit_test(test_truncation_everywhere),
		cmocka_unit_test(test_shared_fd_exact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
