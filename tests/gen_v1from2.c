/*
 * gen_v1from2: rewrite a libxc v2 stream as the v1 stream a pre-4.5
 * xc_domain_save would have written for the same guest (see
 * tests/support/v1from2.h), e.g. to make a legacy image of a real guest.
 *
 *   gen_v1from2 --width 32|64 [--legacy-image [--qemu FILE]] IN|- OUT|-
 *
 *   IN               a bare libxc v2 stream, or an `xl save` file or a raw
 *                    suspend image file holding one
 *   --width 32|64    the saving toolstack's word size (XenServer 6.x: 32)
 *   --legacy-image   write xenopsd's legacy image: "XenSavedDomain\n" + v1,
 *                    for HVM + "QemuDeviceModelRecord\n" + BE32 length + FILE
 *   --qemu FILE      the HVM guest's device model state (an HVM legacy image
 *                    needs it; default: the xl file's EMULATOR_CONTEXT body
 *                    or the raw image's Qemu_trad record)
 *
 * What v1 never had is dropped and listed on stderr; a record v1 cannot
 * express is an error: exit 1 with the offset, and no OUT file left.  IN
 * is read twice: a pipe on stdin is spooled to an unlinked file in
 * $TMPDIR (or /tmp) first.  Exit 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "v1from2.h"

static int usage(const char *why)
{
	fprintf(stderr, "gen_v1from2: %s\nusage: gen_v1from2 --width 32|64 [--legacy-image "
		"[--qemu FILE]] IN|- OUT|-\n", why);
	return 2;
}

/* stdin as a seekable fd: itself if it is, else a spooled copy. */
static int seekable_stdin(void)
{
	const char *tmp = getenv("TMPDIR");
	char buf[1 << 16];
	ssize_t r;
	int fd;

	if (lseek(0, 0, SEEK_CUR) >= 0)
		return 0;
	fd = open(tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "gen_v1from2: a temporary file in %s: %s\n", tmp && *tmp ? tmp : "/tmp",
			strerror(errno));
		return -1;
	}
	while ((r = read(0, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || write(fd, buf, (size_t)r) != r) {
			fprintf(stderr, "gen_v1from2: spooling stdin: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct v1from2_opts o = { .qemu_fd = -1, .notes = stderr };
	struct v1from2_result res;
	const char *in = NULL, *out = NULL, *qemu = NULL;
	char err[600];
	int in_fd = -1, out_fd = -1, i, rc = 1;
	bool out_file = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--width") && i + 1 < argc) {
			o.width = (unsigned)atoi(argv[++i]);
			if (o.width != 32 && o.width != 64)
				return usage("--width takes 32 or 64");
		} else if (!strcmp(argv[i], "--legacy-image")) {
			o.legacy_image = true;
		} else if (!strcmp(argv[i], "--qemu") && i + 1 < argc) {
			qemu = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage("unknown option or missing value");
		} else if (!in) {
			in = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			return usage("too many arguments");
		}
	}
	if (!o.width || !in || !out)
		return usage("--width, IN and OUT are required");
	if (qemu && !o.legacy_image)
		return usage("--qemu goes with --legacy-image");
	if (qemu && (o.qemu_fd = open(qemu, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "gen_v1from2: %s: %s\n", qemu, strerror(errno));
		return 1;
	}
	in_fd = strcmp(in, "-") ? open(in, O_RDONLY | O_CLOEXEC) : seekable_stdin();
	if (in_fd < 0) {
		if (strcmp(in, "-"))
			fprintf(stderr, "gen_v1from2: %s: %s\n", in, strerror(errno));
		goto out;
	}
	if (!strcmp(out, "-")) {
		out_fd = 1;
	} else {
		out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			fprintf(stderr, "gen_v1from2: %s: %s\n", out, strerror(errno));
			goto out;
		}
		out_file = true;
	}
	if (v1from2(in_fd, strcmp(in, "-") ? in : "stdin", out_fd, out_file ? out : "stdout", &o,
		    &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "gen_v1from2: %s\n", err);
		goto out;
	}
	if (out_file && (fsync(out_fd) < 0 || close(out_fd) < 0)) {
		out_fd = -1;
		fprintf(stderr, "gen_v1from2: %s: %s\n", out, strerror(errno));
		goto out;
	}
	out_fd = -1;
	fprintf(stderr, "gen_v1from2: %s guest, %llu v2 records, %llu v1 page batches, %llu bytes "
		"written, %llu items dropped\n", res.hvm ? "HVM" : "PV",
		(unsigned long long)res.records, (unsigned long long)res.batches,
		(unsigned long long)res.out_bytes, (unsigned long long)res.dropped);
	rc = 0;
out:
	if (out_fd > 1)
		close(out_fd);
	if (rc && out_file)
		unlink(out);
	if (in_fd > 0)
		close(in_fd);
	if (o.qemu_fd >= 0)
		close(o.qemu_fd);
	return rc;
}
