/*
 * The plugin ABI.  A plugin is a shared object exporting one function,
 * sif_plugin_entry, which returns a static description: the fields it adds
 * to the datamodel, the migrations that add them to a pool DB, and hooks
 * called at suspend, resume and incoming migration.
 *
 * A plugin links against nothing of libsif: everything it may call comes
 * through struct sif_hook_env.  It uses only the types and macros of the
 * headers included here.  The loader (sif/ctx.h) refuses, naming the file:
 * a missing entry point, a wrong ABI version, a file or directory writable
 * by others, a field or migration clashing with one already registered.
 *
 * ABI 2 added `down` to struct sif_migration (which makes a plugin
 * removable from a pool DB: `sif plugin remove`).  The loader asks for ABI
 * 2 first and still loads a plugin built for ABI 1, whose migrations then
 * have no down step: it works as before, and cannot be removed.
 */
#ifndef SIF_PLUGIN_H
#define SIF_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "sif/datamodel.h"
#include "sif/err.h"
#include "sif/migrate.h"

#define SIF_PLUGIN_ABI_VERSION 2u
#define SIF_PLUGIN_ABI_OLDEST 1u        /* the oldest the loader still accepts */
#define SIF_PLUGIN_ENTRY_SYMBOL "sif_plugin_entry"

enum sif_hook_point {
	SIF_HOOK_SUSPEND = 1,           /* an image was written */
	SIF_HOOK_RESUME,                /* a suspended VM is about to be restored */
	SIF_HOOK_MIGRATE_RECEIVE,       /* an incoming migration stream */
};

/* What the host offers a hook.  All strings are owned by the host. */
struct sif_hook_env {
	uint32_t abi_version;
	enum sif_hook_point point;
	/*
	 * A field of an object taking part: cls "VM", "VDI" (the suspend VDI)
	 * or "host" (the sending host, migrate-receive only).  NULL when the
	 * object or the field is absent.
	 */
	const char *(*get)(const struct sif_hook_env *env, const char *cls,
			   const char *field);
	/* Set a field of the suspend VDI or the VM (suspend hook). */
	int (*set)(const struct sif_hook_env *env, const char *cls,
		   const char *field, const char *value, struct sif_err *err);
	/* Add a platformdata key/value for the domain-restore side. */
	int (*platformdata_add)(const struct sif_hook_env *env, const char *key,
				const char *value, struct sif_err *err);
	/*
	 * The restore decision of restore/decision.c on this env's objects:
	 * the value of the suspend-image-format platformdata key.
	 */
	int (*decide_format)(const struct sif_hook_env *env, const char **value,
			     struct sif_err *err);
	/* sif_errf, for plugins that do not link libsif. */
	int (*errf)(struct sif_err *err, enum sif_code code, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void *host;                     /* host-private */
};

typedef int (*sif_hook_fn)(const struct sif_hook_env *env, struct sif_err *err);

struct sif_plugin {
	uint32_t abi_version;           /* SIF_PLUGIN_ABI_VERSION; first, always */
	const char *name;               /* [a-z0-9_]+, unique among plugins */
	const char *version;
	const char *description;
	const struct sif_field *fields;
	size_t nfields;
	/* ids are local ("0001_add_field"); recorded as "<name>/<id>" */
	const struct sif_migration *migrations;
	size_t nmigrations;
	sif_hook_fn on_suspend;         /* each may be NULL */
	sif_hook_fn on_resume;
	sif_hook_fn on_migrate_receive;
};

/* The one symbol a plugin exports. */
typedef const struct sif_plugin *(*sif_plugin_entry_fn)(uint32_t host_abi_version);

#endif
