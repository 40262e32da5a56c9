/*
 * What vm-resume, vm-migrate-receive and vm-suspend share: choosing the Xen
 * backend, the domain spec from a VM record, printing a restore plan.
 */
#ifndef SIF_CLI_VM_COMMON_H
#define SIF_CLI_VM_COMMON_H

#include "cli.h"
#include "sif/domain.h"
#include "sif/restore.h"
#include "sif/v2.h"
#include "sif/xen.h"

/* --fake-xen DIR, and what all three take */
extern const struct cli_opt vm_restore_opts[];
extern const struct cli_opt vm_suspend_opts[];

/*
 * The backend: the dry-run one with --dry-run, the recording fake with
 * --fake-xen DIR (or $SIF_FAKE_XEN), else the hypervisor.  *label says
 * which, for the output ("simulated" for the fake).
 */
struct sif_xen *cli_xen(struct cli *cli, struct cli_args *a, bool dry_run,
			struct sif_v2_summary *last, const char **label);

struct vm_spec {
	struct sif_domain_spec spec;
	char *name, *uuid;
};

/* The domain spec of a VM of the pool DB (name, uuid, PV/HVM, vcpus, memory). */
int vm_spec_load(struct cli *cli, const char *vm_uuid, struct vm_spec *vs);
void vm_spec_free(struct vm_spec *vs);

/* --width 32|64 (0 when not given); EXIT_USAGE on anything else. */
int parse_width(struct cli *cli, struct cli_args *a, unsigned *width);

/* The restore plan and outcome, as text or JSON. */
void print_restore(struct cli *cli, const struct sif_restore_plan *plan,
		   const struct sif_domain_restore *r, const char *backend, bool dry_run,
		   const struct sif_v2_summary *verified, bool json);

#endif
