/*
 * Inside the real Xen backend (restore/xen_real*.c), not for anything else:
 * the functions it loads from libxenctrl, libxenguest and libxenstore, its
 * state, and what its files offer each other.
 *
 *   xen_real.c       the ops table: domains (create, restore, save, destroy)
 *   xen_real_lib.c   loading the three libraries
 *   xen_real_xs.c    the xenstore entries of a domain, as `xl restore` leaves them
 *   xen_real_dm.c    the HVM device model (qemu-xen) and its QMP monitor
 */
#ifndef SIF_XEN_REAL_H
#define SIF_XEN_REAL_H

#define __XEN_TOOLS__ 1
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>

#include "sif/err.h"
#include "sif/xen.h"

/* The library functions used, with the prototypes of Debian's libxen-dev. */
struct xr_fns {
	__typeof__(xc_interface_open) *interface_open;
	__typeof__(xc_interface_close) *interface_close;
	__typeof__(xc_domain_create) *domain_create;
	__typeof__(xc_domain_max_vcpus) *domain_max_vcpus;
	__typeof__(xc_domain_setmaxmem) *domain_setmaxmem;
	__typeof__(xc_domain_set_memmap_limit) *domain_set_memmap_limit;
	__typeof__(xc_domain_set_tsc_info) *domain_set_tsc_info;
	__typeof__(xc_hvm_param_set) *hvm_param_set;
	__typeof__(xc_hvm_param_get) *hvm_param_get;
	__typeof__(xc_set_paging_mempool_size) *set_paging_mempool_size;
	__typeof__(xc_cpuid_apply_policy) *cpuid_apply_policy;
	__typeof__(xc_evtchn_alloc_unbound) *evtchn_alloc_unbound;
	__typeof__(xc_domain_getinfolist) *domain_getinfolist;
	__typeof__(xc_domain_shutdown) *domain_shutdown;
	__typeof__(xc_domain_unpause) *domain_unpause;
	__typeof__(xc_domain_destroy) *domain_destroy;
	__typeof__(xc_domain_restore) *domain_restore;
	__typeof__(xc_domain_save) *domain_save;
	__typeof__(xs_open) *xs_open;
	__typeof__(xs_close) *xs_close;
	__typeof__(xs_read) *xs_read;
	__typeof__(xs_write) *xs_write;
	__typeof__(xs_mkdir) *xs_mkdir;
	__typeof__(xs_rm) *xs_rm;
	__typeof__(xs_directory) *xs_directory;
	__typeof__(xs_set_permissions) *xs_set_permissions;
	__typeof__(xs_transaction_start) *xs_transaction_start;
	__typeof__(xs_transaction_end) *xs_transaction_end;
	__typeof__(xs_introduce_domain) *xs_introduce_domain;
	__typeof__(xs_watch) *xs_watch;
	__typeof__(xs_unwatch) *xs_unwatch;
	__typeof__(xs_fileno) *xs_fileno;
	__typeof__(xs_read_watch) *xs_read_watch;
};

extern struct xr_fns X;

/* Once per process; fails with the library or symbol that is missing. */
int xr_load(struct sif_err *err);

/* An HVM domain's device model, as this process knows it. */
struct xr_dm {
	uint32_t domid;
	pid_t pid;                      /* ours (a child) when started here */
	int qmp;                        /* connected QMP monitor, or -1 */
	char name[64];
};

struct xr {
	xc_interface *xch;
	struct xs_handle *xsh;
	struct xr_dm dm;                /* domid 0: none */
	/* what domain_create learnt, for domain_restore of the same domain */
	uint32_t domid;
	struct sif_domain_spec spec;
	char name[256], uuid[40];
	/* HVM direct kernel boot, from the VM's platform map (xen_real_dm.c) */
	char *boot_kernel, *boot_ramdisk, *boot_cmdline;
	unsigned store_port, console_port;
	uint32_t store_domid, console_domid;
};

/* --- xenstore (xen_real_xs.c) --------------------------------------------- */

/* The directories and entries of a new domain (before its memory). */
int xr_xs_domain_make(struct xr *r, uint32_t domid, struct sif_err *err);
/* After the restore: memory, cpus, store and console rings; then the
 * domain is introduced to xenstored. */
int xr_xs_domain_post(struct xr *r, uint32_t domid, const struct sif_restore_result *res,
		      struct sif_err *err);
/* Every entry of the domain, wherever it is (best effort, never fails). */
void xr_xs_domain_remove(struct xr *r, uint32_t domid);
int xr_xs_printf(struct xr *r, const char *value, struct sif_err *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* malloc'd value of a path (printf-like), NULL when absent */
char *xr_xs_readf(struct xr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- the device model (xen_real_dm.c) ------------------------------------- */

/* Start qemu-xen for the restored domain with its saved state, paused. */
int xr_dm_start(struct xr *r, uint32_t domid, const void *state, size_t len,
		struct sif_err *err);
/* Let it run (before the domain is unpaused). */
int xr_dm_cont(struct xr *r, uint32_t domid, struct sif_err *err);
/* Stop it and have it write its state to path (the domain is suspended). */
int xr_dm_save(struct xr *r, uint32_t domid, const char *path, struct sif_err *err);
/* Have it log the guest pages it dirties (libxenguest asks around an HVM save). */
int xr_dm_logdirty(struct xr *r, uint32_t domid, bool enable, struct sif_err *err);
/* Whether the domain has a running device model (ours or another toolstack's). */
bool xr_dm_exists(struct xr *r, uint32_t domid);
/* Stop the device model, whoever started it (best effort). */
void xr_dm_kill(struct xr *r, uint32_t domid);

#define XR_DM_SAVE_PATH "/var/lib/xen/qemu-save.%u"

#endif
