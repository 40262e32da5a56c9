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
#include "sif/sexpr.h"

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

/*
 * A restore plan: the decision taken on the pool DB's records through the
 * plugins' hooks, and the platformdata handed to the domain-restore side:
 * the VM's platform map without any suspend-image-format an admin put there,
 * then the keys the hooks add.
 */
struct sif_ctx;
struct sif_db;

struct sif_restore_plan {
	enum sif_restore_context context;
	char *vm_ref, *vm_uuid;
	char *vdi_ref, *vdi_uuid;      /* resume: VM.suspend_VDI */
	char *vdi_format;              /* its suspend_image_format, NULL when absent */
	char *host_ref, *host_uuid;    /* migrate-receive: the sending host */
	struct sif_strlist platformdata;
	struct sif_restore_decision decision;
	bool decided;                  /* a hook asked for the decision */
};

/*
 * Resume: vm_uuid names a Suspended VM with a suspend VDI.  Migrate-receive:
 * host_uuid names the sending host; vm_uuid may be NULL (a VM not yet in
 * this pool's DB).  Runs the hooks of every loaded plugin.
 */
int sif_restore_plan_make(struct sif_ctx *ctx, struct sif_db *db,
			  enum sif_restore_context context, const char *vm_uuid,
			  const char *host_uuid, struct sif_restore_plan *plan,
			  struct sif_err *err);
void sif_restore_plan_free(struct sif_restore_plan *plan);

/* The value of a platformdata key, or NULL. */
const char *sif_platformdata_get(const struct sif_strlist *pd, const char *key);

#endif
