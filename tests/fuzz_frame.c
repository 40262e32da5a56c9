/*
 * libFuzzer target for the structured/raw framing and the image walk over
 * it (sif_image_scan on a framed stream): the framing reader, the Xenops
 * parser, the v2 verifier and the v1 reader of Libxc_legacy records, the
 * qemu and device records, the end-of-image rules.  The first byte picks
 * the container semantics (raw: free space after End_of_image; ext2:
 * trailing data is an error) and whether every byte is read; the rest is
 * the image stream, served from memory.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_memsrc.h"
#include "sif/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_image_scan_opts o = { 0 };
	struct sif_image_summary sum;
	struct sif_image img;
	struct sif_err err = { 0 };
	struct memsrc m;

	if (size < 1)
		return 0;
	memset(&img, 0, sizeof(img));
	img.fd = -1;
	img.path = "fuzz";
	img.stream = SIF_STREAM_FRAMED;
	img.container_kind = data[0] & 1 ? SIF_CONTAINER_EXT2 : SIF_CONTAINER_RAW;
	o.read_all = data[0] & 2;
	o.v1_width = data[0] & 4 ? (data[0] & 8 ? 8 : 4) : 0;
	if (memsrc_open(&img.src, &m, data + 1, size - 1, false) < 0)
		return 0;
	sif_image_scan(&img, &o, &sum, &err);
	sif_src_close(&img.src);
	return 0;
}
