/*
 * gen_v1: write a deterministic libxc v1 stream (or a legacy image or
 * xl-wrapped stream around one) to a file or stdout, for tests, fuzz
 * seeds and benchmarks.
 *
 *   gen_v1 OUT|- [key=value ...]     keys: see tests/support/v1gen.h
 *   e.g. gen_v1 pv64.v1 guest=pv width=32 guest_width=64 pages=1000 vcpus=4
 *
 * Prints "v1_start v1_end total" on stderr with -v.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "v1gen.h"

int main(int argc, char **argv)
{
	struct v1gen_opts o = { 0 };
	struct v1gen_result r;
	int fd, verbose = 0, first = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_v1 OUT|- [-v] [key=value ...]\n");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "-v")) {
		verbose = 1;
		first = 3;
	}
	for (int i = first; i < argc; i++)
		if (v1gen_set(&o, argv[i]) < 0) {
			fprintf(stderr, "gen_v1: bad option %s\n", argv[i]);
			return 2;
		}
	fd = strcmp(argv[1], "-") ? open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (v1gen_write(fd, &o, &r) < 0) {
		perror("gen_v1: write");
		return 1;
	}
	if (fd != 1 && close(fd) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "%llu %llu %llu\n", (unsigned long long)r.v1_start,
			(unsigned long long)r.v1_end, (unsigned long long)r.total);
	return 0;
}
