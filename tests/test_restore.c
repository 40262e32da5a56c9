/*
 * The restore path end to end, in-process, through the fake Xen backend:
 * {legacy PV32, legacy PV64, legacy HVM, structured with Libxc, structured
 * with Libxc_legacy, raw, raw UEFI with Varstored, Swtpm0 and Swtpm} x
 * {resume, receive from a pre-4.5 host, receive from a current host}.  The
 * backend must get exactly the converter's output (or the untouched v2
 * stream), the device model exactly the qemu record, varstored and swtpm
 * exactly their records' bodies (Swtpm decoded from base64); refused
 * combinations are refused with what each side says, and Demu, Qemu_xen,
 * Libxl and a Swtpm that is not base64 are refused with the domain destroyed.
 * Then the bad inputs: disagreement, missing or unreadable image, a
 * truncated image mid-restore (VM stays Suspended, DB byte-identical), an
 * unknown platformdata value.
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
#include <cmocka.h>

#include "sif/convert.h"
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/domain.h"
#include "sif/image.h"
#include "sif/migrate.h"
#include "sif/restore.h"
#include "sif/suspend.h"
#include "dbutil.h"
#include "imgtest.h"
#include "testutil.h"
#include "v2gen.h"

enum kind { LEGACY_PV32, LEGACY_PV64, LEGACY_HVM, STRUCTURED, STRUCTURED_V1, RAW, UEFI,
	    NKINDS };

static const struct {
	const char *name, *field;       /* what the VDI says */
	struct imggen_opts img;
	bool hvm, v1;
	uint32_t qemu;
} kinds[NKINDS] = {
	[LEGACY_PV32] = { "legacy PV32", "legacy", { .kind = IMGGEN_LEGACY,
			  .v1_kv = "guest=pv width=32 guest_width=32 pages=1500 vcpus=3 offline_every=2" },
			  false, true, 0 },
	[LEGACY_PV64] = { "legacy PV64", "legacy", { .kind = IMGGEN_LEGACY,
			  .v1_kv = "guest=pv width=32 guest_width=64 pages=1100 vcpus=2 xsave_size=832 extv=1" },
			  false, true, 0 },
	[LEGACY_HVM] = { "legacy HVM", "legacy", { .kind = IMGGEN_LEGACY, .qemu_bytes = 7000,
			 .v1_kv = "guest=hvm width=32 pages=1200 hvm_params=1" }, true, true, 7000 },
	[STRUCTURED] = { "structured Libxc", "structured", { .kind = IMGGEN_STRUCTURED,
			 .v2 = { .guest = V2GEN_PV64, .pages = 900, .vcpus = 2 } }, false, false, 0 },
	[STRUCTURED_V1] = { "structured Libxc_legacy", "structured", { .kind = IMGGEN_STRUCTURED_LEGACY,
			    .v1_kv = "guest=pv width=64 guest_width=64 pages=700" }, false, true, 0 },
	[RAW] = { "raw", "raw", { .kind = IMGGEN_RAW, .qemu_bytes = 3000,
		  .v2 = { .guest = V2GEN_HVM, .pages = 800 }, .raw_tail = 4096 }, true, false, 3000 },
	/* today's UEFI VM with a vTPM, as xenopsd writes it (both vTPM record kinds) */
	[UEFI] = { "raw UEFI", "raw", { .kind = IMGGEN_RAW, .qemu_bytes = 3000,
		   .v2 = { .guest = V2GEN_HVM, .pages = 500, .seed = 8 }, .vm_str = "uefi",
		   .varstored_bytes = 7000, .swtpm0_bytes = 2000, .swtpm_bytes = 4000 },
		   true, false, 3000 },
};

struct fx {
	char *dir, *pdir, *db_path;
	struct sif_ctx *ctx;
	struct sif_db *db;
	char vm[64], old_host[64], new_host[64];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct sif_err err;

	fx->dir = tu_mkdtemp();
	fx->db_path = tu_strf("%s/pool.db", fx->dir);
	assert_int_equal(tu_gen_pool(fx->db_path, "--vms 3 --vdis 6 --suspended 1"), 0);
	fx->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	assert_int_equal(sif_ctx_new(&fx->ctx, &err), 0);
	assert_int_equal(sif_ctx_load_plugin_dir(fx->ctx, fx->pdir, &err), 0);
	assert_int_equal(sif_db_open(fx->db_path, 0, &fx->db, &err), 0);
	assert_int_equal(sif_migrate(fx->ctx, fx->db, false, NULL, NULL, NULL, &err), 0);
	tu_db_text(fx->db, "SELECT uuid FROM VM WHERE power_state = 'Suspended'", fx->vm);
	tu_db_text(fx->db, "SELECT uuid FROM host WHERE software_version LIKE '%4.4.1-xs%'", fx->old_host);
	tu_db_text(fx->db, "SELECT uuid FROM host WHERE software_version LIKE '%4.17%'", fx->new_host);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	sif_db_close(fx->db);
	sif_ctx_free(fx->ctx);
	tu_rmrf(fx->dir);
	tu_rmrf(fx->pdir);
	free(fx->dir); free(fx->pdir); free(fx->db_path);
	free(fx);
	return 0;
}

/* [from, to) of the image's stream (the ext2 file or the raw file) into a file. */
static char *extract(struct fx *fx, const char *image, uint64_t from, uint64_t to,
		     const char *name)
{
	char *out = tu_strf("%s/%s", fx->dir, name);
	struct sif_image img;
	struct sif_err err;
	int fd;

	assert_int_equal(sif_image_open(&img, image, 0, &err), 0);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(sif_src_skip(&img.src, from, "head", &err), 0);
	assert_int_equal(sif_src_copy_to_fd(&img.src, fd, out, to - from, "part", &err), 0);
	close(fd);
	sif_image_close(&img);
	return out;
}

/* What libxenguest must get: the converter's output of the v1 stream, or the v2 stream. */
static char *expected_libxc(struct fx *fx, int k, const char *image, const struct imggen_result *g)
{
	char *inner = extract(fx, image, g->stream, g->stream_end, "inner"), *out;
	struct sif_convert_opts o = { .input = SIF_CONVERT_IN_V1, .skip_qemu = true };
	struct sif_src src;
	struct sif_err err;
	int fd;

	if (!kinds[k].v1)
		return inner;
	out = tu_strf("%s/expected.v2", fx->dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(sif_src_open_path(&src, inner, 0, &err), 0);
	if (sif_convert(&src, fd, out, &o, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	sif_src_close(&src);
	close(fd);
	free(inner);
	return out;
}

static char *expected_qemu(struct fx *fx, int k, const char *image, const struct imggen_result *g)
{
	/* framed: Qemu_trad header (16); legacy: signature (22) + BE length (4) */
	uint64_t body = g->qemu + (kinds[k].img.kind == IMGGEN_LEGACY ? 26 : 16);

	return extract(fx, image, body, body + kinds[k].qemu, "qemu");
}

static void set_vm(struct fx *fx, int k, const char *image)
{
	tu_db_exec(fx->db, "UPDATE VDI SET suspend_image_format = '%s', location = '%s' "
		   "WHERE _ref = (SELECT suspend_VDI FROM VM WHERE power_state = 'Suspended')",
		   kinds[k].field, image);
	tu_db_exec(fx->db, "UPDATE VM SET domain_type = '%s' WHERE power_state = 'Suspended'",
		   kinds[k].hvm ? "hvm" : "pv");
}

/* fake/name holds exactly imggen's body of `type`. */
static void same_body(const char *fake, const char *name, int k, uint64_t type)
{
	char *path = tu_strf("%s/%s", fake, name), *got;
	unsigned char *want;
	size_t got_len, want_len;

	want = imggen_record_body(&kinds[k].img, type, false, &want_len);
	got = tu_read_file(path, &got_len);
	if (!got || got_len != want_len || memcmp(got, want, want_len))
		fail_msg("%s: %s is not the record's body", kinds[k].name, name);
	free(path); free(got); free(want);
}

/* Varstored and the vTPM records, handed over byte for byte, in order. */
static void check_device_state(const char *fake, int k, const char *calls)
{
	const struct imggen_opts *o = &kinds[k].img;
	char *line;
	size_t b64;

	if (!o->varstored_bytes) {
		assert_null(strstr(calls, "varstored_restore"));
		assert_null(strstr(calls, "vtpm_restore"));
		return;
	}
	same_body(fake, "efivars-1.dat", k, 0xf11);
	line = tu_strf("varstored_restore domid=1 bytes=%u", o->varstored_bytes);
	assert_non_null(strstr(calls, line));
	free(line);
	same_body(fake, "vtpm-1.0.state", k, 0xf12);
	line = tu_strf("vtpm_restore domid=1 index=0 form=raw bytes=%u state=%u",
		       o->swtpm0_bytes, o->swtpm0_bytes);
	assert_non_null(strstr(calls, line));
	free(line);
	same_body(fake, "vtpm-1.1.state", k, 0xf13);
	free(imggen_record_body(o, 0xf13, false, &b64));
	/* base64 as xapi keeps it: decoded, the state imggen encoded */
	line = tu_strf("vtpm_restore domid=1 index=1 form=base64 bytes=%zu state=%u", b64,
		       o->swtpm_bytes);
	assert_non_null(strstr(calls, line));
	free(line);
}

static void check_fake(struct fx *fx, const char *fake, int k, const char *libxc,
		       const char *qemu)
{
	char *got = tu_strf("%s/restore-1.libxc", fake), *dm = tu_strf("%s/dm-1.state", fake);
	char *log = tu_strf("%s/calls.log", fake), *calls = tu_read_file(log, NULL);

	(void)fx;
	if (!tu_files_equal(got, libxc))
		fail_msg("%s: the backend did not get exactly the expected libxc stream", kinds[k].name);
	if (qemu) {
		if (!tu_files_equal(dm, qemu))
			fail_msg("%s: the device model did not get the qemu record unchanged", kinds[k].name);
	} else {
		assert_int_equal(access(dm, F_OK), -1);
	}
	assert_non_null(strstr(calls, kinds[k].hvm ? "domain_restore domid=1 hvm=1"
					     : "domain_restore domid=1 hvm=0"));
	assert_non_null(strstr(calls, "domain_unpause domid=1"));
	assert_null(strstr(calls, "domain_destroy"));
	check_device_state(fake, k, calls);
	free(got); free(dm); free(log); free(calls);
}

static int run(struct fx *fx, struct sif_restore_plan *plan, const char *image, int stream_fd,
	       int k, const char *fake, struct sif_domain_restore *r, struct sif_err *err)
{
	struct sif_xen *xen;
	int rc;

	assert_int_equal(sif_xen_open_fake(&xen, fake, NULL, err), 0);
	memset(r, 0, sizeof(*r));
	r->platformdata = &plan->platformdata;
	r->vdi_uuid = plan->vdi_uuid;
	r->image_path = image;
	r->stream_fd = stream_fd;
	r->stream_name = "stream";
	r->xen = xen;
	r->spec.uuid = fx->vm;
	r->spec.hvm = kinds[k].hvm;
	r->spec.hvm_known = true;
	rc = sif_domain_restore_run(r, err);
	sif_xen_close(xen);
	return rc;
}

static void one_kind(struct fx *fx, int k)
{
	char *image = tu_strf("%s/image-%d", fx->dir, k), *whole, *libxc, *qemu = NULL;
	struct imggen_result g;
	struct sif_restore_plan plan;
	struct sif_domain_restore r;
	struct sif_err err;
	int c;

	assert_int_equal(imggen_write(image, &kinds[k].img, &g), 0);
	libxc = expected_libxc(fx, k, image, &g);
	if (kinds[k].qemu)
		qemu = expected_qemu(fx, k, image, &g);
	whole = extract(fx, image, 0, g.total, "whole-stream");
	set_vm(fx, k, image);
	for (c = 0; c < 3; c++) {
		char *fake = tu_strf("%s/fake-%d-%d", fx->dir, k, c);
		const char *host = c == 1 ? fx->old_host : fx->new_host;
		bool stream_legacy = kinds[k].img.kind == IMGGEN_LEGACY;
		int fd = -1, rc;

		assert_int_equal(mkdir(fake, 0700), 0);
		if (c == 0) {
			assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME,
							       fx->vm, NULL, &plan, &err), 0);
		} else {
			assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db,
							       SIF_RESTORE_MIGRATE_RECEIVE, NULL,
							       host, &plan, &err), 0);
			fd = open(whole, O_RDONLY);
		}
		/* the platformdata key: the field, or the sender's version */
		assert_string_equal(sif_platformdata_get(&plan.platformdata, "suspend-image-format"),
				    c == 0 ? kinds[k].field : c == 1 ? "legacy" : "structured");
		rc = run(fx, &plan, c == 0 ? image : NULL, fd, k, fake, &r, &err);
		if (c == 0 || (c == 1) == stream_legacy) {
			if (rc < 0)
				fail_msg("%s, context %d: %s", kinds[k].name, c, err.msg);
			assert_int_equal(r.legacy, stream_legacy);
			assert_int_equal(r.converted, kinds[k].v1);
			check_fake(fx, fake, k, libxc, qemu);
		} else {
			/* a legacy stream from a current host, or a v2 one from an old host */
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err.msg, c == 1 ? "version says legacy but the stream is structured"
							       : "version says structured but the stream is legacy"));
			char *got = tu_strf("%s/restore-1.libxc", fake);

			assert_int_equal(access(got, F_OK), -1);
			free(got);
		}
		if (fd >= 0)
			close(fd);
		sif_restore_plan_free(&plan);
		free(fake);
	}
	free(image); free(whole); free(libxc); free(qemu);
}

static void legacy_pv32(void **state) { one_kind(*state, LEGACY_PV32); }
static void legacy_pv64(void **state) { one_kind(*state, LEGACY_PV64); }
static void legacy_hvm(void **state) { one_kind(*state, LEGACY_HVM); }
static void structured_libxc(void **state) { one_kind(*state, STRUCTURED); }
static void structured_libxc_legacy(void **state) { one_kind(*state, STRUCTURED_V1); }
static void raw_image(void **state) { one_kind(*state, RAW); }
static void uefi_image(void **state) { one_kind(*state, UEFI); }

/* Resume `image` (a raw image) through the fake; must fail with `why`, the domain destroyed. */
static void resume_refused(struct fx *fx, const char *image, const char *why)
{
	char *fake = tu_strf("%s/fake-refused", fx->dir), *log, *calls;
	struct sif_restore_plan plan;
	struct sif_domain_restore r;
	struct sif_err err;

	tu_rmrf(fake);
	assert_int_equal(mkdir(fake, 0700), 0);
	set_vm(fx, RAW, image);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm, NULL,
					       &plan, &err), 0);
	assert_int_equal(run(fx, &plan, image, -1, RAW, fake, &r, &err), -1);
	if (!strstr(err.msg, why))
		fail_msg("want '%s' in: %s", why, err.msg);
	log = tu_strf("%s/calls.log", fake);
	calls = tu_read_file(log, NULL);
	assert_non_null(strstr(calls, "domain_destroy domid=1"));
	assert_null(strstr(calls, "domain_unpause"));
	sif_restore_plan_free(&plan);
	free(fake); free(log); free(calls);
}

/* What xenopsd hands to emu-manager or refuses: refused, clearly. */
static void records_sif_does_not_restore(void **state)
{
	struct fx *fx = *state;
	struct imggen_opts o = kinds[UEFI].img;
	struct imggen_result g;
	char *image = tu_strf("%s/refused.img", fx->dir), *p = tu_strf("%s/patched.img", fx->dir);

	o.demu_bytes = 50000;
	assert_int_equal(imggen_write(image, &o, &g), 0);
	resume_refused(fx, image, "a Demu record (vGPU state, unsized): restoring a vGPU needs "
		       "emu-manager");
	o.demu_bytes = 0;
	assert_int_equal(imggen_write(image, &o, &g), 0);
	it_copy(image, p);
	it_patch_le64(p, g.qemu, 0xf01);
	resume_refused(fx, p, "a Qemu_xen record: xenopsd refuses it at restore");
	it_copy(image, p);
	it_patch_le64(p, g.stream_hdr, 0xf1);
	resume_refused(fx, p, "a Libxl record: xenopsd refuses it at restore");
	/* a Swtpm record that is not base64: the real backend could not decode it */
	it_copy(image, p);
	it_patch(p, g.swtpm + 16 + 10, "!", 1);
	resume_refused(fx, p, "Swtpm record: byte 10 of");
	free(image);
	free(p);
}

static void disagreement(void **state)
{
	struct fx *fx = *state;
	char *image = tu_strf("%s/legacy", fx->dir), *fake = tu_strf("%s/fake", fx->dir);
	struct sif_restore_plan plan;
	struct sif_domain_restore r;
	struct sif_err err;

	assert_int_equal(imggen_write(image, &kinds[LEGACY_PV64].img, NULL), 0);
	set_vm(fx, RAW, image);
	tu_db_exec(fx->db, "UPDATE VM SET domain_type = 'pv'");
	assert_int_equal(mkdir(fake, 0700), 0);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm, NULL,
					       &plan, &err), 0);
	assert_int_equal(run(fx, &plan, image, -1, LEGACY_PV64, fake, &r, &err), -1);
	assert_non_null(strstr(err.msg, plan.vdi_uuid));
	assert_non_null(strstr(err.msg, "suspend_image_format is raw but the image is legacy "
				     "(ext2 container, XenSavedDomain signature)"));
	/* nothing reached the backend: no domain was even created */
	{
		char *log = tu_strf("%s/calls.log", fake), *calls = tu_read_file(log, NULL);

		assert_string_equal(calls, "");
		free(calls);
		free(log);
	}
	sif_restore_plan_free(&plan);
	free(image);
	free(fake);
}

static void missing_and_unreadable_images(void **state)
{
	struct fx *fx = *state;
	char *fake = tu_strf("%s/fake", fx->dir);
	struct sif_restore_plan plan;
	struct sif_domain_restore r;
	struct sif_err err;

	assert_int_equal(mkdir(fake, 0700), 0);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm, NULL,
					       &plan, &err), 0);
	assert_int_equal(run(fx, &plan, "/nonexistent/suspend.img", -1, LEGACY_PV64, fake, &r,
			     &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/suspend.img"));
	assert_int_equal(run(fx, &plan, fx->dir, -1, LEGACY_PV64, fake, &r, &err), -1);
	assert_non_null(strstr(err.msg, fx->dir));
	sif_restore_plan_free(&plan);
	free(fake);
}

static void truncated_image_destroys_the_domain(void **state)
{
	struct fx *fx = *state;
	char *image = tu_strf("%s/raw", fx->dir), *fake = tu_strf("%s/fake", fx->dir), *calls;
	struct imggen_result g;
	struct sif_restore_plan plan;
	struct sif_domain_restore r;
	struct sif_err err;

	assert_int_equal(imggen_write(image, &kinds[RAW].img, &g), 0);
	assert_int_equal(truncate(image, (off_t)(g.stream + (g.stream_end - g.stream) / 2)), 0);
	set_vm(fx, RAW, image);
	assert_int_equal(mkdir(fake, 0700), 0);
	assert_int_equal(sif_restore_plan_make(fx->ctx, fx->db, SIF_RESTORE_RESUME, fx->vm, NULL,
					       &plan, &err), 0);
	assert_int_equal(run(fx, &plan, image, -1, RAW, fake, &r, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	{
		char *log = tu_strf("%s/calls.log", fake);

		calls = tu_read_file(log, NULL);
		free(log);
	}
	assert_non_null(strstr(calls, "domain_create domid=1"));
	assert_non_null(strstr(calls, "domain_destroy domid=1"));
	assert_null(strstr(calls, "domain_unpause"));
	sif_restore_plan_free(&plan);
	free(calls);
	free(image);
	free(fake);
}

static void unknown_platformdata_value(void **state)
{
	struct fx *fx = *state;
	struct sif_strlist pd = { 0 };
	struct sif_domain_restore r = { .platformdata = &pd, .image_path = "/dev/null" };
	struct sif_err err;

	(void)fx;
	assert_int_equal(sif_domain_restore_run(&r, &err), -1);
	assert_non_null(strstr(err.msg, "platformdata has no suspend-image-format"));
	assert_int_equal(sif_strlist_add(&pd, "suspend-image-format", "ext3"), 0);
	assert_int_equal(sif_domain_restore_run(&r, &err), -1);
	assert_string_equal(err.msg, "platformdata suspend-image-format=ext3 is not one of "
			    "legacy, structured, raw");
	sif_strlist_free(&pd);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(legacy_pv32), T(legacy_pv64), T(legacy_hvm), T(structured_libxc),
		T(structured_libxc_legacy), T(raw_image), T(uefi_image),
		T(records_sif_does_not_restore), T(disagreement),
		T(missing_and_unreadable_images), T(truncated_image_destroys_the_domain),
		T(unknown_platformdata_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
