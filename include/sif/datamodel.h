/*
 * The datamodel registry's vocabulary: classes and fields as xapi names
 * them (VDI.name__label, VM.suspend_VDI), with type, default, the migration
 * that introduced the field and whether an admin may set it.  The core
 * classes and fields live in lib/datamodel/datamodel_core.c; plugins add fields to a
 * struct sif_ctx (sif/ctx.h) with the same struct.
 */
#ifndef SIF_DATAMODEL_H
#define SIF_DATAMODEL_H

#include <stddef.h>

#include "sif/err.h"

enum sif_ftype {
	SIF_FT_STRING,
	SIF_FT_INT,        /* decimal int64 */
	SIF_FT_BOOL,       /* "true" | "false" */
	SIF_FT_DATETIME,   /* xapi's YYYYMMDDTHH:MM:SSZ */
	SIF_FT_ENUM,       /* one of enum_values, exact case */
	SIF_FT_REF,        /* OpaqueRef:<uuid> or OpaqueRef:NULL */
	SIF_FT_SET,        /* ('a' 'b') */
	SIF_FT_MAP,        /* (('k' 'v')) */
};

enum sif_field_flags {
	SIF_FIELD_ADMIN_SETTABLE = 1u << 0,  /* *-param-set may change it */
};

struct sif_field {
	const char *cls;                  /* "VDI" */
	const char *name;                 /* "name__label": '.' written "__" */
	enum sif_ftype type;
	const char *const *enum_values;   /* SIF_FT_ENUM: NULL-terminated */
	const char *ref_class;            /* SIF_FT_REF (or a set of refs) */
	const char *default_value;        /* stored form; NULL: must be given */
	const char *introduced;           /* id of the migration that adds it */
	unsigned flags;
	const char *doc;
};

struct sif_class {
	const char *name;                 /* "VDI" */
	const char *doc;
};

/* NULL-name terminated tables of lib/datamodel/datamodel_core.c. */
extern const struct sif_class sif_core_classes[];
extern const struct sif_field sif_core_fields[];

#define SIF_NULL_REF "OpaqueRef:NULL"

const char *sif_ftype_name(enum sif_ftype t);

/* Check a stored-form value against the field's type; the message names the
 * field and says what was expected. */
int sif_field_validate(const struct sif_field *f, const char *value,
		       struct sif_err *err);

/* xe's spelling of a field name: "name__label" -> "name-label",
 * "suspend_image_format" -> "suspend-image-format". */
void sif_field_cli_name(const char *name, char *buf, size_t size);

#endif
