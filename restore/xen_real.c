/*
 * The real Xen backend (see sif/xen.h) on Debian's libxenctrl, libxenguest
 * and libxenstore.  Compiled and linked into every build; on a machine
 * without a hypervisor, opening it fails with a message saying so, and
 * nothing else here runs.  It does what xenopsd's domain code does for a
 * restore: create the domain, allocate the store and console event
 * channels, have libxenguest read the stream, introduce the domain to
 * xenstore; and for a save, suspend through the control/shutdown node.
 *
 * The three libraries are loaded when the backend is opened, not at every
 * start of sif: linked, they cost each process ~1.1 MiB and half a
 * millisecond, which the image commands cannot spare.  Their functions keep
 * the prototypes of Debian's libxen-dev headers.
 */
#define __XEN_TOOLS__ 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>

#include "sif/io.h"
#include "sif/xen.h"
#include "xen_real_efi.h"

#define QEMU_RESUME_PATH "/var/lib/xen/qemu-resume.%u"
#define QEMU_SAVE_PATH "/var/lib/xen/qemu-save.%u"
#define SUSPEND_TIMEOUT_S 60

/* The functions of libxenctrl, libxenguest and libxenstore used here. */
static struct {
	__typeof__(xc_interface_open) *interface_open;
	__typeof__(xc_interface_close) *interface_close;
	__typeof__(xc_domain_create) *domain_create;
	__typeof__(xc_domain_setmaxmem) *domain_setmaxmem;
	__typeof__(xc_evtchn_alloc_unbound) *evtchn_alloc_unbound;
	__typeof__(xc_domain_getinfolist) *domain_getinfolist;
	__typeof__(xc_domain_unpause) *domain_unpause;
	__typeof__(xc_domain_destroy) *domain_destroy;
	__typeof__(xc_domain_restore) *domain_restore;
	__typeof__(xc_domain_save) *domain_save;
	__typeof__(xs_open) *xs_open;
	__typeof__(xs_close) *xs_close;
	__typeof__(xs_read) *xs_read;
	__typeof__(xs_write) *xs_write;
	__typeof__(xs_introduce_domain) *xs_introduce_domain;
} X;

static int load_lib(const char *soname, void **h, struct sif_err *err)
{
	if (*h)
		return 0;
	*h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!*h)
		return sif_errf(err, SIF_EBACKEND, "cannot load %s (Debian package libxen-4.17 / "
				"libxenstore4): %s", soname, dlerror());
	return 0;
}

#define SYM(h, field, name) \
	do { \
		if (!(*(void **)&X.field = dlsym(h, name))) \
			return sif_errf(err, SIF_EBACKEND, "Xen library without %s", name); \
	} while (0)

/* Once per process; the handles stay open for its life. */
static int load_xen(struct sif_err *err)
{
	static void *ctrl, *guest, *store;

	if (X.xs_introduce_domain)
		return 0;
	if (load_lib("libxenctrl.so.4.17", &ctrl, err) < 0 ||
	    load_lib("libxenguest.so.4.17", &guest, err) < 0 ||
	    load_lib("libxenstore.so.4", &store, err) < 0)
		return -1;
	SYM(ctrl, interface_open, "xc_interface_open");
	SYM(ctrl, interface_close, "xc_interface_close");
	SYM(ctrl, domain_create, "xc_domain_create");
	SYM(ctrl, domain_setmaxmem, "xc_domain_setmaxmem");
	SYM(ctrl, evtchn_alloc_unbound, "xc_evtchn_alloc_unbound");
	SYM(ctrl, domain_getinfolist, "xc_domain_getinfolist");
	SYM(ctrl, domain_unpause, "xc_domain_unpause");
	SYM(ctrl, domain_destroy, "xc_domain_destroy");
	SYM(guest, domain_restore, "xc_domain_restore");
	SYM(guest, domain_save, "xc_domain_save");
	SYM(store, xs_open, "xs_open");
	SYM(store, xs_close, "xs_close");
	SYM(store, xs_read, "xs_read");
	SYM(store, xs_write, "xs_write");
	SYM(store, xs_introduce_domain, "xs_introduce_domain");
	return 0;
}

struct real {
	xc_interface *xch;
	struct xs_handle *xsh;
};

static struct real *R(struct sif_xen *x)
{
	return x->priv;
}

static int uuid_handle(const char *uuid, xen_domain_handle_t h)
{
	unsigned v[16];

	if (!uuid || sscanf(uuid, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x",
			    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			    &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16)
		return -1;
	for (int i = 0; i < 16; i++)
		h[i] = (uint8_t)v[i];
	return 0;
}

static int real_create(struct sif_xen *x, const struct sif_domain_spec *s,
		       uint32_t *domid, struct sif_err *err)
{
	struct xen_domctl_createdomain cfg = {
		.flags = s->hvm ? XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap : 0,
		.max_vcpus = s->vcpus ? s->vcpus : 1,
		.max_evtchn_port = -1,
		.max_grant_frames = 64,
		.max_maptrack_frames = 1024,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};

	if (!s->hvm_known)
		return sif_errf(err, SIF_EUSAGE, "domain create: PV or HVM is not known for "
				"VM %s (is the VM in the pool database?)", s->uuid ? s->uuid : "");
	if (uuid_handle(s->uuid, cfg.handle) < 0)
		return sif_errf(err, SIF_EUSAGE, "domain create: '%s' is not a uuid",
				s->uuid ? s->uuid : "");
	cfg.arch.emulation_flags = s->hvm ? XEN_X86_EMU_ALL : 0;
	*domid = 0;
	if (X.domain_create(R(x)->xch, domid, &cfg) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_create for VM %s", s->uuid);
	if (X.domain_setmaxmem(R(x)->xch, *domid, s->memory_kib) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_setmaxmem of domain %u", *domid);
	return 0;
}

static int real_restore(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			struct sif_restore_result *res, struct sif_err *err)
{
	struct restore_callbacks cb = { 0 };
	int store, console;

	(void)hvm;
	memset(res, 0, sizeof(*res));
	store = X.evtchn_alloc_unbound(R(x)->xch, domid, 0);
	console = X.evtchn_alloc_unbound(R(x)->xch, domid, 0);
	if (store < 0 || console < 0)
		return sif_errno(err, SIF_EBACKEND, "allocating event channels for domain %u",
				 domid);
	res->store_evtchn = (unsigned)store;
	res->console_evtchn = (unsigned)console;
	if (X.domain_restore(R(x)->xch, fd, domid, res->store_evtchn, &res->store_mfn, 0,
			      res->console_evtchn, &res->console_mfn, 0, XC_STREAM_PLAIN,
			      &cb, -1) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_restore of domain %u", domid);
	if (!X.xs_introduce_domain(R(x)->xsh, domid, res->store_mfn, res->store_evtchn))
		return sif_errno(err, SIF_EBACKEND, "introducing domain %u to xenstore", domid);
	return 0;
}

static int suspend_cb(void *data)
{
	struct sif_xen *x = ((void **)data)[0];
	uint32_t domid = *(uint32_t *)((void **)data)[1];
	char path[128];
	xc_domaininfo_t info;
	time_t end = time(NULL) + SUSPEND_TIMEOUT_S;

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!X.xs_write(R(x)->xsh, XBT_NULL, path, "suspend", 7))
		return 0;
	while (time(NULL) < end) {
		if (X.domain_getinfolist(R(x)->xch, domid, 1, &info) == 1 &&
		    info.domain == domid && (info.flags & XEN_DOMINF_shutdown) &&
		    ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) ==
			    SHUTDOWN_suspend)
			return 1;
		usleep(10000);
	}
	return 0;
}

static int real_save(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
		     struct sif_err *err)
{
	void *data[2] = { x, &domid };
	struct save_callbacks cb = { .suspend = suspend_cb, .data = data };

	(void)hvm;
	if (X.domain_save(R(x)->xch, fd, domid, 0, &cb, XC_STREAM_PLAIN, -1) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_save of domain %u", domid);
	return 0;
}

/* qemu-trad loads its state from this file when started with -loadvm. */
static int real_dm_load(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			struct sif_err *err)
{
	struct sif_atomic_file af;
	char path[64];

	(void)x;
	snprintf(path, sizeof(path), QEMU_RESUME_PATH, domid);
	if (sif_atomic_open(&af, path, 0600, err) < 0)
		return -1;
	if (sif_write_exact(af.fd, buf, len, path, err) < 0) {
		sif_atomic_abort(&af);
		return -1;
	}
	return sif_atomic_commit(&af, err);
}

static int real_dm_save(struct sif_xen *x, uint32_t domid, int fd, uint64_t *len,
			struct sif_err *err)
{
	char cmd[96], state[96], path[64], buf[65536];
	time_t end = time(NULL) + SUSPEND_TIMEOUT_S;
	int in, rc = -1;

	snprintf(cmd, sizeof(cmd), "/local/domain/0/device-model/%u/command", domid);
	snprintf(state, sizeof(state), "/local/domain/0/device-model/%u/state", domid);
	if (!X.xs_write(R(x)->xsh, XBT_NULL, cmd, "save", 4))
		return sif_errno(err, SIF_EBACKEND, "asking the device model of %u to save", domid);
	for (;;) {
		unsigned n;
		char *v = X.xs_read(R(x)->xsh, XBT_NULL, state, &n);
		int done = v && !strcmp(v, "paused");

		free(v);
		if (done)
			break;
		if (time(NULL) >= end)
			return sif_errf(err, SIF_EBACKEND,
					"device model of domain %u did not save within %d s",
					domid, SUSPEND_TIMEOUT_S);
		usleep(10000);
	}
	snprintf(path, sizeof(path), QEMU_SAVE_PATH, domid);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sif_errno(err, SIF_EBACKEND, "%s", path);
	*len = 0;
	for (;;) {
		ssize_t r = sif_read_full(in, buf, sizeof(buf));

		if (r < 0) {
			sif_errno(err, SIF_EIO, "reading %s", path);
			goto out;
		}
		if (r == 0)
			break;
		if (sif_write_exact(fd, buf, (size_t)r, "device-model state", err) < 0)
			goto out;
		*len += (uint64_t)r;
	}
	rc = 0;
out:
	close(in);
	return rc;
}

static int real_unpause(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	if (X.domain_unpause(R(x)->xch, domid) < 0)
		return sif_errno(err, SIF_EBACKEND, "unpausing domain %u", domid);
	return 0;
}

static int real_destroy(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	if (X.domain_destroy(R(x)->xch, domid) < 0)
		return sif_errno(err, SIF_EBACKEND, "destroying domain %u", domid);
	return 0;
}

static int real_lookup(struct sif_xen *x, const char *uuid, uint32_t *domid,
		       struct sif_err *err)
{
	xen_domain_handle_t want;
	xc_domaininfo_t info[64];
	uint32_t next = 0;
	int n;

	if (uuid_handle(uuid, want) < 0)
		return sif_errf(err, SIF_EUSAGE, "'%s' is not a uuid", uuid);
	while ((n = X.domain_getinfolist(R(x)->xch, next, 64, info)) > 0) {
		for (int i = 0; i < n; i++)
			if (!memcmp(info[i].handle, want, sizeof(want))) {
				*domid = info[i].domain;
				return 0;
			}
		next = info[n - 1].domain + 1;
	}
	if (n < 0)
		return sif_errno(err, SIF_EBACKEND, "listing domains");
	return sif_errf(err, SIF_ENOTFOUND, "no domain runs VM %s", uuid);
}

static int real_xs_write(struct sif_xen *x, const char *path, const char *value,
			 struct sif_err *err)
{
	if (!X.xs_write(R(x)->xsh, XBT_NULL, path, value, (unsigned)strlen(value)))
		return sif_errno(err, SIF_EBACKEND, "xenstore write %s", path);
	return 0;
}

static int real_xs_read(struct sif_xen *x, const char *path, char **value,
			struct sif_err *err)
{
	unsigned n;

	*value = X.xs_read(R(x)->xsh, XBT_NULL, path, &n);
	if (!*value)
		return sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EBACKEND,
				 "xenstore read %s", path);
	return 0;
}

static void real_close(struct sif_xen *x)
{
	struct real *r = x->priv;

	if (r->xsh)
		X.xs_close(r->xsh);
	if (r->xch)
		X.interface_close(r->xch);
	free(r);
	free(x);
}

static const struct sif_xen_ops real_ops = {
	.name = "xen",
	.domain_create = real_create,
	.domain_restore = real_restore,
	.domain_save = real_save,
	.dm_state_load = real_dm_load,
	.dm_state_save = real_dm_save,
	.varstored_restore = real_varstored_restore,
	.vtpm_restore = real_vtpm_restore,
	.domain_unpause = real_unpause,
	.domain_destroy = real_destroy,
	.domain_lookup = real_lookup,
	.xs_write = real_xs_write,
	.xs_read = real_xs_read,
	.close = real_close,
};

int sif_xen_open_real(struct sif_xen **out, struct sif_err *err)
{
	struct sif_xen *x = calloc(1, sizeof(*x));
	struct real *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!x || !r) {
		free(x);
		free(r);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	x->ops = &real_ops;
	x->priv = r;
	/* The libraries first (also where there is no hypervisor, so that a
	 * broken install shows everywhere); then the hypervisor, checked before
	 * libxenctrl's own open so that the message says what is missing. */
	if (load_xen(err) < 0) {
		real_close(x);
		return -1;
	}
	if (access("/dev/xen/privcmd", F_OK) < 0 && access("/proc/xen/privcmd", F_OK) < 0) {
		real_close(x);
		return sif_errf(err, SIF_EBACKEND,
				"no Xen hypervisor here (no /dev/xen/privcmd): this host is not "
				"a Xen dom0; use --dry-run to validate without restoring");
	}
	r->xch = X.interface_open(NULL, NULL, 0);
	if (!r->xch) {
		sif_errno(err, SIF_EBACKEND, "cannot open the hypervisor interface (libxenctrl)");
		real_close(x);
		return -1;
	}
	r->xsh = X.xs_open(0);
	if (!r->xsh) {
		sif_errno(err, SIF_EBACKEND, "cannot connect to xenstore");
		real_close(x);
		return -1;
	}
	*out = x;
	return 0;
}
