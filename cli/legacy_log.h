/*
 * Where convert-legacy-stream's messages go, as Xen's script routes them:
 * --verbose summary lines to stdout, or with --syslog to syslog (ident
 * convert-legacy-stream, the pid, LOG_INFO); errors to stderr and, with
 * --syslog, to syslog at LOG_ERR.  And the v1 reader observer that prints
 * the script's --verbose summary lines, word for word.
 */
#ifndef SIF_CLI_LEGACY_LOG_H
#define SIF_CLI_LEGACY_LOG_H

#include <stdbool.h>

#include "sif/v1.h"
#include "syslog_client.h"

#define LEGACY_LOG_IDENT "convert-legacy-stream"

struct legacy_log {
	bool verbose;
	bool to_syslog;
	bool libxl;             /* --format libxl: toolstack data is kept */
	bool xl;                /* --xl: an xl header came first */
	struct cli_syslog sl;
};

void legacy_log_open(struct legacy_log *l, bool to_syslog, bool verbose);
void legacy_log_close(struct legacy_log *l);
/* A --verbose line (dropped without --verbose). */
void legacy_log_info(struct legacy_log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An error: stderr, and syslog at LOG_ERR with --syslog. */
void legacy_log_error(struct legacy_log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The observer for sif_convert_opts.observer (ctx: struct legacy_log). */
extern const struct sif_v1_ops legacy_log_verbose_ops;

#endif
