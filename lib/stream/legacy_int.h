/*
 * lib-internal: the libxc-level qemu record ("DeviceModelRecord0002",
 * little-endian u32 length) that may follow a v1 stream inside a
 * Libxc_legacy record (legacy.c).
 */
#ifndef SIF_LIB_LEGACY_INT_H
#define SIF_LIB_LEGACY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/src.h"

/* Whether the next bytes are that record's signature (peeked only). */
bool libxc_qemu_follows(struct sif_src *src);
/* Read its signature and length (<= 1 MiB, within the image). */
int libxc_qemu_header(struct sif_src *src, uint32_t *len, struct sif_err *err);

#endif
