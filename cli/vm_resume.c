/*
 * vm-resume uuid=U [--image PATH] [--dry-run] [--trust-image] [--json]:
 * decide the restore path from the suspend VDI's suspend_image_format
 * through the plugins, restore the domain from the image (a legacy one
 * through the converter), then record that the VM runs.  A failure
 * anywhere leaves the VM Suspended and the DB unchanged; --dry-run decides,
 * converts and verifies everything and changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vm_common.h"
#include "sif/ctx.h"
#include "sif/objects.h"
#include "sif/suspend.h"

static char *vdi_location(struct cli *cli, const char *vdi_ref)
{
	char *loc = NULL;

	if (sif_obj_get_by_ref(cli->db, vdi_ref, sif_ctx_field(cli->ctx, "VDI", "location"),
			       &loc, &cli->err) < 0)
		return NULL;
	if (!*loc) {
		free(loc);
		return NULL;
	}
	return loc;
}

int cmd_vm_resume(struct cli *cli, struct cli_args *a)
{
	const char *uuid = cli_kv(a, "uuid"), *backend;
	bool dry = cli_flag(a, "dry-run");
	struct sif_restore_plan plan = { 0 };
	struct sif_domain_restore r = { 0 };
	struct sif_v2_summary verified = { 0 };
	struct vm_spec vs = { 0 };
	struct sif_xen *xen = NULL;
	char *image = NULL;
	int rc;

	if (!uuid || !*uuid)
		return cli_usage_error(cli, a->cmd, "missing uuid=<vm uuid>");
	if (cli_optval(a, "stream") || cli_optval(a, "from-host") || cli_optval(a, "vm"))
		return cli_usage_error(cli, a->cmd, "--stream, --from-host and --vm are for "
				       "vm-migrate-receive");
	if ((rc = parse_width(cli, a, &r.v1_width)) != EXIT_OK)
		return rc;
	rc = EXIT_FAIL;
	if (!cli_db(cli, dry ? CLI_DB_READ : CLI_DB_WRITE) ||
	    sif_restore_plan_make(cli->ctx, cli->db, SIF_RESTORE_RESUME, uuid, NULL, &plan,
				  &cli->err) < 0)
		goto fail;
	if (cli_optval(a, "image"))
		image = strdup(cli_optval(a, "image"));
	else if (!(image = vdi_location(cli, plan.vdi_ref))) {
		if (!cli->err.msg[0])
			sif_errf(&cli->err, SIF_EUSAGE, "VDI %s has no location: name its image "
				 "with --image PATH", plan.vdi_uuid);
		goto fail;
	}
	if (vm_spec_load(cli, uuid, &vs) < 0 ||
	    !(xen = cli_xen(cli, a, dry, &verified, &backend)))
		goto fail;
	r.platformdata = &plan.platformdata;
	r.vdi_uuid = plan.vdi_uuid;
	r.image_path = image;
	r.xen = xen;
	r.spec = vs.spec;
	r.trust_image = cli_flag(a, "trust-image");
	if (sif_domain_restore_run(&r, &cli->err) < 0)
		goto fail;
	if (r.disagreed)
		fprintf(stderr, "sif: VDI %s: suspend_image_format %s %s to %s: the image is %s "
			"(--trust-image)\n", plan.vdi_uuid, r.key_format,
			dry ? "would be corrected" : "corrected", r.image_format, r.image_format);
	if (!dry && sif_resume_commit(cli->ctx, cli->db, &plan,
				      r.disagreed ? r.image_format : NULL, &cli->err) < 0) {
		/* the domain runs but the DB could not say so: stop it, say why */
		struct sif_err ignored;

		xen->ops->domain_destroy(xen, r.domid, &ignored);
		goto fail;
	}
	print_restore(cli, &plan, &r, backend, dry, &verified, cli_flag(a, "json"));
	rc = EXIT_OK;
	goto out;
fail:
	rc = cli_fail_err(cli);
	if (!dry && plan.vm_uuid)
		fprintf(stderr, "sif: VM %s stays Suspended; the pool database is unchanged\n",
			plan.vm_uuid);
out:
	sif_xen_close(xen);
	vm_spec_free(&vs);
	sif_restore_plan_free(&plan);
	free(image);
	return rc;
}
