/*
 * gen_v1seeds DIR: write starting corpora for the fuzz targets, one
 * subdirectory per target (DIR/fuzz_NAME/), made by the fixture generators
 * so every target starts from valid inputs.  Add a function per target.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "v1gen.h"

static int mkdir_p(const char *d)
{
	return mkdir(d, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* One seed: the option byte(s) then a generated v1 input. */
static int v1_seed(const char *dir, int n, const unsigned char *pre, size_t npre,
		   const struct v1gen_opts *o)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, n);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, pre, npre) != (ssize_t)npre || v1gen_write(fd, o, NULL) < 0) {
		perror(path);
		return -1;
	}
	return close(fd);
}

static const struct v1gen_opts v1_variants[] = {
	{ .guest = SIF_V1_PV, .width = 64, .pages = 3, .vcpus = 2, .tsc = true },
	{ .guest = SIF_V1_PV, .width = 32, .guest_width = 64, .pages = 5, .batch = 2,
	  .vcpus = 3, .offline_every = 2, .unmapped = 2 },
	{ .guest = SIF_V1_PV, .width = 32, .guest_width = 32, .pages = 4, .extv = true,
	  .xsave_size = 64, .pt_types = true, .xtab_every = 2, .verify_mode = true },
	{ .guest = SIF_V1_PV, .width = 64, .guest_width = 32, .pages = 2, .live_rounds = 1,
	  .last_checkpoint = true },
	{ .guest = SIF_V1_HVM, .width = 64, .pages = 3, .hvm_params = true, .tsc = true,
	  .hvm_ctx_len = 64, .qemu = true, .qemu_len = 32 },
	{ .guest = SIF_V1_HVM, .width = 32, .pages = 2, .hvm_ctx_len = 48,
	  .physmap_entries = 2, .qemu = true, .qemu_len = 16 },
	{ .guest = SIF_V1_HVM, .width = 64, .pages = 1, .hvm_ctx_len = 16, .qemu = true,
	  .qemu_len = 8, .wrap = V1GEN_LEGACY_IMAGE },
	{ .guest = SIF_V1_HVM, .width = 32, .pages = 1, .hvm_ctx_len = 16,
	  .physmap_entries = 1, .wrap = V1GEN_XL, .qemu = true, .qemu_len = 8 },
	{ .guest = SIF_V1_PV, .width = 32, .pages = 0, .wrap = V1GEN_LEGACY_IMAGE },
};

static int seeds_v1(const char *top)
{
	char dir[4096];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/fuzz_v1", top);
	if (mkdir_p(dir) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(v1_variants) / sizeof(v1_variants[0]); i++) {
		const struct v1gen_opts *o = &v1_variants[i];
		unsigned char opt;

		if (o->wrap != V1GEN_BARE)
			continue;
		/* detected, and with the options spelled out */
		opt = (unsigned char)(o->qemu ? 0x10 : 0);
		if (v1_seed(dir, n++, &opt, 1, o) < 0)
			return -1;
		opt |= (unsigned char)((o->width == 32 ? 1 : 2) |
				       (o->guest == SIF_V1_PV ? 1 : 2) << 2 | 0x20);
		if (v1_seed(dir, n++, &opt, 1, o) < 0)
			return -1;
	}
	return 0;
}

static int seeds_convert(const char *top)
{
	char dir[4096];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/fuzz_convert", top);
	if (mkdir_p(dir) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(v1_variants) / sizeof(v1_variants[0]); i++) {
		const struct v1gen_opts *o = &v1_variants[i];
		unsigned char pre[2] = { 0, 0 };

		if (v1_seed(dir, n++, pre, 2, o) < 0)
			return -1;
		pre[0] = 0x10; /* libxl */
		if (v1_seed(dir, n++, pre, 2, o) < 0)
			return -1;
		pre[0] = 0x20 | 0x40; /* skip-qemu, shared */
		if (v1_seed(dir, n++, pre, 2, o) < 0)
			return -1;
	}
	return 0;
}

/*
 * fuzz_dropin: what the drop-in's fd carries after xenopsd read the
 * signature (the v1 stream, a legacy image's qemu record, padding), with
 * the option byte matching the stream and both fd kinds.
 */
static int seeds_dropin(const char *top)
{
	char dir[4096], tmp[4200];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/fuzz_dropin", top);
	if (mkdir_p(dir) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(v1_variants) / sizeof(v1_variants[0]); i++) {
		struct v1gen_opts o = v1_variants[i];
		unsigned char pre[2] = { 0, (unsigned char)(i * 29) };
		bool image = o.wrap == V1GEN_LEGACY_IMAGE;
		char path[4300], buf[1 << 16];
		int in, out;
		ssize_t r;

		pre[0] = (unsigned char)((o.width == 64 ? 1 : 0) | (o.guest == SIF_V1_HVM ? 2 : 0) |
					 (image || !o.qemu ? 4 : 0) | (o.wrap == V1GEN_XL ? 16 : 0));
		for (int kind = 0; kind < 2; kind++, pre[0] |= 32) {
			if (!image) {
				if (v1_seed(dir, n++, pre, 2, &o) < 0)
					return -1;
				continue;
			}
			/* a legacy image without its 15-byte signature, and padding */
			if (v1_seed(top, 0, pre, 2, &o) < 0)
				return -1;
			snprintf(path, sizeof(path), "%s/seed-000", top);
			snprintf(tmp, sizeof(tmp), "%s/seed-%03d", dir, n++);
			in = open(path, O_RDONLY);
			out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (in < 0 || out < 0 || write(out, pre, 2) != 2 ||
			    lseek(in, 2 + 15, SEEK_SET) < 0)
				return -1;
			while ((r = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)r) != r)
					return -1;
			memset(buf, 0, 64);
			if (write(out, buf, 64) != 64 || close(out) < 0 || close(in) < 0 ||
			    unlink(path) < 0)
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_v1seeds DIR\n");
		return 2;
	}
	if (mkdir_p(argv[1]) < 0 || seeds_v1(argv[1]) < 0 || seeds_convert(argv[1]) < 0 ||
	    seeds_dropin(argv[1]) < 0)
		return 1;
	return 0;
}
