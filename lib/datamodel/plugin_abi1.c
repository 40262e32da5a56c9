/*
 * Plugins built for ABI 1 (lib-internal, plugin_abi1.h).  ABI 1 differs
 * from ABI 2 only in struct sif_migration, which lacked `down`: the array a
 * plugin points at has the shorter element.  The description is copied
 * into an ABI 2 one whose migrations have no down step, so the rest of sif
 * sees one ABI.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"

struct sif_migration_abi1 {
	const char *id;
	const char *sql;
	const char *doc;
};

struct plugin_abi1_copy {
	struct sif_plugin p;
	struct sif_migration m[];
};

const struct sif_plugin *plugin_from_abi1(const struct sif_plugin *old, struct sif_err *err)
{
	const struct sif_migration_abi1 *om = (const void *)old->migrations;
	struct plugin_abi1_copy *c;
	size_t i;

	if (old->nmigrations > 4096)
		return sif_errf(err, SIF_EREFUSED, "%zu migrations", old->nmigrations), NULL;
	c = calloc(1, sizeof(*c) + old->nmigrations * sizeof(c->m[0]));
	if (!c)
		return sif_errf(err, SIF_ENOMEM, "out of memory"), NULL;
	c->p = *old;
	for (i = 0; om && i < old->nmigrations; i++)
		c->m[i] = (struct sif_migration){ .id = om[i].id, .sql = om[i].sql,
						  .doc = om[i].doc };
	c->p.migrations = om ? c->m : NULL;
	return &c->p;
}
