/*
 * A background writer (lib-internal): the caller fills 1 MiB buffers while a
 * thread writes the previous one, so that parsing and the kernel's copying
 * of written pages overlap on two cores.  Writes go through sif_write_exact
 * (so injected failures reach it); the first failure is kept and returned
 * by the next call, and nothing after it is written.
 * Not for small files or when order with other writes matters: one fd,
 * one producer.
 */
#ifndef SIF_BGWRITE_H
#define SIF_BGWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "sif/err.h"

struct bgwrite;

int bgw_start(struct bgwrite **out, int fd, const char *name, struct sif_err *err);
/* First job: copy bytes [0, len) of the open file `fd` (pread: its offset
 * stays) into the output. */
int bgw_copy_prefix(struct bgwrite *w, int fd, const char *name, uint64_t len,
		    struct sif_err *err);
int bgw_put(struct bgwrite *w, const void *p, size_t n, struct sif_err *err);
/* Write what is buffered, wait for the thread, stop it. */
int bgw_finish(struct bgwrite *w, struct sif_err *err);
/* Stop the thread (if running) and free; safe after bgw_finish. */
void bgw_free(struct bgwrite *w);
uint64_t bgw_bytes(const struct bgwrite *w);

#endif
