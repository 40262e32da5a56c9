/*
 * The pool-DB half of a suspend (include/sif/suspend.h).  Writing the image
 * is the caller's; this runs only after the image is complete, so a failure
 * here leaves a valid image that nothing points to, never a record pointing
 * at half an image.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/suspend.h"
#include "hook_env.h"

static int get(struct sif_ctx *ctx, struct sif_db *db, const char *cls, const char *ref,
	       const char *field, char **out, struct sif_err *err)
{
	return sif_obj_get_by_ref(db, ref, sif_ctx_field(ctx, cls, field), out, err);
}

static int set(struct sif_ctx *ctx, struct sif_db *db, const char *cls, const char *ref,
	       const char *field, const char *value, struct sif_err *err)
{
	return sif_obj_set_by_ref(db, ref, sif_ctx_field(ctx, cls, field), value, 0, err);
}

/* The SR for a new suspend VDI, as xapi chooses it. */
static int choose_sr(struct sif_ctx *ctx, struct sif_db *db, const struct sif_suspend_record *r,
		     const char *vm_ref, char **sr, struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	int s;

	if (r->sr_uuid)
		return sif_obj_ref(db, "SR", r->sr_uuid, sr, err);
	if (get(ctx, db, "VM", vm_ref, "suspend_SR", sr, err) < 0)
		return -1;
	if (strcmp(*sr, SIF_NULL_REF))
		return 0;
	free(*sr);
	*sr = NULL;
	if (sif_db_prepare(db, "SELECT suspend_image_SR FROM pool LIMIT 1", &st, err) < 0)
		return -1;
	s = sif_stmt_step(st, err);
	if (s == SIF_ROW && strcmp(sif_stmt_text(st, 0), SIF_NULL_REF))
		*sr = strdup(sif_stmt_text(st, 0));
	sif_stmt_finalize(st);
	if (s < 0)
		return -1;
	if (!*sr)
		return sif_errf(err, SIF_EREFUSED,
				"VM %s: no SR for the suspend image (set VM suspend-SR or the "
				"pool's suspend-image-SR, or name one)", r->vm_uuid);
	return 0;
}

static int new_vdi(struct sif_ctx *ctx, struct sif_db *db, const struct sif_suspend_record *r,
		   const char *vm_ref, char **vdi_ref, struct sif_err *err)
{
	char size[32], *sr = NULL, hint[128];
	int rc;

	if (choose_sr(ctx, db, r, vm_ref, &sr, err) < 0)
		return -1;
	snprintf(size, sizeof(size), "%" PRIu64, r->size);
	snprintf(hint, sizeof(hint), "(('vmhint' '%s'))", r->vm_uuid);
	rc = sif_obj_insert(ctx, db, "VDI",
			    (const char *[]){ "name__label", "SR", "type", "virtual_size",
					      "physical_utilisation", "location", "sm_config" },
			    (const char *[]){ "Suspend image", sr, "suspend", size, size,
					      r->location ? r->location : "", hint },
			    7, vdi_ref, err);
	free(sr);
	return rc;
}

static int reuse_vdi(struct sif_ctx *ctx, struct sif_db *db, const struct sif_suspend_record *r,
		     char **vdi_ref, struct sif_err *err)
{
	char *type = NULL, size[32];
	int rc = -1;

	if (sif_obj_ref(db, "VDI", r->vdi_uuid, vdi_ref, err) < 0 ||
	    get(ctx, db, "VDI", *vdi_ref, "type", &type, err) < 0)
		goto out;
	if (strcmp(type, "suspend")) {
		sif_errf(err, SIF_EREFUSED, "VDI %s is of type %s, not suspend: refusing to "
			 "write a suspend image over it", r->vdi_uuid, type);
		goto out;
	}
	snprintf(size, sizeof(size), "%" PRIu64, r->size);
	if (set(ctx, db, "VDI", *vdi_ref, "physical_utilisation", size, err) < 0 ||
	    (r->location && set(ctx, db, "VDI", *vdi_ref, "location", r->location, err) < 0))
		goto out;
	rc = 0;
out:
	free(type);
	return rc;
}

int sif_suspend_commit(struct sif_ctx *ctx, struct sif_db *db,
		       const struct sif_suspend_record *r, char **vdi_uuid,
		       struct sif_err *err)
{
	char *vm_ref = NULL, *vdi_ref = NULL, *state = NULL;
	struct hook_host h;
	int rc = -1, began = 0;

	hook_host_init(&h, ctx, db, SIF_HOOK_SUSPEND);
	if (vdi_uuid)
		*vdi_uuid = NULL;
	if (sif_db_begin(db, err) < 0)
		goto out;
	began = 1;
	if (sif_obj_ref(db, "VM", r->vm_uuid, &vm_ref, err) < 0 ||
	    get(ctx, db, "VM", vm_ref, "power_state", &state, err) < 0)
		goto out;
	if (strcmp(state, "Running") && strcmp(state, "Paused")) {
		sif_errf(err, SIF_EREFUSED, "VM %s is %s: only a running or paused VM can be "
			 "suspended", r->vm_uuid, state);
		goto out;
	}
	if ((r->vdi_uuid ? reuse_vdi(ctx, db, r, &vdi_ref, err)
			 : new_vdi(ctx, db, r, vm_ref, &vdi_ref, err)) < 0)
		goto out;
	h.vm_ref = vm_ref;
	h.vdi_ref = vdi_ref;
	h.image_format = r->format;
	if (sif_ctx_run_hooks(ctx, &h.env, err) < 0 ||
	    set(ctx, db, "VM", vm_ref, "suspend_VDI", vdi_ref, err) < 0 ||
	    set(ctx, db, "VM", vm_ref, "power_state", "Suspended", err) < 0 ||
	    set(ctx, db, "VM", vm_ref, "resident_on", SIF_NULL_REF, err) < 0)
		goto out;
	if (vdi_uuid && get(ctx, db, "VDI", vdi_ref, "uuid", vdi_uuid, err) < 0)
		goto out;
	if (sif_db_commit(db, err) < 0)
		goto out;
	began = 0;
	rc = 0;
out:
	if (began)
		sif_db_rollback(db);
	if (rc < 0 && vdi_uuid) {
		free(*vdi_uuid);
		*vdi_uuid = NULL;
	}
	hook_host_fini(&h);
	free(vm_ref);
	free(vdi_ref);
	free(state);
	return rc;
}
