/*
 * lib-internal: consuming bytes of a sif_src that carry no structure (page
 * data, device state), either by reading them (verify: every byte must be
 * readable) or by skipping (inspect, where the source may seek).
 */
#ifndef SIF_LIB_CONSUME_INT_H
#define SIF_LIB_CONSUME_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sif/src.h"

/* Consume n bytes of WHAT; read them when read_all, else skip. */
int src_consume(struct sif_src *s, uint64_t n, bool read_all, const char *what,
		struct sif_err *err);

/*
 * Read n bytes (n < 8) of padding after the record at rec_off and check
 * they are zero.
 */
int src_zero_padding(struct sif_src *s, unsigned n, uint64_t rec_off,
		     const char *what, struct sif_err *err);

#endif
