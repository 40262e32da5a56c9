/*
 * The body shared by the image-walk fuzz targets (fuzz_frame, fuzz_legacy):
 * an image stream served from memory, walked by sif_image_scan.  The first
 * byte picks the container semantics (raw: free space after End_of_image;
 * ext2: trailing data is an error), the read-every-byte mode and the v1
 * width (detect, 32, 64); the rest is the stream.
 */
#ifndef SIF_FUZZ_IMAGE_SCAN_H
#define SIF_FUZZ_IMAGE_SCAN_H

#include <stdint.h>
#include <string.h>

#include "fuzz_memsrc.h"
#include "sif/image.h"

static int fuzz_image_scan(const uint8_t *data, size_t size, enum sif_stream_kind stream)
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
	img.stream = stream;
	img.container_kind = data[0] & 1 ? SIF_CONTAINER_EXT2 : SIF_CONTAINER_RAW;
	o.read_all = data[0] & 2;
	o.v1_width = data[0] & 4 ? (data[0] & 8 ? 8 : 4) : 0;
	if (memsrc_open(&img.src, &m, data + 1, size - 1, false) < 0)
		return 0;
	sif_image_scan(&img, &o, &sum, &err);
	sif_src_close(&img.src);
	return 0;
}

#endif
