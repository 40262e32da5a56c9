/*
 * The restore decision: which path a suspend image or an incoming
 * migration stream takes.  A pure function of the VM, its suspend VDI, the
 * context and, for an incoming migration, the sending host's versions; it
 * returns the value of the platformdata key suspend-image-format that the
 * domain-restore side turns into the legacy flag.  No I/O, no DB.
 */
#ifndef SIF_RESTORE_H
#define SIF_RESTORE_H

#include <stdbool.h>

#include "sif/err.h"

#define SIF_PLATFORMDATA_KEY "suspend-image-format"

enum sif_restore_context {
	SIF_RESTORE_RESUME,            /* resume a Suspended VM from its suspend VDI */
	SIF_RESTORE_MIGRATE_RECEIVE,   /* receive a live migration */
};

struct sif_restore_input {
	enum sif_restore_context context;
	const char *vm_uuid;
	/* VM.platform, stored form: an admin's suspend-image-format key there
	 * never decides the path; it is reported. NULL: none. */
	const char *vm_platform;
	/* resume: the suspend VDI and its suspend_image_format (NULL when the
	 * VDI has no value: absence means legacy) */
	const char *vdi_uuid;
	const char *vdi_format;
	/* migrate-receive: the sending host and its software_version map */
	const char *host_uuid;
	const char *host_software_version;
};

struct sif_restore_decision {
	const char *format;            /* "legacy" | "structured" | "raw" (static) */
	bool legacy;                   /* the legacy flag: convert v1 before libxenguest */
	char reason[256];              /* why, for logs and --dry-run */
	char ignored[256];             /* what of VM.platform was ignored, or "" */
};

int sif_restore_decide(const struct sif_restore_input *in,
		       struct sif_restore_decision *out, struct sif_err *err);

/* "legacy" -> "legacy" (static), NULL for anything not a format value. */
const char *sif_format_name(const char *value);

/*
 * Xen version from a software_version "xen" value: "4.4.1-xs131111" ->
 * 4, 4.  Major and minor must be decimal; what follows the minor (".patch",
 * "-xs...", "+...", "-rc") is ignored.
 */
int sif_parse_xen_version(const char *v, unsigned *major, unsigned *minor,
			  struct sif_err *err);

#endif
