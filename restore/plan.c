/*
 * Building a restore plan: read the VM, its suspend VDI or the sending host
 * from the pool DB, give the plugins' hooks a sif_hook_env over them, and
 * collect the platformdata they add.  The decision itself is
 * restore/decision.c; this file only fetches its inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/plugin.h"
#include "sif/restore.h"

struct host_data {
	struct sif_hook_env env;
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_restore_plan *plan;
	struct sif_strlist cache;       /* strings handed to hooks, freed with the plan */
	struct sif_err *err;
};

static const char *ref_of(const struct sif_restore_plan *p, const char *cls)
{
	if (!strcmp(cls, "VM"))
		return p->vm_ref;
	if (!strcmp(cls, "VDI"))
		return p->vdi_ref;
	if (!strcmp(cls, "host"))
		return p->host_ref;
	return NULL;
}

static const char *env_get(const struct sif_hook_env *env, const char *cls,
			   const char *field)
{
	struct host_data *h = env->host;
	const struct sif_field *f = sif_ctx_field(h->ctx, cls, field);
	const char *ref = ref_of(h->plan, cls);
	struct sif_err ignored;
	bool present;
	char *v;

	if (!f || !ref || sif_obj_field_present(h->db, f, &present, &ignored) < 0 || !present)
		return NULL;
	if (sif_obj_get_by_ref(h->db, ref, f, &v, &ignored) < 0)
		return NULL;
	if (sif_strlist_add(&h->cache, v, NULL) < 0) {
		free(v);
		return NULL;
	}
	free(v);
	return h->cache.keys[h->cache.n - 1];
}

static int env_set(const struct sif_hook_env *env, const char *cls, const char *field,
		   const char *value, struct sif_err *err)
{
	struct host_data *h = env->host;
	const struct sif_field *f = sif_ctx_field(h->ctx, cls, field);
	const char *ref = ref_of(h->plan, cls);

	if (!f || !ref)
		return sif_errf(err, SIF_ENOTFOUND, "no %s.%s to set here", cls, field);
	return sif_obj_set_by_ref(h->db, ref, f, value, 0, err);
}

static int env_platformdata_add(const struct sif_hook_env *env, const char *key,
				const char *value, struct sif_err *err)
{
	struct host_data *h = env->host;
	struct sif_strlist *pd = &h->plan->platformdata;
	long k = sif_strlist_find(pd, key);

	if (k >= 0) {
		char *v = strdup(value);

		if (!v)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		free(pd->vals[k]);
		pd->vals[k] = v;
		return 0;
	}
	if (sif_strlist_add(pd, key, value) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	return 0;
}

static int env_decide(const struct sif_hook_env *env, const char **value,
		      struct sif_err *err)
{
	struct host_data *h = env->host;
	struct sif_restore_plan *p = h->plan;
	struct sif_restore_input in = {
		.context = p->context,
		.vm_uuid = p->vm_uuid,
		.vm_platform = env_get(env, "VM", "platform"),
		.vdi_uuid = p->vdi_uuid,
		.vdi_format = p->vdi_format,
		.host_uuid = p->host_uuid,
		.host_software_version = env_get(env, "host", "software_version"),
	};

	if (sif_restore_decide(&in, &p->decision, err) < 0)
		return -1;
	p->decided = true;
	*value = p->decision.format;
	return 0;
}

static int dup_into(char **dst, const char *src, struct sif_err *err)
{
	*dst = strdup(src);
	return *dst ? 0 : sif_errf(err, SIF_ENOMEM, "out of memory");
}

/* The VM's platform map, without the key only the system may set. */
static int initial_platformdata(struct host_data *h, struct sif_err *err)
{
	const char *platform = env_get(&h->env, "VM", "platform");
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

static int resume_inputs(struct host_data *h, struct sif_err *err)
{
	struct sif_restore_plan *p = h->plan;
	const char *state = env_get(&h->env, "VM", "power_state");
	const char *vdi = env_get(&h->env, "VM", "suspend_VDI");

	if (!state || strcmp(state, "Suspended"))
		return sif_errf(err, SIF_EREFUSED, "VM %s is %s, not Suspended: nothing to resume",
				p->vm_uuid, state ? state : "in no known state");
	if (!vdi || !strcmp(vdi, SIF_NULL_REF))
		return sif_errf(err, SIF_EREFUSED, "VM %s has no suspend VDI", p->vm_uuid);
	if (dup_into(&p->vdi_ref, vdi, err) < 0)
		return -1;
	{
		const char *uuid = env_get(&h->env, "VDI", "uuid");
		const char *fmt = env_get(&h->env, "VDI", "suspend_image_format");

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
	struct host_data h = {
		.env = {
			.abi_version = SIF_PLUGIN_ABI_VERSION,
			.point = context == SIF_RESTORE_RESUME ? SIF_HOOK_RESUME
							       : SIF_HOOK_MIGRATE_RECEIVE,
			.get = env_get, .set = env_set,
			.platformdata_add = env_platformdata_add,
			.decide_format = env_decide, .errf = sif_errf,
		},
		.ctx = ctx, .db = db, .plan = plan, .err = err,
	};
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	plan->context = context;
	h.env.host = &h;
	if (vm_uuid && (dup_into(&plan->vm_uuid, vm_uuid, err) < 0 ||
			sif_obj_ref(db, "VM", vm_uuid, &plan->vm_ref, err) < 0))
		goto out;
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
	}
	if (initial_platformdata(&h, err) < 0 || sif_ctx_run_hooks(ctx, &h.env, err) < 0)
		goto out;
	rc = 0;
out:
	sif_strlist_free(&h.cache);
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
