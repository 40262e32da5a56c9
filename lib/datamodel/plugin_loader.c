/*
 * Opening plugin files: the checks that come before trusting code we are
 * about to run (ownership and permissions of the file and its directory),
 * dlopen, the entry point and its ABI version (this sif's, else ABI 1,
 * whose description is copied to the current layout: plugin_abi1.c).
 * What a description may contain is checked by lib/datamodel/ctx.c.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/ctx.h"
#include "ctx_internal.h"

/* Who may have written this file: nobody but root or us, and nobody else. */
static int check_trust(const char *path, const char *what, struct sif_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return sif_errno(err, SIF_ENOTFOUND, "plugin %s %s", what, path);
	if (st.st_mode & S_IWOTH)
		return sif_errf(err, SIF_EREFUSED,
				"refusing plugin: %s %s is writable by others (mode %04o)",
				what, path, (unsigned)(st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return sif_errf(err, SIF_EREFUSED,
				"refusing plugin: %s %s is owned by uid %u, not root or uid %u",
				what, path, (unsigned)st.st_uid, (unsigned)geteuid());
	return 0;
}

int sif_ctx_load_plugin(struct sif_ctx *ctx, const char *path, struct sif_err *err)
{
	char real[PATH_MAX], dir[PATH_MAX];
	sif_plugin_entry_fn entry;
	const struct sif_plugin *p;
	struct sif_plugin *copy = NULL;
	size_t before = sif_ctx_nplugins(ctx);
	struct stat st;
	void *h = NULL;
	int rc = -1;

	if (!realpath(path, real))
		return sif_errno(err, SIF_ENOTFOUND, "plugin %s", path);
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
		return sif_errf(err, SIF_EREFUSED, "plugin %s: not a regular file", path);
	memcpy(dir, real, sizeof(dir));
	if (check_trust(real, "file", err) < 0 ||
	    check_trust(dirname(dir), "directory", err) < 0)
		return -1;
	h = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return sif_errf(err, SIF_EREFUSED, "plugin %s: cannot load: %s", path,
				dlerror());
	*(void **)&entry = dlsym(h, SIF_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		sif_errf(err, SIF_EREFUSED, "plugin %s: no entry point %s()", path,
			 SIF_PLUGIN_ENTRY_SYMBOL);
		goto out;
	}
	/* A plugin answers the ABI it speaks or NULL; an ABI 1 one is asked again. */
	p = entry(SIF_PLUGIN_ABI_VERSION);
	if (!p)
		p = entry(SIF_PLUGIN_ABI_OLDEST);
	if (!p) {
		sif_errf(err, SIF_EREFUSED,
			 "plugin %s: %s() returned nothing (it speaks neither ABI %u nor %u)",
			 path, SIF_PLUGIN_ENTRY_SYMBOL, SIF_PLUGIN_ABI_VERSION,
			 SIF_PLUGIN_ABI_OLDEST);
		goto out;
	}
	if (p->abi_version == SIF_PLUGIN_ABI_OLDEST) {
		if (!(p = copy = (struct sif_plugin *)plugin_from_abi1(p, err))) {
			sif_err_prefix(err, "plugin %s (ABI %u)", path, SIF_PLUGIN_ABI_OLDEST);
			goto out;
		}
	} else if (p->abi_version != SIF_PLUGIN_ABI_VERSION) {
		sif_errf(err, SIF_EREFUSED,
			 "plugin %s: built for plugin ABI %u, this sif speaks ABI %u (and loads %u)",
			 path, p->abi_version, SIF_PLUGIN_ABI_VERSION, SIF_PLUGIN_ABI_OLDEST);
		goto out;
	}
	rc = ctx_register_plugin(ctx, p, copy != NULL, real, h, err);
	if (rc < 0)
		sif_err_prefix(err, "%s", path);
out:
	/* Once registered (even if registering failed half-way) the ctx owns
	 * the handle and the copy. */
	if (sif_ctx_nplugins(ctx) == before) {
		if (h)
			dlclose(h);
		free(copy);
	}
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sif_ctx_load_plugin_dir(struct sif_ctx *ctx, const char *dir, struct sif_err *err)
{
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = -1;

	d = opendir(dir);
	if (!d)
		return sif_errno(err, SIF_ENOTFOUND, "plugin directory %s", dir);
	if (check_trust(dir, "directory", err) < 0)
		goto out;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nn;

		if (len < 4 || strcmp(de->d_name + len - 3, ".so") || de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++)
		if (sif_ctx_load_plugin(ctx, names[i], err) < 0)
			goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}
