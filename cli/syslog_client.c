/*
 * The syslog client (see syslog_client.h): the wire format and the
 * reconnect-once rule of glibc's syslog(3), on a socket path that can be
 * named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "syslog_client.h"

static void connect_socket(struct cli_syslog *s)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(s->path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, s->path);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			s->fd = fd;
			s->type = types[i];
			return;
		}
		close(fd);
		/* A listening socket of the other type answers EPROTOTYPE. */
		if (errno != EPROTOTYPE)
			return;
	}
}

void cli_syslog_open(struct cli_syslog *s, const char *ident)
{
	const char *path = getenv("SIF_SYSLOG_SOCKET");

	s->fd = -1;
	s->type = SOCK_DGRAM;
	s->path = path && *path ? path : CLI_SYSLOG_DEFAULT_PATH;
	s->ident = ident;
	s->pid = getpid();
	s->facility = LOG_USER;
	connect_socket(s);
}

static int send_line(struct cli_syslog *s, const char *buf, size_t n)
{
	/* A stream socket delimits messages with the NUL. */
	size_t len = s->type == SOCK_STREAM ? n + 1 : n, done = 0;

	while (done < len) {
		ssize_t r = send(s->fd, buf + done, len - done, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (s->type == SOCK_DGRAM)
			return 0;
		done += (size_t)r;
	}
	return 0;
}

static void one_line(struct cli_syslog *s, int level, const char *msg, size_t len)
{
	char head[128], stamp[32], *buf;
	struct tm tm;
	time_t now = time(NULL);
	int h;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
	h = snprintf(head, sizeof(head), "<%d>%s %s[%d]: ", s->facility | level, stamp,
		     s->ident, (int)s->pid);
	if (h < 0 || (size_t)h >= sizeof(head))
		return;
	buf = malloc((size_t)h + len + 1);
	if (!buf)
		return;
	memcpy(buf, head, (size_t)h);
	memcpy(buf + h, msg, len);
	buf[(size_t)h + len] = '\0';
	if (s->fd < 0)
		connect_socket(s);
	/* syslogd restarted under us: reconnect once, as syslog(3) does. */
	if (s->fd >= 0 && send_line(s, buf, (size_t)h + len) < 0) {
		close(s->fd);
		s->fd = -1;
		connect_socket(s);
		if (s->fd >= 0)
			send_line(s, buf, (size_t)h + len);
	}
	free(buf);
}

void cli_syslog_line(struct cli_syslog *s, int level, const char *msg)
{
	const char *p = msg;

	for (;;) {
		const char *nl = strchr(p, '\n');

		one_line(s, level, p, nl ? (size_t)(nl - p) : strlen(p));
		if (!nl)
			break;
		p = nl + 1;
	}
}

void cli_syslog_close(struct cli_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
