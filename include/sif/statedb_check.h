/*
 * Will this xapi load this state.db, and is it sound?  A streaming check of
 * a state.db against xapi's schema (sif/xapi_schema.h): columns xapi does
 * not know (it refuses the file), columns it ignores (lifecycle Removed),
 * columns it fills with defaults, refs that are duplicated or point at no
 * row, enum values outside their type, sets and maps that do not parse,
 * values that are not of their type, and a bad manifest.
 *
 * Memory does not grow with the file except for one 8-byte hash per row of
 * each table that a Ref column points at (a first, raw pass collects them,
 * so that every ref is checked when it is read; see statedb_refscan.c).
 */
#ifndef SIF_STATEDB_CHECK_H
#define SIF_STATEDB_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/xapi_schema.h"

enum sif_check_kind {
	SIF_CHECK_FILE,                 /* the reader stopped: XML, manifest, duplicate ref, escape */
	SIF_CHECK_SCHEMA_VERSION,       /* no schema for the manifest's version */
	SIF_CHECK_MANIFEST_KEY,         /* a pair xapi drops */
	SIF_CHECK_UNKNOWN_TABLE,        /* error if it has rows */
	SIF_CHECK_MISSING_TABLE,        /* xapi adds it, empty */
	SIF_CHECK_UNKNOWN_COLUMN,       /* xapi refuses the file */
	SIF_CHECK_REMOVED_COLUMN,       /* lifecycle Removed: xapi does not read it */
	SIF_CHECK_MISSING_COLUMN,       /* xapi fills the default; error if there is none */
	SIF_CHECK_DANGLING_REF,
	SIF_CHECK_BAD_ENUM,
	SIF_CHECK_BAD_SET_MAP,
	SIF_CHECK_BAD_VALUE,            /* an int or bool that is not one */
};

struct sif_check_finding {
	enum sif_check_kind kind;
	bool error;                     /* xapi refuses the file, or the data is unsound */
	const char *table, *column;     /* NULL when not about one */
	bool has_row;
	uint64_t row;                   /* first row concerned (0-based in its table) */
	const char *ref;                /* its ref */
	uint64_t count;                 /* rows concerned */
	const char *detail;             /* what was found and what xapi does */
};

struct sif_statedb_check_opts {
	/* The schema to check against; NULL: the built-in one of the
	 * manifest's version.  Called with the schema picked, before the check
	 * (e.g. to add plugins' columns); may be NULL. */
	const struct sif_xapi_schema *schema;
	int (*prepare)(void *u, struct sif_xapi_schema *s, struct sif_err *err);
	void *prepare_u;
};

struct sif_statedb_check {
	long major, minor;              /* schema used (-1 if none) */
	char source[512];
	long file_major, file_minor;    /* the manifest's (-1 if unread) */
	uint64_t tables, rows;
	struct sif_check_finding *findings;
	size_t nfindings;
	size_t errors;
};

/* 0 when the file was judged (see ->errors), -1 when it could not be read at all. */
int sif_statedb_check(const char *path, const struct sif_statedb_check_opts *o,
		      struct sif_statedb_check **out, struct sif_err *err);
void sif_statedb_check_free(struct sif_statedb_check *c);

/* The manifest's schema version, read from the start of the file (not validated). */
int sif_statedb_schema_version(const char *path, long *major, long *minor, struct sif_err *err);
const char *sif_check_kind_name(enum sif_check_kind k);

#endif
