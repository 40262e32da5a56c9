/*
 * The pool database's narrow interface: open, transactions, statements
 * with bound parameters, rows.  Only lib/pooldb/db_sqlite.c calls sqlite3_*;
 * a replicated backend speaking the same SQL (dqlite) fits behind the same
 * ops table, and tests inject I/O failures through it.
 */
#ifndef SIF_DB_H
#define SIF_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/err.h"

struct sif_db;
struct sif_stmt;

enum sif_db_flags {
	SIF_DB_READONLY = 1u << 0,
	SIF_DB_CREATE   = 1u << 1,      /* create the file if missing, mode 0600 */
};

enum { SIF_DONE = 0, SIF_ROW = 1 };

int sif_db_open(const char *path, unsigned flags, struct sif_db **out,
		struct sif_err *err);
void sif_db_close(struct sif_db *db);
const char *sif_db_path(const struct sif_db *db);

/* Run SQL without parameters (several statements allowed). */
int sif_db_exec(struct sif_db *db, const char *sql, struct sif_err *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (rollback never fails the caller). */
int sif_db_begin(struct sif_db *db, struct sif_err *err);
int sif_db_commit(struct sif_db *db, struct sif_err *err);
void sif_db_rollback(struct sif_db *db);

int sif_db_prepare(struct sif_db *db, const char *sql, struct sif_stmt **out,
		   struct sif_err *err);
/* Parameters are 1-based, as in SQL's ?1 ?2. Text is copied. */
int sif_stmt_bind_text(struct sif_stmt *st, int idx, const char *v, struct sif_err *err);
int sif_stmt_bind_int(struct sif_stmt *st, int idx, int64_t v, struct sif_err *err);
int sif_stmt_bind_null(struct sif_stmt *st, int idx, struct sif_err *err);
/* SIF_ROW, SIF_DONE, or -1 with err filled. */
int sif_stmt_step(struct sif_stmt *st, struct sif_err *err);
int sif_stmt_reset(struct sif_stmt *st, struct sif_err *err);
int sif_stmt_ncols(struct sif_stmt *st);
const char *sif_stmt_col_name(struct sif_stmt *st, int i);
/* Column of the current row; NULL for SQL NULL. Valid until the next step. */
const char *sif_stmt_text(struct sif_stmt *st, int i);
int64_t sif_stmt_int(struct sif_stmt *st, int i);
void sif_stmt_finalize(struct sif_stmt *st);

/* Number of rows changed by the last statement. */
int64_t sif_db_changes(struct sif_db *db);

/* Whether a table / a column of a table exists. */
int sif_db_has_table(struct sif_db *db, const char *table, bool *has,
		     struct sif_err *err);
int sif_db_has_column(struct sif_db *db, const char *table, const char *column,
		      bool *has, struct sif_err *err);

/*
 * Take group's and others' permissions off the DB file (and a journal or
 * WAL beside it), e.g. before secrets are written into it.  *was: the DB
 * file's mode before (0 when it was already private).
 */
int sif_db_make_private(struct sif_db *db, unsigned *was, struct sif_err *err);

/* Test seam: make every file write after the next `n` fail (-1: never). */
void sif_db_fail_writes_after(long n);

#endif
