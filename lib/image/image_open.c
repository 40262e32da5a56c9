/*
 * Opening a suspend image: the device or file, the container (raw or
 * ext2, by probing the first 2 KiB in that order: a stream signature at
 * offset 0 wins over a stale ext2 superblock behind it) and the stream's
 * signature.  Names of formats, containers and stream kinds.  Not the
 * walk of the stream itself (image_scan.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container_int.h"
#include "base/endian_int.h"
#include "base/printable_int.h"
#include "sif/xl.h"

static const struct sif_container_ops *const containers[] = {
	&sif_container_raw,
	&sif_container_ext2,
};

static const unsigned char libxc_ihdr[12] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'X', 'E', 'N', 'F',
};

enum sif_stream_kind sif_stream_kind_of(const unsigned char *p, size_t n)
{
	if (n >= SIF_FRAME_SIGNATURE_LEN &&
	    !memcmp(p, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN))
		return SIF_STREAM_FRAMED;
	if (n >= SIF_LEGACY_SIGNATURE_LEN &&
	    !memcmp(p, SIF_LEGACY_SIGNATURE, SIF_LEGACY_SIGNATURE_LEN))
		return SIF_STREAM_LEGACY;
	if (n >= sizeof(libxc_ihdr) && !memcmp(p, libxc_ihdr, sizeof(libxc_ihdr)))
		return SIF_STREAM_LIBXC_V2;
	if (n >= 8 && !memcmp(p, "LibxlFmt", 8))
		return SIF_STREAM_LIBXL_V2;
	if (n >= SIF_XL_MAGIC_LEN && !memcmp(p, SIF_XL_MAGIC, SIF_XL_MAGIC_LEN))
		return SIF_STREAM_XL;
	return SIF_STREAM_UNKNOWN;
}

const char *sif_image_format_name(enum sif_image_format f)
{
	switch (f) {
	case SIF_IMAGE_LEGACY:     return "legacy";
	case SIF_IMAGE_STRUCTURED: return "structured";
	case SIF_IMAGE_RAW:        return "raw";
	default:                   return "unknown";
	}
}

int sif_image_format_parse(const char *s, enum sif_image_format *f)
{
	if (!strcmp(s, "legacy"))
		*f = SIF_IMAGE_LEGACY;
	else if (!strcmp(s, "structured"))
		*f = SIF_IMAGE_STRUCTURED;
	else if (!strcmp(s, "raw"))
		*f = SIF_IMAGE_RAW;
	else
		return -1;
	return 0;
}

const char *sif_container_name(enum sif_container_kind c)
{
	return c == SIF_CONTAINER_EXT2 ? "ext2" : "raw";
}

const char *sif_stream_kind_name(enum sif_stream_kind k)
{
	switch (k) {
	case SIF_STREAM_LEGACY:   return "legacy (XenSavedDomain + libxc v1)";
	case SIF_STREAM_FRAMED:   return "framed (XenSavedDomv2)";
	case SIF_STREAM_LIBXC_V2: return "libxc v2 stream";
	case SIF_STREAM_LIBXL_V2: return "libxl v2 stream";
	case SIF_STREAM_XL:       return "xl save file";
	default:                  return "unknown";
	}
}

static int open_device(struct sif_image *img, const char *path, struct sif_err *err)
{
	struct stat st;

	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0)
		return sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO, "%s: open", path);
	if (fstat(img->fd, &st) < 0)
		return sif_errno(err, SIF_EIO, "%s: fstat", path);
	if (S_ISREG(st.st_mode)) {
		img->dev_size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		img->is_blockdev = true;
		if (ioctl(img->fd, BLKGETSIZE64, &img->dev_size) < 0)
			return sif_errno(err, SIF_EIO, "%s: size of block device", path);
	} else {
		return sif_errf(err, SIF_EUSAGE, "%s: not a regular file or a block device", path);
	}
	return 0;
}

static int probe(struct sif_image *img, struct sif_err *err)
{
	unsigned char head[CONTAINER_HEAD];
	char shown[80];
	ssize_t n;
	size_t i;

	n = sif_pread_full(img->fd, head, sizeof(head), 0);
	if (n < 0)
		return sif_errno(err, SIF_EIO, "%s: reading offset 0", img->path);
	if (n == 0)
		return sif_errf(err, SIF_EFORMAT, "%s: empty: not a suspend image", img->path);
	for (i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
		if (containers[i]->probe(head, (size_t)n)) {
			img->container = containers[i];
			img->container_kind = containers[i]->kind;
			return 0;
		}
	}
	sif_printable(head, (size_t)n < 16 ? (size_t)n : 16, shown, sizeof(shown));
	if ((size_t)n >= CONTAINER_EXT2_MAGIC_AT + 2)
		return sif_errf(err, SIF_EFORMAT,
				"%s: not a suspend image: offset 0 holds \"%s\" (expected \"XenSavedDomv2-\\n\", "
				"\"XenSavedDomain\\n\", an xl save file or a migration stream header) and offset 1080 holds 0x%04x "
				"(not the ext2 magic 0xef53)", img->path, shown,
				get_le16(head + CONTAINER_EXT2_MAGIC_AT));
	return sif_errf(err, SIF_EFORMAT,
			"%s: not a suspend image: %zd bytes starting \"%s\" (expected \"XenSavedDomv2-\\n\", "
			"\"XenSavedDomain\\n\", an xl save file, a migration stream header or an ext2 filesystem)",
			img->path, n, shown);
}

/*
 * An xl save file's format is that of the stream after its header: a
 * libxl v2 stream restores on the plain path (raw, or structured inside
 * ext2), a libxc v1 one (xl of Xen < 4.6) on the legacy path.
 */
static int xl_format(struct sif_image *img, const unsigned char *p, size_t n,
		     struct sif_err *err)
{
	struct sif_xl_header h;

	if (sif_xl_header_check(p, n, img->src.name, 0, &h, err) < 0)
		return -1;
	img->xl_v2 = h.v2;
	img->format = !h.v2 ? SIF_IMAGE_LEGACY : img->container_kind == SIF_CONTAINER_EXT2 ?
		      SIF_IMAGE_STRUCTURED : SIF_IMAGE_RAW;
	return 0;
}

/* The stream's own signature, read without consuming it. */
static int stream_signature(struct sif_image *img, bool any, struct sif_err *err)
{
	const unsigned char *p;
	size_t n = SIF_XL_HEADER_LEN;   /* the longest signature to look at */
	char shown[80];

	if (sif_src_remaining(&img->src) < n)
		n = (size_t)sif_src_remaining(&img->src);
	if (n && sif_src_peek(&img->src, n, &p, "image signature", err) < 0)
		return -1;
	img->stream = n ? sif_stream_kind_of(p, n) : SIF_STREAM_UNKNOWN;
	if (img->stream == SIF_STREAM_UNKNOWN && !any) {
		sif_printable(p, n < 16 ? n : 16, shown, sizeof(shown));
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset 0: expected the signature \"XenSavedDomv2-\\n\" or "
				"\"XenSavedDomain\\n\", found \"%s\"%s", img->src.name, shown,
				n ? "" : " (an empty file)");
	}
	if (img->stream == SIF_STREAM_XL)
		return xl_format(img, p, n, err);
	if (img->stream == SIF_STREAM_LEGACY)
		img->format = SIF_IMAGE_LEGACY;
	else if (img->stream == SIF_STREAM_FRAMED)
		img->format = img->container_kind == SIF_CONTAINER_EXT2 ?
			      SIF_IMAGE_STRUCTURED : SIF_IMAGE_RAW;
	return 0;
}

int sif_image_open(struct sif_image *img, const char *path, unsigned flags,
		   struct sif_err *err)
{
	unsigned src_flags = (flags & SIF_IMAGE_NO_KCOPY) ? SIF_SRC_NO_KCOPY : 0;
	int rc = -1;

	memset(img, 0, sizeof(*img));
	img->fd = -1;
	img->path = strdup(path);
	if (!img->path) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (open_device(img, path, err) < 0 || probe(img, err) < 0)
		goto out;
	if (img->container->open(img, src_flags, err) < 0) {
		img->container = NULL;
		goto out;
	}
	if (stream_signature(img, flags & SIF_IMAGE_ANY_STREAM, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sif_image_close(img);
	return rc;
}

void sif_image_close(struct sif_image *img)
{
	sif_src_close(&img->src);
	if (img->container)
		img->container->close(img);
	img->container = NULL;
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
	free(img->path);
	img->path = NULL;
}
