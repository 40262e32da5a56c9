/*
 * convert-legacy-stream, the drop-in, as xenopsd runs it, against Xen's
 * script run the same way (tests/tool_xenopsd plays xenopsd's part: the
 * image on one fd after its 15-byte signature, the output a pipe into a
 * reader, then the qemu record read from the same fd).
 *
 * - For a regular file, a pipe and a socketpair, PV and HVM, toolstack
 *   widths 32 and 64: the drop-in exits 0, its output is byte for byte the
 *   script's output for the bare stream given by path, the HVM qemu record
 *   is then read whole from the fd, a file's offset is left exactly at the
 *   end of the libxc stream, and the padding after the image (a VDI larger
 *   than its image) is left unread.  The script run the same way converts
 *   PV, but on HVM its buffered reads swallow the start of the qemu record:
 *   asserted as the reference's behaviour.
 * - --syslog: every line on a socket of the test's own ($SIF_SYSLOG_SOCKET),
 *   datagram or stream, in syslog(3)'s format, ident convert-legacy-stream,
 *   the pid, LOG_INFO for the --verbose lines (the script's lines word for
 *   word) and LOG_ERR with the offset for a refusal.
 * - Bad input and options: the script's exit status for each (1, 2), a
 *   prefix of the valid output at most, no output file left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "expect.h"
#include "testutil.h"
#include "v1gen.h"

#define PEER "/usr/lib/xen-4.17/bin/convert-legacy-stream"
#define QEMU_LEN 70000u
#define PADDING 65536u

static char *dir, *dropin, *tool;

/* One legacy image and what restoring it must give. */
struct image {
	char *path;             /* "XenSavedDomain\n" + v1 [+ qemu] + padding */
	char *bare;             /* the v1 stream alone */
	char *ref;              /* the script's output for `bare`, by path */
	char *qemu;             /* the qemu record's data */
	uint64_t v1_end;        /* offset just past the libxc stream */
	const char *guest;
	unsigned width;
};

struct report {
	int exit;
	unsigned long long out_bytes, rest;
	char qemu[128];
	unsigned qemu_len;
	long long in_offset;
};

static int setup(void **state)
{
	(void)state;
	setenv("PYTHONPATH", "/usr/lib/xen-4.17/lib/python", 1);
	dir = tu_mkdtemp();
	dropin = tu_build_path("libexec/sif/convert-legacy-stream");
	tool = tu_build_path("tests/tool_xenopsd");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	free(dir);
	free(dropin);
	free(tool);
	return 0;
}

static void slice(const char *from, const char *to, uint64_t off, uint64_t len)
{
	size_t n;
	char *all = tu_read_file(from, &n);

	assert_non_null(all);
	assert_true(off + len <= n);
	assert_int_equal(tu_write_file(to, all + off, (size_t)len), 0);
	free(all);
}

static void make_image(struct image *im, const char *guest, unsigned width, unsigned pad)
{
	struct v1gen_opts o = { .guest = strcmp(guest, "hvm") ? SIF_V1_PV : SIF_V1_HVM,
				.width = width, .guest_width = 64, .pages = 300, .vcpus = 3,
				.tsc = true, .hvm_params = true, .qemu = true, .qemu_len = QEMU_LEN,
				.wrap = V1GEN_LEGACY_IMAGE, .seed = width * 7 + (guest[0] == 'h') };
	struct v1gen_result res;
	struct run_result r;
	char w[8], zero[4096] = { 0 };
	int fd;

	im->guest = guest;
	im->width = width;
	im->path = tu_strf("%s/%s%u.img", dir, guest, width);
	im->bare = tu_strf("%s/%s%u.v1", dir, guest, width);
	im->ref = tu_strf("%s/%s%u.ref", dir, guest, width);
	im->qemu = tu_strf("%s/%s%u.qemu", dir, guest, width);
	if (o.guest == SIF_V1_PV)
		o.hvm_params = false;
	fd = open(im->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(v1gen_write(fd, &o, &res), 0);
	for (unsigned i = 0; i < pad; i += sizeof(zero))
		assert_int_equal(write(fd, zero, sizeof(zero)), (ssize_t)sizeof(zero));
	close(fd);
	im->v1_end = res.v1_end;
	slice(im->path, im->bare, res.v1_start, res.v1_end - res.v1_start);
	if (o.guest == SIF_V1_HVM)
		slice(im->path, im->qemu, res.v1_end + 26, QEMU_LEN);
	snprintf(w, sizeof(w), "%u", width);
	tu_run(&r, NULL, (char *[]){ PEER, "-i", im->bare, "-o", im->ref, "-w", w, "-g",
				     (char *)guest, "--skip-qemu", NULL });
	tu_expect(&r, 0, NULL, NULL);
}

static void free_image(struct image *im)
{
	free(im->path);
	free(im->bare);
	free(im->ref);
	free(im->qemu);
}

/* Run tool_xenopsd around `conv` with xenopsd's argv; parse its report. */
static void play(struct report *rep, const struct image *im, const char *kind,
		 const char *conv, const char *out_file, const char *qemu_file,
		 const char *width_opt)
{
	struct run_result r;
	char w[8];
	int n;

	snprintf(w, sizeof(w), "%u", im->width);
	tu_run(&r, NULL, (char *[]){ tool, "--fd", (char *)kind, "--guest", (char *)im->guest,
				     "--out-file", (char *)out_file, "--qemu-file",
				     (char *)qemu_file, im->path, "--", (char *)conv, "--in", "{in}",
				     "--out", "{out}", "--width", width_opt ? (char *)width_opt : w,
				     "--skip-qemu", "--guest-type", (char *)im->guest, "--syslog",
				     "--verbose", NULL });
	if (r.status != 0)
		fail_msg("tool_xenopsd: exit %d: %s", r.status, r.err);
	memset(rep, 0, sizeof(*rep));
	rep->in_offset = -1;
	n = sscanf(r.out, "exit=%d out_bytes=%llu qemu_len=%u rest=%llu in_offset=%lld qemu=",
		   &rep->exit, &rep->out_bytes, &rep->qemu_len, &rep->rest, &rep->in_offset);
	if (n != 5 || !strstr(r.out, " qemu="))
		fail_msg("tool_xenopsd report: %s", r.out);
	snprintf(rep->qemu, sizeof(rep->qemu), "%.*s", (int)strcspn(strstr(r.out, " qemu=") + 6,
		 "\n"), strstr(r.out, " qemu=") + 6);
	tu_run_free(&r);
}

/* --- the matrix: fd kinds x PV/HVM x widths ------------------------------- */

static void xenopsd_restores(const char *kind)
{
	static const char *const guests[] = { "pv", "hvm" };
	static const unsigned widths[] = { 32, 64 };
	char *out = tu_strf("%s/out", dir), *q = tu_strf("%s/qemu.got", dir);

	for (int g = 0; g < 2; g++)
		for (int w = 0; w < 2; w++) {
			struct image im;
			struct report rep;
			bool hvm = !strcmp(guests[g], "hvm");

			make_image(&im, guests[g], widths[w], PADDING);
			/* ours: the stream, then the qemu record from the same fd */
			unlink(q);
			play(&rep, &im, kind, dropin, out, q, NULL);
			assert_int_equal(rep.exit, 0);
			assert_true(tu_files_equal(out, im.ref));
			assert_string_equal(rep.qemu, hvm ? "ok" : "none");
			if (hvm) {
				assert_int_equal(rep.qemu_len, QEMU_LEN);
				assert_true(tu_files_equal(q, im.qemu));
			}
			/* exactly the padding is left: nothing read past the stream */
			assert_int_equal(rep.rest, PADDING);
			if (!strcmp(kind, "file"))
				assert_int_equal(rep.in_offset, (long long)im.v1_end);
			/* the script, run the same way */
			play(&rep, &im, kind, PEER, out, q, NULL);
			assert_int_equal(rep.exit, 0);
			assert_true(tu_files_equal(out, im.ref));
			if (hvm) {
				/* its buffered reads took the start of the qemu record */
				assert_string_not_equal(rep.qemu, "ok");
				if (!strcmp(kind, "file"))
					assert_true(rep.in_offset > (long long)im.v1_end);
			} else {
				assert_string_equal(rep.qemu, "none");
				assert_true(rep.rest < PADDING);
			}
			free_image(&im);
		}
	free(out);
	free(q);
}

static void restore_from_file(void **state)
{
	(void)state;
	xenopsd_restores("file");
}

static void restore_from_pipe(void **state)
{
	(void)state;
	xenopsd_restores("pipe");
}

static void restore_from_socket(void **state)
{
	(void)state;
	xenopsd_restores("socket");
}

/* --- syslog --------------------------------------------------------------- */

static int listen_log(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/*
 * The test's syslog daemon: a thread receiving every message while the
 * converter runs (a datagram socket queues only a few), '\n'-joined.
 */
struct logd {
	pthread_t th;
	int fd, type;
	char *all;
	size_t n, cap;
};

static void *logd_run(void *arg)
{
	struct logd *l = arg;
	char buf[8192];
	int c = l->fd;

	/* the converter connects at its start, long before it is over */
	if (l->type == SOCK_STREAM &&
	    (poll(&(struct pollfd){ .fd = l->fd, .events = POLLIN }, 1, 10000) != 1 ||
	     (c = accept(l->fd, NULL, NULL)) < 0))
		return NULL;
	for (;;) {
		/* an empty datagram from logd_stop() or the stream's end stops it */
		ssize_t r = recv(c, buf, sizeof(buf), 0);

		if (r <= 0)
			break;
		if (l->n + (size_t)r + 2 >= l->cap) {
			l->cap = 2 * (l->cap + (size_t)r);
			if (!(l->all = realloc(l->all, l->cap)))
				break;
		}
		for (ssize_t i = 0; i < r; i++)
			l->all[l->n++] = buf[i] ? buf[i] : '\n';
		if (l->type == SOCK_DGRAM)
			l->all[l->n++] = '\n';
	}
	if (c != l->fd)
		close(c);
	return NULL;
}

static void logd_start(struct logd *l, const char *path, int type)
{
	memset(l, 0, sizeof(*l));
	l->type = type;
	l->fd = listen_log(path, type);
	l->cap = 1 << 16;
	assert_non_null(l->all = malloc(l->cap));
	assert_int_equal(pthread_create(&l->th, NULL, logd_run, l), 0);
}

/* Stop after the writer is gone; returns what was received. */
static char *logd_stop(struct logd *l)
{
	/* the writer exited: its stream connection is closed; a datagram
	 * socket gets a zero-length datagram of our own */
	if (l->type == SOCK_DGRAM) {
		struct sockaddr_un sa;
		socklen_t len = sizeof(sa);
		int w = socket(AF_UNIX, SOCK_DGRAM, 0);

		getsockname(l->fd, (struct sockaddr *)&sa, &len);
		sendto(w, "", 0, 0, (struct sockaddr *)&sa, len);
		close(w);
	}
	pthread_join(l->th, NULL);
	close(l->fd);
	l->all[l->n] = '\0';
	return l->all;
}

/* Check each line's syslog head and strip it: "<PRI>Mmm dd hh:mm:ss ident[pid]: " */
static char *strip_heads(char *log, int pri, int *lines)
{
	char *out = calloc(1, strlen(log) + 1), *p = log, *o = out;
	char want[32];
	long pid = -1;

	snprintf(want, sizeof(want), "<%d>", pri);
	*lines = 0;
	while (*p) {
		char *nl = strchr(p, '\n'), *colon;
		long this_pid;

		*nl = '\0';
		if (strncmp(p, want, strlen(want)) || strlen(p) < strlen(want) + 16 ||
		    p[strlen(want) + 3] != ' ' || p[strlen(want) + 6] != ' ' ||
		    p[strlen(want) + 9] != ':' || p[strlen(want) + 12] != ':' ||
		    strncmp(p + strlen(want) + 16, "convert-legacy-stream[", 22))
			fail_msg("not a syslog line at priority %d: '%s'", pri, p);
		this_pid = strtol(p + strlen(want) + 38, &colon, 10);
		if (strncmp(colon, "]: ", 3))
			fail_msg("no pid in '%s'", p);
		if (pid >= 0 && this_pid != pid)
			fail_msg("pid changed within one run: '%s'", p);
		pid = this_pid;
		o += sprintf(o, "%s\n", colon + 3);
		(*lines)++;
		p = nl + 1;
	}
	return out;
}

/* The drop-in under tool_xenopsd (pipe), logging to a socket of the test's own. */
static char *play_logged(struct report *rep, const struct image *im, int type)
{
	char *sock = tu_strf("%s/log.sock", dir), *out = tu_strf("%s/out", dir);
	char *q = tu_strf("%s/q", dir), *log;
	struct logd ld;

	logd_start(&ld, sock, type);
	setenv("SIF_SYSLOG_SOCKET", sock, 1);
	play(rep, im, "pipe", dropin, out, q, NULL);
	unsetenv("SIF_SYSLOG_SOCKET");
	log = logd_stop(&ld);
	free(sock);
	free(out);
	free(q);
	return log;
}

static void syslog_run(int type)
{
	char *out = tu_strf("%s/peer.out", dir), *log, *lines;
	struct image im;
	struct report rep;
	struct run_result r;
	int n;

	make_image(&im, "hvm", 32, 0);
	log = play_logged(&rep, &im, type);
	assert_int_equal(rep.exit, 0);
	assert_string_equal(rep.qemu, "ok");
	lines = strip_heads(log, 8 | 6, &n);    /* LOG_USER | LOG_INFO */
	/* the script's --verbose lines, word for word */
	tu_run(&r, NULL, (char *[]){ PEER, "-i", im.bare, "-o", out, "-w", "32", "-g", "hvm",
				     "--skip-qemu", "-v", NULL });
	assert_int_equal(r.status, 0);
	assert_true(n > 20);
	assert_string_equal(lines, r.out);
	tu_run_free(&r);
	free(log);
	free(lines);
	free_image(&im);
	free(out);
}

static void syslog_datagram(void **state)
{
	(void)state;
	syslog_run(SOCK_DGRAM);
}

static void syslog_stream(void **state)
{
	(void)state;
	syslog_run(SOCK_STREAM);
}

/* A refusal: exit 1, one LOG_ERR line naming the offset and what was expected. */
static void syslog_error(void **state)
{
	char *cut = tu_strf("%s/cut.img", dir), *out = tu_strf("%s/out", dir), *log, *line;
	struct image im;
	struct report rep;
	int n;
	size_t prefix;
	char *got, *ref;

	(void)state;
	make_image(&im, "hvm", 32, 0);
	/* the image ends inside its page data */
	slice(im.path, cut, 0, im.v1_end / 2);
	free(im.path);
	im.path = cut;
	log = play_logged(&rep, &im, SOCK_DGRAM);
	assert_int_equal(rep.exit, 1);
	/* what reached the pipe is the start of the valid stream, no more */
	got = tu_read_file(out, &prefix);
	ref = tu_read_file(im.ref, NULL);
	assert_true(prefix < im.v1_end);
	assert_memory_equal(got, ref, prefix);
	free(got);
	free(ref);
	line = strstr(log, "<11>");
	assert_non_null(line);
	assert_non_null(strstr(line, "convert-legacy-stream["));
	assert_non_null(strstr(line, "input fd"));
	assert_non_null(strstr(line, ": offset "));
	assert_non_null(strstr(line, "truncated reading page data: expected"));
	free(strip_heads(line, 11, &n));
	assert_int_equal(n, 1);
	free(log);
	free_image(&im);
	free(out);
}

/* --- bad input: the script's exit statuses ---------------------------------- */

static char *write_stream(const char *name, const void *p, size_t n)
{
	char *path = tu_strf("%s/%s", dir, name);

	assert_int_equal(tu_write_file(path, p, n), 0);
	return path;
}

/* Both converters on `img` (a legacy image) through a file fd: same status. */
static void both_refuse(const char *img, const char *guest, const char *width, int status,
			const char *why)
{
	struct image im = { .path = (char *)img, .guest = guest, .width = 0 };
	char *out = tu_strf("%s/out", dir), *q = tu_strf("%s/q", dir);
	struct report ours, theirs;
	struct run_result r;
	char *sh = tu_strf("head -c 15 >/dev/null; exec '%s' -i 0 -o /dev/null -w %s -g %s",
			   dropin, width, guest);

	play(&ours, &im, "file", dropin, out, q, width);
	play(&theirs, &im, "file", PEER, out, q, width);
	if (ours.exit != status || theirs.exit != status)
		fail_msg("%s: drop-in exit %d, script exit %d, want %d", img, ours.exit,
			 theirs.exit, status);
	/* the message says why */
	tu_run(&r, img, (char *[]){ "/bin/sh", "-c", sh, NULL });
	tu_expect(&r, status, NULL, why);
	free(sh);
	free(out);
	free(q);
}

static void bad_input_statuses(void **state)
{
	/* HVM, 64-bit toolstack: "XenSavedDomain\n", p2m_size, then a chunk id */
	unsigned char img[15 + 8 + 4 + 64] = "XenSavedDomain\n";
	char *path;
	struct image im;

	(void)state;
	img[15] = 16;
	/* tmem: valid v1, nothing converts it: the script's RuntimeError, 2 */
	memcpy(img + 23, (int32_t[]){ -5 }, 4);
	path = write_stream("tmem.img", img, sizeof(img));
	both_refuse(path, "hvm", "64", 2, "chunk -5 (tmem) is not supported");
	free(path);
	/* an unknown chunk: a bad stream, 1 */
	memcpy(img + 23, (int32_t[]){ -99 }, 4);
	path = write_stream("unknown.img", img, sizeof(img));
	both_refuse(path, "hvm", "64", 1, "unknown chunk id -99");
	free(path);
	/* a batch above MAX_BATCH */
	memcpy(img + 23, (int32_t[]){ 1025 }, 4);
	path = write_stream("batch.img", img, sizeof(img));
	both_refuse(path, "hvm", "64", 1, "page batch count 1025 exceeds the v1 limit of 1024");
	free(path);
	/* a 32-bit toolstack's PV stream read as 64-bit: no extended-info marker */
	make_image(&im, "pv", 32, 0);
	both_refuse(im.path, "pv", "64", 1, "extended-info marker 0x");
	free_image(&im);
}

/* --- options: the script's parser, status for status ------------------------- */

static void options_as_the_script(void **state)
{
	struct image im;
	char *o1 = tu_strf("%s/o1", dir), *o2 = tu_strf("%s/o2", dir);
	struct run_result a, b;
	/* {status, args...}: the same for both programs */
	const char *cases[][14] = {
		{ "1", NULL },
		{ "1", "-i", "IN", NULL },
		{ "2", "-i", "IN", "-o", "OUT", "-w", "33", "-g", "pv", NULL },
		{ "2", "-i", "IN", "-o", "OUT", "-w", "32", "-g", "pvh", NULL },
		{ "2", "-i", "IN", "-o", "OUT", "-w", "32", "-g", "pv", "-f", "xml", NULL },
		{ "2", "--bogus", NULL },
		{ "2", "-q", NULL },
		{ "2", "--s", NULL },
		{ "2", "--skip-qemu=yes", NULL },
		{ "2", "-i", NULL },
		{ "0", "-h", NULL },
		{ "0", "--help", "-i", NULL },
		{ "0", "-i", "IN", "-o", "OUT", "-w", "32", "-g", "pv", "stray", "--", "-z", NULL },
		{ "0", "--in=IN", "--out=OUT", "--width=32", "--guest=pv", "--verb", NULL },
		{ "0", "-iIN", "-oOUT", "-w32", "-gpv", "-v", "-fl" "ibxc", NULL },
		{ "0", "-vi", "IN", "-o", "OUT", "-w", "32", "-g", "pv", "--skip", NULL },
	};

	(void)state;
	make_image(&im, "pv", 32, 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *argv[2][16];
		int want = atoi(cases[c][0]), n = 1;

		argv[0][0] = dropin;
		argv[1][0] = PEER;
		for (int i = 1; cases[c][i]; i++, n++)
			for (int p = 0; p < 2; p++) {
				const char *v = cases[c][i];
				char *s = strstr(v, "IN") ? tu_strf("%.*s%s", (int)(strstr(v, "IN") - v),
								   v, im.bare) :
					  strstr(v, "OUT") ? tu_strf("%.*s%s", (int)(strstr(v, "OUT") - v),
								     v, p ? o2 : o1) : strdup(v);
				argv[p][n] = s;
			}
		argv[0][n] = argv[1][n] = NULL;
		unlink(o1);
		unlink(o2);
		tu_run(&a, NULL, argv[0]);
		tu_run(&b, NULL, argv[1]);
		if (a.status != want || b.status != want)
			fail_msg("case %zu (%s ...): drop-in %d, script %d, want %d\n%s\n%s", c,
				 cases[c][1] ? cases[c][1] : "", a.status, b.status, want, a.err, b.err);
		if (want == 0 && access(o2, F_OK) == 0)
			assert_true(tu_files_equal(o1, o2));
		if (want == 2)
			assert_non_null(strstr(a.err, "convert-legacy-stream: error: "));
		if (want == 1 && c < 2)
			assert_non_null(strstr(a.err, "Usage: convert-legacy-stream [options]"));
		tu_run_free(&a);
		tu_run_free(&b);
		for (int i = 1; i < n; i++) {
			free(argv[0][i]);
			free(argv[1][i]);
		}
	}
	free_image(&im);
	free(o1);
	free(o2);
}

/* A failed conversion leaves no output file; the script leaves a partial one. */
static void no_partial_output_file(void **state)
{
	char *cut = tu_strf("%s/cut.v1", dir), *o1 = tu_strf("%s/o1", dir), *o2 = tu_strf("%s/o2", dir);
	struct image im;
	struct run_result r;

	(void)state;
	make_image(&im, "pv", 64, 0);
	slice(im.bare, cut, 0, 300000);
	unlink(o1);
	unlink(o2);
	tu_run(&r, NULL, (char *[]){ dropin, "-i", cut, "-o", o1, "-w", "64", "-g", "pv", NULL });
	tu_expect(&r, 1, NULL, "truncated reading page data");
	assert_int_equal(access(o1, F_OK), -1);
	assert_int_equal(tu_count_entries(dir) > 0, 1);
	tu_run(&r, NULL, (char *[]){ PEER, "-i", cut, "-o", o2, "-w", "64", "-g", "pv", NULL });
	tu_expect(&r, 1, NULL, "Stream truncated");
	assert_int_equal(access(o2, F_OK), 0);
	/* and by the sif command's name, with a path: the same conversion */
	tu_sif(&r, "convert-legacy-stream", "-i", im.bare, "-o", o1, "-w", "64", "-g", "pv", NULL);
	tu_expect(&r, 0, NULL, NULL);
	assert_true(tu_files_equal(o1, im.ref));
	free_image(&im);
	free(cut);
	free(o1);
	free(o2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restore_from_file),
		cmocka_unit_test(restore_from_pipe),
		cmocka_unit_test(restore_from_socket),
		cmocka_unit_test(syslog_datagram),
		cmocka_unit_test(syslog_stream),
		cmocka_unit_test(syslog_error),
		cmocka_unit_test(bad_input_statuses),
		cmocka_unit_test(options_as_the_script),
		cmocka_unit_test(no_partial_output_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
