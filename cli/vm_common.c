/*
 * Shared by the VM commands (cli/vm_common.h).
 */
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "cli.h"
#include "show.h"
#include "vm_common.h"
#include "sif/ctx.h"
#include "sif/objects.h"

const struct cli_opt vm_restore_opts[] = {
	{ "image", true, "the suspend image (file or block device); default: the VDI's location" },
	{ "stream", true, "the incoming stream (path, or - for stdin)" },
	{ "from-host", true, "uuid of the sending host (its software_version decides)" },
	{ "vm", true, "uuid of the incoming VM, when the pool DB has it" },
	{ "dry-run", false, "decide, convert and verify everything; no Xen, no DB change" },
	{ "trust-image", false, "on disagreement follow the image and correct the field" },
	{ "width", true, "toolstack width of a v1 stream: 32 or 64 (default: detect)" },
	{ "fake-xen", true, "simulate Xen with the recording fake backend writing to DIR" },
	{ "varstored-root", true, "where varstored's sandboxes are (default " SIF_VARSTORED_ROOT ")" },
	{ "swtpm-root", true, "where swtpm's sandboxes are (default " SIF_SWTPM_ROOT ")" },
	{ "json", false, "the plan and outcome as JSON" },
	{ NULL, false, NULL },
};

const struct cli_opt vm_suspend_opts[] = {
	{ "image", true, "where to write the raw image (file or block device)" },
	{ "sr", true, "SR of a new suspend VDI (default: VM suspend-SR, else the pool's)" },
	{ "vdi", true, "reuse this suspend VDI instead of creating one" },
	{ "fake-xen", true, "simulate Xen with the recording fake backend reading from DIR" },
	{ NULL, false, NULL },
};

int parse_width(struct cli *cli, struct cli_args *a, unsigned *width)
{
	const char *w = cli_optval(a, "width");

	*width = 0;
	if (!w)
		return EXIT_OK;
	if (strcmp(w, "32") && strcmp(w, "64"))
		return cli_usage_error(cli, a->cmd, "--width takes 32 or 64, not '%s'", w);
	*width = (unsigned)atoi(w);
	return EXIT_OK;
}

struct sif_xen *cli_xen(struct cli *cli, struct cli_args *a, bool dry_run,
			struct sif_v2_summary *last, const char **label)
{
	const char *fake = cli_optval(a, "fake-xen");
	struct sif_xen *x = NULL;

	if (!fake || !*fake)
		fake = getenv("SIF_FAKE_XEN");
	if (dry_run) {
		*label = "dry run (no Xen; streams verified and discarded)";
		sif_xen_open_null(&x, last, &cli->err);
	} else if (fake && *fake) {
		*label = "simulated (fake Xen backend)";
		sif_xen_open_fake(&x, fake, getenv("SIF_FAKE_XEN_FAIL"), &cli->err);
	} else {
		*label = "xen";
		sif_xen_open_real(&x, &cli->err);
	}
	if (x) {
		x->varstored_root = cli_optval(a, "varstored-root");
		x->swtpm_root = cli_optval(a, "swtpm-root");
	}
	return x;
}

static char *field(struct cli *cli, const char *ref, const char *name)
{
	const struct sif_field *f = sif_ctx_field(cli->ctx, "VM", name);
	char *v = NULL;

	if (f && sif_obj_get_by_ref(cli->db, ref, f, &v, &cli->err) < 0)
		v = NULL;
	return v;
}

int vm_spec_load(struct cli *cli, const char *vm_uuid, struct vm_spec *vs)
{
	char *ref = NULL, *dt = NULL, *boot = NULL, *vcpus = NULL, *mem = NULL;
	int rc = -1;

	memset(vs, 0, sizeof(*vs));
	if (sif_obj_ref(cli->db, "VM", vm_uuid, &ref, &cli->err) < 0)
		return -1;
	vs->uuid = strdup(vm_uuid);
	vs->name = field(cli, ref, "name__label");
	dt = field(cli, ref, "domain_type");
	boot = field(cli, ref, "HVM__boot_policy");
	vcpus = field(cli, ref, "VCPUs__max");
	mem = field(cli, ref, "memory__static_max");
	if (!vs->uuid || !vs->name || !dt || !boot || !vcpus || !mem)
		goto out;
	vs->spec.name = vs->name;
	vs->spec.uuid = vs->uuid;
	/* xapi: an HVM boot policy (or domain_type hvm) makes an HVM guest */
	vs->spec.hvm = !strcmp(dt, "hvm") || (strcmp(dt, "pv") && *boot);
	vs->spec.hvm_known = true;
	vs->spec.vcpus = (unsigned)strtoul(vcpus, NULL, 10);
	vs->spec.memory_kib = strtoull(mem, NULL, 10) / 1024;
	rc = 0;
out:
	free(ref);
	free(dt);
	free(boot);
	free(vcpus);
	free(mem);
	if (rc < 0)
		vm_spec_free(vs);
	return rc;
}

void vm_spec_free(struct vm_spec *vs)
{
	free(vs->name);
	free(vs->uuid);
	memset(vs, 0, sizeof(*vs));
}

static void print_json(const struct sif_restore_plan *plan, const struct sif_domain_restore *r,
		       const char *backend, bool dry_run, const struct sif_v2_summary *v)
{
	struct json_object *o = json_object_new_object(), *pd = json_object_new_object();

	json_object_object_add(o, "context", json_object_new_string(
		plan->context == SIF_RESTORE_RESUME ? "resume" : "migrate-receive"));
	if (plan->vm_uuid)
		json_object_object_add(o, "vm", json_object_new_string(plan->vm_uuid));
	if (plan->vdi_uuid)
		json_object_object_add(o, "vdi", json_object_new_string(plan->vdi_uuid));
	if (plan->host_uuid)
		json_object_object_add(o, "from_host", json_object_new_string(plan->host_uuid));
	json_object_object_add(o, "decision", json_object_new_string(
		plan->decided ? plan->decision.format : ""));
	json_object_object_add(o, "reason", json_object_new_string(plan->decision.reason));
	if (plan->decision.ignored[0])
		json_object_object_add(o, "ignored", json_object_new_string(plan->decision.ignored));
	for (size_t i = 0; i < plan->platformdata.n; i++)
		json_object_object_add(pd, plan->platformdata.keys[i],
				       json_object_new_string(plan->platformdata.vals[i]));
	json_object_object_add(o, "platformdata", pd);
	json_object_object_add(o, "legacy_flag", json_object_new_boolean(r->legacy));
	json_object_object_add(o, "image_format", json_object_new_string(
		r->image_format ? r->image_format : ""));
	json_object_object_add(o, "container", json_object_new_string(r->container ? r->container : ""));
	json_object_object_add(o, "records", json_object_new_string(r->records));
	json_object_object_add(o, "converted", json_object_new_boolean(r->converted));
	json_object_object_add(o, "disagreed", json_object_new_boolean(r->disagreed));
	json_object_object_add(o, "libxc_bytes", json_object_new_int64((int64_t)r->v2_bytes));
	json_object_object_add(o, "qemu_bytes", json_object_new_int64((int64_t)r->qemu_bytes));
	json_object_object_add(o, "efivars_bytes", json_object_new_int64((int64_t)r->efivars_bytes));
	json_object_object_add(o, "vtpm_bytes", json_object_new_int64((int64_t)r->vtpm_bytes));
	json_object_object_add(o, "backend", json_object_new_string(backend));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	if (dry_run && v) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "guest", json_object_new_string(
			v->guest_type == SIF_V2_GUEST_HVM ? "hvm" : "pv"));
		json_object_object_add(s, "pages", json_object_new_int64((int64_t)v->pages));
		json_object_object_add(s, "vcpus", json_object_new_int64(v->vcpus));
		json_object_object_add(s, "records", json_object_new_int64((int64_t)v->records));
		json_object_object_add(o, "verified_stream", s);
	} else {
		json_object_object_add(o, "domid", json_object_new_int64(r->domid));
	}
	show_json_print(o);
	json_object_put(o);
}

void print_restore(struct cli *cli, const struct sif_restore_plan *plan,
		   const struct sif_domain_restore *r, const char *backend, bool dry_run,
		   const struct sif_v2_summary *v, bool json)
{
	(void)cli;
	if (json) {
		print_json(plan, r, backend, dry_run, v);
		return;
	}
	printf("decision:      %s (%s)\n", plan->decided ? plan->decision.format : "(none)",
	       plan->decision.reason);
	if (plan->decision.ignored[0])
		printf("ignored:       %s\n", plan->decision.ignored);
	printf("platformdata: ");
	for (size_t i = 0; i < plan->platformdata.n; i++)
		printf(" %s=%s", plan->platformdata.keys[i], plan->platformdata.vals[i]);
	printf("\nlegacy flag:   %s\n", r->legacy ? "yes: v1 stream converted to v2 before libxenguest"
					      : "no");
	printf("image:         %s, %s container; records: %s\n",
	       r->image_format ? r->image_format : "?", r->container ? r->container : "?",
	       r->records);
	if (r->disagreed)
		printf("disagreement:  the field said %s; followed the image (--trust-image)\n",
		       r->key_format);
	printf("libxc stream:  %llu bytes%s%s\n", (unsigned long long)r->v2_bytes,
	       r->converted ? ", converted from v1" : "",
	       dry_run ? ", verified (migration v2)" : ", handed to libxenguest");
	if (dry_run && v)
		printf("               %s guest, %llu pages, %u vcpus, %llu records\n",
		       v->guest_type == SIF_V2_GUEST_HVM ? "HVM" : "PV",
		       (unsigned long long)v->pages, v->vcpus, (unsigned long long)v->records);
	if (r->qemu_bytes)
		printf("qemu state:    %llu bytes %s\n", (unsigned long long)r->qemu_bytes,
		       dry_run ? "checked" : "handed to the device model");
	if (r->efivars_bytes)
		printf("EFI variables: %llu bytes %s\n", (unsigned long long)r->efivars_bytes,
		       dry_run ? "read" : "handed to varstored");
	if (r->vtpm_bytes)
		printf("vTPM state:    %llu bytes %s\n", (unsigned long long)r->vtpm_bytes,
		       dry_run ? "decoded" : "handed to swtpm");
	printf("backend:       %s", backend);
	if (!dry_run)
		printf("; domain %u running", r->domid);
	printf("\n");
}
