/*
 * gen_v2: write a deterministic migration v2 stream (libxc, or libxl
 * around libxc) to a file or stdout, for tests, fuzz seeds and benchmarks.
 *
 *   gen_v2 OUT|- [key=value ...]     keys: see tests/support/v2gen.h
 *   e.g. gen_v2 pv.v2 guest=pv64 pages=1000 vcpus=4 page_types=1
 *        gen_v2 - guest=hvm libxl=1 xenstore=1 emu_bytes=4096 | verify-stream-v2 -f libxl
 *        gen_v2 guest.xl guest=hvm xl=1 xen417=1 pages=1000 emu_bytes=65536   (an xl save file)
 *   gen_v2 --size [key=value ...]    prints the stream's length
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "v2gen.h"

int main(int argc, char **argv)
{
	struct v2gen_opts o = { 0 };
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_v2 OUT|-|--size [key=value ...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (v2gen_set(&o, argv[i]) < 0) {
			fprintf(stderr, "gen_v2: bad option %s\n", argv[i]);
			return 2;
		}
	if (!strcmp(argv[1], "--size")) {
		printf("%llu\n", (unsigned long long)v2gen_size(&o));
		return 0;
	}
	fd = strcmp(argv[1], "-") ? open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (v2gen_write(fd, &o) < 0 || (fd != 1 && close(fd) < 0)) {
		perror("gen_v2: write");
		return 1;
	}
	return 0;
}
