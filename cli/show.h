/* Display of stored values for admins (cli/show.c). */
#ifndef SIF_CLI_SHOW_H
#define SIF_CLI_SHOW_H

#include <stdio.h>

#include "sif/datamodel.h"

struct json_object;

/* Maps as "k: v; k2: v2", sets as "a; b", the rest as stored (malloc'd). */
char *show_value(const struct sif_field *f, const char *stored);
/* xe's access column: " RO", " RW", "MRW", "SRO", ... */
const char *show_access(const struct sif_field *f);
/* One xe-style record followed by a blank line. */
void show_record(FILE *to, const struct sif_field *const *fields, size_t n,
		 const char *const *values);
/* Typed JSON: ints as numbers, bools as booleans, maps as objects, sets as arrays. */
struct json_object *show_json_value(const struct sif_field *f, const char *stored);
struct json_object *show_json_record(const struct sif_field *const *fields, size_t n,
				     const char *const *values);
int show_json_print(struct json_object *o);

#endif
