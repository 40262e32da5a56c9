/*
 * How xapi writes a value into a state.db attribute, and back.
 *
 * Three layers, applied in this order on write (reversed on read):
 *  1. sets and maps become S-expressions: ('a' 'b') and (('k' 'v') ...),
 *     with `\` and `'` backslash-escaped inside an atom (libs/sexpr);
 *  2. whitespace protection (database/xml_spaces.ml): `%` -> `%%`,
 *     space -> `%.`, TAB -> `%t`, LF -> `%n`, CR -> `%r`; the reader also
 *     takes the pre-2017 `%_`, which stood for two spaces;
 *  3. XML attribute escaping as Xmlm does it: `& < > "` become entities,
 *     `'` stays, other control characters become U+FFFD.
 *
 * These functions are exact about xapi's output and strict about input:
 * where xapi silently keeps a malformed escape (`%x`, a lone `%`) or ignores
 * text after an S-expression, sif reports the offset instead.
 * Not here: reading or writing whole files (sif/statedb.h).
 */
#ifndef SIF_XAPI_VALUE_H
#define SIF_XAPI_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "sif/err.h"
#include "sif/strbuf.h"

/* What a column holds as far as its text encoding goes (Schema.Type). */
enum sif_xapi_kind {
	SIF_XAPI_STRING = 0,    /* any scalar: string, int, bool, enum, ref, ... */
	SIF_XAPI_SET,           /* ('a' 'b') */
	SIF_XAPI_MAP,           /* (('k' 'v') ...) */
};

/*
 * Undo the whitespace protection of `in` (n bytes), appending to `out`.
 * Returns -1 on an invalid escape (a `%` not followed by one of `. t n r % _`)
 * and stores the offset of that `%` in *bad (if not NULL); -2 when out of memory.
 */
int sif_xapi_unprotect(const char *in, size_t n, struct sif_strbuf *out, size_t *bad);
/* Only check: 0 if `in` is validly protected, else -1 with *bad set. */
int sif_xapi_check_protected(const char *in, size_t n, size_t *bad);
/* True if unprotect(in) == the n bytes of `plain` (without allocating). */
bool sif_xapi_protected_equals(const char *in, size_t n, const char *plain, size_t plain_n);

/*
 * Append the attribute text xapi writes for the value `in` (already
 * marshalled: S-expression for sets and maps): whitespace protection, then
 * Xmlm's escaping.  Refuses bytes that are not UTF-8 or not XML characters
 * (xapi would write a file no XML parser reads): -1 with *bad set to their
 * offset; -2 when out of memory.
 */
int sif_xapi_encode_attr(const char *in, size_t n, struct sif_strbuf *out, size_t *bad);

/* Validate UTF-8 and XML 1.0 Char; 0 or -1 with *bad at the first bad byte. */
int sif_xml_check_chars(const char *in, size_t n, size_t *bad);

/*
 * S-expressions.  sif_sexpr_parse reads a marshalled set or map, as xapi's
 * lexer (sExprLexer.mll) does, and calls `elem` once per element with the
 * unescaped text: for a set (key, klen, NULL, 0), for a map (key, value).
 * The strings passed are valid only during the call.  On a syntax error it
 * fills err with the offset and what was expected.
 */
typedef int (*sif_sexpr_elem_fn)(void *u, const char *k, size_t klen,
				 const char *v, size_t vlen);
int sif_sexpr_parse(const char *s, size_t n, enum sif_xapi_kind kind,
		    sif_sexpr_elem_fn elem, void *u, struct sif_err *err);

/* Writers: exactly SExpr.string_of. */
int sif_sexpr_atom(struct sif_strbuf *out, const char *s, size_t n);
int sif_sexpr_set(struct sif_strbuf *out, const char *const *elems, size_t n);
int sif_sexpr_map(struct sif_strbuf *out, const char *const *keys,
		  const char *const *vals, size_t n);

#endif
