/* Layout of struct sif_ctx, shared by lib/datamodel/ctx.c and lib/datamodel/plugin_loader.c only. */
#ifndef SIF_CTX_INTERNAL_H
#define SIF_CTX_INTERNAL_H

#include "sif/ctx.h"

struct field_entry {
	struct sif_field f;        /* copy; f.introduced qualified for plugins */
	const char *owner;         /* "core" or plugin name */
	char *introduced;          /* owned storage behind f.introduced, or NULL */
};

struct mig_entry {
	struct sif_migration m;    /* m.id points at id */
	char *id;                  /* "0001_indexes" or "<plugin>/<id>" */
	const char *owner;
};

struct sif_ctx {
	struct field_entry **fields;  /* each allocated alone: pointers stay valid */
	size_t nfields, fields_cap;
	struct mig_entry **migs;
	size_t nmigs, migs_cap;
	struct sif_plugin_info *plugins;
	void **handles;            /* dlopen handles, parallel to plugins */
	void **owned;              /* ABI 1 descriptions copied to ABI 2 (or NULL), parallel */
	size_t nplugins;
};

/* Check and add a description; on success the ctx owns `handle`, and `p`
 * itself when `owned` (an ABI 1 description's copy). */
int ctx_register_plugin(struct sif_ctx *ctx, const struct sif_plugin *p, bool owned,
			const char *path, void *handle, struct sif_err *err);

/* An ABI 1 description as an ABI 2 one (malloc'd; no down steps). */
const struct sif_plugin *plugin_from_abi1(const struct sif_plugin *old, struct sif_err *err);

#endif
