/*
 * The host side of struct sif_hook_env, shared by restore plans (resume,
 * migrate-receive) and the suspend path: objects by ref from the pool DB,
 * platformdata collected into a list, the decision, the format written.
 * Internal to restore/.
 */
#ifndef SIF_RESTORE_HOOK_ENV_H
#define SIF_RESTORE_HOOK_ENV_H

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/plugin.h"
#include "sif/restore.h"
#include "sif/sexpr.h"

struct hook_host {
	struct sif_hook_env env;
	struct sif_ctx *ctx;
	struct sif_db *db;
	/* the objects taking part (refs may be NULL) */
	const char *vm_ref, *vdi_ref, *host_ref;
	/* resume / migrate-receive */
	struct sif_restore_plan *plan;
	/* suspend: the format of the image just written */
	const char *image_format;
	struct sif_strlist cache;       /* strings handed to hooks */
};

void hook_host_init(struct hook_host *h, struct sif_ctx *ctx, struct sif_db *db,
		    enum sif_hook_point point);
void hook_host_fini(struct hook_host *h);

#endif
