/*
 * xl save files (`xl save`, Xen's tools/xl/xl_saverestore.c), read as they
 * are: the 32-byte magic "Xen saved domain, xl format\n \0 \r", the header
 * {byteorder 0x01020304, mandatory flags, optional flags, optional data
 * length} in the saving host's byte order, the optional data (u32 config
 * length + the domain config, JSON when the JSON flag is set, NUL
 * terminated), then the migration stream: a libxl v2 stream ("LibxlFmt",
 * records to END, the libxc v2 stream inside LIBXC_CONTEXT) when the
 * STREAMv2 flag is set, else (xl of Xen < 4.6) a libxc v1 stream with the
 * HVM qemu record after it.
 *
 * This module reads and checks the header and the config; the streams are
 * v2.h's and v1.h's.  Mandatory flags xl does not know are refused, as xl
 * refuses them; optional flags are shown, not judged (xl ignores them).
 */
#ifndef SIF_XL_H
#define SIF_XL_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/src.h"

#define SIF_XL_MAGIC "Xen saved domain, xl format\n \0 \r"
#define SIF_XL_MAGIC_LEN 32
#define SIF_XL_HEADER_LEN 48
#define SIF_XL_BYTEORDER 0x01020304u
#define SIF_XL_FLAG_JSON 0x1u          /* the config is JSON */
#define SIF_XL_FLAG_STREAMV2 0x2u      /* a libxl v2 stream follows */
#define SIF_XL_FLAGS_KNOWN (SIF_XL_FLAG_JSON | SIF_XL_FLAG_STREAMV2)
/* The optional data is held whole (the config is a few KiB): bounded. */
#define SIF_XL_OPTDATA_MAX (1u << 20)

struct sif_xl_header {
	uint64_t offset;            /* of the magic */
	uint32_t mandatory, optional, optlen;
	bool v2;                    /* STREAMv2: a libxl v2 stream follows */
	bool json;                  /* the config is JSON */
	uint32_t config_len;        /* bytes of config, its NUL included; 0: none */
	uint32_t optdata_extra;     /* optional data after the config (xl skips it) */
	/* From a JSON config; empty or -1 when absent. */
	char name[128];
	char type[16];              /* c_info.type: pv, hvm, pvh */
	char uuid[40];
	int64_t max_vcpus, max_memkb;
	unsigned char raw[SIF_XL_HEADER_LEN];   /* the header as read */
	unsigned char *optdata;     /* optlen bytes (malloc'd), NULL if none */
};

/*
 * Check the fixed 48-byte header at p (n bytes of it available; fewer than
 * 48 is a truncation): magic, byte order, mandatory flags, optional data
 * length.  `name` and `at` place errors.  Fills the flag fields of h.
 */
int sif_xl_header_check(const unsigned char *p, size_t n, const char *name, uint64_t at,
			struct sif_xl_header *h, struct sif_err *err);

/*
 * Read the header and the optional data from src (on the magic), check
 * them and parse a JSON config (json-c).  The source is left on the
 * stream's first byte.  Free with sif_xl_header_free, also on failure.
 */
int sif_xl_header_read(struct sif_src *src, struct sif_xl_header *h, struct sif_err *err);
void sif_xl_header_free(struct sif_xl_header *h);

/* "libxl v2 stream" or "libxc v1 stream (xl of Xen < 4.6)". */
const char *sif_xl_stream_name(const struct sif_xl_header *h);

#endif
