/*
 * Between the sif_src core (src.c) and its in-library variants: how a
 * sub-range consumes its parent without a window of its own.  Not public.
 */
#ifndef SIF_SRC_INTERNAL_H
#define SIF_SRC_INTERNAL_H

#include <sys/types.h>

#include "sif/src.h"

/* Consume up to n bytes of s into buf; 0 at its end, -1 with errno. */
ssize_t sif_src__take(struct sif_src *s, void *buf, size_t n);
/* Move up to n bytes of s to out_fd; -1 with errno (EINVAL: no kernel copy). */
ssize_t sif_src__give(struct sif_src *s, int out_fd, size_t n);
/* Set a shared fd's offset to the consumed position. */
void sif_src__sync(struct sif_src *s);

#endif
