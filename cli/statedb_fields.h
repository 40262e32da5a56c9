/*
 * What `db upgrade` and `db downgrade` share: their options, the state.db
 * columns the loaded plugins add (cli_plugin_fields, cli/xapi_target.h),
 * the column kinds xapi's schema gives them, the progress line and the
 * summary's end.
 */
#ifndef SIF_CLI_STATEDB_FIELDS_H
#define SIF_CLI_STATEDB_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "sif/ctx.h"
#include "sif/statedb.h"

#define MAX_PLUGIN_FIELDS 16

/* "VDI.suspend_image_format, ..." */
void plugin_fields_text(const struct sif_statedb_field *f, size_t n, char *out, size_t size);
/* sif_statedb_kind_fn over the registry (u: the ctx). */
enum sif_xapi_kind registry_kind(void *u, const char *table, const char *column);

/* Progress on stderr: u points at an int holding the last percent (-1 first). */
struct edit_progress {
	const char *what;               /* "db upgrade" */
	int last;
};
void edit_progress(void *u, uint64_t done, uint64_t total);
/* End the progress line, if one was started. */
void edit_progress_end(struct edit_progress *p);

double monotonic_seconds(void);

/* What `db upgrade` and `db downgrade` take alike. */
struct edit_cli {
	const char *what;               /* "db upgrade" */
	const char *path, *output;
	bool dry_run, backup, ignore_xapi;
	struct sif_ctx *ctx;
	struct sif_statedb_field fields[MAX_PLUGIN_FIELDS];
	size_t nfields;
	struct edit_progress pr;
	bool show_progress;
	double t0;
};

/* Options, their usage errors, the plugins' fields: 0, or the exit code. */
int edit_cli_begin(struct edit_cli *ec, struct cli *cli, struct cli_args *a, const char *what);
/* The summary line's end: what was written where, then "PATH: <already>"
 * when nothing changed. */
void edit_cli_summary_end(const struct edit_cli *ec, bool changed, const char *backup,
			  const char *already);

#endif
