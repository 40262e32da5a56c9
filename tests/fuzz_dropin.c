/*
 * libFuzzer target for the drop-in's entry point, sif_convert_fd(), on an
 * fd it shares: a pipe fed by a thread in chunks of varying sizes (so the
 * converter sees partial reads), or a regular file (memfd).
 *
 *   byte 0: bit 0 width 64 (else 32), bit 1 HVM (else PV), bit 2 skip-qemu,
 *           bit 3 libxl format, bit 4 xl header, bit 5 a file (else a pipe)
 *   byte 1: the writer's chunk sizes
 *   rest:   what the fd carries (a bare v1 stream, then anything)
 *
 * Checks the contract, not only the absence of crashes: a failure carries
 * a message; after a success exactly the bytes not consumed are left on
 * the pipe (read back and compared), and a file's offset is where the
 * consumed bytes end (also after a failure); after a failure, a pipe was
 * read further than consumed only to its end or by the 16-byte detection
 * peek.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sif/convert.h"

struct feeder {
	int fd;
	const uint8_t *data;
	size_t len;
	unsigned seed;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0;

	for (unsigned i = 0; off < f->len; i++) {
		size_t n = 1 + (f->seed * 131u + i * 17u) % 200u;
		ssize_t w;

		if (n > f->len - off)
			n = f->len - off;
		w = write(f->fd, f->data + off, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

/* Read the pipe to its end: the bytes left must be the input's last ones. */
static size_t left_on_pipe(int fd, const uint8_t *data, size_t len)
{
	uint8_t *rest = malloc(len + 1), buf[4096];
	size_t got = 0;
	ssize_t r;

	if (!rest)
		abort();
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (got + (size_t)r > len)
			abort();
		memcpy(rest + got, buf, (size_t)r);
		got += (size_t)r;
	}
	if (memcmp(rest, data + len - got, got))
		abort();
	free(rest);
	return got;
}

static void on_pipe(const struct sif_convert_opts *o, int out, const uint8_t *data,
		    size_t len, unsigned seed)
{
	struct sif_convert_result res = { 0 };
	struct sif_err err = { 0 };
	struct feeder f = { .data = data, .len = len, .seed = seed };
	pthread_t th;
	size_t taken;
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	f.fd = p[1];
	if (pthread_create(&th, NULL, feed, &f)) {
		close(p[0]);
		close(p[1]);
		return;
	}
	rc = sif_convert_fd(p[0], "fuzz pipe", out, "null", o, &res, &err);
	if (rc < 0 && !err.msg[0])
		abort();
	taken = len - left_on_pipe(p[0], data, len);
	if (rc == 0 && taken != res.in_bytes)
		abort();        /* read ahead of what it consumed */
	if (rc < 0 && taken != len && taken > res.in_bytes + 16)
		abort();
	close(p[0]);
	pthread_join(th, NULL);
}

static void on_file(const struct sif_convert_opts *o, int out, const uint8_t *data,
		    size_t len)
{
	struct sif_convert_result res = { 0 };
	struct sif_err err = { 0 };
	int fd = memfd_create("fuzz", MFD_CLOEXEC), rc;

	if (fd < 0)
		return;
	if (write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return;
	}
	rc = sif_convert_fd(fd, "fuzz file", out, "null", o, &res, &err);
	if (rc < 0 && !err.msg[0])
		abort();
	if (lseek(fd, 0, SEEK_CUR) != (off_t)res.in_bytes || res.in_bytes > len)
		abort();        /* the shared offset is where consumption ended */
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct sif_convert_opts o = { 0 };

	if (size < 2)
		return 0;
	if (null_fd < 0 && (null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		abort();
	o.width = data[0] & 1 ? 64 : 32;
	o.guest = data[0] & 2 ? SIF_V1_HVM : SIF_V1_PV;
	o.skip_qemu = data[0] & 4;
	o.format = data[0] & 8 ? SIF_CONVERT_LIBXL : SIF_CONVERT_LIBXC;
	o.input = data[0] & 16 ? SIF_CONVERT_IN_XL : SIF_CONVERT_IN_V1;
	if (data[0] & 32)
		on_file(&o, null_fd, data + 2, size - 2);
	else
		on_pipe(&o, null_fd, data + 2, size - 2, data[1]);
	return 0;
}
