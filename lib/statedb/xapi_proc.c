/*
 * Finding a xapi process that uses a directory (sif/xapi_proc.h), by
 * walking /proc: the command name or executable, then the working
 * directory and the open files of each candidate.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/xapi_proc.h"

#define XAPI "xapi"

static bool is_xapi(const char *pid)
{
	char p[300], buf[PATH_MAX];
	const char *base;
	ssize_t n;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%s/comm", pid);
	if ((f = fopen(p, "re"))) {
		bool yes = fgets(buf, sizeof(buf), f) && !strcmp(buf, XAPI "\n");

		fclose(f);
		if (yes)
			return true;
	}
	snprintf(p, sizeof(p), "/proc/%s/exe", pid);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	return !strcmp(base, XAPI) || !strcmp(base, XAPI " (deleted)");
}

/* `path` is `dir` or lies directly in it. */
static bool in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n))
		return false;
	if (!path[n])
		return true;
	if (n == 1 && dir[0] == '/')
		return !strchr(path + 1, '/');
	return path[n] == '/' && !strchr(path + n + 1, '/');
}

/* 1 (u->how filled), 0, or -1 with errno (EACCES: not ours to look at). */
static int uses_dir(const char *pid, const char *dir, struct sif_xapi_user *u)
{
	char p[300], link[PATH_MAX];
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int rc = 0;

	snprintf(p, sizeof(p), "/proc/%s/cwd", pid);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	if (!strcmp(link, dir)) {
		snprintf(u->how, sizeof(u->how), "its working directory");
		return 1;
	}
	snprintf(p, sizeof(p), "/proc/%s/fd", pid);
	if (!(d = opendir(p)))
		return -1;
	while (!rc && (de = readdir(d))) {
		char fdp[600];

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(fdp, sizeof(fdp), "/proc/%s/fd/%s", pid, de->d_name);
		n = readlink(fdp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (in_dir(link, dir)) {
			snprintf(u->how, sizeof(u->how), "its open file %s", link);
			rc = 1;
		}
	}
	closedir(d);
	return rc;
}

int sif_xapi_using_dir(const char *dir, struct sif_xapi_user *u, struct sif_err *err)
{
	char real[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (!realpath(dir, real))
		return sif_errno(err, SIF_EIO, "resolving %s", dir);
	if (!(d = opendir("/proc")))
		return sif_errno(err, SIF_EIO, "opening /proc (to look for xapi)");
	while (!found && (de = readdir(d))) {
		int r;

		if (!isdigit((unsigned char)de->d_name[0]) || !is_xapi(de->d_name))
			continue;
		r = uses_dir(de->d_name, real, u);
		if (r < 0 && errno == ENOENT)
			continue;       /* it has just exited */
		if (r < 0)
			snprintf(u->how, sizeof(u->how), "its files cannot be looked at (%s)",
				 strerror(errno));
		if (r != 0) {
			u->pid = (pid_t)atol(de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}
