/*
 * Recording a suspend in the pool DB: once the image is complete on disk,
 * one transaction creates (or updates) the suspend VDI, lets the plugins
 * record the format written (suspend_image_format), points VM.suspend_VDI
 * at it and sets the VM Suspended.  All of it or none of it.
 */
#ifndef SIF_SUSPEND_H
#define SIF_SUSPEND_H

#include <stdint.h>

#include "sif/err.h"

struct sif_ctx;
struct sif_db;

struct sif_suspend_record {
	const char *vm_uuid;
	const char *format;     /* what was written: "raw" (or "structured") */
	const char *location;   /* where: the image file or device */
	uint64_t size;          /* bytes of image */
	const char *vdi_uuid;   /* reuse this suspend VDI; NULL: create one */
	const char *sr_uuid;    /* SR of a new VDI; NULL: VM.suspend_SR, else pool.suspend_image_SR */
};

/* On success *vdi_uuid (malloc'd) names the suspend VDI, if not NULL. */
int sif_suspend_commit(struct sif_ctx *ctx, struct sif_db *db,
		       const struct sif_suspend_record *r, char **vdi_uuid,
		       struct sif_err *err);

/*
 * Recording a resume: the VM runs and no longer points at its suspend VDI;
 * with `corrected`, the VDI's suspend_image_format is set to what the image
 * really held (--trust-image).  One transaction.  The VDI itself stays:
 * destroying its storage is the SR's business (xapi destroys it after a
 * resume; sif manages no storage).
 */
struct sif_restore_plan;
int sif_resume_commit(struct sif_ctx *ctx, struct sif_db *db,
		      const struct sif_restore_plan *plan, const char *corrected,
		      struct sif_err *err);

#endif
