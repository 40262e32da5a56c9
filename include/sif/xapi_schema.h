/*
 * xapi's database schema: which tables and columns a given xapi knows, with
 * each column's type, default and lifecycle, as xen-api's datamodel defines
 * them (Datamodel_schema.of_datamodel).  The facts come from
 * schema/xapi/xapi.schema, written by scripts/xapi-schema.py from xen-api's
 * sources and compiled into libsif; the text format is in
 * docs/sif-db-check.1.  A schema is picked by version (5.909), from the
 * built-in file or from an admin's file of the same format.
 *
 * Not here: reading a state.db (sif/statedb.h) or judging one
 * (sif/statedb_check.h).
 */
#ifndef SIF_XAPI_SCHEMA_H
#define SIF_XAPI_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/err.h"

enum sif_xs_kind {
	SIF_XS_STRING, SIF_XS_SECRET, SIF_XS_INT, SIF_XS_FLOAT, SIF_XS_BOOL,
	SIF_XS_DATETIME, SIF_XS_ENUM, SIF_XS_REF, SIF_XS_SET, SIF_XS_MAP,
	SIF_XS_OPTION, SIF_XS_RECORD,
};

struct sif_xs_enum {
	const char *name;
	const char *const *values;      /* in declaration order */
	size_t n;
};

struct sif_xs_type {
	enum sif_xs_kind kind;
	const struct sif_xs_enum *en;   /* ENUM */
	const char *target;             /* REF, RECORD: the class (table) name */
	const struct sif_xs_type *a, *b;        /* SET/OPTION: a; MAP: a -> b */
};

enum sif_xs_lifecycle {
	SIF_XS_UNRELEASED, SIF_XS_PROTOTYPED, SIF_XS_PUBLISHED, SIF_XS_DEPRECATED,
	SIF_XS_REMOVED,
};

struct sif_xs_column {
	const char *name;               /* as in the file: name__label */
	const struct sif_xs_type *type;
	const char *type_text;          /* set(ref(VM)) */
	const char *default_value;      /* unprotected; NULL: none (a missing column fails the load) */
	enum sif_xs_lifecycle lifecycle;
	bool persist;                   /* false: xapi resets it on load */
	bool from_plugin;               /* added by sif_xapi_schema_add_column */
};

struct sif_xs_table {
	const char *name;
	bool persist;                   /* false: xapi writes the table with no rows */
	struct sif_xs_column *cols;     /* in byte order of name */
	size_t ncols;
};

struct sif_xapi_schema;

/* Versions the built-in schema file describes, as "5.602 5.603 ... 5.909". */
const char *sif_xapi_schema_builtin_versions(void);

/* The built-in schema of xapi version major.minor (SIF_ENOTFOUND if not shipped). */
int sif_xapi_schema_builtin(struct sif_xapi_schema **out, long major, long minor,
			    struct sif_err *err);

/*
 * A schema file.  Its version is major.minor if the file describes that
 * version; else, when major < 0 or the file describes exactly one version,
 * that one.
 */
int sif_xapi_schema_file(struct sif_xapi_schema **out, const char *path, long major,
			 long minor, struct sif_err *err);

/* The same from text in memory (`name` in messages). */
int sif_xapi_schema_parse(struct sif_xapi_schema **out, const char *name, const char *text,
			  size_t len, long major, long minor, struct sif_err *err);

void sif_xapi_schema_version(const struct sif_xapi_schema *s, long *major, long *minor);
/* Where the facts came from: "xen-api v26.17.0 <commit>", or the file's name. */
const char *sif_xapi_schema_source(const struct sif_xapi_schema *s);

size_t sif_xapi_schema_ntables(const struct sif_xapi_schema *s);
const struct sif_xs_table *sif_xapi_schema_table_at(const struct sif_xapi_schema *s, size_t i);
const struct sif_xs_table *sif_xapi_schema_table(const struct sif_xapi_schema *s,
						 const char *name);
const struct sif_xs_column *sif_xapi_schema_column(const struct sif_xs_table *t,
						   const char *name);

/*
 * Add a column (a plugin's field, for a xapi that has it): a string, or an
 * enum of `values` (NULL terminated) when values is not NULL.
 */
int sif_xapi_schema_add_column(struct sif_xapi_schema *s, const char *table,
			       const char *column, const char *const *values,
			       const char *default_value, struct sif_err *err);

void sif_xapi_schema_free(struct sif_xapi_schema *s);

#endif
