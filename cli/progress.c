/*
 * The progress line (cli/progress.h).  Rate and ETA are over the whole run
 * so far: conversions start and end at different moments and a windowed
 * rate would jump with each.
 */
#include <stdio.h>

#include "cli.h"
#include "progress.h"

const char *cli_bytes(uint64_t n, char buf[32])
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void cli_progress_start(struct cli_progress *p, const char *what, unsigned total,
			uint64_t total_bytes)
{
	p->on = cli_progress_enabled();
	p->what = what;
	p->total = total;
	p->total_bytes = total_bytes;
	p->drawn = false;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void cli_progress_update(struct cli_progress *p, unsigned done, uint64_t bytes, bool force)
{
	struct timespec now;
	char b1[32], b2[32], b3[32], eta[32] = "--:--";
	double t, rate;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && p->drawn && since(&p->last, &now) < 0.1)
		return;
	p->last = now;
	t = since(&p->start, &now);
	rate = t > 0 ? (double)bytes / t : 0;
	if (rate > 0 && p->total_bytes >= bytes) {
		unsigned long s = (unsigned long)((double)(p->total_bytes - bytes) / rate + 0.5);

		snprintf(eta, sizeof(eta), "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	}
	fprintf(stderr, "\r\033[K%u/%u %s, %s of %s, %s/s, ETA %s", done, p->total, p->what,
		cli_bytes(bytes, b1), cli_bytes(p->total_bytes, b2), cli_bytes((uint64_t)rate, b3),
		eta);
	fflush(stderr);
	p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = false;
}
