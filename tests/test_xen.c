/*
 * The Xen backends: the real one refuses clearly where there is no
 * hypervisor (these machines), the fake one records every call and takes
 * exactly the stream bytes libxenguest would (to the v2 END record); the
 * real one's UEFI state files (varstored, swtpm) are written where
 * xenopsd's sandbox has them, which needs no hypervisor.
 */
#include <arpa/nameser.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sif/xen.h"
#include "testutil.h"

static void real_backend_without_xen(void **state)
{
	struct sif_xen *x;
	struct sif_err err;
	int have_xen = access("/dev/xen/privcmd", F_OK) == 0;

	(void)state;
	if (have_xen) {
		/* on a dom0 the backend opens */
		assert_int_equal(sif_xen_open_real(&x, &err), 0);
		assert_string_equal(x->ops->name, "xen");
		sif_xen_close(x);
		return;
	}
	assert_int_equal(sif_xen_open_real(&x, &err), -1);
	assert_int_equal(err.code, SIF_EBACKEND);
	assert_non_null(strstr(err.msg, "no Xen hypervisor here (no /dev/xen/privcmd)"));
	assert_null(x);
}

/* image header + domain header (PV) + a 3-byte record + END */
static size_t make_v2(unsigned char *b)
{
	static const unsigned char ihdr[24] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'X', 'E', 'N', 'F',
		0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	size_t n = 0;
	uint32_t rec[6];

	memcpy(b, ihdr, 24);
	n = 24;
	rec[0] = 1; rec[1] = 12; rec[2] = 4; rec[3] = 17;   /* DHDR: PV, page shift 12, Xen 4.17 */
	memcpy(b + n, rec, 16);
	n += 16;
	rec[0] = 0xf; rec[1] = 3;                        /* a 3-byte record, padded to 8 */
	memcpy(b + n, rec, 8);
	memcpy(b + n + 8, "abc\0\0\0\0\0", 8);
	n += 16;
	rec[0] = 0; rec[1] = 0;                          /* END */
	memcpy(b + n, rec, 8);
	n += 8;
	return n;
}

/* The file holds exactly n bytes of want. */
static void expect_file(const char *path, const void *want, size_t n)
{
	size_t got;
	char *data = tu_read_file(path, &got);

	if (!data || got != n || memcmp(data, want, n))
		fail_msg("%s: not the %zu bytes expected", path, n);
	free(data);
}

static void fake_records_everything(void **state)
{
	char *dir = tu_mkdtemp(), *path, *log;
	unsigned char stream[256], after[16];
	size_t n = make_v2(stream);
	struct sif_restore_result res;
	struct sif_domain_spec spec = { .name = "vm", .uuid = "0f0e0d0c-0b0a-0908-0706-050403020100",
					.hvm = false, .hvm_known = true, .vcpus = 2, .memory_kib = 1048576 };
	struct sif_xen *x;
	struct sif_err err;
	uint32_t domid;
	int p[2];

	(void)state;
	assert_int_equal(sif_xen_open_fake(&x, dir, NULL, &err), 0);
	assert_int_equal(x->ops->domain_create(x, &spec, &domid, &err), 0);
	assert_int_equal(domid, 1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], stream, n), (ssize_t)n);
	assert_int_equal(write(p[1], "QEMU-AFTER", 10), 10);
	close(p[1]);
	assert_int_equal(x->ops->domain_restore(x, domid, p[0], false, &res, &err), 0);
	/* exactly to END: what follows is still in the pipe */
	assert_int_equal(read(p[0], after, sizeof(after)), 10);
	assert_memory_equal(after, "QEMU-AFTER", 10);
	close(p[0]);
	path = tu_strf("%s/restore-1.libxc", dir);
	expect_file(path, stream, n);
	free(path);
	/* device-model state */
	assert_int_equal(x->ops->dm_state_load(x, domid, "qemu-state", 10, &err), 0);
	assert_int_equal(x->ops->xs_write(x, "/local/domain/1/name", "vm", &err), 0);
	assert_int_equal(x->ops->domain_unpause(x, domid, &err), 0);
	sif_xen_close(x);
	path = tu_strf("%s/dm-1.state", dir);
	expect_file(path, "qemu-state", 10);
	free(path);
	path = tu_strf("%s/calls.log", dir);
	log = tu_read_file(path, NULL);
	assert_string_equal(log,
		"domain_create domid=1 uuid=0f0e0d0c-0b0a-0908-0706-050403020100 hvm=0 vcpus=2 memory_kib=1048576\n"
		"domain_restore domid=1 hvm=0\n"
		"dm_state_load domid=1 bytes=10\n"
		"xs_write /local/domain/1/name=vm\n"
		"domain_unpause domid=1\n");
	free(log);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

static void fake_restore_of_truncated_stream_fails(void **state)
{
	char *dir = tu_mkdtemp();
	unsigned char stream[256];
	size_t n = make_v2(stream);
	struct sif_restore_result res;
	struct sif_xen *x;
	struct sif_err err;
	int p[2];

	(void)state;
	assert_int_equal(sif_xen_open_fake(&x, dir, NULL, &err), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], stream, n - 12), (ssize_t)(n - 12));
	close(p[1]);
	assert_int_equal(x->ops->domain_restore(x, 1, p[0], false, &res, &err), -1);
	assert_non_null(strstr(err.msg, "stream ended inside a record"));
	close(p[0]);
	sif_xen_close(x);
	tu_rmrf(dir);
	free(dir);
}

static void fake_injected_failure(void **state)
{
	char *dir = tu_mkdtemp();
	struct sif_xen *x;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_xen_open_fake(&x, dir, "domain_unpause", &err), 0);
	assert_int_equal(x->ops->domain_unpause(x, 3, &err), -1);
	assert_string_equal(err.msg, "fake Xen: domain_unpause failed (injected)");
	assert_int_equal(x->ops->domain_destroy(x, 3, &err), 0);
	sif_xen_close(x);
	tu_rmrf(dir);
	free(dir);
}

static void expect_mode(const char *path, mode_t mode)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s: mode %o, want %o", path, st.st_mode & 07777, mode);
}

/*
 * The real backend's hand-over of UEFI state, without a hypervisor: the
 * files varstored and swtpm read, where xenopsd's sandbox has them.
 */
static void real_backend_uefi_state_files(void **state)
{
	char *root = tu_mkdtemp(), *path, b64[64];
	unsigned char tpm[40];
	struct sif_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(tpm); i++)
		tpm[i] = (unsigned char)(i * 37 + 1);
	assert_int_equal(sif_xen_write_efivars(root, 7, "EFI\0vars", 8, &err), 0);
	path = tu_strf("%s/varstored-root-7/efi-vars-resume.dat", root);
	expect_file(path, "EFI\0vars", 8);
	expect_mode(path, 0600);
	free(path);
	path = tu_strf("%s/varstored-root-7", root);
	expect_mode(path, 0750);
	free(path);
	/* Swtpm: base64 (xapi's contents) decoded into swtpm's state file */
	assert_true(b64_ntop(tpm, sizeof(tpm), b64, sizeof(b64)) > 0);
	assert_int_equal(sif_xen_write_vtpm(root, 7, b64, strlen(b64), SIF_VTPM_BASE64, &err), 0);
	path = tu_strf("%s/swtpm-root-7/tpm2-00.permall", root);
	expect_file(path, tpm, sizeof(tpm));
	expect_mode(path, 0600);
	/* Swtpm0: the state as it is */
	assert_int_equal(sif_xen_write_vtpm(root, 7, "raw-state", 9, SIF_VTPM_RAW, &err), 0);
	expect_file(path, "raw-state", 9);
	free(path);
	/* empty: nothing to restore, nothing written (xenopsd) */
	assert_int_equal(sif_xen_write_vtpm(root, 8, "", 0, SIF_VTPM_BASE64, &err), 0);
	path = tu_strf("%s/swtpm-root-8", root);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	/* not base64: refused, nothing written */
	assert_int_equal(sif_xen_write_vtpm(root, 9, "QUJD\x01RA==", 9, SIF_VTPM_BASE64, &err), -1);
	assert_string_equal(err.msg, "Swtpm record: byte 4 of 9 is 0x01: expected base64 "
			    "(xapi's vTPM contents)");
	assert_int_equal(sif_xen_write_vtpm(root, 9, "QUJDR", 5, SIF_VTPM_BASE64, &err), -1);
	assert_non_null(strstr(err.msg, "bad padding or length"));
	path = tu_strf("%s/swtpm-root-9/tpm2-00.permall", root);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	/* a root that cannot be made: the error names it */
	assert_int_equal(sif_xen_write_efivars("/proc/sif-none", 1, "x", 1, &err), -1);
	assert_non_null(strstr(err.msg, "/proc/sif-none"));
	tu_rmrf(root);
	free(root);
}

/* The fake keeps Varstored and vTPM bodies byte for byte, and decodes as the real one. */
static void fake_uefi_state(void **state)
{
	char *dir = tu_mkdtemp(), *path, *got;
	struct sif_xen *x;
	struct sif_err err;

	(void)state;
	assert_int_equal(sif_xen_open_fake(&x, dir, NULL, &err), 0);
	assert_int_equal(x->ops->varstored_restore(x, 4, "vars", 4, &err), 0);
	assert_int_equal(x->ops->vtpm_restore(x, 4, 0, "QUJD", 4, SIF_VTPM_BASE64, &err), 0);
	assert_int_equal(x->ops->vtpm_restore(x, 4, 1, "QUJ!", 4, SIF_VTPM_BASE64, &err), -1);
	sif_xen_close(x);
	path = tu_strf("%s/vtpm-4.0.state", dir);
	expect_file(path, "QUJD", 4);
	free(path);
	path = tu_strf("%s/calls.log", dir);
	got = tu_read_file(path, NULL);
	assert_string_equal(got, "varstored_restore domid=4 bytes=4\n"
			    "vtpm_restore domid=4 index=0 form=base64 bytes=4 state=3\n");
	free(got);
	free(path);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_backend_without_xen),
		cmocka_unit_test(real_backend_uefi_state_files),
		cmocka_unit_test(fake_uefi_state),
		cmocka_unit_test(fake_records_everything),
		cmocka_unit_test(fake_restore_of_truncated_stream_fails),
		cmocka_unit_test(fake_injected_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
