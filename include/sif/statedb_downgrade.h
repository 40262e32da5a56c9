/*
 * The inverse of sif_statedb_upgrade (sif/statedb.h): remove the plugins'
 * columns from every row of a xapi state.db, changing no other byte, so
 * that a xapi without those fields loads the file again.  Each attribute
 * goes with the whitespace before it, which is exactly what the upgrade
 * inserted: a file upgraded and then downgraded is the original, byte for
 * byte, as long as every removed value is the default.  A value other than
 * the default (a VDI marked raw or structured) is information the file
 * would lose: the downgrade lists each one and refuses, unless `force`.
 * Reading, atomic replacement of only the file read, and the refusal to
 * start while xapi uses the directory are as for the upgrade.
 */
#ifndef SIF_STATEDB_DOWNGRADE_H
#define SIF_STATEDB_DOWNGRADE_H

#include "sif/statedb.h"

/* A value other than its column's default, found in a row. */
struct sif_statedb_loss {
	const char *table;
	uint64_t row;                   /* 0-based in its table */
	const char *ref;
	const char *column;
	const char *value;              /* as in the file, entities resolved: `len` bytes */
	size_t len;
	const char *default_value;
};

struct sif_statedb_downgrade_opts {
	const struct sif_statedb_field *fields; /* table, column, default_value are used */
	size_t nfields;
	const char *output;             /* write here instead of in place (NULL: in place) */
	bool dry_run;                   /* validate and count, write nothing */
	bool backup;                    /* in place: keep the original as PATH.bak */
	bool force;                     /* remove values other than the default too */
	bool ignore_xapi;               /* in place even while xapi uses the directory */
	sif_statedb_kind_fn kind;       /* column kinds for validation (may be NULL) */
	void *kind_u;
	/* Each value other than the default, in file order (with or without force). */
	void (*on_loss)(void *u, const struct sif_statedb_loss *l);
	void *on_loss_u;
	void (*progress)(void *u, uint64_t done, uint64_t total);
	void *progress_u;
};

struct sif_statedb_downgrade_stats {
	uint64_t tables, rows;          /* all of the file */
	uint64_t target_rows;           /* rows of the fields' tables */
	uint64_t removed;               /* attributes removed (or, refused or dry run, to remove) */
	uint64_t lost;                  /* of those, values other than the default */
	uint64_t bytes_in, bytes_out;
	bool written;
	char backup_path[4096];         /* set when a backup was made */
};

int sif_statedb_downgrade(const char *path, const struct sif_statedb_downgrade_opts *o,
			  struct sif_statedb_downgrade_stats *st, struct sif_err *err);

#endif
