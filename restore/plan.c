/*
 * Building a restore plan: read the VM, its suspend VDI or the sending host
 * from the pool DB, run the plugins' hooks over them (restore/hook_env.c),
 * and collect the platformdata they add.  The decision itself is
 * restore/decision.c; this file only fetches its inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/plugin.h"
#include "sif/restore.h"
#include "hook_env.h"

static int dup_into(char **dst, const char *src, struct sif_err *err)
{
	*dst = strdup(src);
	return *dst ? 0 : sif_errf(err, SIF_ENOMEM, "out of memory");
}

/* The VM's platform map, without the key only the system may set. */
static int initial_platformdata(struct hook_host *h, struct sif_err *err)
{
	const char *platform = h->env.get(&h->env, "VM", "platform");
	struct sif_strlist l;

	if (!platform)
		return 0;
	if (sif_sexpr_parse_map(platform, &l, err) < 0) {
		sif_err_prefix(err, "VM %s: platform", h->plan->vm_uuid);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.keys[i], SIF_PLATFORMDATA_KEY) &&
		    sif_strlist_add(&h->plan->platformdata, l.keys[i], l.vals[i]) < 0) {
			sif_strlist_free(&l);
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		}
	sif_strlist_free(&l);
	return 0;
}

static int resume_inputs(struct hook_host *h, struct sif_err *err)
{
	struct sif_restore_plan *p = h->plan;
	const char *state = h->env.get(&h->env, "VM", "power_state");
	const char *vdi = h->env.get(&h->env, "VM", "suspend_VDI");

	if (!state || strcmp(state, "Suspended"))
		return sif_errf(err, SIF_EREFUSED, "VM %s is %s, not Suspended: nothing to resume",
				p->vm_uuid, state ? state : "in no known state");
	if (!vdi || !strcmp(vdi, SIF_NULL_REF))
		return sif_errf(err, SIF_EREFUSED, "VM %s has no suspend VDI", p->vm_uuid);
	if (dup_into(&p->vdi_ref, vdi, err) < 0)
		return -1;
	h->vdi_ref = p->vdi_ref;
	{
		const char *uuid = h->env.get(&h->env, "VDI", "uuid");
		const char *fmt = h->env.get(&h->env, "VDI", "suspend_image_format");

		if (!uuid)
			return sif_errf(err, SIF_ENOTFOUND,
					"VM %s: its suspend VDI %s is not in the database",
					p->vm_uuid, vdi);
		if (dup_into(&p->vdi_uuid, uuid, err) < 0 ||
		    (fmt && dup_into(&p->vdi_format, fmt, err) < 0))
			return -1;
	}
	return 0;
}

int sif_restore_plan_make(struct sif_ctx *ctx, struct sif_db *db,
			  enum sif_restore_context context, const char *vm_uuid,
			  const char *host_uuid, struct sif_restore_plan *plan,
			  struct sif_err *err)
{
	struct hook_host h;
	int rc = -1;

	hook_host_init(&h, ctx, db, context == SIF_RESTORE_RESUME ? SIF_HOOK_RESUME
								  : SIF_HOOK_MIGRATE_RECEIVE);
	memset(plan, 0, sizeof(*plan));
	plan->context = context;
	h.plan = plan;
	if (vm_uuid && (dup_into(&plan->vm_uuid, vm_uuid, err) < 0 ||
			sif_obj_ref(db, "VM", vm_uuid, &plan->vm_ref, err) < 0))
		goto out;
	h.vm_ref = plan->vm_ref;
	if (context == SIF_RESTORE_RESUME) {
		if (!vm_uuid) {
			sif_errf(err, SIF_EUSAGE, "resume needs a VM");
			goto out;
		}
		if (resume_inputs(&h, err) < 0)
			goto out;
	} else {
		if (!host_uuid) {
			sif_errf(err, SIF_EUSAGE, "an incoming migration needs the sending host");
			goto out;
		}
		if (dup_into(&plan->host_uuid, host_uuid, err) < 0 ||
		    sif_obj_ref(db, "host", host_uuid, &plan->host_ref, err) < 0)
			goto out;
		h.host_ref = plan->host_ref;
	}
	if (initial_platformdata(&h, err) < 0 || sif_ctx_run_hooks(ctx, &h.env, err) < 0)
		goto out;
	rc = 0;
out:
	hook_host_fini(&h);
	if (rc < 0)
		sif_restore_plan_free(plan);
	return rc;
}

void sif_restore_plan_free(struct sif_restore_plan *p)
{
	free(p->vm_ref);
	free(p->vm_uuid);
	free(p->vdi_ref);
	free(p->vdi_uuid);
	free(p->vdi_format);
	free(p->host_ref);
	free(p->host_uuid);
	sif_strlist_free(&p->platformdata);
	memset(p, 0, sizeof(*p));
}

const char *sif_platformdata_get(const struct sif_strlist *pd, const char *key)
{
	long k = sif_strlist_find(pd, key);

	return k < 0 ? NULL : pd->vals[k];
}
