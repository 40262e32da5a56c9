/*
 * Helpers of the v1 reader and converter tests: generated streams in
 * files with the offsets of their chunks, byte patching, and running
 * Xen's convert-legacy-stream and verify-stream-v2 (the peers).
 */
#ifndef SIF_TESTS_V1TEST_H
#define SIF_TESTS_V1TEST_H

#include <stddef.h>
#include <stdint.h>

#include "v1gen.h"

#define V1T_MAX_MARKS 4096

struct v1t_marks {
	unsigned n;
	uint64_t off[V1T_MAX_MARKS];
	const char *what[V1T_MAX_MARKS];
};

/* Generate into dir/name (malloc'd path returned); marks and res optional. */
char *v1t_gen(const char *dir, const char *name, const struct v1gen_opts *o,
	      struct v1gen_result *res, struct v1t_marks *marks);

/* First mark whose label is `what` (UINT64_MAX if none). */
uint64_t v1t_mark(const struct v1t_marks *m, const char *what);

/* Overwrite len bytes at off of path; truncate path to len. */
void v1t_patch(const char *path, uint64_t off, const void *bytes, size_t len);
void v1t_truncate(const char *path, uint64_t len);

/* Copy of path (malloc'd new path "path.N"). */
char *v1t_copy(const char *path, const char *suffix);

/* 1 if the peers are installed. */
int v1t_have_peer(void);
/* Run convert-legacy-stream with extra args; returns its exit status. */
int v1t_peer_convert(const char *in, const char *out, const char *args);
/* Run verify-stream-v2 (-f fmt); returns its exit status. */
int v1t_peer_verify(const char *in, const char *fmt);

#endif
