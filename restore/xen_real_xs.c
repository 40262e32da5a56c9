/*
 * The xenstore entries of a domain the real backend restores, laid out as
 * `xl restore` leaves them for the same guest (libxl's libxl__domain_make,
 * libxl__build_post and its console device, Xen 4.17), so that xenstored,
 * xenconsoled, the guest's drivers and `xl` find what they expect.  The
 * permissions decide what the guest may do: "ro" nodes are dom0's and the
 * guest reads them, "rw" nodes are the guest's own.
 *
 *   /local/domain/N                  ro: name domid vm cpu/ memory/ store/
 *     control/                       ro; shutdown sysrq feature-* rw
 *     device/ (suspend/event-channel rw)  data drivers feature attr error rw
 *     platform/                      ro: the VM's platformdata (as xenopsd)
 *     console/                       ro; backend-id the guest's
 *     hvmloader/                     HVM only
 *   /vm/<uuid>                       ro: name uuid image/ostype start_time
 *   /local/domain/0/backend/console/N/0   the console backend
 *
 * Not written: libxl's private /libxl/N (its bookkeeping of the domains it
 * made) and the device nodes of an xl config (vkbd...), which are not the
 * restore's.  The device model adds serial/0/tty, image/device-model-pid and
 * /local/domain/0/device-model/N (restore/xen_real_dm.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "sif/sexpr.h"
#include "xen_real.h"

#define CONSOLE_LIMIT "1048576"         /* libxl's LIBXL_XENCONSOLE_LIMIT */
#define TRIES 10                         /* transactions that collide (EAGAIN) */

enum perm { INHERIT, RO, RW, FRONT, DOM0 };

struct node {
	xs_transaction_t t;
	uint32_t domid;
	int failed_errno;
	char failed[300];
};

static void set_perm(struct xr *r, struct node *n, const char *path, enum perm p)
{
	struct xs_permissions ps[2];
	unsigned np = 0;

	switch (p) {
	case INHERIT:
		return;
	case RO:        /* dom0's; the guest reads */
		ps[0] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_NONE };
		ps[1] = (struct xs_permissions){ .id = n->domid, .perms = XS_PERM_READ };
		np = 2;
		break;
	case RW:        /* the guest's */
		ps[0] = (struct xs_permissions){ .id = n->domid, .perms = XS_PERM_NONE };
		np = 1;
		break;
	case FRONT:     /* the guest's; the backend (dom0) reads */
		ps[0] = (struct xs_permissions){ .id = n->domid, .perms = XS_PERM_NONE };
		ps[1] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_READ };
		np = 2;
		break;
	case DOM0:
		ps[0] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_NONE };
		np = 1;
		break;
	}
	if (!n->failed_errno && !X.xs_set_permissions(r->xsh, n->t, path, ps, np)) {
		n->failed_errno = errno;
		snprintf(n->failed, sizeof(n->failed), "permissions of %.256s", path);
	}
}

/* put PATH=VALUE with permissions p; errors are kept for the commit */
static void put(struct xr *r, struct node *n, enum perm p, const char *value,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void put(struct xr *r, struct node *n, enum perm p, const char *value,
		const char *fmt, ...)
{
	char path[256];
	va_list ap;

	if (n->failed_errno)
		return;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!X.xs_write(r->xsh, n->t, path, value, (unsigned)strlen(value))) {
		n->failed_errno = errno;
		snprintf(n->failed, sizeof(n->failed), "%.256s", path);
		return;
	}
	set_perm(r, n, path, p);
}

/* Run fill in one transaction, again while xenstored reports a collision. */
static int in_transaction(struct xr *r, uint32_t domid, const char *what,
			  void (*fill)(struct xr *, struct node *, const void *), const void *arg,
			  struct sif_err *err)
{
	for (int i = 0; i < TRIES; i++) {
		struct node n = { .domid = domid };

		n.t = X.xs_transaction_start(r->xsh);
		if (n.t == XBT_NULL)
			return sif_errno(err, SIF_EBACKEND, "xenstore transaction for %s of domain %u",
					 what, domid);
		fill(r, &n, arg);
		if (n.failed_errno) {
			X.xs_transaction_end(r->xsh, n.t, true);
			errno = n.failed_errno;
			return sif_errno(err, SIF_EBACKEND, "xenstore: writing %s (%s of domain %u)",
					 n.failed, what, domid);
		}
		if (X.xs_transaction_end(r->xsh, n.t, false))
			return 0;
		if (errno != EAGAIN)
			return sif_errno(err, SIF_EBACKEND, "xenstore: committing %s of domain %u",
					 what, domid);
	}
	return sif_errf(err, SIF_EBACKEND, "xenstore: %s of domain %u collided %d times",
			what, domid, TRIES);
}

static void fill_make(struct xr *r, struct node *n, const void *arg)
{
	const char *ctl[] = { "shutdown", "feature-poweroff", "feature-reboot", "feature-suspend",
			      "sysrq" };
	const char *ctl_hvm[] = { "feature-s3", "feature-s4" };   /* ACPI S3, S4 */
	const char *own[] = { "data", "drivers", "feature", "attr", "error" };
	const struct sif_strlist *pd = r->spec.platformdata;
	uint32_t d = n->domid;
	char vm[64], dom[32];

	(void)arg;
	snprintf(vm, sizeof(vm), "/vm/%s", r->uuid);
	/* whatever an earlier domain of this id or VM left */
	snprintf(dom, sizeof(dom), "/local/domain/%u", d);
	X.xs_rm(r->xsh, n->t, dom);
	X.xs_rm(r->xsh, n->t, vm);
	put(r, n, RO, "", "/local/domain/%u", d);
	put(r, n, RO, "", "%s", vm);
	put(r, n, INHERIT, vm, "/local/domain/%u/vm", d);
	put(r, n, INHERIT, r->name, "/local/domain/%u/name", d);
	put(r, n, RO, "", "/local/domain/%u/cpu", d);
	put(r, n, RO, "", "/local/domain/%u/memory", d);
	put(r, n, RO, "", "/local/domain/%u/device", d);
	put(r, n, RW, "", "/local/domain/%u/device/suspend/event-channel", d);
	put(r, n, RO, "", "/local/domain/%u/control", d);
	if (r->spec.hvm)
		put(r, n, RO, "", "/local/domain/%u/hvmloader", d);
	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
		put(r, n, RW, "", "/local/domain/%u/control/%s", d, ctl[i]);
	for (size_t i = 0; r->spec.hvm && i < sizeof(ctl_hvm) / sizeof(ctl_hvm[0]); i++)
		put(r, n, RW, "", "/local/domain/%u/control/%s", d, ctl_hvm[i]);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		put(r, n, RW, "", "/local/domain/%u/%s", d, own[i]);
	put(r, n, INHERIT, r->uuid, "%s/uuid", vm);
	put(r, n, INHERIT, r->name, "%s/name", vm);
	for (size_t i = 0; pd && i < pd->n; i++)
		if (pd->vals && pd->vals[i] && !strchr(pd->keys[i], '/'))
			put(r, n, INHERIT, pd->vals[i], "/local/domain/%u/platform/%s", d, pd->keys[i]);
	put(r, n, INHERIT, "1", "/local/domain/%u/control/platform-feature-multiprocessor-suspend", d);
	put(r, n, INHERIT, "1", "/local/domain/%u/control/platform-feature-xs_reset_watches", d);
}

int xr_xs_domain_make(struct xr *r, uint32_t domid, struct sif_err *err)
{
	return in_transaction(r, domid, "the directories", fill_make, NULL, err);
}

static void fill_post(struct xr *r, struct node *n, const void *arg)
{
	const struct sif_restore_result *res = arg;
	uint32_t d = n->domid;
	char v[64], be[96], fe[64];
	struct timeval now;

	snprintf(v, sizeof(v), "%" PRIu64, r->spec.memory_kib);
	put(r, n, INHERIT, v, "/local/domain/%u/memory/static-max", d);
	put(r, n, INHERIT, v, "/local/domain/%u/memory/target", d);
	put(r, n, INHERIT, "0", "/local/domain/%u/memory/videoram", d);
	snprintf(v, sizeof(v), "%u", d);
	put(r, n, INHERIT, v, "/local/domain/%u/domid", d);
	snprintf(v, sizeof(v), "%u", res->store_evtchn);
	put(r, n, INHERIT, v, "/local/domain/%u/store/port", d);
	snprintf(v, sizeof(v), "%lu", res->store_mfn);
	put(r, n, INHERIT, v, "/local/domain/%u/store/ring-ref", d);
	for (unsigned i = 0; i < (r->spec.vcpus ? r->spec.vcpus : 1); i++)
		put(r, n, INHERIT, "online", "/local/domain/%u/cpu/%u/availability", d, i);
	gettimeofday(&now, NULL);
	snprintf(v, sizeof(v), "%lld.%02d", (long long)now.tv_sec, (int)(now.tv_usec / 10000));
	if (r->spec.hvm)
		put(r, n, INHERIT, "", "/vm/%s/rtc/timeoffset", r->uuid);
	put(r, n, INHERIT, r->spec.hvm ? "hvm" : "linux", "/vm/%s/image/ostype", r->uuid);
	put(r, n, INHERIT, v, "/vm/%s/start_time", r->uuid);
	/* the console: backend for xenconsoled, frontend read-only to the guest
	 * but for backend-id (console 0 is not a regular PV device) */
	snprintf(be, sizeof(be), "/local/domain/%u/backend/console/%u/0", r->console_domid, d);
	snprintf(fe, sizeof(fe), "/local/domain/%u/console", d);
	put(r, n, RO, "", "%s", be);
	put(r, n, INHERIT, fe, "%s/frontend", be);
	snprintf(v, sizeof(v), "%u", d);
	put(r, n, INHERIT, v, "%s/frontend-id", be);
	put(r, n, INHERIT, "1", "%s/online", be);
	put(r, n, INHERIT, "1", "%s/state", be);
	put(r, n, INHERIT, "vt100", "%s/protocol", be);
	put(r, n, RO, "", "%s", fe);
	put(r, n, INHERIT, be, "%s/backend", fe);
	snprintf(v, sizeof(v), "%u", r->console_domid);
	put(r, n, FRONT, v, "%s/backend-id", fe);
	put(r, n, RO, CONSOLE_LIMIT, "%s/limit", fe);
	put(r, n, RO, "xenconsoled", "%s/type", fe);
	put(r, n, RO, "pty", "%s/output", fe);
	put(r, n, RO, "", "%s/tty", fe);
	snprintf(v, sizeof(v), "%u", res->console_evtchn);
	put(r, n, RO, v, "%s/port", fe);
	snprintf(v, sizeof(v), "%lu", res->console_mfn);
	put(r, n, RO, v, "%s/ring-ref", fe);
	if (r->spec.hvm) {
		put(r, n, INHERIT, "seabios", "/local/domain/%u/hvmloader/bios", d);
		put(r, n, INHERIT, "0", "/local/domain/%u/hvmloader/allow-memory-relocate", d);
	}
}

int xr_xs_domain_post(struct xr *r, uint32_t domid, const struct sif_restore_result *res,
		      struct sif_err *err)
{
	if (in_transaction(r, domid, "the restored domain's entries", fill_post, res, err) < 0)
		return -1;
	if (!X.xs_introduce_domain(r->xsh, domid, res->store_mfn, res->store_evtchn))
		return sif_errno(err, SIF_EBACKEND, "introducing domain %u to xenstored", domid);
	return 0;
}

void xr_xs_domain_remove(struct xr *r, uint32_t domid)
{
	char path[128], *vm;
	char **kinds;
	unsigned n = 0;

	vm = xr_xs_readf(r, "/local/domain/%u/vm", domid);
	kinds = X.xs_directory(r->xsh, XBT_NULL, "/local/domain/0/backend", &n);
	for (unsigned i = 0; kinds && i < n; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", kinds[i], domid);
		X.xs_rm(r->xsh, XBT_NULL, path);
	}
	free(kinds);
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u", domid);
	X.xs_rm(r->xsh, XBT_NULL, path);
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	X.xs_rm(r->xsh, XBT_NULL, path);
	if (vm && !strncmp(vm, "/vm/", 4) && vm[4] && !strchr(vm + 4, '/'))
		X.xs_rm(r->xsh, XBT_NULL, vm);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	X.xs_rm(r->xsh, XBT_NULL, path);
	free(vm);
}

int xr_xs_printf(struct xr *r, const char *value, struct sif_err *err, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!X.xs_write(r->xsh, XBT_NULL, path, value, (unsigned)strlen(value)))
		return sif_errno(err, SIF_EBACKEND, "xenstore write %s", path);
	return 0;
}

char *xr_xs_readf(struct xr *r, const char *fmt, ...)
{
	char path[256];
	unsigned len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return X.xs_read(r->xsh, XBT_NULL, path, &len);
}
