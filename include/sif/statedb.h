/*
 * xapi's state.db: the pool database as one line of XML.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>\n<database><manifest><pair
 *   key="schema_major_vsn" value="5"/>...</manifest><table name="T"><row
 *   ref="OpaqueRef:..." __ctime="G" __mtime="G" col="v" .../>...</table>...
 *   </database>
 *
 * Three tools over it, all streaming (memory does not grow with the file):
 *  - the reader walks the file row by row (libxml2 SAX), validates the
 *    structure, the manifest, every value's whitespace escaping, the
 *    S-expression of every column the caller says is a set or map, and that
 *    row refs are unique in their table; it reports byte offsets so that a
 *    caller can copy the original bytes through;
 *  - the writer produces xapi's exact bytes (Xmlm's layout and escaping)
 *    from tables and rows;
 *  - the upgrade adds columns with their default to the rows that lack them,
 *    copying every other byte of the file unchanged, and replaces the file
 *    atomically.
 * Values in this interface are as the XML parser gives them (entities
 * resolved) but still whitespace-protected; sif/xapi_value.h converts.
 */
#ifndef SIF_STATEDB_H
#define SIF_STATEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sif/err.h"
#include "sif/xapi_value.h"

/* The only schema_major_vsn sif reads (xapi's since 2008). */
#define SIF_STATEDB_SCHEMA_MAJOR 5

/*
 * An attribute.  In rows, `value` points into the parser's buffer: `len`
 * bytes, not NUL terminated, valid during the callback only; `name` stays
 * valid (and the same pointer for the same name) for the whole read.
 * Manifest pairs are NUL terminated copies.
 */
struct sif_statedb_attr {
	const char *name;
	const char *value;
	size_t len;
};

struct sif_statedb_manifest {
	const struct sif_statedb_attr *pairs;   /* every pair in file order (key, value) */
	size_t npairs;
	long long schema_major, schema_minor, generation;
};

struct sif_statedb_table {
	const char *name;
	uint64_t index;         /* 0-based position among the file's tables */
	uint64_t nrows;         /* rows so far (all of them at table_end) */
	uint64_t tag_end;       /* offset of the '/' or '>' ending its start tag */
};

struct sif_statedb_row {
	const struct sif_statedb_table *table;
	uint64_t index;         /* 0-based position in its table */
	const char *ref;
	const struct sif_statedb_attr *attrs;   /* all, in file order (ref, __ctime, ...) */
	size_t nattrs;
	uint64_t tag_end;       /* offset of the '/' or '>' ending the start tag */
};

/* Which text encoding a column uses, for validation; NULL = all strings. */
typedef enum sif_xapi_kind (*sif_statedb_kind_fn)(void *u, const char *table,
						  const char *column);

/*
 * What a reader's caller does per event.  Every callback may be NULL and
 * returns 0 or -1 with err filled (the reader then stops and adds the file
 * name, offset and row to the message).
 */
struct sif_statedb_visitor {
	/* Each block of the input, in order, before any event inside it. */
	int (*input)(void *u, const char *buf, size_t len, struct sif_err *err);
	/* No later event lies before byte `off`: bytes before it are no longer needed. */
	int (*consumed)(void *u, uint64_t off, struct sif_err *err);
	int (*manifest)(void *u, const struct sif_statedb_manifest *m, struct sif_err *err);
	int (*table_begin)(void *u, const struct sif_statedb_table *t, struct sif_err *err);
	int (*row)(void *u, const struct sif_statedb_row *r, struct sif_err *err);
	int (*table_end)(void *u, const struct sif_statedb_table *t, struct sif_err *err);
	sif_statedb_kind_fn kind;       /* called with kind_u */
	void *kind_u;
};

/* Read a file (or a buffer, named `name` in messages). */
int sif_statedb_read_file(const char *path, const struct sif_statedb_visitor *v,
			  void *u, struct sif_err *err);
/* Read from an open file, from its current offset on; a table found out of
 * order is re-read from the same file (pread), never through its name. */
int sif_statedb_read_fd(int fd, const char *name, const struct sif_statedb_visitor *v,
			void *u, struct sif_err *err);
/* `chunk`: bytes handed to the parser at a time (0: the default, 1 MiB). */
int sif_statedb_read_mem(const char *name, const void *buf, size_t len, size_t chunk,
			 const struct sif_statedb_visitor *v, void *u,
			 struct sif_err *err);

/*
 * The writer: xapi's bytes from tables and rows.  Values are given
 * unprotected (plain strings; sets and maps as their S-expression) and are
 * protected and escaped here.  Output goes to `fd` through sif_write_exact.
 */
struct sif_statedb_writer;

int sif_statedb_writer_new(struct sif_statedb_writer **w, int fd, const char *name,
			   struct sif_err *err);
/* Prolog, <database>, the manifest pairs (given in order). */
int sif_statedb_write_begin(struct sif_statedb_writer *w,
			    const struct sif_statedb_attr *pairs, size_t npairs,
			    struct sif_err *err);
int sif_statedb_write_table_begin(struct sif_statedb_writer *w, const char *name,
				  struct sif_err *err);
/* One row: attributes written in the order given (ref, __ctime, __mtime, columns). */
int sif_statedb_write_row(struct sif_statedb_writer *w,
			  const struct sif_statedb_attr *attrs, size_t n,
			  struct sif_err *err);
int sif_statedb_write_table_end(struct sif_statedb_writer *w, struct sif_err *err);
/* </database> and flush.  The writer stays to be freed. */
int sif_statedb_write_end(struct sif_statedb_writer *w, struct sif_err *err);
uint64_t sif_statedb_writer_bytes(const struct sif_statedb_writer *w);
void sif_statedb_writer_free(struct sif_statedb_writer *w);

/*
 * In-place upgrade.  For each field, every row of `table` without `column`
 * gets column="default", placed where xapi places it (byte order among the
 * row's columns); a row that has it must hold one of `allowed` (else the
 * upgrade fails naming the row).  Nothing else in the file changes.
 */
struct sif_statedb_field {
	const char *table;              /* "VDI" */
	const char *column;             /* "suspend_image_format" */
	const char *default_value;      /* "legacy" */
	const char *const *allowed;     /* NULL terminated; NULL = any value */
	/* Optional further check of a present value (unprotected), e.g. the
	 * registry's type check; fills err and returns -1 to refuse. */
	int (*validate)(const void *u, const char *value, struct sif_err *err);
	const void *validate_u;
};

struct sif_statedb_upgrade_opts {
	const struct sif_statedb_field *fields;
	size_t nfields;
	const char *output;             /* write here instead of in place (NULL: in place) */
	bool dry_run;                   /* validate and count, write nothing */
	bool backup;                    /* in place: keep the original as PATH.bak */
	bool ignore_xapi;               /* in place even while xapi uses the directory */
	sif_statedb_kind_fn kind;       /* column kinds for validation (may be NULL) */
	void *kind_u;
	/* Called now and then with bytes read so far and the file size. */
	void (*progress)(void *u, uint64_t done, uint64_t total);
	void *progress_u;
};

struct sif_statedb_upgrade_stats {
	uint64_t tables, rows;          /* all of the file */
	uint64_t target_rows;           /* rows of the fields' tables */
	uint64_t added;                 /* attributes added */
	uint64_t kept;                  /* attributes already present and valid */
	uint64_t bytes_in, bytes_out;
	bool written;                   /* a file was written (not dry run, not up to date in place) */
	char backup_path[4096];         /* set when a backup was made */
};

/*
 * In place, the file is replaced only if it is still the file that was
 * read: if another program (xapi) replaced or wrote it meanwhile, the
 * upgrade fails with SIF_ECHANGED and leaves the newer file.  It refuses to
 * start (SIF_EREFUSED) while a xapi process uses the file's directory
 * (sif/xapi_proc.h) unless `ignore_xapi`.  Temp, output and backup files
 * are 0600 while written and never more open than the input.
 */
int sif_statedb_upgrade(const char *path, const struct sif_statedb_upgrade_opts *o,
			struct sif_statedb_upgrade_stats *st, struct sif_err *err);

/* The checks upgrade and downgrade make of their field list. */
int sif_statedb_check_fields(const struct sif_statedb_field *fields, size_t nfields,
			     struct sif_err *err);

#endif
