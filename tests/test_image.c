/*
 * Whole suspend images through sif_image_open/sif_image_scan: every kind
 * generated (raw, structured and legacy; ext2 made by libsif's writer and
 * by mke2fs + debugfs) is accepted with the right format and summary; and
 * every bad input of the image-format issue is refused with its offset and
 * what was expected: wrong signature, truncation at every record boundary
 * and inside records, lengths beyond the device, unknown record types,
 * qemu records above 1 MiB, impossible v1 page batches and pfn types,
 * missing, misplaced or corrupt ext2 files, trailing data; a hole punched
 * into an ext2 file reads as zeros.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "imgtest.h"
#include "testutil.h"
#include "v1gen.h"
#include "v2gen.h"

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
	unsetenv("IMGGEN_EXT2TOOL");
	tu_rmrf(dir);
	free(dir);
	return 0;
}

static char *gen(const char *name, const struct imggen_opts *o, struct imggen_result *r,
		 struct it_marks *m)
{
	struct imggen_opts g = *o;
	char *p = tu_strf("%s/%s", dir, name);

	if (m) {
		g.mark = it_mark;
		g.mark_ctx = m;
	}
	if (imggen_write(p, &g, r) < 0)
		fail_msg("generating %s", name);
	return p;
}

static void scan_ok(const char *p, struct sif_image_summary *sum)
{
	struct sif_err err;

	if (it_scan(p, sum, &err) < 0)
		fail_msg("%s: %s", p, err.msg);
}

static const struct imggen_opts raw_pv = {
	.kind = IMGGEN_RAW, .v2 = { .guest = V2GEN_PV64, .pages = 30, .vcpus = 2, .page_types = true,
				    .batch = 8, .seed = 7 },
	.qemu_bytes = 3000, .vm_str = "{\"uuid\": \"0b33\"}",
};
static const struct imggen_opts st_hvm = {
	.kind = IMGGEN_STRUCTURED, .v2 = { .guest = V2GEN_HVM, .pages = 40, .vcpus = 3, .seed = 8 },
	.qemu_bytes = 5000,
};
static const struct imggen_opts leg_pv = {
	.kind = IMGGEN_LEGACY, .v1_kv = "guest=pv width=32 guest_width=64 pages=40 vcpus=2 batch=16",
};
static const struct imggen_opts leg_hvm = {
	.kind = IMGGEN_LEGACY, .v1_kv = "guest=hvm width=32 pages=40 vcpus=2 hvm_params=1",
	.qemu_bytes = 2000,
};

static void every_kind_accepted(void **state)
{
	static const struct imggen_opts more[] = {
		{ .kind = IMGGEN_STRUCTURED_LEGACY, .v1_kv = "guest=hvm width=64 pages=20 qemu=1",
		  .qemu_bytes = 100 },
		{ .kind = IMGGEN_RAW_LEGACY, .v1_kv = "guest=pv width=64 guest_width=32 pages=20" },
		{ .kind = IMGGEN_RAW, .v2 = { .guest = V2GEN_HVM, .pages = 5, .libxl = true,
					      .xenstore = true, .emu_bytes = 77 } },
		{ .kind = IMGGEN_RAW, .v2 = { .guest = V2GEN_PV32, .pages = 5, .version = 2 },
		  .raw_tail = 12345 },
	};
	struct sif_image_summary s;
	size_t i;
	char *p;

	(void)state;
	scan_ok(p = gen("raw.img", &raw_pv, NULL, NULL), &s);
	assert_int_equal(s.format, SIF_IMAGE_RAW);
	assert_int_equal(s.container, SIF_CONTAINER_RAW);
	assert_false(s.hvm);
	assert_false(s.needs_legacy_restore);
	assert_int_equal(s.items, 5);           /* signature, Xenops, Libxc, Qemu_trad, End */
	assert_int_equal(s.image_bytes, it_size(p));
	free(p);
	scan_ok(p = gen("st.img", &st_hvm, NULL, NULL), &s);
	assert_int_equal(s.format, SIF_IMAGE_STRUCTURED);
	assert_int_equal(s.container, SIF_CONTAINER_EXT2);
	assert_true(s.hvm);
	free(p);
	scan_ok(p = gen("leg.img", &leg_pv, NULL, NULL), &s);
	assert_int_equal(s.format, SIF_IMAGE_LEGACY);
	assert_true(s.needs_legacy_restore);
	assert_int_equal(s.items, 2);
	free(p);
	scan_ok(p = gen("legh.img", &leg_hvm, NULL, NULL), &s);
	assert_true(s.hvm);
	assert_int_equal(s.items, 3);           /* signature, v1, qemu record */
	free(p);
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		scan_ok(p = gen("more.img", &more[i], NULL, NULL), &s);
		assert_int_equal(s.unused_bytes, more[i].raw_tail);
		free(p);
	}
}

/* The reader on ext2 images the filesystem tools made, not libsif. */
static void e2fsprogs_images(void **state)
{
	struct sif_image_summary s;
	struct sif_image img;
	struct sif_err err;
	char *p;

	(void)state;
	setenv("IMGGEN_EXT2TOOL", "e2fsprogs", 1);
	scan_ok(p = gen("e2st.img", &st_hvm, NULL, NULL), &s);
	assert_int_equal(s.format, SIF_IMAGE_STRUCTURED);
	assert_int_equal(sif_image_open(&img, p, 0, &err), 0);
	assert_int_equal(img.ext2_block_size, 4096);
	assert_true(img.ext2_runs >= 1);
	sif_image_close(&img);
	free(p);
	scan_ok(p = gen("e2leg.img", &leg_hvm, NULL, NULL), &s);
	assert_int_equal(s.format, SIF_IMAGE_LEGACY);
	free(p);
	unsetenv("IMGGEN_EXT2TOOL");
}

static void expect_scan_fail(const char *p, const char *w1, const char *w2)
{
	struct sif_err err;

	it_expect_fail(it_scan(p, NULL, &err), &err, w1, w2);
}

static void signatures(void **state)
{
	char *p = gen("sig.img", &raw_pv, NULL, NULL), *q = tu_strf("%s/empty", dir);

	(void)state;
	it_patch(p, 12, "3", 1);                  /* XenSavedDomv3-\n */
	expect_scan_fail(p, "not a suspend image: offset 0 holds \"XenSavedDomv3-\\x0a",
			 "offset 1080 holds");
	assert_int_equal(tu_write_file(q, "", 0), 0);
	expect_scan_fail(q, "empty", NULL);
	assert_int_equal(tu_write_file(q, "short", 5), 0);
	expect_scan_fail(q, "not a suspend image: 5 bytes starting \"short\"", NULL);
	free(p);
	free(q);
}

/* Cut a raw image at every framing boundary and inside every record. */
static void truncated_raw(void **state)
{
	struct imggen_result r;
	struct it_marks m = { 0 };
	char *good = gen("whole.img", &raw_pv, &r, &m), *p = tu_strf("%s/cut.img", dir);
	uint64_t cuts[64];
	size_t n = 0, i;

	(void)state;
	cuts[n++] = 15;                             /* after the signature */
	cuts[n++] = 20;                             /* inside a header */
	cuts[n++] = r.xenops + 16 + r.xenops_len / 2;
	cuts[n++] = r.stream_hdr;
	cuts[n++] = r.stream_hdr + 16;
	for (i = 0; i < m.n && n < 60; i++) {       /* every libxc record and inside it */
		cuts[n++] = m.off[i];
		cuts[n++] = m.off[i] + 5;
	}
	cuts[n++] = r.qemu;
	cuts[n++] = r.qemu + 16 + 1000;
	cuts[n++] = r.end;
	cuts[n++] = r.end + 9;
	for (i = 0; i < n; i++) {
		struct sif_err err;
		char off[48];

		it_copy(good, p);
		it_truncate(p, cuts[i]);
		if (it_scan(p, NULL, &err) == 0)
			fail_msg("cut at %llu accepted", (unsigned long long)cuts[i]);
		if (!strstr(err.msg, "truncated") && !strstr(err.msg, "without an End_of_image") &&
		    !strstr(err.msg, "runs past the end"))
			fail_msg("cut at %llu: %s", (unsigned long long)cuts[i], err.msg);
		snprintf(off, sizeof(off), "offset ");
		assert_non_null(strstr(err.msg, off));
		if (cuts[i] == r.stream_hdr || cuts[i] == r.qemu || cuts[i] == r.end) {
			snprintf(off, sizeof(off), "offset %llu: the image ends after",
				 (unsigned long long)cuts[i]);
			if (!strstr(err.msg, off))
				fail_msg("cut at %llu: %s", (unsigned long long)cuts[i], err.msg);
		}
	}
	it_marks_free(&m);
	free(good);
	free(p);
}

/* One patch to a copy of a raw image, one expected refusal. */
#define raw_refuses(...) (print_message("line %d\n", __LINE__), raw_refuses_(__VA_ARGS__))
static void raw_refuses_(const char *good, uint64_t off, int width, uint64_t v,
			const char *w1, const char *w2)
{
	char *p = tu_strf("%s/bad.img", dir);

	it_copy(good, p);
	if (width == 8)
		it_patch_le64(p, off, v);
	else
		it_patch_le32(p, off, (uint32_t)v);
	expect_scan_fail(p, w1, w2);
	free(p);
}

static void framing_rules(void **state)
{
	struct imggen_result r;
	char *good = gen("frame.img", &raw_pv, &r, NULL), want[96];

	(void)state;
	snprintf(want, sizeof(want), "offset %llu: unknown record type 0x1234",
		 (unsigned long long)r.qemu);
	raw_refuses(good, r.qemu, 8, 0x1234, want, "End_of_image 0xffff");
	raw_refuses(good, r.qemu + 8, 8, 3000 + 100000, "Qemu_trad record length 103000 runs past "
		    "the end of the image", "bytes left");
	raw_refuses(good, r.qemu + 8, 8, 0x100001, "Qemu_trad record length 1048577 exceeds the "
		    "1048576 bytes (1 MiB)", NULL);
	raw_refuses(good, r.xenops + 8, 8, 1ULL << 40, "Xenops record length 1099511627776, "
		    "expected 1 to 1048576", NULL);
	{
		/* an unsized Demu record ends the framing: the rest is opaque */
		char *p = tu_strf("%s/demu.img", dir);
		struct sif_image_summary s;

		it_copy(good, p);
		it_patch_le64(p, r.qemu, 0xf10);
		it_patch_le64(p, r.qemu + 8, 0);
		scan_ok(p, &s);
		assert_int_equal(s.opaque_offset, r.qemu + 16);
		assert_int_equal(s.opaque_bytes, r.total - r.qemu - 16);
		assert_int_equal(s.image_bytes, r.qemu + 16);
		/* a sized one (2015-2017) is a sized record */
		it_patch_le64(p, r.qemu + 8, 3000);
		scan_ok(p, &s);
		assert_int_equal(s.opaque_offset, 0);
		free(p);
	}
	raw_refuses(good, r.end + 8, 8, 5, "End_of_image record length 5, expected 0", NULL);
	raw_refuses(good, r.stream_hdr + 8, 8, r.stream_end - r.stream - 1,
		    "Libxc record declares length", NULL);
	raw_refuses(good, r.xenops + 16 + 2, 4, 0x656d6174, "Xenops record at offset 15",
		    "unknown field 'tame'");
	free(good);
}

/* Qemu_xen, Varstored and Swtpm bodies are sized records like Qemu_trad. */
static void sized_device_records(void **state)
{
	static const uint64_t types[] = { 0xf01, 0xf11, 0xf12, 0xf13 };
	struct imggen_result r;
	struct sif_image_summary s;
	char *good = gen("dev.img", &raw_pv, &r, NULL), *p = tu_strf("%s/dev2.img", dir);
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		it_copy(good, p);
		it_patch_le64(p, r.qemu, types[i]);
		scan_ok(p, &s);
		assert_int_equal(s.items, 5);
	}
	/* a declared Libxc length equal to the stream is fine */
	it_copy(good, p);
	it_patch_le64(p, r.stream_hdr + 8, r.stream_end - r.stream);
	scan_ok(p, &s);
	free(good);
	free(p);
}

/* A legacy image (XenSavedDomain + v1 [+ qemu]) straight on a file. */
static char *v1_image(const char *name, const char *kv, struct v1gen_result *res,
		      struct it_marks *m)
{
	struct v1gen_opts o = { 0 };
	char *p = tu_strf("%s/%s", dir, name), *opts = strdup(kv), *tok, *save = NULL;
	FILE *f;

	for (tok = strtok_r(opts, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		assert_int_equal(v1gen_set(&o, tok), 0);
	free(opts);
	o.wrap = V1GEN_LEGACY_IMAGE;
	o.qemu = o.guest == SIF_V1_HVM;
	o.mark = it_mark;
	o.mark_ctx = m;
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(v1gen_write(fileno(f), &o, res), 0);
	fclose(f);
	return p;
}

static void legacy_rules(void **state)
{
	struct v1gen_result res;
	struct it_marks m = { 0 };
	struct sif_image_summary s;
	char *good, *p = tu_strf("%s/l.img", dir), *q = tu_strf("%s/l.ext2", dir), want[96];
	uint64_t batch;

	(void)state;
	good = v1_image("leg.raw", "guest=hvm width=32 pages=40 batch=16", &res, &m);
	scan_ok(good, &s);
	assert_int_equal(s.format, SIF_IMAGE_LEGACY);
	assert_int_equal(s.container, SIF_CONTAINER_RAW);
	/* the HVM image's qemu record is required, its length bounded */
	it_copy(good, p);
	it_truncate(p, res.v1_end);
	snprintf(want, sizeof(want), "offset %llu: the HVM guest's image ends after its libxc stream",
		 (unsigned long long)res.v1_end);
	expect_scan_fail(p, want, "expected \"QemuDeviceModelRecord\\n\"");
	it_copy(good, p);
	it_patch_be32(p, res.v1_end + 22, 0x100001);
	expect_scan_fail(p, "qemu record length 1048577 exceeds the 1048576 bytes (1 MiB)", NULL);
	it_copy(good, p);
	it_patch(p, res.v1_end, "Remus", 5);
	expect_scan_fail(p, "expected the qemu record signature \"QemuDeviceModelRecord\\n\"", NULL);
	it_copy(good, p);
	it_truncate(p, res.v1_end + 30);
	expect_scan_fail(p, "qemu record length 4096 runs past the end", NULL);
	/* the v1 stream itself: a batch over 1024, a pfn type v1 does not have */
	batch = it_mark_at(&m, "page batch", 1);
	it_copy(good, p);
	it_patch_le32(p, batch, 1025);
	snprintf(want, sizeof(want), "offset %llu:", (unsigned long long)batch);
	expect_scan_fail(p, want, "1025");
	it_copy(good, p);
	it_patch_le32(p, batch + 4 + 4, 0x50000003);
	expect_scan_fail(p, "0x5", "type");
	/* cut at every chunk and tail item of the v1 stream, and inside each */
	for (size_t i = 0; i < m.n; i++) {
		uint64_t cuts[2] = { m.off[i], m.off[i] + 2 };

		for (int k = 0; k < 2; k++) {
			struct sif_err err;

			it_copy(good, p);
			it_truncate(p, cuts[k]);
			if (it_scan(p, NULL, &err) == 0)
				fail_msg("cut at %llu (%s) accepted", (unsigned long long)cuts[k],
					 m.what[i]);
			if (!strstr(err.msg, "offset ") ||
			    (!strstr(err.msg, "truncated") && !strstr(err.msg, "expected")))
				fail_msg("cut at %llu (%s): %s", (unsigned long long)cuts[k],
					 m.what[i], err.msg);
		}
	}
	/* inside ext2, bytes after the qemu record are trailing data */
	it_copy(good, p);
	assert_int_equal(tu_write_file(q, "", 0), 0);
	{
		FILE *f = fopen(p, "ab");

		fputs("left over", f);
		fclose(f);
	}
	assert_int_equal(imggen_ext2(q, p, true), 0);
	snprintf(want, sizeof(want), "offset %llu: 9 bytes of trailing data after the qemu record",
		 (unsigned long long)res.total);
	expect_scan_fail(q, want, NULL);
	it_marks_free(&m);
	free(good);
	/* a PV legacy image inside ext2 cut short */
	good = v1_image("legpv.raw", "guest=pv width=64 pages=20", &res, &m);
	it_copy(good, p);
	it_truncate(p, res.total - 100);
	assert_int_equal(imggen_ext2(q, p, true), 0);
	expect_scan_fail(q, ":suspend-image: offset", "truncated");
	it_marks_free(&m);
	free(good);
	free(p);
	free(q);
}

/* A structured image, then debugfs changes to its filesystem. */
static void ext2_refuses(const char *debugfs_cmds, const char *w1, const char *w2)
{
	char *p = gen("e.img", &st_hvm, NULL, NULL);
	struct run_result r;

	if (tu_sh(&r, "for c in %s; do debugfs -w -R \"$(echo $c | tr + ' ')\" '%s' || exit 1; done",
		  debugfs_cmds, p) != 0)
		fail_msg("debugfs %s: %s", debugfs_cmds, r.err);
	tu_run_free(&r);
	expect_scan_fail(p, w1, w2);
	free(p);
}

/* debugfs punches a hole into the page data: the image reads zeros there and verifies. */
static void punched_page_data_reads_zeros(void)
{
	char *p = gen("punched.img", &st_hvm, NULL, NULL);
	unsigned char b[4096], zero[4096] = { 0 };
	struct sif_image_summary s;
	struct sif_image img;
	struct sif_err err;
	struct run_result r;

	if (tu_sh(&r, "debugfs -w -R 'punch suspend-image 1 1' '%s'", p) != 0)
		fail_msg("debugfs punch: %s", r.err);
	tu_run_free(&r);
	scan_ok(p, &s);
	assert_int_equal(sif_image_open(&img, p, 0, &err), 0);
	assert_int_equal(img.ext2_holes, 1);
	assert_int_equal(img.ext2_hole_bytes, 4096);
	assert_int_equal(sif_src_skip(&img.src, 4096, "head", &err), 0);
	assert_int_equal(sif_src_read_exact(&img.src, b, sizeof(b), "hole", &err), 0);
	assert_memory_equal(b, zero, sizeof(b));
	sif_image_close(&img);
	free(p);
}

static void ext2_container(void **state)
{
	char *p;

	(void)state;
	ext2_refuses("rm+suspend-image", "the ext2 filesystem has no file suspend-image in its root "
		     "directory (it holds 1 entry: lost+found)", NULL);
	ext2_refuses("rm+suspend-image mkdir+suspend-image", "suspend-image in the ext2 filesystem "
		     "is a directory", NULL);
	ext2_refuses("rm+suspend-image symlink+suspend-image+/elsewhere", "is not a regular file "
		     "(mode 0120777)", NULL);
	punched_page_data_reads_zeros();
	ext2_refuses("sif+suspend-image+block[2]+0x7ffffff", "file offset 8192 maps to block "
		     "134217727, outside the filesystem", NULL);
	ext2_refuses("ssv+log_block_size+9", "corrupt ext2 filesystem", NULL);
	ext2_refuses("set_bg+0+inode_table+0xfffffff", "corrupt ext2 filesystem", NULL);
	/* a device shorter than its filesystem */
	p = gen("short.img", &st_hvm, NULL, NULL);
	it_truncate(p, it_size(p) - 8192);
	expect_scan_fail(p, "the ext2 filesystem claims", "the device has");
	free(p);
}

/* 1 KiB blocks, as old mke2fs defaults made small filesystems. */
static void small_block_ext2(void **state)
{
	char *p = tu_strf("%s/k1.img", dir), *raw = gen("k1.raw", &raw_pv, NULL, NULL);
	struct sif_image_summary s;
	struct sif_image img;
	struct sif_err err;
	struct run_result r;

	(void)state;
	if (tu_sh(&r, "mke2fs -q -F -t ext2 -b 1024 '%s' 2m && debugfs -w -R 'write %s "
		  "suspend-image' '%s'", p, raw, p) != 0)
		fail_msg("mke2fs: %s", r.err);
	tu_run_free(&r);
	scan_ok(p, &s);
	assert_int_equal(s.format, SIF_IMAGE_STRUCTURED);
	assert_int_equal(s.image_bytes, it_size(raw));
	assert_int_equal(sif_image_open(&img, p, 0, &err), 0);
	assert_int_equal(img.ext2_block_size, 1024);
	sif_image_close(&img);
	free(p);
	free(raw);
}

/* ext4's extent-mapped files are not what an ext2 suspend image holds. */
static void ext4_extents_refused(void **state)
{
	char *p = tu_strf("%s/e4.img", dir), *src = tu_strf("%s/payload", dir);
	struct run_result r;

	(void)state;
	assert_int_equal(tu_write_file(src, "XenSavedDomv2-\n", 15), 0);
	if (tu_sh(&r, "mke2fs -q -F -t ext4 '%s' 8M && debugfs -w -R 'write %s suspend-image' '%s'",
		  p, src, p) != 0)
		fail_msg("mke2fs: %s", r.err);
	tu_run_free(&r);
	expect_scan_fail(p, "suspend-image uses inode flags", "an ext2 suspend image has a plain "
			 "block map");
	free(p);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_accepted),
		cmocka_unit_test(e2fsprogs_images),
		cmocka_unit_test(signatures),
		cmocka_unit_test(truncated_raw),
		cmocka_unit_test(framing_rules),
		cmocka_unit_test(sized_device_records),
		cmocka_unit_test(legacy_rules),
		cmocka_unit_test(ext2_container),
		cmocka_unit_test(small_block_ext2),
		cmocka_unit_test(ext4_extents_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
