/*
 * Which xapi will read a state.db: its schema (built in, by version, or an
 * admin's file) with, on request, the fields that loaded plugins add.
 * Shared by `db check` and `db upgrade`.
 */
#ifndef SIF_CLI_XAPI_TARGET_H
#define SIF_CLI_XAPI_TARGET_H

#include <stddef.h>

#include "cli.h"
#include "sif/statedb.h"
#include "sif/xapi_schema.h"

/* Every field a plugin registered: what a state.db written without it lacks. */
size_t cli_plugin_fields(struct sif_ctx *ctx, struct sif_statedb_field *out, size_t max);

/*
 * The schema named by `arg` (a version such as 5.909, or a schema file), or
 * when arg is NULL the built-in one of major.minor.  NULL with cli->err set.
 */
struct sif_xapi_schema *cli_xapi_schema(struct cli *cli, const char *arg, long major,
					long minor);

/* Add the loaded plugins' fields to a schema (a xapi that has them). */
int cli_xapi_add_plugin_fields(struct cli *cli, struct sif_xapi_schema *s);

/*
 * xapi refuses a state.db with a column its datamodel lacks: does the xapi
 * that will read `path` (schema `arg`, else the file's own version, built
 * in) have the fields f[0..n)?  0 if so (or if the manifest cannot be read:
 * the caller's own read reports that), else the exit code, the refusal
 * printed naming the column and the schema version.
 */
int cli_xapi_target_has_fields(struct cli *cli, const char *path, const char *arg,
			       const struct sif_statedb_field *f, size_t n);

#endif
