/*
 * The real Xen backend (see sif/xen.h) on Debian's libxenctrl, libxenguest
 * and libxenstore (loaded on first use: restore/xen_real_lib.c).  Compiled
 * into every build; on a machine without a hypervisor opening it fails with
 * a message saying so, and nothing else here runs.
 *
 * A restored domain is made as `xl restore` makes it (Xen 4.17's libxl:
 * libxl__domain_make, libxl__build_pre, libxl__arch_domain_create): the
 * same domain flags, vcpus, memory limits, TSC mode, HVM parameters and
 * paging pool, event channels for xenstore and the console; libxenguest
 * reads the stream; the xenstore entries follow (restore/xen_real_xs.c); an
 * HVM domain gets its qemu-xen device model (restore/xen_real_dm.c).  A
 * save suspends the guest as libxl does (control/shutdown, or a shutdown
 * hypercall for an HVM guest without PV drivers) and stops and saves the
 * device model while the guest is suspended.  Destroying removes the device
 * model, the domain and every xenstore entry of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sif/io.h"
#include "sif/sexpr.h"
#include "xen_real.h"
#include "xen_real_efi.h"

#define SUSPEND_TIMEOUT_S 60    /* libxl's wait for the guest's acknowledgement */
#define MAXMEM_SLACK_KIB 1024   /* libxl's LIBXL_MAXMEM_CONSTANT */
#define EVENT_CHANNELS 1023     /* libxl's default event_channels */

static struct xr *R(struct sif_xen *x)
{
	return x->priv;
}

static int uuid_handle(const char *uuid, xen_domain_handle_t h)
{
	unsigned v[16];
	int end = 0;

	if (!uuid || sscanf(uuid, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x%n",
			    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
			    &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15], &end) != 16 ||
	    end != 36 || uuid[36])
		return -1;
	for (int i = 0; i < 16; i++)
		h[i] = (uint8_t)v[i];
	return 0;
}

static int domain_info(struct xr *r, uint32_t domid, xc_domaininfo_t *info)
{
	return X.domain_getinfolist(r->xch, domid, 1, info) == 1 && info->domain == domid ? 0 : -1;
}

/* --- create ------------------------------------------------------------------ */

/* The xenstored and xenconsoled domains (libxl reads the same keys). */
static uint32_t tool_domid(struct xr *r, const char *tool)
{
	char *v = xr_xs_readf(r, "/tool/%s/domid", tool);
	uint32_t d = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

	free(v);
	return d;
}

/* HVM settings libxl makes before a restore (the stream carries the rest) */
static int hvm_settings(struct xr *r, uint32_t domid, const struct sif_domain_spec *s,
			struct sif_err *err)
{
	static const struct { int param; uint64_t value; const char *name; } params[] = {
		{ HVM_PARAM_HPET_ENABLED, 1, "HPET_ENABLED" },
		{ HVM_PARAM_VPT_ALIGN, 1, "VPT_ALIGN" },
		{ HVM_PARAM_TIMER_MODE, HVMPTM_no_delay_for_missed_ticks, "TIMER_MODE" },
		{ HVM_PARAM_ALTP2M, XEN_ALTP2M_disabled, "ALTP2M" },
	};
	uint64_t mib = s->memory_kib / 1024, pool_kib;

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (X.hvm_param_set(r->xch, domid, params[i].param, params[i].value) < 0)
			return sif_errno(err, SIF_EBACKEND, "setting HVM_PARAM_%s of domain %u",
					 params[i].name, domid);
	/* libxl__get_required_paging_memory for HAP: 1 MiB a vcpu + 4 KiB a MiB */
	pool_kib = 4 * (256 * (uint64_t)s->vcpus + mib);
	if (X.set_paging_mempool_size(r->xch, domid, pool_kib << 10) < 0)
		return sif_errno(err, SIF_EBACKEND, "setting the paging pool of domain %u to %llu KiB",
				 domid, (unsigned long long)pool_kib);
	return 0;
}

static int build_pre(struct xr *r, uint32_t domid, const struct sif_domain_spec *s,
		     struct sif_err *err)
{
	int store, console;

	if (X.domain_max_vcpus(r->xch, domid, s->vcpus) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_max_vcpus(%u) of domain %u",
				 s->vcpus, domid);
	if (X.domain_setmaxmem(r->xch, domid, s->memory_kib + MAXMEM_SLACK_KIB) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_setmaxmem of domain %u", domid);
	if (!s->hvm && X.domain_set_memmap_limit(r->xch, domid, s->memory_kib) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_set_memmap_limit of domain %u", domid);
	if (X.domain_set_tsc_info(r->xch, domid, 0 /* default */, 0, 0, 0) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_set_tsc_info of domain %u", domid);
	if (s->hvm && hvm_settings(r, domid, s, err) < 0)
		return -1;
	r->store_domid = tool_domid(r, "xenstored");
	r->console_domid = tool_domid(r, "xenconsoled");
	store = X.evtchn_alloc_unbound(r->xch, domid, r->store_domid);
	console = X.evtchn_alloc_unbound(r->xch, domid, r->console_domid);
	if (store < 0 || console < 0)
		return sif_errno(err, SIF_EBACKEND, "allocating the xenstore and console event "
				 "channels of domain %u", domid);
	r->store_port = (unsigned)store;
	r->console_port = (unsigned)console;
	return 0;
}

/*
 * An HVM guest booted directly (what xl's kernel=, ramdisk=, cmdline= do for
 * HVM: qemu loads them through fw_cfg) has that device in its saved state,
 * and its device model must be started the same way to load it.  xapi has
 * no field for it; the VM's platform map carries it, as it carries the
 * device model's other settings.
 */
static int boot_files(struct xr *r, const struct sif_strlist *pd, struct sif_err *err)
{
	static const char *keys[] = { "hvm-kernel", "hvm-ramdisk", "hvm-cmdline" };
	char **dst[] = { &r->boot_kernel, &r->boot_ramdisk, &r->boot_cmdline };

	for (size_t i = 0; i < 3; i++) {
		long at = pd ? sif_strlist_find(pd, keys[i]) : -1;

		free(*dst[i]);
		*dst[i] = NULL;
		if (at < 0 || !pd->vals || !pd->vals[at] || !*pd->vals[at])
			continue;
		if (!r->spec.hvm)
			return sif_errf(err, SIF_EUSAGE, "VM %s: platform:%s is for HVM guests",
					r->uuid, keys[i]);
		if (!(*dst[i] = strdup(pd->vals[at])))
			return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	if ((r->boot_ramdisk || r->boot_cmdline) && !r->boot_kernel)
		return sif_errf(err, SIF_EUSAGE, "VM %s: platform:hvm-ramdisk and hvm-cmdline need "
				"platform:hvm-kernel", r->uuid);
	return 0;
}

static int real_create(struct sif_xen *x, const struct sif_domain_spec *s,
		       uint32_t *domid, struct sif_err *err)
{
	struct xr *r = R(x);
	struct xen_domctl_createdomain cfg = {
		.flags = s->hvm ? XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap : 0,
		.max_vcpus = s->vcpus,
		.max_evtchn_port = EVENT_CHANNELS,
		.max_grant_frames = -1,         /* the hypervisor's defaults, as xl */
		.max_maptrack_frames = -1,
		.grant_opts = XEN_DOMCTL_GRANT_version(2),
	};

	*domid = 0;
	if (!s->hvm_known)
		return sif_errf(err, SIF_EUSAGE, "domain create: PV or HVM is not known for "
				"VM %s (is the VM in the pool database?)", s->uuid ? s->uuid : "");
	if (uuid_handle(s->uuid, cfg.handle) < 0)
		return sif_errf(err, SIF_EUSAGE, "domain create: '%s' is not a uuid",
				s->uuid ? s->uuid : "");
	if (!s->vcpus || !s->memory_kib)
		return sif_errf(err, SIF_EUSAGE, "domain create: VM %s has %u vcpus and %llu KiB "
				"of memory", s->uuid, s->vcpus, (unsigned long long)s->memory_kib);
	if (!s->name || !*s->name || strlen(s->name) >= sizeof(r->name))
		return sif_errf(err, SIF_EUSAGE, "domain create: VM %s has no usable name label",
				s->uuid);
	cfg.arch.emulation_flags = s->hvm ? XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI : 0;
	r->spec = *s;
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	snprintf(r->uuid, sizeof(r->uuid), "%s", s->uuid);
	r->spec.name = r->name;
	r->spec.uuid = r->uuid;
	if (boot_files(r, s->platformdata, err) < 0)
		return -1;
	if (X.domain_create(r->xch, domid, &cfg) < 0) {
		*domid = 0;
		return sif_errno(err, SIF_EBACKEND, "xc_domain_create for VM %s", s->uuid);
	}
	r->domid = *domid;
	if (build_pre(r, *domid, s, err) < 0 || xr_xs_domain_make(r, *domid, err) < 0) {
		struct sif_err ignored;

		x->ops->domain_destroy(x, *domid, &ignored);
		r->spec.platformdata = NULL;
		*domid = 0;
		return -1;
	}
	r->spec.platformdata = NULL;    /* the caller's, only valid during the call */
	return 0;
}

/* --- restore ------------------------------------------------------------------ */

/*
 * Streams from before Xen 4.14 (and every converted legacy one) carry no
 * CPUID policy: build one as libxl does for them.
 */
static int static_data_done(unsigned int missing, void *data)
{
	struct xr *r = data;

	if (!(missing & XGR_SDD_MISSING_CPUID))
		return 0;
	return X.cpuid_apply_policy(r->xch, r->domid, true, NULL, 0, true /* pae */,
				    false /* itsc */, false /* nested */, NULL, NULL);
}

static int real_restore(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			struct sif_restore_result *res, struct sif_err *err)
{
	struct xr *r = R(x);
	struct restore_callbacks cb = { .static_data_done = static_data_done, .data = r };

	(void)hvm;
	memset(res, 0, sizeof(*res));
	if (r->domid != domid)
		return sif_errf(err, SIF_EBACKEND, "domain %u was not created by this restore", domid);
	res->store_evtchn = r->store_port;
	res->console_evtchn = r->console_port;
	if (X.domain_restore(r->xch, fd, domid, r->store_port, &res->store_mfn, r->store_domid,
			     r->console_port, &res->console_mfn, r->console_domid, XC_STREAM_PLAIN,
			     &cb, -1) < 0)
		return sif_errno(err, SIF_EBACKEND, "xc_domain_restore of domain %u (see the xc: "
				 "lines above)", domid);
	return xr_xs_domain_post(r, domid, res, err);
}

/* --- save ---------------------------------------------------------------------- */

struct saving {
	struct xr *r;
	uint32_t domid;
	bool hvm;
	struct sif_err *err;
	bool failed;
};

static bool suspended(struct xr *r, uint32_t domid)
{
	xc_domaininfo_t info;

	return domain_info(r, domid, &info) == 0 && (info.flags & XEN_DOMINF_shutdown) &&
	       ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) ==
		       SHUTDOWN_suspend;
}

/*
 * Until the domain has shut down for suspend: woken by xenstored's
 * @releaseDomain (as libxl waits), not by polling the hypervisor.
 */
static int wait_suspended(struct saving *s, const char *asked)
{
	struct xr *r = s->r;
	time_t end = time(NULL) + SUSPEND_TIMEOUT_S;
	int rc = 0;

	if (!X.xs_watch(r->xsh, "@releaseDomain", "sif-suspend"))
		return sif_errno(s->err, SIF_EBACKEND, "xenstore watch @releaseDomain");
	while (!suspended(r, s->domid)) {
		struct pollfd p = { .fd = X.xs_fileno(r->xsh), .events = POLLIN };

		if (time(NULL) >= end) {
			rc = sif_errf(s->err, SIF_EBACKEND, "domain %u did not suspend within %d s "
				      "of the request (%s)", s->domid, SUSPEND_TIMEOUT_S, asked);
			break;
		}
		if (poll(&p, 1, 1000) > 0) {
			unsigned n;

			free(X.xs_read_watch(r->xsh, &n));
		}
	}
	X.xs_unwatch(r->xsh, "@releaseDomain", "sif-suspend");
	return rc;
}

/* as libxl: through control/shutdown, which the guest's PV drivers answer */
static int ask_guest(struct saving *s)
{
	struct xr *r = s->r;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", s->domid);
	if (!X.xs_write(r->xsh, XBT_NULL, path, "suspend", 7))
		return sif_errno(s->err, SIF_EBACKEND, "xenstore write %s", path);
	rc = wait_suspended(s, path);
	if (rc < 0) {
		unsigned n;
		char *v = X.xs_read(r->xsh, XBT_NULL, path, &n);

		/* withdraw a request nobody took, as libxl does */
		if (v && !strcmp(v, "suspend"))
			X.xs_write(r->xsh, XBT_NULL, path, "", 0);
		free(v);
	}
	return rc;
}

static int suspend_cb(void *data)
{
	struct saving *s = data;
	struct xr *r = s->r;
	uint64_t pvdrv = 1;
	char path[64];

	if (s->hvm)
		X.hvm_param_get(r->xch, s->domid, HVM_PARAM_CALLBACK_IRQ, &pvdrv);
	if (!pvdrv) {
		/* an HVM guest without PV drivers cannot be asked */
		if (X.domain_shutdown(r->xch, s->domid, SHUTDOWN_suspend) < 0) {
			sif_errno(s->err, SIF_EBACKEND, "suspending HVM domain %u", s->domid);
			goto fail;
		}
		if (wait_suspended(s, "shutdown hypercall") < 0)
			goto fail;
	} else if (ask_guest(s) < 0) {
		goto fail;
	}
	snprintf(path, sizeof(path), XR_DM_SAVE_PATH, s->domid);
	if (s->hvm && xr_dm_exists(r, s->domid) && xr_dm_save(r, s->domid, path, s->err) < 0)
		goto fail;
	return 1;
fail:
	s->failed = true;
	return 0;
}

/* libxenguest brackets an HVM save with these, as libxl answers them for qemu-xen */
static int logdirty_cb(uint32_t domid, unsigned enable, void *data)
{
	struct saving *s = data;

	if (!xr_dm_exists(s->r, domid))
		return 0;
	if (xr_dm_logdirty(s->r, domid, enable, s->err) < 0) {
		s->failed = true;
		return -1;
	}
	return 0;
}

static int real_save(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
		     struct sif_err *err)
{
	struct xr *r = R(x);
	struct saving s = { .r = r, .domid = domid, .err = err };
	struct save_callbacks cb = { .suspend = suspend_cb, .switch_qemu_logdirty = logdirty_cb,
				     .data = &s };
	xc_domaininfo_t info;

	(void)hvm;
	if (domain_info(r, domid, &info) < 0)
		return sif_errno(err, SIF_ENOTFOUND, "no domain %u", domid);
	s.hvm = info.flags & XEN_DOMINF_hvm_guest;
	if (X.domain_save(r->xch, fd, domid, 0, &cb, XC_STREAM_PLAIN, -1) < 0) {
		if (s.failed)
			return -1;
		return sif_errno(err, SIF_EBACKEND, "xc_domain_save of domain %u", domid);
	}
	return 0;
}

static int real_dm_load(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			struct sif_err *err)
{
	struct xr *r = R(x);

	if (r->domid != domid || !r->spec.hvm)
		return sif_errf(err, SIF_EREFUSED, "device-model state for domain %u, which is not "
				"an HVM domain of this restore", domid);
	return xr_dm_start(r, domid, buf, len, err);
}

static int real_dm_save(struct sif_xen *x, uint32_t domid, int fd, uint64_t *len,
			struct sif_err *err)
{
	char path[64], buf[65536];
	int in, rc = -1;

	(void)x;
	snprintf(path, sizeof(path), XR_DM_SAVE_PATH, domid);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return sif_errno(err, SIF_EBACKEND, "the device-model state of domain %u (%s)",
				 domid, path);
	*len = 0;
	for (;;) {
		ssize_t n = sif_read_full(in, buf, sizeof(buf));

		if (n < 0) {
			sif_errno(err, SIF_EIO, "reading %s", path);
			goto out;
		}
		if (n == 0)
			break;
		if (sif_write_exact(fd, buf, (size_t)n, "device-model state", err) < 0)
			goto out;
		*len += (uint64_t)n;
	}
	rc = 0;
out:
	close(in);
	if (rc == 0)
		unlink(path);
	return rc;
}

/* --- run, stop, find ------------------------------------------------------------ */

static int real_unpause(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	struct xr *r = R(x);
	xc_domaininfo_t info;

	if (domain_info(r, domid, &info) < 0)
		return sif_errno(err, SIF_ENOTFOUND, "no domain %u", domid);
	if (info.flags & XEN_DOMINF_hvm_guest) {
		if (!xr_dm_exists(r, domid))
			return sif_errf(err, SIF_EFORMAT, "HVM domain %u has no device model: the "
					"image held no device-model (qemu) state", domid);
		if (xr_dm_cont(r, domid, err) < 0)
			return -1;
	}
	if (X.domain_unpause(r->xch, domid) < 0)
		return sif_errno(err, SIF_EBACKEND, "unpausing domain %u", domid);
	return 0;
}

static int real_destroy(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	struct xr *r = R(x);
	char path[64];
	int rc = 0;

	xr_dm_kill(r, domid);
	if (X.domain_destroy(r->xch, domid) < 0 && errno != ESRCH)
		rc = sif_errno(err, SIF_EBACKEND, "destroying domain %u", domid);
	xr_xs_domain_remove(r, domid);
	snprintf(path, sizeof(path), XR_DM_SAVE_PATH, domid);
	unlink(path);
	if (r->domid == domid)
		r->domid = 0;
	return rc;
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
			if (!memcmp(info[i].handle, want, sizeof(want)) && info[i].domain) {
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
	struct xr *r = x->priv;

	if (r->dm.qmp >= 0)
		close(r->dm.qmp);
	free(r->boot_kernel);
	free(r->boot_ramdisk);
	free(r->boot_cmdline);
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
	struct xr *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!x || !r) {
		free(x);
		free(r);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	x->ops = &real_ops;
	x->priv = r;
	r->dm.qmp = -1;
	/* The libraries first (also where there is no hypervisor, so that a
	 * broken install shows everywhere); then the hypervisor, checked before
	 * libxenctrl's own open so that the message says what is missing. */
	if (xr_load(err) < 0) {
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
