/*
 * How values look to an admin: xe's record layout, maps as "k: v; k2: v2",
 * and the typed JSON of --json.  Values arrive in their stored form.
 */
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "cli.h"
#include "show.h"
#include "sif/sexpr.h"

char *show_value(const struct sif_field *f, const char *v)
{
	struct sif_strlist l;
	size_t i, len = 1;
	char *out, *p;

	if (f->type != SIF_FT_MAP && f->type != SIF_FT_SET)
		return strdup(v);
	if ((f->type == SIF_FT_MAP ? sif_sexpr_parse_map(v, &l, NULL)
				   : sif_sexpr_parse_set(v, &l, NULL)) < 0)
		return strdup(v);       /* shown as stored rather than hidden */
	for (i = 0; i < l.n; i++)
		len += strlen(l.keys[i]) + (l.vals ? strlen(l.vals[i]) + 2 : 0) + 2;
	out = malloc(len);
	if (out) {
		p = out;
		*p = '\0';
		for (i = 0; i < l.n; i++)
			p += sprintf(p, "%s%s%s%s", i ? "; " : "", l.keys[i],
				     l.vals ? ": " : "", l.vals ? l.vals[i] : "");
	}
	sif_strlist_free(&l);
	return out;
}

const char *show_access(const struct sif_field *f)
{
	int rw = (f->flags & SIF_FIELD_ADMIN_SETTABLE) != 0;

	if (f->type == SIF_FT_MAP)
		return rw ? "MRW" : "MRO";
	if (f->type == SIF_FT_SET)
		return rw ? "SRW" : "SRO";
	return rw ? " RW" : " RO";
}

void show_record(FILE *to, const struct sif_field *const *fields, size_t n,
		 const char *const *values)
{
	char names[n ? n : 1][128];
	int width = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int w;

		sif_field_cli_name(fields[i]->name, names[i], sizeof(names[i]));
		w = (int)strlen(names[i]);
		if (w > width)
			width = w;
	}
	for (i = 0; i < n; i++) {
		char *v = show_value(fields[i], values[i]);

		/* xe: the first name flush left, the others flush right */
		fprintf(to, i ? "%*s (%s): %s\n" : "%-*s (%s): %s\n", width, names[i],
			show_access(fields[i]), v ? v : values[i]);
		free(v);
	}
	fputc('\n', to);
}

struct json_object *show_json_value(const struct sif_field *f, const char *v)
{
	struct sif_strlist l;
	struct json_object *o;
	size_t i;

	switch (f->type) {
	case SIF_FT_INT:
		return json_object_new_int64(strtoll(v, NULL, 10));
	case SIF_FT_BOOL:
		return json_object_new_boolean(!strcmp(v, "true"));
	case SIF_FT_MAP:
		if (sif_sexpr_parse_map(v, &l, NULL) < 0)
			break;
		o = json_object_new_object();
		for (i = 0; o && i < l.n; i++)
			json_object_object_add(o, l.keys[i], json_object_new_string(l.vals[i]));
		sif_strlist_free(&l);
		return o;
	case SIF_FT_SET:
		if (sif_sexpr_parse_set(v, &l, NULL) < 0)
			break;
		o = json_object_new_array();
		for (i = 0; o && i < l.n; i++)
			json_object_array_add(o, json_object_new_string(l.keys[i]));
		sif_strlist_free(&l);
		return o;
	default:
		break;
	}
	return json_object_new_string(v);
}

struct json_object *show_json_record(const struct sif_field *const *fields, size_t n,
				     const char *const *values)
{
	struct json_object *o = json_object_new_object();
	char name[128];

	for (size_t i = 0; o && i < n; i++) {
		sif_field_cli_name(fields[i]->name, name, sizeof(name));
		json_object_object_add(o, name, show_json_value(fields[i], values[i]));
	}
	return o;
}

int show_json_print(struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return -1;
	puts(s);
	return 0;
}
