/*
 * db check STATE.DB [--xapi-schema VERSION|FILE] [--with-plugins] [--json]:
 * will this xapi load this file, and is it sound?  Exit 1 when xapi would
 * refuse it or it holds a defect (each named by table, column and first
 * row), 0 when it loads (what xapi would drop or fill in is still listed).
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/statedb_check.h"
#include "xapi_target.h"

static int add_plugins(void *u, struct sif_xapi_schema *s, struct sif_err *err)
{
	struct cli *cli = u;

	if (cli_xapi_add_plugin_fields(cli, s) < 0) {
		*err = cli->err;
		return -1;
	}
	return 0;
}

static void print_text(const char *path, const struct sif_statedb_check *r)
{
	size_t i, notes = r->nfindings - r->errors;

	if (r->major >= 0)
		printf("%s: checked against xapi schema %ld.%ld (%s); the file says %ld.%ld; "
		       "%llu tables, %llu rows\n", path, r->major, r->minor, r->source,
		       r->file_major, r->file_minor, (unsigned long long)r->tables,
		       (unsigned long long)r->rows);
	for (i = 0; i < r->nfindings; i++) {
		const struct sif_check_finding *f = &r->findings[i];

		printf("%s: %s", f->error ? "error" : "note", sif_check_kind_name(f->kind));
		if (f->table)
			printf(": %s%s%s", f->table, f->column ? "." : "", f->column ? f->column : "");
		else if (f->column)
			printf(": %s", f->column);
		if (f->has_row)
			printf(" (row %llu, ref %s%s", (unsigned long long)f->row, f->ref,
			       f->count > 1 ? "" : ")");
		if (f->has_row && f->count > 1)
			printf("; %llu rows)", (unsigned long long)f->count);
		printf(": %s\n", f->detail);
	}
	if (r->errors)
		printf("%s: %zu error%s, %zu note%s: %s\n", path, r->errors,
		       r->errors == 1 ? "" : "s", notes, notes == 1 ? "" : "s",
		       r->major >= 0 ? "xapi would refuse this file or load unsound data" :
		       "not checked against a schema");
	else
		printf("%s: xapi %ld.%ld loads this file (%zu note%s)\n", path, r->major, r->minor,
		       notes, notes == 1 ? "" : "s");
}

static void print_json(const char *path, const struct sif_statedb_check *r)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char vsn[64];
	size_t i;

	json_object_object_add(o, "file", json_object_new_string(path));
	snprintf(vsn, sizeof(vsn), "%ld.%ld", r->major, r->minor);
	json_object_object_add(o, "schema", r->major >= 0 ? json_object_new_string(vsn) : NULL);
	json_object_object_add(o, "schema_source", json_object_new_string(r->source));
	snprintf(vsn, sizeof(vsn), "%ld.%ld", r->file_major, r->file_minor);
	json_object_object_add(o, "file_schema",
			       r->file_major >= 0 ? json_object_new_string(vsn) : NULL);
	json_object_object_add(o, "tables", json_object_new_int64((int64_t)r->tables));
	json_object_object_add(o, "rows", json_object_new_int64((int64_t)r->rows));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)r->errors));
	json_object_object_add(o, "loads", json_object_new_boolean(!r->errors));
	for (i = 0; i < r->nfindings; i++) {
		const struct sif_check_finding *f = &r->findings[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "severity", json_object_new_string(f->error ? "error" :
									     "note"));
		json_object_object_add(j, "kind", json_object_new_string(sif_check_kind_name(f->kind)));
		json_object_object_add(j, "table", f->table ? json_object_new_string(f->table) : NULL);
		json_object_object_add(j, "column", f->column ? json_object_new_string(f->column) :
				       NULL);
		json_object_object_add(j, "row", f->has_row ? json_object_new_int64((int64_t)f->row) :
				       NULL);
		json_object_object_add(j, "ref", f->ref ? json_object_new_string(f->ref) : NULL);
		json_object_object_add(j, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(j, "detail", json_object_new_string(f->detail));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "findings", arr);
	show_json_print(o);
	json_object_put(o);
}

int cmd_db_check(struct cli *cli, struct cli_args *a)
{
	const char *path = a->pos[0], *arg = cli_optval(a, "xapi-schema");
	struct sif_statedb_check_opts o = { 0 };
	struct sif_xapi_schema *s = NULL;
	struct sif_statedb_check *r;
	int rc;

	if (arg && !*arg)
		return cli_usage_error(cli, a->cmd, "--xapi-schema needs a version (5.909) or a file");
	if (arg) {
		long major = -1, minor = -1;

		/* a file describing several versions is read for the file's own one */
		if (sif_statedb_schema_version(path, &major, &minor, &cli->err) < 0 &&
		    cli->err.code != SIF_EFORMAT)
			return cli_fail_err(cli);
		if (!(s = cli_xapi_schema(cli, arg, major, minor)))
			return cli_fail_err(cli);
		if (cli_flag(a, "with-plugins") && cli_xapi_add_plugin_fields(cli, s) < 0) {
			sif_xapi_schema_free(s);
			return cli_fail_err(cli);
		}
		o.schema = s;
	} else if (cli_flag(a, "with-plugins")) {
		o.prepare = add_plugins;
		o.prepare_u = cli;
	}
	rc = sif_statedb_check(path, &o, &r, &cli->err);
	sif_xapi_schema_free(s);
	if (rc < 0)
		return cli_fail_err(cli);
	if (cli_flag(a, "json"))
		print_json(path, r);
	else
		print_text(path, r);
	rc = r->errors ? EXIT_FAIL : EXIT_OK;
	sif_statedb_check_free(r);
	return rc;
}

const struct cli_opt db_check_opts[] = {
	{ "xapi-schema", true, "the xapi that reads the file: a version (5.909) or a schema file "
	  "(default: the file's own version, built in)" },
	{ "with-plugins", false, "that xapi has the fields of the loaded plugins" },
	{ "json", false, "output as JSON" },
	{ NULL, false, NULL },
};
