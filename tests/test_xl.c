/*
 * `xl save` files read as they are: generated ones (xl's header and JSON
 * domain config, the libxl v2 stream around a libxc v2 stream; PV, and HVM
 * with EMULATOR_XENSTORE_DATA and a qemu-upstream EMULATOR_CONTEXT; old xl
 * files with a v1 stream) inspect with the header's fields and every libxl
 * record at its offset (text and JSON), verify, and pass Xen's
 * verify-stream-v2 -f xl where it works (it rejects every
 * EMULATOR_XENSTORE_DATA); bad headers and truncations fail with the offset;
 * image wrap takes the libxc stream and the device model state byte for
 * byte (or the libxl stream whole); image convert says where it has nothing
 * to do; the restore path hands the backend the libxc stream, the device
 * model the EMULATOR_CONTEXT body and xenstore the device model's keys,
 * every byte checked, and refuses checkpointed streams and missing state
 * with the domain destroyed.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json.h>
#include <cmocka.h>

#include "sif/domain.h"
#include "sif/image.h"
#include "sif/restore.h"
#include "dbutil.h"
#include "expect.h"
#include "imgtest.h"
#include "testutil.h"
#include "v1gen.h"
#include "v2gen.h"

#define PEER "PYTHONPATH=/usr/lib/xen-4.17/lib/python /usr/lib/xen-4.17/bin/"

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

static const struct v2gen_opts xl_pv = { .guest = V2GEN_PV64, .pages = 500, .vcpus = 2,
					 .page_types = true, .xen417 = true, .xl = true, .seed = 31 };
static const struct v2gen_opts xl_hvm = { .guest = V2GEN_HVM, .pages = 700, .vcpus = 2,
					  .xen417 = true, .xl = true, .xenstore = true,
					  .emu_bytes = 70000, .seed = 32 };
static const struct v2gen_opts xl_hvm_plain = { .guest = V2GEN_HVM, .pages = 300, .xl = true,
						.emu_bytes = 5000, .seed = 33 };

/* Bytes [off, off + n) of path into dir/name. */
static char *region(const char *path, uint64_t off, uint64_t n, const char *name)
{
	size_t len;
	char *all = tu_read_file(path, &len), *out = tu_strf("%s/%s", dir, name);

	assert_non_null(all);
	assert_true(off + n <= len);
	assert_int_equal(tu_write_file(out, all + off, (size_t)n), 0);
	free(all);
	return out;
}

static struct json_object *inspect_json(const char *path, int want_status)
{
	struct run_result r;
	struct json_object *o;

	tu_sif(&r, "image", "inspect", "--json", path, NULL);
	if (r.status != want_status)
		fail_msg("inspect %s: exit %d: %s", path, r.status, r.err);
	o = json_tokener_parse(r.out);
	assert_non_null(o);
	tu_run_free(&r);
	return o;
}

static int64_t jint(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no key %s", k);
	return json_object_get_int64(v);
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_get_string(v))
		fail_msg("no string %s", k);
	return json_object_get_string(v);
}

/* Every record of the inspection: name and offset, in order. */
static void expect_records(struct json_object *o, const char *const *names, const uint64_t *offs)
{
	struct json_object *recs;
	size_t i;

	assert_true(json_object_object_get_ex(o, "records", &recs));
	for (i = 0; names[i]; i++) {
		struct json_object *r = json_object_array_get_idx(recs, i);

		if (!r)
			fail_msg("record %zu (%s) missing", i, names[i]);
		assert_string_equal(jstr(r, "record"), names[i]);
		if ((uint64_t)jint(r, "offset") != offs[i])
			fail_msg("%s at %lld, expected %llu", names[i], (long long)jint(r, "offset"),
				 (unsigned long long)offs[i]);
	}
	assert_int_equal(json_object_array_length(recs), i);
}

static void inspect_and_verify(void **state)
{
	struct it_marks m = { 0 };
	char *p = it_gen_v2(dir, "hvm.xl", &xl_hvm, &m);
	struct json_object *o, *recs, *r, *x, *v;
	struct run_result rr;
	const char *names[] = { "xl-header", "libxl-header", "LIBXC_CONTEXT",
				"EMULATOR_XENSTORE_DATA", "EMULATOR_CONTEXT", "END", NULL };
	uint64_t offs[6];

	(void)state;
	offs[0] = 0;
	offs[1] = it_mark_at(&m, "libxl header", 0);
	offs[2] = it_mark_at(&m, "LIBXC_CONTEXT", 0);
	offs[3] = it_mark_at(&m, "EMULATOR_XENSTORE_DATA", 0);
	offs[4] = it_mark_at(&m, "EMULATOR_CONTEXT", 0);
	offs[5] = it_mark_at(&m, "libxl END", 0);
	o = inspect_json(p, 0);
	assert_string_equal(jstr(o, "stream"), "xl");
	assert_string_equal(jstr(o, "format"), "raw");
	expect_records(o, names, offs);
	assert_true(json_object_object_get_ex(o, "records", &recs));
	r = json_object_array_get_idx(recs, 0);
	assert_true(json_object_object_get_ex(r, "xl", &x));
	assert_int_equal(jint(x, "mandatory_flags"), 3);
	assert_int_equal(jint(x, "optional_flags"), 0);
	assert_int_equal(jint(x, "config_bytes"), it_mark_at(&m, "libxl header", 0) - 52);
	assert_string_equal(jstr(x, "name"), "sif-guest-32");
	assert_string_equal(jstr(x, "type"), "hvm");
	assert_string_equal(jstr(x, "uuid"), "5e7f0d2a-1b3c-4d5e-8f90-000000000020");
	assert_int_equal(jint(x, "max_vcpus"), 2);
	assert_int_equal(jint(x, "max_memkb"), 700 * 4 + 1024);
	assert_string_equal(jstr(x, "stream"), "libxl-v2");
	r = json_object_array_get_idx(recs, 2);
	assert_true(json_object_object_get_ex(r, "libxc", &v));
	assert_int_equal(jint(v, "pages"), 700);
	assert_string_equal(jstr(v, "guest_type"), "hvm");
	r = json_object_array_get_idx(recs, 3);
	assert_true(json_object_object_get_ex(r, "emulator", &v));
	assert_int_equal(jint(v, "xenstore_pairs"), 3);
	assert_int_equal(jint(v, "emulator_id"), 2);
	r = json_object_array_get_idx(recs, 4);
	assert_true(json_object_object_get_ex(r, "emulator", &v));
	assert_int_equal(jint(v, "bytes"), 70000);
	assert_string_equal(jstr(v, "emulator"), "qemu-upstream");
	json_object_put(o);
	/* text */
	tu_sif(&rr, "image", "inspect", p, NULL);
	tu_expect(&rr, 0, "mandatory flags 0x3 (JSON config, libxl v2 stream), optional flags 0x0, "
		  "JSON domain config of", NULL);
	tu_sif(&rr, "image", "inspect", p, NULL);
	tu_expect(&rr, 0, "name \"sif-guest-32\", type hvm, uuid 5e7f0d2a-1b3c-4d5e-8f90-000000000020, "
		  "2 vcpus, 3824 KiB; a libxl v2 stream follows", NULL);
	tu_sif(&rr, "image", "inspect", p, NULL);
	tu_expect(&rr, 0, "EMULATOR_CONTEXT  qemu-upstream: 70000 bytes of device model state", NULL);
	tu_sif(&rr, "image", "verify", p, NULL);
	tu_expect(&rr, 0, "ok: xl save file, format raw (raw container), HVM guest", NULL);
	/* the peer: it verifies xl files, but rejects every EMULATOR_XENSTORE_DATA */
	assert_int_not_equal(tu_sh(&rr, PEER "verify-stream-v2 -f xl -i '%s'", p), 0);
	assert_non_null(strstr(rr.err, "Data not NUL terminated"));
	tu_run_free(&rr);
	it_marks_free(&m);
	free(p);
	{
		const struct v2gen_opts *ok[] = { &xl_pv, &xl_hvm_plain };

		for (int i = 0; i < 2; i++) {
			p = it_gen_v2(dir, "ok.xl", ok[i], NULL);
			if (tu_sh(&rr, PEER "verify-stream-v2 -f xl -i '%s'", p) != 0)
				fail_msg("verify-stream-v2 -f xl: %s", rr.err);
			tu_run_free(&rr);
			tu_sif(&rr, "image", "verify", p, NULL);
			tu_expect(&rr, 0, i ? "HVM guest, " : "PV guest, ", NULL);
			free(p);
		}
	}
}

/* xl of Xen < 4.6: the header with a text config, then a v1 stream. */
static void old_xl_files(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_HVM, .width = 64, .pages = 40, .qemu = true,
				.qemu_len = 3000, .wrap = V1GEN_XL, .seed = 5 };
	char *p = tu_strf("%s/old.xl", dir);
	struct v1gen_result res;
	struct json_object *j;
	const char *names[] = { "xl-header", "libxc-v1", "libxc-qemu-record", NULL };
	uint64_t offs[3];
	struct run_result r;
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)state;
	assert_int_equal(v1gen_write(fd, &o, &res), 0);
	close(fd);
	offs[0] = 0;
	offs[1] = res.v1_start;
	offs[2] = res.v1_end;
	j = inspect_json(p, 0);
	assert_string_equal(jstr(j, "format"), "legacy");
	expect_records(j, names, offs);
	json_object_put(j);
	tu_sif(&r, "image", "inspect", p, NULL);
	tu_expect(&r, 0, "text domain config of 40 bytes; a libxc v1 stream (xl of Xen < 4.6) follows",
		  NULL);
	tu_sif(&r, "image", "verify", p, NULL);
	tu_expect(&r, 0, "ok: xl save file, format legacy (raw container), HVM guest (legacy restore "
		  "path)", NULL);
	/* an HVM one without its qemu record */
	it_truncate(p, res.v1_end);
	tu_sif(&r, "image", "verify", p, NULL);
	tu_expect(&r, 1, NULL, "the HVM guest's xl save file ends after its libxc stream");
	free(p);
}

static void expect_fail(const char *p, const char *w1, const char *w2)
{
	struct run_result r;

	tu_sif(&r, "image", "verify", p, NULL);
	if (r.status != 1 || !strstr(r.err, w1) || (w2 && !strstr(r.err, w2)))
		fail_msg("verify %s: exit %d, stderr lacks \"%s\"/\"%s\":\n%s", p, r.status, w1,
			 w2 ? w2 : "", r.err);
	tu_run_free(&r);
}

static void bad_headers(void **state)
{
	struct it_marks m = { 0 };
	char *good = it_gen_v2(dir, "good.xl", &xl_hvm, &m), *p = tu_strf("%s/bad.xl", dir);
	uint64_t cfg = it_mark_at(&m, "xl config", 0), libxl = it_mark_at(&m, "libxl header", 0);

	(void)state;
	it_copy(good, p);
	it_truncate(p, 40);
	expect_fail(p, "offset 40: truncated xl save file header: expected 48 bytes, got 40", NULL);
	it_copy(good, p);
	it_patch_le32(p, 32, 0x04030201);
	expect_fail(p, "offset 32: xl header byte order 0x04030201: expected 0x01020304 (the file "
		    "was saved on a big-endian host)", NULL);
	it_copy(good, p);
	it_patch_le32(p, 36, 0x7);
	expect_fail(p, "offset 36: xl header mandatory flags 0x7: 0x4 unknown", "refuses the rest");
	it_copy(good, p);
	it_patch_le32(p, 44, 2u << 20);
	expect_fail(p, "offset 44: xl header optional data of 2097152 bytes", NULL);
	it_copy(good, p);
	it_patch_le32(p, cfg, 100000);
	expect_fail(p, "offset 48: xl domain config of 100000 bytes overruns", NULL);
	it_copy(good, p);
	it_patch(p, cfg + 4, "[", 1);
	expect_fail(p, "the xl domain config (JSON,", "does not parse");
	it_copy(good, p);
	it_patch(p, libxl - 1, "}", 1);
	expect_fail(p, "does not end with a NUL", NULL);
	/* the optional data runs past the end; the libxl header is wrong */
	it_copy(good, p);
	it_truncate(p, cfg + 10);
	expect_fail(p, "truncated reading xl header optional data", NULL);
	it_copy(good, p);
	it_patch(p, libxl, "LibxlFmX", 8);
	{
		char want[96];

		snprintf(want, sizeof(want), "offset %llu: libxl header: id", (unsigned long long)libxl);
		expect_fail(p, want, NULL);
	}
	/* cut at every record of both streams, and inside each (a file cut inside the
	 * magic is not recognised at all: see the truncated header above) */
	for (size_t i = 0; i < m.n; i++) {
		if (m.off[i] == 0)
			continue;
		uint64_t cuts[2] = { m.off[i], m.off[i] + 3 };

		for (int k = 0; k < 2; k++) {
			struct run_result r;

			it_copy(good, p);
			it_truncate(p, cuts[k]);
			tu_sif(&r, "image", "verify", p, NULL);
			if (r.status != 1 || !strstr(r.err, "offset ") ||
			    (!strstr(r.err, "truncated") && !strstr(r.err, "expected")))
				fail_msg("cut at %llu (%s): exit %d: %s", (unsigned long long)cuts[k],
					 m.what[i], r.status, r.err);
			tu_run_free(&r);
		}
	}
	/* a raw file's space after the libxl END is the device's, as for raw images */
	it_copy(good, p);
	{
		FILE *f = fopen(p, "ab");

		fputs("unused", f);
		fclose(f);
	}
	{
		struct json_object *o = inspect_json(p, 0);

		assert_int_equal(jint(o, "unused_bytes"), 6);
		json_object_put(o);
	}
	it_marks_free(&m);
	free(good);
	free(p);
}

static void wrap_xl(void **state)
{
	struct it_marks m = { 0 };
	char *p = it_gen_v2(dir, "w.xl", &xl_hvm, &m), *img = tu_strf("%s/w.img", dir);
	uint64_t libxc = it_mark_at(&m, "image header", 0), libxc_end = it_mark_at(&m, "END", 0) + 8;
	uint64_t emu = it_mark_at(&m, "EMULATOR_CONTEXT", 0) + 16;
	uint64_t libxl = it_mark_at(&m, "libxl header", 0), libxl_end = it_size(p);
	char *want_libxc = region(p, libxc, libxc_end - libxc, "want.libxc");
	char *want_emu = region(p, emu, 70000, "want.emu");
	char *want_libxl = region(p, libxl, libxl_end - libxl, "want.libxl");
	const char *fmts[] = { "raw", "structured" };
	struct run_result r;

	(void)state;
	for (int f = 0; f < 2; f++) {
		struct sif_image si;
		struct sif_image_summary sum;
		struct sif_err err;
		char *got;

		tu_sif(&r, "image", "wrap", "--format", fmts[f], "--libxc", p, img, NULL);
		tu_expect(&r, 0, "image written", NULL);
		assert_int_equal(it_scan(img, &sum, &err), 0);
		assert_int_equal(sum.items, 5);     /* signature, Xenops, Libxc, Qemu_trad, End */
		/* the Libxc body and the Qemu_trad body, byte for byte */
		assert_int_equal(sif_image_open(&si, img, 0, &err), 0);
		{
			char *whole = tu_strf("%s/whole", dir);
			int fd = open(whole, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			struct json_object *o = inspect_json(img, 0), *recs;
			uint64_t head;

			/* the Libxc record's body: after signature, Xenops and its header */
			assert_true(json_object_object_get_ex(o, "records", &recs));
			head = (uint64_t)jint(json_object_array_get_idx(recs, 2), "offset") + 16;
			json_object_put(o);

			assert_int_equal(sif_src_copy_to_fd(&si.src, fd, whole, si.stream_size, "all",
							    &err), 0);
			close(fd);
			sif_image_close(&si);
			got = region(whole, head, libxc_end - libxc, "got.libxc");
			assert_true(tu_files_equal(got, want_libxc));
			free(got);
			got = region(whole, head + (libxc_end - libxc) + 16, 70000, "got.emu");
			assert_true(tu_files_equal(got, want_emu));
			free(got);
			free(whole);
		}
	}
	/* the libxl stream whole */
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", p, "--libxl-record", img, NULL);
	tu_expect(&r, 0, NULL, NULL);
	{
		struct json_object *o = inspect_json(img, 0), *recs;
		uint64_t head;
		char *got;

		assert_true(json_object_object_get_ex(o, "records", &recs));
		assert_string_equal(jstr(json_object_array_get_idx(recs, 2), "record"), "Libxl");
		head = (uint64_t)jint(json_object_array_get_idx(recs, 2), "offset") + 16;
		json_object_put(o);
		got = region(img, head, libxl_end - libxl, "got.libxl");

		assert_true(tu_files_equal(got, want_libxl));
		free(got);
	}
	tu_sif(&r, "image", "inspect", img, NULL);
	tu_expect(&r, 0, "Libxl             libxl v2 stream, 4 records", NULL);
	/* its own device model state, so no --qemu; no --legacy-stream */
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", p, "--qemu", want_emu, img, NULL);
	tu_expect(&r, 2, NULL, "an xl save file carries its own device model state");
	tu_sif(&r, "image", "wrap", "--format", "raw", "--libxc", p, "--legacy-stream", img, NULL);
	tu_expect(&r, 2, NULL, "--legacy-stream is for bare v1 streams");
	/* convert has nothing to do with a v2 one */
	tu_sif(&r, "image", "convert", p, img, NULL);
	tu_expect(&r, 1, NULL, "an xl save file holding a libxl v2 stream: nothing to convert");
	it_marks_free(&m);
	free(p); free(img); free(want_libxc); free(want_emu); free(want_libxl);
}

/* --- restore -------------------------------------------------------------- */

struct restored {
	char *fake;
	int rc;
	struct sif_err err;
	char records[256];
};

static void restore(const char *image, const char *key, bool hvm, struct restored *out)
{
	static int n;
	struct sif_strlist pd = { 0 };
	struct sif_domain_restore r = { 0 };
	struct sif_xen *xen;

	free(out->fake);
	out->fake = tu_strf("%s/fake-%d", dir, n++);
	assert_int_equal(mkdir(out->fake, 0700), 0);
	assert_int_equal(sif_strlist_add(&pd, "suspend-image-format", key), 0);
	assert_int_equal(sif_xen_open_fake(&xen, out->fake, NULL, &out->err), 0);
	r.platformdata = &pd;
	r.vdi_uuid = "xl";
	r.image_path = image;
	r.stream_fd = -1;
	r.xen = xen;
	r.spec.hvm = hvm;
	r.spec.hvm_known = true;
	out->rc = sif_domain_restore_run(&r, &out->err);
	memcpy(out->records, r.records, sizeof(out->records));
	sif_xen_close(xen);
	sif_strlist_free(&pd);
}

static char *fake_file(const struct restored *d, const char *name)
{
	return tu_strf("%s/%s", d->fake, name);
}

static void restore_xl(void **state)
{
	struct it_marks m = { 0 };
	char *p = it_gen_v2(dir, "r.xl", &xl_hvm, &m);
	uint64_t libxc = it_mark_at(&m, "image header", 0), libxc_end = it_mark_at(&m, "END", 0) + 8;
	char *want_libxc = region(p, libxc, libxc_end - libxc, "r.libxc");
	char *want_emu = region(p, it_mark_at(&m, "EMULATOR_CONTEXT", 0) + 16, 70000, "r.emu");
	char *got, *calls;
	struct restored d = { 0 };

	(void)state;
	restore(p, "raw", true, &d);
	if (d.rc < 0)
		fail_msg("restore: %s", d.err.msg);
	assert_string_equal(d.records, "xl-header LIBXC_CONTEXT EMULATOR_CONTEXT EMULATOR_XENSTORE_DATA");
	got = fake_file(&d, "restore-1.libxc");
	assert_true(tu_files_equal(got, want_libxc));
	free(got);
	got = fake_file(&d, "dm-1.state");
	assert_true(tu_files_equal(got, want_emu));
	free(got);
	got = fake_file(&d, "calls.log");
	calls = tu_read_file(got, NULL);
	assert_non_null(strstr(calls, "domain_restore domid=1 hvm=1\n"));
	assert_non_null(strstr(calls, "xs_write /local/domain/0/device-model/1/physmap/f0000000/"
			       "start_addr=f0000000\nxs_write /local/domain/0/device-model/1/physmap/"
			       "f0000000/size=800000\nxs_write /local/domain/0/device-model/1/"
			       "physmap/f0000000/name=vga.vram\ndm_state_load domid=1 bytes=70000\n"));
	assert_non_null(strstr(calls, "domain_unpause domid=1"));
	free(calls);
	free(got);
	/* the key must agree: an xl file with a v2 stream is not legacy */
	restore(p, "legacy", true, &d);
	assert_int_equal(d.rc, -1);
	assert_non_null(strstr(d.err.msg, "suspend_image_format is legacy but the image is raw (raw "
			       "container, xl save file with a libxl v2 stream)"));
	/* a PV guest: no device model */
	free(p);
	it_marks_free(&m);
	p = it_gen_v2(dir, "rpv.xl", &xl_pv, &m);
	libxc = it_mark_at(&m, "image header", 0);
	libxc_end = it_mark_at(&m, "END", 0) + 8;
	free(want_libxc);
	want_libxc = region(p, libxc, libxc_end - libxc, "rpv.libxc");
	restore(p, "raw", false, &d);
	if (d.rc < 0)
		fail_msg("restore: %s", d.err.msg);
	got = fake_file(&d, "restore-1.libxc");
	assert_true(tu_files_equal(got, want_libxc));
	free(got);
	got = fake_file(&d, "dm-1.state");
	assert_int_equal(access(got, F_OK), -1);
	free(got);
	it_marks_free(&m);
	free(d.fake);
	free(p); free(want_libxc); free(want_emu);
}

/* An old xl file restores on the legacy path: the converter's stream, its qemu record. */
static void restore_old_xl(void **state)
{
	struct v1gen_opts o = { .guest = SIF_V1_HVM, .width = 32, .pages = 60, .qemu = true,
				.qemu_len = 4000, .hvm_params = true, .wrap = V1GEN_XL, .seed = 9 };
	char *p = tu_strf("%s/rold.xl", dir), *v1, *want = tu_strf("%s/rold.v2", dir), *got;
	struct v1gen_result res;
	struct restored d = { 0 };
	struct run_result r;
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)state;
	assert_int_equal(v1gen_write(fd, &o, &res), 0);
	close(fd);
	v1 = region(p, res.v1_start, res.v1_end - res.v1_start, "rold.v1");
	tu_sif(&r, "image", "convert", "--skip-qemu", v1, want, NULL);
	tu_expect(&r, 0, NULL, NULL);
	restore(p, "legacy", true, &d);
	if (d.rc < 0)
		fail_msg("restore: %s", d.err.msg);
	got = fake_file(&d, "restore-1.libxc");
	assert_true(tu_files_equal(got, want));
	free(got);
	got = fake_file(&d, "dm-1.state");
	{
		char *q = region(p, res.v1_end + 25, 4000, "rold.qemu");

		assert_true(tu_files_equal(got, q));
		free(q);
	}
	free(got);
	free(d.fake);
	free(p); free(v1); free(want);
}

/* Refusals: the domain the restore created is destroyed. */
static void expect_refused(const char *p, bool hvm, const char *w)
{
	struct restored d = { 0 };
	char *log, *calls;

	restore(p, "raw", hvm, &d);
	assert_int_equal(d.rc, -1);
	if (!strstr(d.err.msg, w))
		fail_msg("\"%s\" lacks \"%s\"", d.err.msg, w);
	log = fake_file(&d, "calls.log");
	calls = tu_read_file(log, NULL);
	assert_non_null(strstr(calls, "domain_destroy domid=1"));
	assert_null(strstr(calls, "domain_unpause"));
	free(calls);
	free(log);
	free(d.fake);
}

static void restore_refusals(void **state)
{
	struct it_marks m = { 0 };
	struct v2gen_opts big = xl_hvm_plain, none = xl_hvm_plain;
	char *p = it_gen_v2(dir, "ck.xl", &xl_pv, &m), *q;
	uint64_t end = it_mark_at(&m, "libxl END", 0);

	(void)state;
	/* a CHECKPOINT_END before END: a checkpointed stream */
	{
		size_t len;
		char *all = tu_read_file(p, &len);
		unsigned char ck[8] = { 4, 0, 0, 0, 0, 0, 0, 0 };

		q = tu_strf("%s/ck2.xl", dir);
		FILE *f = fopen(q, "wb");

		fwrite(all, 1, end, f);
		fwrite(ck, 1, 8, f);
		fwrite(all + end, 1, len - end, f);
		fclose(f);
		free(all);
	}
	expect_refused(q, false, "a checkpointed (Remus/COLO) libxl stream");
	free(q);
	free(p);
	it_marks_free(&m);
	/* device model state above the 1 MiB the device model is handed */
	big.emu_bytes = (1u << 20) + 1;
	p = it_gen_v2(dir, "big.xl", &big, NULL);
	expect_refused(p, true, "EMULATOR_CONTEXT with 1048577 bytes of device model state");
	free(p);
	/* an HVM guest's file without EMULATOR_CONTEXT; a PVH guest has none (no device model) */
	none.emu_bytes = 0;
	p = it_gen_v2(dir, "none.xl", &none, NULL);
	expect_refused(p, true, "the HVM guest's xl save file has no EMULATOR_CONTEXT");
	free(p);
	none.xl_pvh = true;
	p = it_gen_v2(dir, "pvh.xl", &none, NULL);
	{
		struct restored d = { 0 };
		char *dm;

		restore(p, "raw", true, &d);
		if (d.rc < 0)
			fail_msg("PVH restore: %s", d.err.msg);
		dm = fake_file(&d, "dm-1.state");
		assert_int_equal(access(dm, F_OK), -1);
		free(dm);
		free(d.fake);
	}
	free(p);
}

/* vm-resume --image reads it as it is (fake backend), and inside ext2 too. */
static void vm_resume_cli(void **state)
{
	struct tu_pool pool;
	char *p = it_gen_v2(dir, "cli.xl", &xl_hvm, NULL), *fake = tu_strf("%s/cli-fake", dir);
	char *fakearg = tu_strf("--fake-xen=%s", fake), *imgarg = tu_strf("--image=%s", p);
	char *e2 = tu_strf("%s/xl.ext2", dir);
	struct run_result r;

	(void)state;
	assert_int_equal(mkdir(fake, 0700), 0);
	tu_pool_make(&pool, dir);
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vdi-check", pool.vdi, imgarg, "--fix", NULL);
	tu_expect(&r, 0, "the image is raw (raw container, xl save file with a libxl v2 stream): "
		  "fixed, now raw", NULL);
	tu_sif(&r, pool.dbarg, pool.pdirarg, "vm-resume", pool.vm, imgarg, fakearg, NULL);
	tu_expect(&r, 0, "records: xl-header LIBXC_CONTEXT EMULATOR_CONTEXT EMULATOR_XENSTORE_DATA", NULL);
	/* an xl file inside ext2 is structured */
	assert_int_equal(imggen_ext2(e2, p, false), 0);
	tu_sif(&r, "image", "verify", e2, NULL);
	tu_expect(&r, 0, "ok: xl save file, format structured (ext2 container)", NULL);
	tu_pool_free(&pool);
	free(p); free(fake); free(fakearg); free(imgarg); free(e2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inspect_and_verify),
		cmocka_unit_test(old_xl_files),
		cmocka_unit_test(bad_headers),
		cmocka_unit_test(wrap_xl),
		cmocka_unit_test(restore_xl),
		cmocka_unit_test(restore_old_xl),
		cmocka_unit_test(restore_refusals),
		cmocka_unit_test(vm_resume_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
