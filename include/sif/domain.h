/*
 * The domain-restore side: from platformdata and a suspend image (or an
 * incoming migration stream) to a running domain, through the Xen backend
 * (sif/xen.h).  The platformdata key suspend-image-format becomes the
 * legacy flag; the image must agree with it.  A v1 stream (legacy image,
 * Libxc_legacy record) goes through the converter into libxenguest, a v2
 * stream goes straight; the qemu record goes to the device model; a UEFI
 * VM's Varstored and Swtpm/Swtpm0 records go to the backend as they are
 * read, as xenopsd hands them to varstored and swtpm; the Xenops record's
 * xenstore entries are written; the domain is unpaused.  Refused as
 * xenopsd refuses them: Libxl and Qemu_xen records; refused because sif
 * drives no emu-manager: a Demu record (vGPU state).  Any failure destroys
 * the domain it created.
 */
#ifndef SIF_DOMAIN_H
#define SIF_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/sexpr.h"
#include "sif/v2.h"
#include "sif/xen.h"

struct sif_domain_restore {
	/* in */
	const struct sif_strlist *platformdata;
	const char *vdi_uuid;           /* names the suspend VDI in messages */
	const char *image_path;         /* resume: the suspend VDI (file or device) */
	int stream_fd;                  /* migrate-receive (image_path NULL): the stream */
	const char *stream_name;
	struct sif_xen *xen;
	struct sif_domain_spec spec;    /* the domain to create */
	bool trust_image;               /* on disagreement follow the image */
	unsigned v1_width;              /* 0 detect, 32 or 64 */
	/* out */
	bool legacy;                    /* the legacy flag from platformdata */
	const char *key_format;         /* platformdata's value */
	const char *image_format;       /* what the image or stream is */
	const char *container;          /* "ext2", "raw" or "stream" */
	bool disagreed;                 /* the key said otherwise (trust_image) */
	bool converted;                 /* a v1 stream went through the converter */
	uint32_t domid;
	uint64_t v2_bytes;              /* bytes handed to libxenguest */
	uint64_t qemu_bytes;            /* device-model state handed over */
	uint64_t efivars_bytes;         /* Varstored record handed to the backend */
	uint64_t vtpm_bytes;            /* Swtpm/Swtpm0 records handed to the backend */
	char records[256];              /* what the image held, e.g. "Xenops Libxc Qemu_trad End_of_image" */
};

int sif_domain_restore_run(struct sif_domain_restore *r, struct sif_err *err);

#endif
