/*
 * The raw container: the stream starts at offset 0 of the device (or
 * file) itself, as `raw` images are written, with no filesystem.  The
 * source is the device's own, so every offset in a message is a device
 * offset.  The device is usually larger than the image: what follows
 * End_of_image is free space, not trailing data (image_scan.c).
 */
#include <unistd.h>

#include "container_int.h"

static bool raw_probe(const unsigned char *head, size_t n)
{
	return sif_stream_kind_of(head, n) != SIF_STREAM_UNKNOWN;
}

static int raw_open(struct sif_image *img, unsigned src_flags, struct sif_err *err)
{
	if (lseek(img->fd, 0, SEEK_SET) < 0)
		return sif_errno(err, SIF_EIO, "%s: lseek", img->path);
	/* The image fd stays the image's: the source must not close it. */
	if (sif_src_open_fd(&img->src, img->fd, img->path, src_flags & ~SIF_SRC_CLOSE_FD,
			    err) < 0)
		return -1;
	img->stream_size = img->dev_size;
	return 0;
}

static void raw_close(struct sif_image *img)
{
	(void)img;
}

const struct sif_container_ops sif_container_raw = {
	.kind = SIF_CONTAINER_RAW,
	.name = "raw",
	.probe = raw_probe,
	.open = raw_open,
	.close = raw_close,
};
