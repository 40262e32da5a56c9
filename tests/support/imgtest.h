/*
 * Helpers for the image-format tests: where each record of a generated
 * stream starts (the generators' mark callbacks), patching and cutting
 * files, running sif's readers in-process and Xen's verify-stream-v2.
 * Failures of the helpers themselves fail the test.
 */
#ifndef SIF_TESTS_IMGTEST_H
#define SIF_TESTS_IMGTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/image.h"
#include "sif/v2.h"
#include "v2gen.h"

struct it_marks {
	size_t n, cap;
	uint64_t *off;
	char **what;
};

/* The generators' mark callback (ctx: struct it_marks). */
void it_mark(void *ctx, uint64_t off, const char *what);
/* Offset of the nth (0-based) mark named what; fails the test if absent. */
uint64_t it_mark_at(const struct it_marks *m, const char *what, unsigned nth);
void it_marks_free(struct it_marks *m);

/* dir/name with the stream of o (marks collected into m if not NULL). */
char *it_gen_v2(const char *dir, const char *name, const struct v2gen_opts *o,
		struct it_marks *m);

void it_patch(const char *path, uint64_t off, const void *p, size_t n);
void it_patch_le32(const char *path, uint64_t off, uint32_t v);
void it_patch_le64(const char *path, uint64_t off, uint64_t v);
void it_patch_be32(const char *path, uint64_t off, uint32_t v);
uint32_t it_read_le32(const char *path, uint64_t off);
void it_truncate(const char *path, uint64_t len);
void it_copy(const char *from, const char *to);
uint64_t it_size(const char *path);

/* Open and walk a whole image (every byte read): 0 or -1 with err. */
int it_scan(const char *path, struct sif_image_summary *sum, struct sif_err *err);
/* Verify a bare v2 stream file: 0 or -1 with err. */
int it_verify_v2(const char *path, bool libxl, struct sif_err *err);

/* Exit code of verify-stream-v2 on path (-1: the peer is not installed). */
int it_peer_verify(const char *path, bool libxl);

/* Assert rc < 0 and err->msg holds every non-NULL word. */
#define it_expect_fail(rc, err, ...) it_expect_fail_(__FILE__, __LINE__, rc, err, __VA_ARGS__, NULL)
void it_expect_fail_(const char *file, int line, int rc, const struct sif_err *err, ...);

#endif
