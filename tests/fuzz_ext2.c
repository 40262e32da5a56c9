/*
 * libFuzzer target for the ext2 container: the input is a whole device
 * (an ext2 filesystem holding suspend-image), put in a memfd and opened by
 * path, as sif_image_open opens a VDI: libext2fs opens and checks it, the
 * lookup, the block map walk, then the preads through the run map and the
 * walk of the image inside.  Inputs that libext2fs cannot open are cheap
 * refusals; the seeds are small filesystems made by mke2fs and debugfs, and
 * by mke2fs -d, whose files have sparse holes where they held zero blocks.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sif/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct sif_image_scan_opts o = { .read_all = true };
	struct sif_image_summary sum;
	struct sif_image img;
	struct sif_err err = { 0 };

	if (fd < 0) {
		fd = memfd_create("fuzz-ext2", 0);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (sif_image_open(&img, path, 0, &err) == 0) {
		sif_image_scan(&img, &o, &sum, &err);
		sif_image_close(&img);
	}
	return 0;
}
