/*
 * The raw ref-collecting pass of `db check` (statedb_refscan.c).  Inside
 * lib/statedb only.
 */
#ifndef SIF_STATEDB_REFSCAN_H
#define SIF_STATEDB_REFSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sif/err.h"

struct sif_refscan_table {
	const char *name;               /* the caller's: a table whose refs are wanted */
	uint64_t *hash;                 /* sorted after the run */
	size_t n, cap;
	uint64_t rows;                  /* rows seen (hashed or not) */
	uint64_t unhashed;              /* rows whose ref the scan could not decode */
	bool seen;                      /* the file has this table */
};

struct sif_refscan {
	struct sif_refscan_table *tables;       /* filled by the caller (name only); with
						 * none, the scan stops after the manifest */
	size_t ntables;
	long major, minor;              /* the manifest's schema version, -1 if not found */
};

/* The hash both passes give a ref (its decoded, normalised value). */
uint64_t sif_ref_hash(const char *s, size_t n);
int sif_refscan_run(struct sif_refscan *rs, const char *path, struct sif_err *err);
bool sif_refscan_has(const struct sif_refscan_table *t, uint64_t h);
void sif_refscan_free(struct sif_refscan *rs);

#endif
