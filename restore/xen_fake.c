/*
 * The recording fake Xen backend (see sif/xen.h).  It behaves like a
 * hypervisor that accepts everything, and writes down all it was asked and
 * given, so tests can check the exact bytes a restore would have fed
 * libxenguest.  Restore reads the stream exactly as libxenguest does: to the
 * v2 END record, no further.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/io.h"
#include "sif/xen.h"

struct fake {
	char *dir;
	char *fail_at;
	FILE *log;
	uint32_t next_domid;
};

static int logf_(struct sif_xen *x, const char *op, struct sif_err *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int logf_(struct sif_xen *x, const char *op, struct sif_err *err,
		 const char *fmt, ...)
{
	struct fake *f = x->priv;
	va_list ap;

	fprintf(f->log, "%s", op);
	va_start(ap, fmt);
	vfprintf(f->log, fmt, ap);
	va_end(ap);
	fputc('\n', f->log);
	fflush(f->log);
	if (f->fail_at && !strcmp(f->fail_at, op))
		return sif_errf(err, SIF_EBACKEND, "fake Xen: %s failed (injected)", op);
	return 0;
}

static int fake_create(struct sif_xen *x, const struct sif_domain_spec *s,
		       uint32_t *domid, struct sif_err *err)
{
	struct fake *f = x->priv;

	*domid = f->next_domid++;
	return logf_(x, "domain_create", err, " domid=%u uuid=%s hvm=%s vcpus=%u memory_kib=%llu",
		     *domid, s->uuid ? s->uuid : "", !s->hvm_known ? "?" : s->hvm ? "1" : "0", s->vcpus,
		     (unsigned long long)s->memory_kib);
}

static int copy_fd(int in, int out, uint64_t limit, uint64_t *copied, struct sif_err *err)
{
	char buf[65536];

	*copied = 0;
	while (*copied < limit) {
		size_t want = limit - *copied < sizeof(buf) ? (size_t)(limit - *copied) : sizeof(buf);
		ssize_t r = read(in, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sif_errno(err, SIF_EIO, "fake Xen: reading");
		if (r == 0)
			break;
		if (sif_write_exact(out, buf, (size_t)r, "fake Xen record", err) < 0)
			return -1;
		*copied += (uint64_t)r;
	}
	return 0;
}

/* Read one v2 record header+body into out; *type gets its type. */
static int take_record(int in, int out, uint32_t *type, struct sif_err *err)
{
	unsigned char hdr[8];
	uint32_t len;
	uint64_t body, got;

	if (sif_read_full(in, hdr, 8) != 8)
		return sif_errf(err, SIF_EFORMAT, "fake Xen: stream ended inside a record header");
	memcpy(type, hdr, 4);
	memcpy(&len, hdr + 4, 4);
	if (sif_write_exact(out, hdr, 8, "fake Xen record", err) < 0)
		return -1;
	body = ((uint64_t)len + 7) & ~7ULL;
	if (copy_fd(in, out, body, &got, err) < 0)
		return -1;
	if (got != body)
		return sif_errf(err, SIF_EFORMAT, "fake Xen: stream ended inside a record body");
	return 0;
}

static int fake_restore(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			struct sif_restore_result *res, struct sif_err *err)
{
	struct fake *f = x->priv;
	char path[4096];
	unsigned char head[40];
	uint32_t type;
	int out, rc = -1;

	snprintf(path, sizeof(path), "%s/restore-%u.libxc", f->dir, domid);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return sif_errno(err, SIF_EIO, "fake Xen: %s", path);
	/* image header (24 bytes), domain header (16), then records to END (type 0) */
	if (sif_read_full(fd, head, sizeof(head)) != (ssize_t)sizeof(head)) {
		sif_errf(err, SIF_EFORMAT, "fake Xen: stream shorter than its headers");
		goto out;
	}
	if (sif_write_exact(out, head, sizeof(head), path, err) < 0)
		goto out;
	do {
		if (take_record(fd, out, &type, err) < 0)
			goto out;
	} while (type != 0);
	if (logf_(x, "domain_restore", err, " domid=%u hvm=%d", domid, hvm) < 0)
		goto out;
	memset(res, 0, sizeof(*res));
	res->store_evtchn = 1;
	res->console_evtchn = 2;
	rc = 0;
out:
	close(out);
	return rc;
}

static int send_file(const char *path, int fd, uint64_t *len, struct sif_err *err)
{
	int in = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t n = 0;
	int rc;

	if (in < 0)
		return sif_errno(err, SIF_EBACKEND, "fake Xen: nothing to save (%s)", path);
	rc = copy_fd(in, fd, UINT64_MAX, &n, err);
	close(in);
	if (len)
		*len = n;
	return rc;
}

static int fake_save(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
		     struct sif_err *err)
{
	struct fake *f = x->priv;
	char path[4096];

	if (logf_(x, "domain_save", err, " domid=%u hvm=%d", domid, hvm) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/save.libxc", f->dir);
	return send_file(path, fd, NULL, err);
}

/* State handed over, every byte, into dir/name. */
static int keep_bytes(struct fake *f, const char *name, const void *buf, size_t len,
		      struct sif_err *err)
{
	char path[4096];
	int out, rc;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		return sif_errno(err, SIF_EIO, "fake Xen: %s", path);
	rc = sif_write_exact(out, buf, len, path, err);
	close(out);
	return rc;
}

static int fake_dm_load(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			struct sif_err *err)
{
	char name[64];

	snprintf(name, sizeof(name), "dm-%u.state", domid);
	if (keep_bytes(x->priv, name, buf, len, err) < 0)
		return -1;
	return logf_(x, "dm_state_load", err, " domid=%u bytes=%zu", domid, len);
}

static int fake_varstored(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			  struct sif_err *err)
{
	char name[64];

	snprintf(name, sizeof(name), "efivars-%u.dat", domid);
	if (keep_bytes(x->priv, name, buf, len, err) < 0)
		return -1;
	return logf_(x, "varstored_restore", err, " domid=%u bytes=%zu", domid, len);
}

static int fake_vtpm(struct sif_xen *x, uint32_t domid, unsigned index, const void *buf,
		     size_t len, enum sif_vtpm_form form, struct sif_err *err)
{
	unsigned char *raw;
	size_t raw_len;
	char name[64];

	snprintf(name, sizeof(name), "vtpm-%u.%u.state", domid, index);
	if (keep_bytes(x->priv, name, buf, len, err) < 0)
		return -1;
	/* what the real backend would write for swtpm: refused as it would be */
	if (sif_vtpm_state_bytes(buf, len, form, &raw, &raw_len, err) < 0)
		return -1;
	free(raw);
	return logf_(x, "vtpm_restore", err, " domid=%u index=%u form=%s bytes=%zu state=%zu",
		     domid, index, form == SIF_VTPM_RAW ? "raw" : "base64", len, raw_len);
}

static int fake_dm_save(struct sif_xen *x, uint32_t domid, int fd, uint64_t *len,
			struct sif_err *err)
{
	struct fake *f = x->priv;
	char path[4096];

	if (logf_(x, "dm_state_save", err, " domid=%u", domid) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/save.qemu", f->dir);
	return send_file(path, fd, len, err);
}

static int fake_unpause(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	return logf_(x, "domain_unpause", err, " domid=%u", domid);
}

static int fake_destroy(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	return logf_(x, "domain_destroy", err, " domid=%u", domid);
}

static int fake_lookup(struct sif_xen *x, const char *uuid, uint32_t *domid,
		       struct sif_err *err)
{
	struct fake *f = x->priv;

	/* the fake runs every VM it is asked about, as the next domain */
	*domid = f->next_domid++;
	return logf_(x, "domain_lookup", err, " %s -> domid=%u", uuid, *domid);
}

static int fake_xs_write(struct sif_xen *x, const char *path, const char *value,
			 struct sif_err *err)
{
	return logf_(x, "xs_write", err, " %s=%s", path, value);
}

static int fake_xs_read(struct sif_xen *x, const char *path, char **value,
			struct sif_err *err)
{
	*value = NULL;
	if (logf_(x, "xs_read", err, " %s", path) < 0)
		return -1;
	return sif_errf(err, SIF_ENOTFOUND, "fake Xen: xenstore has no %s", path);
}

static void fake_close(struct sif_xen *x)
{
	struct fake *f = x->priv;

	if (f->log)
		fclose(f->log);
	free(f->dir);
	free(f->fail_at);
	free(f);
	free(x);
}

static const struct sif_xen_ops fake_ops = {
	.name = "fake",
	.domain_create = fake_create,
	.domain_restore = fake_restore,
	.domain_save = fake_save,
	.dm_state_load = fake_dm_load,
	.dm_state_save = fake_dm_save,
	.varstored_restore = fake_varstored,
	.vtpm_restore = fake_vtpm,
	.domain_unpause = fake_unpause,
	.domain_destroy = fake_destroy,
	.domain_lookup = fake_lookup,
	.xs_write = fake_xs_write,
	.xs_read = fake_xs_read,
	.close = fake_close,
};

int sif_xen_open_fake(struct sif_xen **out, const char *dir, const char *fail_at,
		      struct sif_err *err)
{
	struct sif_xen *x = calloc(1, sizeof(*x));
	struct fake *f = calloc(1, sizeof(*f));
	char path[4096];

	*out = NULL;
	if (!x || !f || !(f->dir = strdup(dir)) || (fail_at && !(f->fail_at = strdup(fail_at)))) {
		free(x);
		if (f)
			free(f->dir);
		free(f);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	x->ops = &fake_ops;
	x->priv = f;
	f->next_domid = 1;
	snprintf(path, sizeof(path), "%s/calls.log", dir);
	{
		/* private like every file sif writes, whatever the umask */
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		f->log = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (fd >= 0 && !f->log)
			close(fd);
	}
	if (!f->log) {
		sif_errno(err, SIF_EIO, "fake Xen: %s", path);
		fake_close(x);
		return -1;
	}
	*out = x;
	return 0;
}

void sif_xen_close(struct sif_xen *x)
{
	if (x)
		x->ops->close(x);
}
