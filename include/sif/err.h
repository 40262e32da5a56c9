/*
 * sif_err: how every libsif function reports failure.
 *
 * A function that can fail returns 0 on success and -1 on failure, having
 * filled the caller's struct sif_err with a code and a message a support
 * engineer can act on (what was expected, what was found, where).  The
 * library never prints and never exits; the caller decides.
 */
#ifndef SIF_ERR_H
#define SIF_ERR_H

#include <stddef.h>

enum sif_code {
	SIF_OK = 0,
	SIF_EIO,        /* read/write/fsync/rename failed (errno in sys_errno) */
	SIF_EFORMAT,    /* input is not what the format says it must be */
	SIF_ENOTFOUND,  /* a named object (uuid, field, file) does not exist */
	SIF_EREFUSED,   /* valid request the system will not carry out */
	SIF_EUSAGE,     /* caller passed bad arguments */
	SIF_ENOMEM,
	SIF_ENEWER,     /* data written by a newer sif */
	SIF_EBACKEND,   /* the Xen backend or another peer failed */
	SIF_EINTERNAL,  /* a broken invariant of sif itself, not bad input */
	SIF_ECHANGED,   /* a file changed under sif while it read or replaced it */
};

#define SIF_ERR_MSG_MAX 1024

struct sif_err {
	enum sif_code code;
	int sys_errno;               /* errno at the time, 0 if not a system error */
	char msg[SIF_ERR_MSG_MAX];
};

/* Fill err (if not NULL) and return -1, so callers can `return sif_errf(...)`. */
int sif_errf(struct sif_err *err, enum sif_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like sif_errf, appending ": strerror(errno)" and recording errno. */
int sif_errno(struct sif_err *err, enum sif_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an already filled message (e.g. the file name). */
void sif_err_prefix(struct sif_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void sif_err_clear(struct sif_err *err);

const char *sif_code_name(enum sif_code code);

#endif
