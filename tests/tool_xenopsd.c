/*
 * tool_xenopsd: restore a legacy suspend image the way xenopsd does, with
 * any converter, for the drop-in tests and benchmarks.
 *
 *   tool_xenopsd [--fd file|pipe|socket] [--guest pv|hvm] [--out-file F]
 *                [--qemu-file F] [--chunk N] IMAGE -- CONVERTER ARGS...
 *
 * Like xenopsd's restore_common (facts/xenopsd.md §1): the image reaches
 * the converter on one fd (the file itself, or a pipe or a socket fed by
 * another process, as a migration stream is), of which the caller first
 * reads the 15-byte "XenSavedDomain\n"; the converter's output is a pipe
 * drained by a reader thread (emu-manager's place).  IMAGE may be a block
 * device (--fd file opens it as xenopsd opens the VDI).  In ARGS, "{in}" and
 * "{out}" become the decimal fd numbers, as forkexecd puts them in place
 * of xenopsd's uuids.  After the converter exits, an HVM guest's
 * "QemuDeviceModelRecord\n" + big-endian u32 length + data is read from
 * the same fd, with xenopsd's 1 MiB limit.
 *
 * Prints one line:
 *   exit=N out_bytes=M qemu_len=L rest=R in_offset=O qemu=ok|none|fail(REASON)
 * rest: bytes of the input after what was read (the qemu record, else the
 * converter's stop); in_offset: the shared file offset the converter left
 * (-1 for a pipe or socket).
 * Exit 0 when it could play its part, 3 when it could not.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define QEMU_SIG "QemuDeviceModelRecord\n"
#define QEMU_MAX (1u << 20)

static int die(const char *what)
{
	fprintf(stderr, "tool_xenopsd: %s: %s\n", what, strerror(errno));
	exit(3);
}

/* Read exactly n bytes (fewer only at the end); -1 on error. */
static ssize_t read_exact(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* The feeder: another process writing the image into a pipe or socket. */
static pid_t feed(const char *image, int wfd, size_t chunk)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		static char buf[1 << 20];
		int in = open(image, O_RDONLY);
		ssize_t r;

		signal(SIGPIPE, SIG_IGN);
		if (in < 0)
			_exit(3);
		if (chunk > sizeof(buf))
			chunk = sizeof(buf);
		while ((r = read(in, buf, chunk)) > 0)
			for (ssize_t off = 0; off < r;) {
				ssize_t w = write(wfd, buf + off, (size_t)(r - off));

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					_exit(0);       /* the reader went away: fine */
				off += w;
			}
		shutdown(wfd, SHUT_WR);         /* a socket's reader sees the end */
		_exit(0);
	}
	return pid;
}

struct drain {
	int fd;
	int keep;               /* -1: discard */
	unsigned long long bytes;
};

/* emu-manager's place: read the converted stream to its end. */
static void *drain(void *arg)
{
	static char buf[1 << 17];
	struct drain *d = arg;
	ssize_t r;

	while ((r = read(d->fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		d->bytes += (unsigned long long)r;
		if (d->keep >= 0 && write(d->keep, buf, (size_t)r) != r)
			die("writing --out-file");
	}
	return NULL;
}

static int run_converter(char **argv, int in, int out)
{
	char in_s[16], out_s[16];
	pid_t pid;
	int st;

	snprintf(in_s, sizeof(in_s), "%d", in);
	snprintf(out_s, sizeof(out_s), "%d", out);
	for (int i = 0; argv[i]; i++) {
		if (!strcmp(argv[i], "{in}"))
			argv[i] = in_s;
		else if (!strcmp(argv[i], "{out}"))
			argv[i] = out_s;
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/* only these two are passed on, as forkexecd passes only mapped fds */
		fcntl(in, F_SETFD, 0);
		fcntl(out, F_SETFD, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* After the converter: the legacy qemu record, as xenopsd reads it. */
static void read_qemu(int fd, const char *keep, char *verdict, size_t vn, unsigned *len)
{
	unsigned char h[26];
	unsigned char *data;
	ssize_t r = read_exact(fd, h, sizeof(h));

	*len = 0;
	if (r != (ssize_t)sizeof(h)) {
		snprintf(verdict, vn, "fail(header: %zd of 26 bytes)", r);
		return;
	}
	if (memcmp(h, QEMU_SIG, 22)) {
		snprintf(verdict, vn, "fail(signature: \"%.22s\")", (const char *)h);
		for (char *p = verdict; *p; p++)
			if (*p == '\n' || (unsigned char)*p < 32 || (unsigned char)*p > 126)
				*p = '?';
		return;
	}
	*len = (unsigned)h[22] << 24 | (unsigned)h[23] << 16 | (unsigned)h[24] << 8 | h[25];
	if (*len > QEMU_MAX) {
		snprintf(verdict, vn, "fail(length %u above 1 MiB)", *len);
		return;
	}
	data = malloc(*len ? *len : 1);
	if (!data)
		die("malloc");
	r = read_exact(fd, data, *len);
	if (r != (ssize_t)*len) {
		snprintf(verdict, vn, "fail(data: %zd of %u bytes)", r, *len);
	} else {
		snprintf(verdict, vn, "ok");
		if (keep) {
			int k = open(keep, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (k < 0 || write(k, data, *len) != (ssize_t)*len || close(k) < 0)
				die(keep);
		}
	}
	free(data);
}

/* Bytes left on the input after what was read. */
static unsigned long long rest_of(int fd, const char *kind)
{
	static char buf[1 << 16];
	unsigned long long n = 0;
	struct stat st;
	ssize_t r;

	if (!strcmp(kind, "file")) {
		off_t at = lseek(fd, 0, SEEK_CUR);
		uint64_t size;

		if (fstat(fd, &st) < 0 || at < 0)
			die("fstat");
		size = (uint64_t)st.st_size;
		if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) < 0)
			die("BLKGETSIZE64");
		return (unsigned long long)(size - (uint64_t)at);
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		n += (unsigned long long)r;
	return n;
}

int main(int argc, char **argv)
{
	const char *kind = "file", *guest = "pv", *out_file = NULL, *qemu_file = NULL, *image;
	size_t chunk = 65536;
	int i = 1, in, wfd = -1, outp[2], rc;
	struct drain d = { .keep = -1 };
	pthread_t th;
	pid_t feeder = -1;
	char sig[15], verdict[96] = "none";
	long long offset = -1;
	unsigned qlen = 0;

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--fd"))
			kind = argv[++i];
		else if (!strcmp(argv[i], "--guest"))
			guest = argv[++i];
		else if (!strcmp(argv[i], "--out-file"))
			out_file = argv[++i];
		else if (!strcmp(argv[i], "--qemu-file"))
			qemu_file = argv[++i];
		else if (!strcmp(argv[i], "--chunk"))
			chunk = strtoul(argv[++i], NULL, 0);
		else
			break;
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") || !chunk) {
		fprintf(stderr, "usage: tool_xenopsd [--fd file|pipe|socket] [--guest pv|hvm] "
			"[--out-file F] [--qemu-file F] [--chunk N] IMAGE -- CONVERTER ARGS...\n");
		return 3;
	}
	image = argv[i];
	if (!strcmp(kind, "file")) {
		if ((in = open(image, O_RDONLY | O_CLOEXEC)) < 0)
			die(image);
	} else {
		int sv[2];

		if (!strcmp(kind, "pipe") ? pipe2(sv, O_CLOEXEC) < 0 :
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die(kind);
		in = sv[0];
		wfd = sv[1];
		feeder = feed(image, wfd, chunk);
		close(wfd);
	}
	if (read_exact(in, sig, sizeof(sig)) != (ssize_t)sizeof(sig) ||
	    memcmp(sig, "XenSavedDomain\n", sizeof(sig))) {
		fprintf(stderr, "tool_xenopsd: %s: no \"XenSavedDomain\\n\" signature\n", image);
		return 3;
	}
	if (pipe2(outp, O_CLOEXEC) < 0)
		die("pipe");
	if (out_file && (d.keep = open(out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				       0644)) < 0)
		die(out_file);
	d.fd = outp[0];
	if (pthread_create(&th, NULL, drain, &d))
		die("pthread_create");
	rc = run_converter(argv + i + 2, in, outp[1]);
	close(outp[1]);
	pthread_join(th, NULL);
	if (!strcmp(kind, "file"))
		offset = (long long)lseek(in, 0, SEEK_CUR);
	if (!strcmp(guest, "hvm"))
		read_qemu(in, qemu_file, verdict, sizeof(verdict), &qlen);
	printf("exit=%d out_bytes=%llu qemu_len=%u rest=%llu in_offset=%lld qemu=%s\n", rc,
	       d.bytes, qlen, rest_of(in, kind), offset, verdict);
	close(in);
	if (feeder > 0)
		waitpid(feeder, NULL, 0);
	if (d.keep >= 0)
		close(d.keep);
	return 0;
}
