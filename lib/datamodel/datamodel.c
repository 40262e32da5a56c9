/*
 * Field types: names, value validation and xe's spelling of field names.
 * The registry itself (which fields exist) is lib/datamodel/ctx.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/datamodel.h"
#include "sif/sexpr.h"

const char *sif_ftype_name(enum sif_ftype t)
{
	switch (t) {
	case SIF_FT_STRING:   return "string";
	case SIF_FT_INT:      return "int";
	case SIF_FT_BOOL:     return "bool";
	case SIF_FT_DATETIME: return "datetime";
	case SIF_FT_ENUM:     return "enum";
	case SIF_FT_REF:      return "ref";
	case SIF_FT_SET:      return "set";
	case SIF_FT_MAP:      return "map";
	}
	return "?";
}

static int enum_list(const struct sif_field *f, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *const *v = f->enum_values; v && *v; v++) {
		int n = snprintf(buf + used, size - used, "%s%s",
				 v == f->enum_values ? "" : " | ", *v);

		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return 0;
}

static int is_int64(const char *v)
{
	char *end;

	if (!*v || isspace((unsigned char)*v))
		return 0;
	errno = 0;
	(void)strtoll(v, &end, 10);
	return !*end && errno == 0;
}

/* xapi's DateTime as stored: YYYYMMDDTHH:MM:SSZ */
static int is_datetime(const char *v)
{
	static const char shape[] = "ddddddddTdd:dd:ddZ";
	size_t i;

	if (strlen(v) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)v[i]) : v[i] != shape[i])
			return 0;
	return 1;
}

int sif_field_validate(const struct sif_field *f, const char *v,
		       struct sif_err *err)
{
	struct sif_strlist l;
	char list[512];

	switch (f->type) {
	case SIF_FT_STRING:
		return 0;
	case SIF_FT_INT:
		if (is_int64(v))
			return 0;
		return sif_errf(err, SIF_EFORMAT,
				"%s.%s: '%s' is not an integer", f->cls, f->name, v);
	case SIF_FT_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "false"))
			return 0;
		return sif_errf(err, SIF_EFORMAT,
				"%s.%s: '%s' is not a bool (expected true or false)",
				f->cls, f->name, v);
	case SIF_FT_DATETIME:
		if (is_datetime(v))
			return 0;
		return sif_errf(err, SIF_EFORMAT,
				"%s.%s: '%s' is not a date (expected YYYYMMDDTHH:MM:SSZ)",
				f->cls, f->name, v);
	case SIF_FT_ENUM:
		for (const char *const *e = f->enum_values; e && *e; e++)
			if (!strcmp(*e, v))
				return 0;
		enum_list(f, list, sizeof(list));
		return sif_errf(err, SIF_EFORMAT,
				"%s.%s: '%s' is not a valid value (expected %s)",
				f->cls, f->name, v, list);
	case SIF_FT_REF:
		if (!strncmp(v, "OpaqueRef:", 10) && v[10])
			return 0;
		return sif_errf(err, SIF_EFORMAT,
				"%s.%s: '%s' is not a reference (expected OpaqueRef:...)",
				f->cls, f->name, v);
	case SIF_FT_SET:
	case SIF_FT_MAP:
		if ((f->type == SIF_FT_SET ? sif_sexpr_parse_set(v, &l, err)
					   : sif_sexpr_parse_map(v, &l, err)) < 0) {
			sif_err_prefix(err, "%s.%s: not a %s", f->cls, f->name,
				       sif_ftype_name(f->type));
			return -1;
		}
		for (size_t i = 0; f->type == SIF_FT_MAP && i < l.n; i++) {
			if (!*l.keys[i]) {
				sif_strlist_free(&l);
				return sif_errf(err, SIF_EFORMAT,
						"%s.%s: a map key must not be empty",
						f->cls, f->name);
			}
		}
		sif_strlist_free(&l);
		return 0;
	}
	return sif_errf(err, SIF_EFORMAT, "%s.%s: unknown field type", f->cls, f->name);
}

void sif_field_cli_name(const char *name, char *buf, size_t size)
{
	size_t o = 0;

	if (!size)
		return;
	for (const char *p = name; *p && o + 1 < size; p++) {
		if (p[0] == '_' && p[1] == '_')
			p++;
		buf[o++] = *p == '_' ? '-' : *p;
	}
	buf[o] = '\0';
}
