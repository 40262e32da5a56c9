/* Assertions on a command's result (testutil.h's struct run_result). */
#ifndef SIF_TEST_EXPECT_H
#define SIF_TEST_EXPECT_H

#include "testutil.h"

/*
 * Fail the test unless the run exited with `status` and its stdout holds
 * `out` and its stderr `err` (either may be NULL); then free the result.
 */
void tu_expect(struct run_result *r, int status, const char *out, const char *err);

#endif
