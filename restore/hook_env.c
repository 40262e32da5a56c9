/*
 * The callbacks a plugin hook gets (include/sif/plugin.h), over the pool
 * DB.  Reads of fields whose migration is not applied answer NULL, as for
 * an absent object; writes go through the registry's validation.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/objects.h"
#include "hook_env.h"

static const char *ref_of(const struct hook_host *h, const char *cls)
{
	if (!strcmp(cls, "VM"))
		return h->vm_ref;
	if (!strcmp(cls, "VDI"))
		return h->vdi_ref;
	if (!strcmp(cls, "host"))
		return h->host_ref;
	return NULL;
}

static const char *keep(struct hook_host *h, char *v)
{
	int rc = v ? sif_strlist_add(&h->cache, v, NULL) : -1;

	free(v);
	return rc < 0 ? NULL : h->cache.keys[h->cache.n - 1];
}

static const char *env_get(const struct sif_hook_env *env, const char *cls,
			   const char *field)
{
	struct hook_host *h = env->host;
	const struct sif_field *f;
	const char *ref;
	struct sif_err ignored;
	bool present;
	char *v;

	if (!strcmp(cls, "image"))
		return !strcmp(field, "format") ? h->image_format : NULL;
	f = sif_ctx_field(h->ctx, cls, field);
	ref = ref_of(h, cls);
	if (!f || !ref || sif_obj_field_present(h->db, f, &present, &ignored) < 0 || !present)
		return NULL;
	if (sif_obj_get_by_ref(h->db, ref, f, &v, &ignored) < 0)
		return NULL;
	return keep(h, v);
}

static int env_set(const struct sif_hook_env *env, const char *cls, const char *field,
		   const char *value, struct sif_err *err)
{
	struct hook_host *h = env->host;
	const struct sif_field *f = sif_ctx_field(h->ctx, cls, field);
	const char *ref = ref_of(h, cls);

	if (!f || !ref)
		return sif_errf(err, SIF_ENOTFOUND, "no %s.%s to set here", cls, field);
	return sif_obj_set_by_ref(h->db, ref, f, value, 0, err);
}

static int env_platformdata_add(const struct sif_hook_env *env, const char *key,
				const char *value, struct sif_err *err)
{
	struct hook_host *h = env->host;
	struct sif_strlist *pd;
	long k;

	if (!h->plan)
		return sif_errf(err, SIF_EUSAGE, "platformdata only exists for a restore");
	pd = &h->plan->platformdata;
	k = sif_strlist_find(pd, key);
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
	struct hook_host *h = env->host;
	struct sif_restore_plan *p = h->plan;
	struct sif_restore_input in;

	if (!p)
		return sif_errf(err, SIF_EUSAGE, "no restore to decide at suspend");
	in = (struct sif_restore_input){
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

void hook_host_init(struct hook_host *h, struct sif_ctx *ctx, struct sif_db *db,
		    enum sif_hook_point point)
{
	memset(h, 0, sizeof(*h));
	h->env = (struct sif_hook_env){
		.abi_version = SIF_PLUGIN_ABI_VERSION,
		.point = point,
		.get = env_get,
		.set = env_set,
		.platformdata_add = env_platformdata_add,
		.decide_format = env_decide,
		.errf = sif_errf,
		.host = h,
	};
	h->ctx = ctx;
	h->db = db;
}

void hook_host_fini(struct hook_host *h)
{
	sif_strlist_free(&h->cache);
}
