/*
 * Objects of the pool DB by class and uuid: list with filters, get, set,
 * insert.  Values are strings in xapi's stored form and are validated
 * against the registry (sif/ctx.h) before they reach the DB.  A field whose
 * migration has not been applied to this DB yet is reported as such.
 */
#ifndef SIF_OBJECTS_H
#define SIF_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/err.h"

struct sif_filter {
	const struct sif_field *field;
	const char *value;              /* stored form; equality */
};

/* Called per row with the values of the requested fields, in order. */
typedef int (*sif_row_cb)(void *arg, const char *ref, const char *const *values,
			  struct sif_err *err);

/* Whether the DB has the field's column (its migration was applied). */
int sif_obj_field_present(struct sif_db *db, const struct sif_field *f,
			  bool *present, struct sif_err *err);

/* Fail with a clear message if the field's migration is not applied yet. */
int sif_obj_require_field(struct sif_db *db, const struct sif_field *f,
			  struct sif_err *err);

int sif_obj_list(struct sif_db *db, const char *cls,
		 const struct sif_filter *filters, size_t nfilters,
		 const struct sif_field *const *fields, size_t nfields,
		 sif_row_cb cb, void *arg, struct sif_err *err);

/* The ref of the object with this uuid; SIF_ENOTFOUND names class and uuid. */
int sif_obj_ref(struct sif_db *db, const char *cls, const char *uuid,
		char **ref, struct sif_err *err);

/* A field of the object with this ref (malloc'd). */
int sif_obj_get_by_ref(struct sif_db *db, const char *ref,
		       const struct sif_field *f, char **value, struct sif_err *err);

enum sif_set_flags {
	SIF_SET_AS_ADMIN = 1u << 0,     /* refuse fields an admin may not set */
};

/* Validate and write one field of the object with this ref. */
int sif_obj_set_by_ref(struct sif_db *db, const char *ref,
		       const struct sif_field *f, const char *value, unsigned flags,
		       struct sif_err *err);

/*
 * Insert an object: names/values give some fields; the others get their
 * defaults, or the insert fails naming a required field.  "_ref" and
 * "uuid" are made up when not given.  The new ref is returned in *ref
 * (malloc'd) if ref is not NULL.
 */
int sif_obj_insert(struct sif_ctx *ctx, struct sif_db *db, const char *cls,
		   const char *const *names, const char *const *values, size_t n,
		   char **ref, struct sif_err *err);

/*
 * The first column of the first row of sql, with ?1 bound to p1 (malloc'd
 * into *out): SIF_ROW, or SIF_DONE with *out NULL when there is no row, or
 * -1 with err filled.
 */
int sif_obj_query_text(struct sif_db *db, const char *sql, const char *p1,
		       char **out, struct sif_err *err);

/* A fresh random uuid (36 characters + NUL). */
int sif_uuid_random(char out[37], struct sif_err *err);

#endif
