/*
 * Formatting of struct sif_err.  Not a logger: nothing here prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sif/err.h"

static void vfill(struct sif_err *err, enum sif_code code, int sys,
		  const char *fmt, va_list ap)
{
	int n;

	err->code = code;
	err->sys_errno = sys;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (sys && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
			 strerror(sys));
}

int sif_errf(struct sif_err *err, enum sif_code code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vfill(err, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int sif_errno(struct sif_err *err, enum sif_code code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vfill(err, code, saved ? saved : EIO, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

void sif_err_prefix(struct sif_err *err, const char *fmt, ...)
{
	char prefix[256], old[SIF_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		memcpy(err->msg, old, sizeof(old));
}

void sif_err_clear(struct sif_err *err)
{
	if (!err)
		return;
	err->code = SIF_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

const char *sif_code_name(enum sif_code code)
{
	switch (code) {
	case SIF_OK:        return "ok";
	case SIF_EIO:       return "I/O error";
	case SIF_EFORMAT:   return "format error";
	case SIF_ENOTFOUND: return "not found";
	case SIF_EREFUSED:  return "refused";
	case SIF_EUSAGE:    return "usage error";
	case SIF_ENOMEM:    return "out of memory";
	case SIF_ENEWER:    return "written by a newer sif";
	case SIF_EBACKEND:  return "backend error";
	case SIF_EINTERNAL: return "internal error";
	case SIF_ECHANGED:  return "changed meanwhile";
	}
	return "unknown error";
}
