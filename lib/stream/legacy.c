/*
 * The xenopsd legacy wrapper around a libxc v1 stream: after
 * "XenSavedDomain\n" and the v1 stream (read by the shared v1 reader), an
 * HVM guest's image carries "QemuDeviceModelRecord\n", a big-endian u32
 * length (xenopsd reads it with Io.read_int ~endianness:`big) and the
 * device model state.  Also the libxc-level "DeviceModelRecord0002" record
 * (little-endian length) a v1 stream may carry after its tail.  Both are
 * bounded by xenopsd's 1 MiB qemu limit.  Not the v1 stream itself (v1_*.c).
 */
#include <string.h>

#include "base/endian_int.h"
#include "legacy_int.h"
#include "sif/image.h"

static int qemu_header(struct sif_src *src, const char *sig, size_t siglen,
		       const char *shown, bool big_endian, uint32_t *len, struct sif_err *err)
{
	unsigned char b[32];
	uint64_t at = src->pos;

	if (sif_src_read_exact(src, b, siglen + 4, "qemu record header", err) < 0)
		return -1;
	if (memcmp(b, sig, siglen))
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: expected the qemu record signature \"%s\"",
				src->name, (unsigned long long)at, shown);
	*len = big_endian ? get_be32(b + siglen) : get_le32(b + siglen);
	if (*len > SIF_QEMU_RECORD_MAX)
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u exceeds the %u bytes (1 MiB) xenopsd restores",
				src->name, (unsigned long long)at, *len, SIF_QEMU_RECORD_MAX);
	if ((uint64_t)*len > sif_src_remaining(src))
		return sif_errf(err, SIF_EFORMAT,
				"%s: offset %llu: qemu record length %u runs past the end of the image "
				"(%llu bytes left)", src->name, (unsigned long long)at, *len,
				(unsigned long long)sif_src_remaining(src));
	return 0;
}

int sif_legacy_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err)
{
	return qemu_header(src, SIF_LEGACY_QEMU_SIGNATURE, SIF_LEGACY_QEMU_SIGNATURE_LEN,
			   "QemuDeviceModelRecord\\n", true, len, err);
}

int libxc_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err)
{
	return qemu_header(src, SIF_LIBXC_QEMU_SIGNATURE, SIF_LIBXC_QEMU_SIGNATURE_LEN,
			   SIF_LIBXC_QEMU_SIGNATURE, false, len, err);
}

int sif_libxc_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err)
{
	return libxc_qemu_header(src, len, err);
}

bool libxc_qemu_follows(struct sif_src *src)
{
	const unsigned char *p;

	if (sif_src_remaining(src) < SIF_LIBXC_QEMU_SIGNATURE_LEN + 4)
		return false;
	if (sif_src_peek(src, SIF_LIBXC_QEMU_SIGNATURE_LEN, &p, "qemu record signature", NULL) < 0)
		return false;
	return !memcmp(p, SIF_LIBXC_QEMU_SIGNATURE, SIF_LIBXC_QEMU_SIGNATURE_LEN);
}
