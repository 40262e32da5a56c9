/*
 * plugin-list: the plugins loaded from the plugin directory, with the
 * fields and migrations each adds, and whether `plugin remove` can undo
 * them (every migration has a down step).
 */
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/ctx.h"

/* `sif plugin remove` can undo every migration it has. */
static bool removable(const struct sif_plugin *p)
{
	for (size_t i = 0; i < p->nmigrations; i++)
		if (!p->migrations[i].down)
			return false;
	return true;
}

int cmd_plugin_list(struct cli *cli, struct cli_args *a)
{
	struct sif_ctx *ctx = cli_ctx(cli);
	struct json_object *arr = NULL;
	size_t i, j;

	if (!ctx)
		return cli_fail_err(cli);
	if (cli_flag(a, "json"))
		arr = json_object_new_array();
	else
		printf("plugin directory: %s\n\n", cli->no_plugins ? "(none: --no-plugins)" :
		       cli_plugin_dir(cli));
	for (i = 0; i < sif_ctx_nplugins(ctx); i++) {
		const struct sif_plugin_info *pi = sif_ctx_plugin_at(ctx, i);
		const struct sif_plugin *p = pi->plugin;

		if (arr) {
			struct json_object *o = json_object_new_object();
			struct json_object *fa = json_object_new_array(), *ma = json_object_new_array();

			json_object_object_add(o, "name", json_object_new_string(p->name));
			json_object_object_add(o, "version", json_object_new_string(p->version ? p->version : ""));
			json_object_object_add(o, "path", json_object_new_string(pi->path));
			json_object_object_add(o, "description",
					       json_object_new_string(p->description ? p->description : ""));
			for (j = 0; j < p->nfields; j++) {
				char name[160];

				snprintf(name, sizeof(name), "%s.%s", p->fields[j].cls, p->fields[j].name);
				json_object_array_add(fa, json_object_new_string(name));
			}
			for (j = 0; j < p->nmigrations; j++) {
				char id[160];

				snprintf(id, sizeof(id), "%s/%s", p->name, p->migrations[j].id);
				json_object_array_add(ma, json_object_new_string(id));
			}
			json_object_object_add(o, "removable", json_object_new_boolean(removable(p)));
			json_object_object_add(o, "fields", fa);
			json_object_object_add(o, "migrations", ma);
			json_object_array_add(arr, o);
			continue;
		}
		printf("%s %s\n  file: %s\n  %s\n", p->name, p->version ? p->version : "",
		       pi->path, p->description ? p->description : "");
		for (j = 0; j < p->nfields; j++)
			printf("  field:     %s.%s (%s)\n", p->fields[j].cls, p->fields[j].name,
			       sif_ftype_name(p->fields[j].type));
		for (j = 0; j < p->nmigrations; j++)
			printf("  migration: %s/%s%s\n", p->name, p->migrations[j].id,
			       p->migrations[j].down ? "" : " (no down step: not removable)");
		printf("  hooks:    %s%s%s\n", p->on_suspend ? " suspend" : "",
		       p->on_resume ? " resume" : "", p->on_migrate_receive ? " migrate-receive" : "");
	}
	if (arr) {
		show_json_print(arr);
		json_object_put(arr);
	} else if (!sif_ctx_nplugins(ctx)) {
		printf("no plugins loaded\n");
	}
	return EXIT_OK;
}
