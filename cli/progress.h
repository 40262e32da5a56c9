/*
 * The one updating progress line of long commands, on stderr and only
 * when stderr is a terminal: items done of total, bytes, rate, ETA.
 */
#ifndef SIF_CLI_PROGRESS_H
#define SIF_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cli_progress {
	bool on;
	const char *what;               /* "VDIs" */
	unsigned total;
	uint64_t total_bytes;
	struct timespec start, last;
	bool drawn;
};

void cli_progress_start(struct cli_progress *p, const char *what, unsigned total,
			uint64_t total_bytes);
/* Redraw (at most ten times a second unless force). */
void cli_progress_update(struct cli_progress *p, unsigned done, uint64_t bytes, bool force);
/* Clear the line, so what follows starts on a clean one. */
void cli_progress_end(struct cli_progress *p);

/* "1.5 GiB" style, into buf. */
const char *cli_bytes(uint64_t n, char buf[32]);

#endif
