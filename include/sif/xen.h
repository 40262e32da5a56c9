/*
 * Every access to Xen goes through one ops table: the real backend on
 * libxenctrl, libxenguest and libxenstore (restore/xen_real.c), and a
 * recording fake for tests and dry runs (restore/xen_fake.c) that captures
 * every call and every byte it is given.  Nothing above this table knows
 * which one it talks to.
 */
#ifndef SIF_XEN_H
#define SIF_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sif/err.h"

struct sif_strlist;

struct sif_domain_spec {
	const char *name;               /* VM name label: the domain's name */
	const char *uuid;               /* VM uuid: the domain handle, /vm/<uuid> */
	bool hvm;
	bool hvm_known;                 /* false: an incoming VM not in the DB */
	unsigned vcpus;
	uint64_t memory_kib;            /* static max = target */
	/* written to /local/domain/N/platform as xenopsd does (may be NULL) */
	const struct sif_strlist *platformdata;
};

struct sif_restore_result {
	unsigned long store_mfn, console_mfn;
	unsigned store_evtchn, console_evtchn;
};

/* How a suspend image carries a vTPM's state (facts/xenopsd.md §2). */
enum sif_vtpm_form {
	/* Swtpm (0x0f13): as xapi keeps VTPM.contents, base64 of the state */
	SIF_VTPM_BASE64 = 0,
	/* Swtpm0 (0x0f12, 2022-06 to 2023-06): swtpm's state file as is */
	SIF_VTPM_RAW,
};

struct sif_xen;

/*
 * A restore calls domain_create, domain_restore, dm_state_load (when the
 * image holds device-model state), xs_write (the Xenops record's xenstore
 * entries), domain_unpause; any failure after domain_create is followed by
 * domain_destroy.  Each backend leaves the domain as `xl restore` would:
 * what the real one writes to xenstore and when is in restore/xen_real_xs.c.
 */
struct sif_xen_ops {
	const char *name;               /* "xen" | "fake" | "null" */
	/* A paused, empty domain with the VM's settings, its event channels for
	 * xenstore and the console, and its xenstore directories. */
	int (*domain_create)(struct sif_xen *x, const struct sif_domain_spec *spec,
			     uint32_t *domid, struct sif_err *err);
	/* Read a libxc migration v2 stream from fd to its END record; then the
	 * xenstore entries that need the restored rings, the console, and the
	 * domain introduced to xenstored. */
	int (*domain_restore)(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			      struct sif_restore_result *res, struct sif_err *err);
	/* Suspend the domain and write its libxc v2 stream to fd; an HVM
	 * domain's device model is stopped and saves its state on the way. */
	int (*domain_save)(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			   struct sif_err *err);
	/* Start the device model of the restored (HVM) domain with this state
	 * (at most 1 MiB, a qemu record). */
	int (*dm_state_load)(struct sif_xen *x, uint32_t domid, const void *buf,
			     size_t len, struct sif_err *err);
	/* The state the device model saved during domain_save, written to fd. */
	int (*dm_state_save)(struct sif_xen *x, uint32_t domid, int fd,
			     uint64_t *len, struct sif_err *err);
	/* A Varstored record: the UEFI variable store that the domain's
	 * varstored resumes from (xenopsd: Device.Dm.restore_varstored). */
	int (*varstored_restore)(struct sif_xen *x, uint32_t domid, const void *buf,
				 size_t len, struct sif_err *err);
	/* A Swtpm or Swtpm0 record: the vTPM state the domain's swtpm starts
	 * from (xenopsd: Device.Dm.restore_vtpm); `index` counts the vTPM
	 * records of the image. */
	int (*vtpm_restore)(struct sif_xen *x, uint32_t domid, unsigned index,
			    const void *buf, size_t len, enum sif_vtpm_form form,
			    struct sif_err *err);
	/* Let the domain (and its device model) run. */
	int (*domain_unpause)(struct sif_xen *x, uint32_t domid, struct sif_err *err);
	/* The domain, its device model and its xenstore entries, all gone. */
	int (*domain_destroy)(struct sif_xen *x, uint32_t domid, struct sif_err *err);
	/* The domain running the VM with this uuid; SIF_ENOTFOUND if none. */
	int (*domain_lookup)(struct sif_xen *x, const char *uuid, uint32_t *domid,
			     struct sif_err *err);
	int (*xs_write)(struct sif_xen *x, const char *path, const char *value,
			struct sif_err *err);
	/* *value is malloc'd; SIF_ENOTFOUND when absent. */
	int (*xs_read)(struct sif_xen *x, const char *path, char **value,
		       struct sif_err *err);
	void (*close)(struct sif_xen *x);
};

struct sif_xen {
	const struct sif_xen_ops *ops;
	void *priv;
	/* The real backend's state directories; NULL: xenopsd's defaults. */
	const char *varstored_root;     /* SIF_VARSTORED_ROOT */
	const char *swtpm_root;         /* SIF_SWTPM_ROOT */
};

/*
 * Where a restored domain's varstored and swtpm read their state, as
 * xenopsd's sandbox lays it out (xenops_sandbox.ml, service.ml):
 *   ROOT/varstored-root-DOMID/efi-vars-resume.dat   (varstored --resume)
 *   ROOT/swtpm-root-DOMID/tpm2-00.permall           (swtpm's state file)
 * The directory is made 0750 and the file 0600, owned by the per-domain
 * user (qemu_base + domid, swtpm_base + domid) when that user exists.
 * The real backend writes there; these are its file operations.
 */
#define SIF_VARSTORED_ROOT "/var/run/xen"
#define SIF_SWTPM_ROOT "/var/lib/xcp/run"
int sif_xen_write_efivars(const char *root, uint32_t domid, const void *buf, size_t len,
			  struct sif_err *err);
/*
 * The vTPM state file's bytes of a Swtpm/Swtpm0 record body: base64
 * decoded for SIF_VTPM_BASE64 (refused with the offending position when it
 * is not base64), copied for SIF_VTPM_RAW.  *raw is malloc'd.
 */
int sif_vtpm_state_bytes(const void *buf, size_t len, enum sif_vtpm_form form,
			 unsigned char **raw, size_t *raw_len, struct sif_err *err);
/* Decodes SIF_VTPM_BASE64 first; an empty state writes nothing (xenopsd). */
int sif_xen_write_vtpm(const char *root, uint32_t domid, const void *buf, size_t len,
		       enum sif_vtpm_form form, struct sif_err *err);

/* The hypervisor; fails with a clear message where there is none. */
int sif_xen_open_real(struct sif_xen **out, struct sif_err *err);

/*
 * The dry-run backend: creates nothing, and reads every restore stream
 * through the v2 verifier (so a converted stream is checked too) and
 * discards it.  Saves are refused.
 */
struct sif_v2_summary;
/* `last` (may be NULL) receives the summary of the last stream verified. */
int sif_xen_open_null(struct sif_xen **out, struct sif_v2_summary *last,
		      struct sif_err *err);

/*
 * The recording fake.  In `dir` it writes calls.log (one line per call),
 * restore-<domid>.libxc (every byte of each restore stream), dm-<domid>.state
 * (device-model state given to it), efivars-<domid>.dat and
 * vtpm-<domid>.<index>.state (the Varstored and Swtpm record bodies, as
 * given); xenstore writes are calls in calls.log.  For domain_save it
 * sends dir/save.libxc and for dm_state_save dir/save.qemu, when they exist.
 * `fail_at` names an op that fails (e.g. "domain_restore"), or NULL.
 */
int sif_xen_open_fake(struct sif_xen **out, const char *dir, const char *fail_at,
		      struct sif_err *err);

void sif_xen_close(struct sif_xen *x);

#endif
