/*
 * xapi's text encoding of sets and maps (ocaml/libs/sexpr): a set is
 * ('a' 'b'), a map (('k' 'v') ('k2' 'v2')), both () when empty.  Inside a
 * quoted atom a backslash escapes the next character; the writer escapes
 * \ ' and ".  The reader also takes "..." atoms, bare symbols, whitespace
 * and ; comments, as xapi's lexer does.
 *
 * This is the value encoding only; XML attribute escaping and xapi's
 * whitespace protection (%. %n ...) are the state.db codec's business.
 */
#ifndef SIF_SEXPR_H
#define SIF_SEXPR_H

#include <stddef.h>

#include "sif/err.h"

/* A decoded set (keys only) or map (keys and values), in stored order. */
struct sif_strlist {
	size_t n;
	char **keys;
	char **vals;    /* NULL for a set */
};

/* Decode a set ('a' 'b') / map (('k' 'v')); errors name the byte offset. */
int sif_sexpr_parse_set(const char *text, struct sif_strlist *out, struct sif_err *err);
int sif_sexpr_parse_map(const char *text, struct sif_strlist *out, struct sif_err *err);

/* Encode as xapi writes; returns a malloc'd string or NULL (out of memory). */
char *sif_sexpr_format_set(const struct sif_strlist *l);
char *sif_sexpr_format_map(const struct sif_strlist *l);

void sif_strlist_free(struct sif_strlist *l);
/* Append (copies); val must be NULL for sets.  Returns -1 on ENOMEM. */
int sif_strlist_add(struct sif_strlist *l, const char *key, const char *val);
/* Index of key, or -1. */
long sif_strlist_find(const struct sif_strlist *l, const char *key);

#endif
