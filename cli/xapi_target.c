/*
 * The xapi that will read a state.db (cli/xapi_target.h).
 */
#include <stdlib.h>
#include <string.h>

#include "sif/ctx.h"
#include "sif/statedb_check.h"
#include "xapi_target.h"

static int registry_validate(const void *u, const char *value, struct sif_err *err)
{
	return sif_field_validate(u, value, err);
}

size_t cli_plugin_fields(struct sif_ctx *ctx, struct sif_statedb_field *out, size_t max)
{
	size_t c, i, n = 0;

	for (c = 0; c < sif_ctx_nclasses(ctx); c++) {
		const char *cls = sif_ctx_class_at(ctx, c)->name;

		for (i = 0; i < sif_ctx_nfields(ctx, cls); i++) {
			const struct sif_field *f = sif_ctx_field_at(ctx, cls, i);

			if (!strcmp(sif_ctx_field_owner(ctx, f), "core") || n == max)
				continue;
			out[n++] = (struct sif_statedb_field){
				.table = f->cls, .column = f->name,
				.default_value = f->default_value,
				.allowed = f->type == SIF_FT_ENUM ? f->enum_values : NULL,
				.validate = registry_validate, .validate_u = f,
			};
		}
	}
	return n;
}

/* "5.909" */
static bool is_version(const char *s, long *major, long *minor)
{
	long a, b;
	char *e;

	a = strtol(s, &e, 10);
	if (e == s || *e != '.' || a < 0)
		return false;
	s = e + 1;
	b = strtol(s, &e, 10);
	if (e == s || *e || b < 0)
		return false;
	*major = a;
	*minor = b;
	return true;
}

struct sif_xapi_schema *cli_xapi_schema(struct cli *cli, const char *arg, long major,
					long minor)
{
	struct sif_xapi_schema *s = NULL;

	if (!arg || is_version(arg, &major, &minor)) {
		if (sif_xapi_schema_builtin(&s, major, minor, &cli->err) < 0)
			return NULL;
	} else if (sif_xapi_schema_file(&s, arg, major, minor, &cli->err) < 0) {
		return NULL;
	}
	return s;
}

int cli_xapi_add_plugin_fields(struct cli *cli, struct sif_xapi_schema *s)
{
	struct sif_statedb_field fields[16];
	struct sif_ctx *ctx = cli_ctx(cli);
	size_t i, n;

	if (!ctx)
		return -1;
	n = cli_plugin_fields(ctx, fields, sizeof(fields) / sizeof(fields[0]));
	for (i = 0; i < n; i++) {
		const struct sif_xs_table *t = sif_xapi_schema_table(s, fields[i].table);

		if (t && sif_xapi_schema_column(t, fields[i].column))
			continue;       /* this xapi already has it */
		if (sif_xapi_schema_add_column(s, fields[i].table, fields[i].column,
					       fields[i].allowed, fields[i].default_value,
					       &cli->err) < 0)
			return -1;
	}
	return 0;
}

/*
 * xapi refuses a state.db with a column its datamodel lacks: unless the
 * admin says the xapi that will read the file has the fields, check that
 * its schema (the file's own version, built in, or --xapi-schema) has them.
 */
int cli_xapi_target_has_fields(struct cli *cli, const char *path, const char *arg,
			       const struct sif_statedb_field *f, size_t n)
{
	struct sif_xapi_schema *s;
	long major = -1, minor = -1;
	const char *how = arg ? "given by --xapi-schema" : "the file's own, built in";
	size_t i;

	if (sif_statedb_schema_version(path, &major, &minor, &cli->err) < 0) {
		if (cli->err.code == SIF_EFORMAT)
			return 0;       /* the upgrade itself says what is wrong with the file */
		return cli_fail_err(cli);
	}
	if (!(s = cli_xapi_schema(cli, arg, major, minor))) {
		if (cli->err.code != SIF_ENOTFOUND)
			return cli_fail_err(cli);
		return cli_fail(cli, "db upgrade: %s: nothing says that the xapi that will read "
				"it has %s.%s: %s. Nothing was written. If that xapi has the field, "
				"say so with --target-has-field, or give its schema with "
				"--xapi-schema FILE", path, f[0].table, f[0].column, cli->err.msg);
	}
	sif_xapi_schema_version(s, &major, &minor);
	for (i = 0; i < n; i++) {
		const struct sif_xs_table *t = sif_xapi_schema_table(s, f[i].table);

		if (t && sif_xapi_schema_column(t, f[i].column))
			continue;
		cli_fail(cli, "db upgrade: %s: xapi schema %ld.%ld (%s: %s) has no column %s.%s: "
			 "a xapi of that schema refuses to load the upgraded file "
			 "(DBCache_NotFound \"missing column\"). Nothing was written. If the xapi "
			 "that will read it has the field, say so with --target-has-field, or "
			 "give its schema with --xapi-schema FILE", path, major, minor, how,
			 sif_xapi_schema_source(s), f[i].table, f[i].column);
		sif_xapi_schema_free(s);
		return EXIT_FAIL;
	}
	sif_xapi_schema_free(s);
	return 0;
}
