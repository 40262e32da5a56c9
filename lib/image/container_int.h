/*
 * lib-internal: the container ops table behind sif_image_open() (raw: the
 * stream is the device; ext2: the stream is the file suspend-image of an
 * ext2 filesystem on the device).  Probed in order on the device's first
 * 2 KiB; the first that recognises it opens the stream source.
 */
#ifndef SIF_LIB_CONTAINER_INT_H
#define SIF_LIB_CONTAINER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/image.h"

#define CONTAINER_HEAD 2048
#define CONTAINER_EXT2_MAGIC_AT 1080   /* superblock at 1024, s_magic at +56 */

struct sif_container_ops {
	enum sif_container_kind kind;
	const char *name;
	/* Whether the device's first bytes (n <= CONTAINER_HEAD) look like ours. */
	bool (*probe)(const unsigned char *head, size_t n);
	/* Fill img->src (at the stream's first byte) and img->stream_size. */
	int (*open)(struct sif_image *img, unsigned src_flags, struct sif_err *err);
	/* Release container_priv (the source is closed by the caller). */
	void (*close)(struct sif_image *img);
};

extern const struct sif_container_ops sif_container_raw;
extern const struct sif_container_ops sif_container_ext2;

/* The stream kind a signature at p (n bytes) announces. */
enum sif_stream_kind sif_stream_kind_of(const unsigned char *p, size_t n);

#endif
