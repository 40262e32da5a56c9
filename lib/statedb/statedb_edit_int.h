/*
 * The byte-copying editor shared by the state.db upgrade and downgrade
 * (lib-internal).  It reads the file once through one open descriptor,
 * copies every byte it is not told to change into a temp file beside the
 * target (lazily: an unchanged file costs a read and no write), and at the
 * end replaces exactly the file it read, or refuses if that file was
 * replaced or written meanwhile.  The upgrade inserts attributes, the
 * downgrade removes them; both see the rows through `row`.
 */
#ifndef SIF_STATEDB_EDIT_INT_H
#define SIF_STATEDB_EDIT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bgwrite.h"
#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/strbuf.h"

#define EDIT_MAX_FIELDS 16
#define EDIT_NAME_CACHE 512

/* What a column name is to the current table's fields, cached by the
 * parser's interned name pointer (strcmp per attribute per row is the
 * edit's largest cost otherwise). */
struct edit_name {
	const char *name;
	bool preamble;
	signed char cmp[EDIT_MAX_FIELDS];       /* sign of strcmp(name, field column) */
};

struct statedb_edit_opts {
	const char *path;
	const char *output;             /* NULL: in place */
	bool dry_run, backup;
	bool ignore_xapi;               /* in place while a xapi process uses the directory */
	const struct sif_statedb_field *fields;
	size_t nfields;
	sif_statedb_kind_fn kind;
	void *kind_u;
	void (*progress)(void *u, uint64_t done, uint64_t total);
	void *progress_u;
	const char *what;               /* "upgrade": prefixes a refused field list */
	const char *verb;               /* "upgraded": "... changed while it was being upgraded" */
	/* The caller's work per row (the fields of its table are in cur[]). */
	int (*row)(void *u, const struct sif_statedb_row *r, struct sif_err *err);
	void *u;
	/* Called after the read, before anything is committed: -1 refuses. */
	int (*before_commit)(void *u, struct sif_err *err);
};

struct statedb_edit {
	const struct statedb_edit_opts *o;
	const char *target;             /* where the result goes (NULL: dry run) */
	char *real;                     /* a symlinked target, resolved */
	bool in_place;
	int fd;                         /* the file read, open for the whole run */
	struct sif_file_id read_id;

	struct sif_atomic_file af;
	bool out_open;
	struct bgwrite *bg;             /* writes af.fd while we parse */

	/* Input bytes [win_off, win_off + win.len) of which those before `done`
	 * are already written (or, before the output exists, skipped). */
	struct sif_strbuf win;
	uint64_t win_off, done;

	const struct sif_statedb_field *cur[EDIT_MAX_FIELDS];   /* fields of this table */
	size_t ncur;
	struct edit_name names[EDIT_NAME_CACHE];
	uint64_t *spans;                /* per attribute: start, end (absolute) */
	size_t spans_cap;

	/* results */
	uint64_t tables, rows, target_rows, bytes_in, bytes_out;
	bool written;
	char backup_path[4096];
};

/* What a run found and did, as the public stats structs hold it. */
struct edit_counts {
	uint64_t *tables, *rows, *target_rows, *bytes_in, *bytes_out;
	bool *written;
	char *backup_path;              /* [4096]; "" when none was kept */
};

/* Check the fields, read, edit, commit, fill `c`, free. */
int edit_run(const struct statedb_edit_opts *o, struct statedb_edit *e,
	     const struct edit_counts *c, struct sif_err *err);

bool edit_is_preamble(const char *name);
const struct edit_name *edit_name(struct statedb_edit *e, const char *name);
/* Where each attribute of the row starts and ends: e->spans[2k], [2k+1]. */
int edit_attr_spans(struct statedb_edit *e, const struct sif_statedb_row *r,
		    struct sif_err *err);
/* Write `text` at input offset `at` (at or after what is written so far). */
int edit_insert(struct statedb_edit *e, uint64_t at, const char *text, size_t n,
		struct sif_err *err);
/* Leave out input bytes [from, to). */
int edit_remove(struct statedb_edit *e, uint64_t from, uint64_t to, struct sif_err *err);

#endif
