/*
 * The pool-DB half of a resume (include/sif/suspend.h): run only after the
 * domain runs, so a failed restore leaves the VM Suspended and the DB as it
 * was.
 */
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/restore.h"
#include "sif/suspend.h"

int sif_resume_commit(struct sif_ctx *ctx, struct sif_db *db,
		      const struct sif_restore_plan *plan, const char *corrected,
		      struct sif_err *err)
{
	const struct sif_field *fmt = sif_ctx_field(ctx, "VDI", "suspend_image_format");

	if (!plan->vm_ref || !plan->vdi_ref)
		return sif_errf(err, SIF_EUSAGE, "resume commit needs a resume plan");
	if (sif_db_begin(db, err) < 0)
		return -1;
	if ((corrected && (!fmt || sif_obj_set_by_ref(db, plan->vdi_ref, fmt, corrected, 0, err) < 0)) ||
	    sif_obj_set_by_ref(db, plan->vm_ref, sif_ctx_field(ctx, "VM", "power_state"),
			       "Running", 0, err) < 0 ||
	    sif_obj_set_by_ref(db, plan->vm_ref, sif_ctx_field(ctx, "VM", "suspend_VDI"),
			       SIF_NULL_REF, 0, err) < 0) {
		if (corrected && !fmt)
			sif_errf(err, SIF_ENOTFOUND, "no VDI.suspend_image_format to correct");
		sif_db_rollback(db);
		return -1;
	}
	return sif_db_commit(db, err);
}
