/*
 * libFuzzer target: the domain-restore side on an incoming stream, into
 * the dry-run backend (which verifies every stream it is given).  The
 * first byte picks the platformdata value (legacy / structured / raw /
 * none / junk), whether the spec knows PV or HVM, and (bit 0x20) whether
 * the rest is an incoming stream or a suspend image opened by path (as
 * vm-resume --image opens one: an xl save file, a raw image, ...); the
 * rest is in a memfd so that the restore reads it as it reads a file.
 * Any input must end in success or a clean error, never a crash, a hang
 * or a leak.  The rest of the first 32 bytes also feeds the Xen version
 * parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sif/domain.h"
#include "sif/restore.h"
#include "sif/xen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const values[] = { "legacy", "structured", "raw", NULL, "ext3" };
	struct sif_strlist pd = { 0 };
	struct sif_domain_restore r = { 0 };
	struct sif_v2_summary sum;
	struct sif_xen *xen;
	struct sif_err err;
	char version[33], path[64];
	unsigned maj, min;
	int fd;

	if (size < 1)
		return 0;
	memcpy(version, data + 1, size - 1 < 32 ? size - 1 : 32);
	version[size - 1 < 32 ? size - 1 : 32] = '\0';
	sif_parse_xen_version(version, &maj, &min, &err);
	if (values[data[0] % 5] && sif_strlist_add(&pd, SIF_PLATFORMDATA_KEY, values[data[0] % 5]) < 0)
		return 0;
	fd = memfd_create("fuzz-stream", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    lseek(fd, 0, SEEK_SET) < 0 || sif_xen_open_null(&xen, &sum, &err) < 0) {
		if (fd >= 0)
			close(fd);
		sif_strlist_free(&pd);
		return 0;
	}
	r.platformdata = &pd;
	r.stream_fd = fd;
	r.stream_name = "fuzz";
	if (data[0] & 0x20) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r.image_path = path;
		r.vdi_uuid = "fuzz";
	}
	r.xen = xen;
	r.spec.hvm = data[0] & 0x40;
	r.spec.hvm_known = data[0] & 0x80;
	sif_domain_restore_run(&r, &err);
	sif_xen_close(xen);
	close(fd);
	sif_strlist_free(&pd);
	return 0;
}
