/*
 * struct sif_ctx: the datamodel registry (core classes and fields plus what
 * plugins add), the loaded plugins and the ordered list of migrations.
 * Every command that touches a pool DB or a state.db builds one.
 */
#ifndef SIF_CTX_H
#define SIF_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/datamodel.h"
#include "sif/err.h"
#include "sif/migrate.h"
#include "sif/plugin.h"

struct sif_ctx;

struct sif_plugin_info {
	const char *path;               /* the .so it came from */
	const struct sif_plugin *plugin;
};

/* A context holding the core datamodel and core migrations. */
int sif_ctx_new(struct sif_ctx **out, struct sif_err *err);
void sif_ctx_free(struct sif_ctx *ctx);

/* Load one plugin file, or every *.so of a directory in name order. */
int sif_ctx_load_plugin(struct sif_ctx *ctx, const char *path, struct sif_err *err);
int sif_ctx_load_plugin_dir(struct sif_ctx *ctx, const char *dir, struct sif_err *err);

/* Register a plugin description directly (what the loader does after dlopen). */
int sif_ctx_add_plugin(struct sif_ctx *ctx, const struct sif_plugin *p,
		       const char *path, struct sif_err *err);

size_t sif_ctx_nplugins(const struct sif_ctx *ctx);
const struct sif_plugin_info *sif_ctx_plugin_at(const struct sif_ctx *ctx, size_t i);

/* Classes, in core order. */
size_t sif_ctx_nclasses(const struct sif_ctx *ctx);
const struct sif_class *sif_ctx_class_at(const struct sif_ctx *ctx, size_t i);
/* Exact name, else a case-insensitive match ("vdi" -> "VDI"). */
const struct sif_class *sif_ctx_class(const struct sif_ctx *ctx, const char *name);

/* Fields of a class: core fields in declared order, then plugin fields. */
size_t sif_ctx_nfields(const struct sif_ctx *ctx, const char *cls);
const struct sif_field *sif_ctx_field_at(const struct sif_ctx *ctx, const char *cls, size_t i);
const struct sif_field *sif_ctx_field(const struct sif_ctx *ctx, const char *cls,
				      const char *name);
/* By xe spelling ("name-label"); also accepts the field name itself. */
const struct sif_field *sif_ctx_field_cli(const struct sif_ctx *ctx, const char *cls,
					  const char *cli_name);
/* "core" or the name of the plugin that registered f. */
const char *sif_ctx_field_owner(const struct sif_ctx *ctx, const struct sif_field *f);

/* Migrations in the order they apply: core (by id), then plugins (by name). */
size_t sif_ctx_nmigrations(const struct sif_ctx *ctx);
const struct sif_migration *sif_ctx_migration_at(const struct sif_ctx *ctx, size_t i);
const char *sif_ctx_migration_owner(const struct sif_ctx *ctx, size_t i);

/* Run every loaded plugin's hook for a point, in plugin order. */
int sif_ctx_run_hooks(struct sif_ctx *ctx, const struct sif_hook_env *env,
		      struct sif_err *err);

#endif
