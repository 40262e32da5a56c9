/*
 * A syslog client for the commands that log like a daemon's helper
 * (convert-legacy-stream --syslog).  It writes what glibc's syslog(3)
 * writes, an RFC 3164 line "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE", to
 * the local syslog socket: a datagram, else a NUL-terminated line on a
 * stream socket.  Unlike syslog(3), the socket's path can be named
 * ($SIF_SYSLOG_SOCKET, default /dev/log), so that tests check the lines on
 * a socket of their own instead of the machine's log; glibc hard-codes
 * /dev/log.  No socket: the lines are dropped, as syslog(3) drops them.
 */
#ifndef SIF_CLI_SYSLOG_CLIENT_H
#define SIF_CLI_SYSLOG_CLIENT_H

#include <sys/types.h>

#define CLI_SYSLOG_DEFAULT_PATH "/dev/log"

struct cli_syslog {
	int fd;                 /* -1: not connected */
	int type;               /* SOCK_DGRAM or SOCK_STREAM */
	const char *path;
	const char *ident;
	pid_t pid;
	int facility;           /* LOG_USER, as openlog(..., 0) */
};

/* Connect (as openlog(ident, LOG_PID | LOG_NDELAY, LOG_USER)). */
void cli_syslog_open(struct cli_syslog *s, const char *ident);
/* One message at `level` (LOG_ERR, LOG_INFO...); a line per '\n'-separated part. */
void cli_syslog_line(struct cli_syslog *s, int level, const char *msg);
void cli_syslog_close(struct cli_syslog *s);

#endif
