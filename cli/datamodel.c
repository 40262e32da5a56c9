/*
 * datamodel [CLASS]: every class and field the registry knows (core and
 * plugins), with type, default, access, the migration that introduced it
 * and its documentation.
 */
#include <string.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/ctx.h"

static void type_text(const struct sif_field *f, char *buf, size_t size)
{
	size_t used;

	if (f->type == SIF_FT_REF) {
		snprintf(buf, size, "ref %s", f->ref_class ? f->ref_class : "");
		return;
	}
	if (f->type != SIF_FT_ENUM) {
		snprintf(buf, size, "%s", sif_ftype_name(f->type));
		return;
	}
	used = (size_t)snprintf(buf, size, "enum");
	for (const char *const *v = f->enum_values; v && *v && used < size; v++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 v == f->enum_values ? " " : " | ", *v);
}

int cmd_datamodel(struct cli *cli, struct cli_args *a)
{
	struct sif_ctx *ctx = cli_ctx(cli);
	struct json_object *arr = NULL;
	const char *only = a->npos ? a->pos[0] : NULL;
	size_t c, i;

	if (!ctx)
		return cli_fail_err(cli);
	if (only && !sif_ctx_class(ctx, only))
		return cli_usage_error(cli, a->cmd, "unknown class '%s'", only);
	if (cli_flag(a, "json"))
		arr = json_object_new_array();
	for (c = 0; c < sif_ctx_nclasses(ctx); c++) {
		const struct sif_class *k = sif_ctx_class_at(ctx, c);

		if (only && k != sif_ctx_class(ctx, only))
			continue;
		if (!arr)
			printf("class %s: %s\n", k->name, k->doc);
		for (i = 0; i < sif_ctx_nfields(ctx, k->name); i++) {
			const struct sif_field *f = sif_ctx_field_at(ctx, k->name, i);
			char type[512], cli_name[128];

			type_text(f, type, sizeof(type));
			sif_field_cli_name(f->name, cli_name, sizeof(cli_name));
			if (arr) {
				struct json_object *o = json_object_new_object();

				json_object_object_add(o, "class", json_object_new_string(k->name));
				json_object_object_add(o, "field", json_object_new_string(f->name));
				json_object_object_add(o, "param", json_object_new_string(cli_name));
				json_object_object_add(o, "type", json_object_new_string(type));
				json_object_object_add(o, "default", f->default_value ?
						       json_object_new_string(f->default_value) : NULL);
				json_object_object_add(o, "admin_settable", json_object_new_boolean(
						       (f->flags & SIF_FIELD_ADMIN_SETTABLE) != 0));
				json_object_object_add(o, "introduced", json_object_new_string(f->introduced));
				json_object_object_add(o, "owner", json_object_new_string(
						       sif_ctx_field_owner(ctx, f)));
				json_object_object_add(o, "doc", json_object_new_string(f->doc ? f->doc : ""));
				json_object_array_add(arr, o);
				continue;
			}
			printf("  %-22s %-3s %s\n", f->name, show_access(f), type);
			printf("  %-22s     param %s; default %s%s%s; since %s (%s)\n", "", cli_name,
			       f->default_value ? "'" : "",
			       f->default_value ? f->default_value : "none (required)",
			       f->default_value ? "'" : "", f->introduced,
			       sif_ctx_field_owner(ctx, f));
			printf("  %-22s     %s\n", "", f->doc ? f->doc : "");
		}
		if (!arr)
			putchar('\n');
	}
	if (arr) {
		show_json_print(arr);
		json_object_put(arr);
	}
	return EXIT_OK;
}
