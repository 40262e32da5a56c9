/*
 * vdi-list, vm-list, host-list: xe's <class>-list for any class of the
 * registry.  params=a,b|all picks fields (default: uuid and name-label,
 * plus the class's own key fields), FIELD=VALUE filters on the stored value,
 * --minimal prints uuids comma-separated, --json typed records.
 */
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"

struct list_state {
	const struct sif_field **fields;
	size_t nfields;
	long uuid_idx;
	int json, minimal, count;
	struct json_object *arr;
};

static int on_row(void *arg, const char *ref, const char *const *values,
		  struct sif_err *err)
{
	struct list_state *ls = arg;

	(void)ref;
	(void)err;
	if (ls->minimal)
		printf("%s%s", ls->count ? "," : "", values[ls->uuid_idx]);
	else if (ls->json)
		json_object_array_add(ls->arr, show_json_record(ls->fields, ls->nfields, values));
	else
		show_record(stdout, ls->fields, ls->nfields, values);
	ls->count++;
	return 0;
}

static const char *const default_params[] = {
	"uuid", "name__label", "name__description", "power_state", "type",
	"virtual_size", "SR", "suspend_image_format", NULL,
};

/* Fields present in this DB among those asked for (or the defaults / all). */
static int pick_fields(struct cli *cli, struct sif_db *db, const char *cls,
		       const char *params, struct list_state *ls)
{
	struct sif_ctx *ctx = cli->ctx;
	size_t nf = sif_ctx_nfields(ctx, cls), i;
	bool present;

	ls->fields = calloc(nf + 1, sizeof(*ls->fields));
	if (!ls->fields)
		return cli_fail(cli, "out of memory");
	if (params && strcmp(params, "all")) {
		char *copy = strdup(params), *tok, *save = NULL;

		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct sif_field *f = sif_ctx_field_cli(ctx, cls, tok);

			if (!f) {
				int rc = cli_usage_error(cli, NULL,
							 "%s has no field '%s' (see sif datamodel %s)",
							 cls, tok, cls);

				free(copy);
				return rc;
			}
			if (ls->nfields < nf)
				ls->fields[ls->nfields++] = f;
		}
		free(copy);
		return EXIT_OK;
	}
	for (i = 0; i < nf; i++) {
		const struct sif_field *f = sif_ctx_field_at(ctx, cls, i);
		int want = params != NULL;

		for (const char *const *d = default_params; !want && *d; d++)
			want = !strcmp(*d, f->name);
		if (!want)
			continue;
		if (sif_obj_field_present(db, f, &present, &cli->err) < 0)
			return cli_fail_err(cli);
		if (present)
			ls->fields[ls->nfields++] = f;
	}
	return EXIT_OK;
}

static int obj_list(struct cli *cli, struct cli_args *a, const char *cls)
{
	struct list_state ls = { .uuid_idx = -1 };
	struct sif_filter *filters = NULL;
	size_t nfilters = 0, i;
	struct sif_db *db;
	int rc;

	if (!(db = cli_db(cli, CLI_DB_READ)))
		return cli_fail_err(cli);
	rc = pick_fields(cli, db, cls, cli_kv(a, "params"), &ls);
	if (rc != EXIT_OK)
		goto out;
	filters = calloc((size_t)a->nkv + 1, sizeof(*filters));
	if (!filters) {
		rc = cli_fail(cli, "out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)a->nkv; i++) {
		const struct sif_field *f;

		if (!strcmp(a->keys[i], "params"))
			continue;
		if (!(f = sif_ctx_field_cli(cli->ctx, cls, a->keys[i]))) {
			rc = cli_usage_error(cli, a->cmd, "%s has no field '%s'", cls, a->keys[i]);
			goto out;
		}
		filters[nfilters].field = f;
		filters[nfilters++].value = a->vals[i];
	}
	ls.minimal = cli_flag(a, "minimal");
	ls.json = cli_flag(a, "json");
	if (ls.minimal) {
		/* --minimal lists uuids whatever params says */
		ls.fields[0] = sif_ctx_field(cli->ctx, cls, "uuid");
		ls.nfields = 1;
		ls.uuid_idx = 0;
	}
	if (ls.json)
		ls.arr = json_object_new_array();
	if (sif_obj_list(db, cls, filters, nfilters, ls.fields, ls.nfields, on_row, &ls,
			 &cli->err) < 0) {
		rc = cli_fail_err(cli);
		goto out;
	}
	if (ls.minimal)
		putchar('\n');
	if (ls.json && show_json_print(ls.arr) < 0) {
		rc = cli_fail(cli, "cannot format JSON");
		goto out;
	}
	rc = EXIT_OK;
out:
	json_object_put(ls.arr);
	free(ls.fields);
	free(filters);
	return rc;
}

const struct cli_opt obj_list_opts[] = {
	{ "json", false, "typed JSON records" },
	{ "minimal", false, "uuids only, comma-separated" },
	{ NULL, false, NULL },
};

int cmd_vdi_list(struct cli *cli, struct cli_args *a)
{
	return obj_list(cli, a, "VDI");
}

int cmd_vm_list(struct cli *cli, struct cli_args *a)
{
	return obj_list(cli, a, "VM");
}

int cmd_host_list(struct cli *cli, struct cli_args *a)
{
	return obj_list(cli, a, "host");
}
