/*
 * Loading libxenctrl, libxenguest and libxenstore for the real backend
 * (restore/xen_real.h).  They are loaded when the backend is opened, not at
 * every start of sif: linked, they cost each process ~1.1 MiB and half a
 * millisecond, which the image commands cannot spare.  The handles stay
 * open for the life of the process.
 */
#include <dlfcn.h>

#include "xen_real.h"

struct xr_fns X;

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

int xr_load(struct sif_err *err)
{
	static void *ctrl, *guest, *store;

	if (X.xs_read_watch)
		return 0;
	if (load_lib("libxenctrl.so.4.17", &ctrl, err) < 0 ||
	    load_lib("libxenguest.so.4.17", &guest, err) < 0 ||
	    load_lib("libxenstore.so.4", &store, err) < 0)
		return -1;
	SYM(ctrl, interface_open, "xc_interface_open");
	SYM(ctrl, interface_close, "xc_interface_close");
	SYM(ctrl, domain_create, "xc_domain_create");
	SYM(ctrl, domain_max_vcpus, "xc_domain_max_vcpus");
	SYM(ctrl, domain_setmaxmem, "xc_domain_setmaxmem");
	SYM(ctrl, domain_set_memmap_limit, "xc_domain_set_memmap_limit");
	SYM(ctrl, domain_set_tsc_info, "xc_domain_set_tsc_info");
	SYM(ctrl, hvm_param_set, "xc_hvm_param_set");
	SYM(ctrl, hvm_param_get, "xc_hvm_param_get");
	SYM(ctrl, set_paging_mempool_size, "xc_set_paging_mempool_size");
	SYM(guest, cpuid_apply_policy, "xc_cpuid_apply_policy");
	SYM(ctrl, evtchn_alloc_unbound, "xc_evtchn_alloc_unbound");
	SYM(ctrl, domain_getinfolist, "xc_domain_getinfolist");
	SYM(ctrl, domain_shutdown, "xc_domain_shutdown");
	SYM(ctrl, domain_unpause, "xc_domain_unpause");
	SYM(ctrl, domain_destroy, "xc_domain_destroy");
	SYM(guest, domain_restore, "xc_domain_restore");
	SYM(guest, domain_save, "xc_domain_save");
	SYM(store, xs_open, "xs_open");
	SYM(store, xs_close, "xs_close");
	SYM(store, xs_read, "xs_read");
	SYM(store, xs_write, "xs_write");
	SYM(store, xs_mkdir, "xs_mkdir");
	SYM(store, xs_rm, "xs_rm");
	SYM(store, xs_directory, "xs_directory");
	SYM(store, xs_set_permissions, "xs_set_permissions");
	SYM(store, xs_transaction_start, "xs_transaction_start");
	SYM(store, xs_transaction_end, "xs_transaction_end");
	SYM(store, xs_introduce_domain, "xs_introduce_domain");
	SYM(store, xs_watch, "xs_watch");
	SYM(store, xs_unwatch, "xs_unwatch");
	SYM(store, xs_fileno, "xs_fileno");
	SYM(store, xs_read_watch, "xs_read_watch");
	return 0;
}
