/*
 * SQL files compiled into libsif (the .sql files of schema/ and migrations/), in
 * name order, terminated by an entry with a NULL path.
 */
#ifndef SIF_EMBEDDED_H
#define SIF_EMBEDDED_H

struct sif_embedded_sql {
	const char *path;   /* as in the source tree, e.g. "migrations/0001_indexes.sql" */
	const char *text;
};

extern const struct sif_embedded_sql sif_embedded_sql[];

#endif
