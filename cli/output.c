/*
 * The converters' output (see output.h).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int cli_output_open(const char *path, struct cli_output *out, struct sif_err *err)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->name = path;
	if (!strcmp(path, "-")) {
		out->fd = 1;
		out->name = "stdout";
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return sif_errf(err, SIF_EUSAGE, "%s: is a directory", path);
		out->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (out->fd < 0)
			return sif_errno(err, SIF_EIO, "%s: open", path);
		return 0;
	}
	if (sif_atomic_open(&out->af, path, 0600, err) < 0)
		return -1;
	out->atomic = true;
	out->fd = out->af.fd;
	return 0;
}

void cli_output_widen_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

int cli_output_close(struct cli_output *out, bool ok, struct sif_err *err)
{
	int rc = 0;

	if (out->atomic) {
		if (ok)
			return sif_atomic_commit(&out->af, err);
		sif_atomic_abort(&out->af);
		return 0;
	}
	if (out->fd > 2 && close(out->fd) < 0 && ok)
		rc = sif_errno(err, SIF_EIO, "%s: close", out->name);
	return rc;
}
